"""Drive JupyterLab the way a student does: a server on its own folders, notebooks opened in Chromium.

Used by test_jupyterlab.py. JupyterLab facts this relies on:
- a notebook opened at /lab/workspaces/<unique>/tree/<path> opens alone (no tabs restored from an old workspace);
- a notebook is done when its execution indicator says idle and no prompt shows `[*]`;
- cells off screen are rendered lazily, so text is read with textContent (innerText skips hidden parts);
- read-only editors still report contenteditable, so a lock is checked by typing and reading the text back.
"""
import atexit
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "jupyter" / "jupyter_server_config.py"
WIDGET_ERROR = "Error displaying widget"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """`jupyter lab` as `make lab` starts it (same --config), on a known port and token, with its own
    runtime/config/data/settings/workspace folders so nothing from the user's ~/.jupyter leaks in."""

    def __init__(self, root, home):
        self.root, self.home = Path(root), Path(home)
        self.token = uuid.uuid4().hex
        self.proc = None
        self.log = self.home / "server.log"

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def env(self):
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the kernels use the inline backend, as for a student
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
        for var, sub in (("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTER_CONFIG_DIR", "config"),
                         ("JUPYTER_DATA_DIR", "data"), ("JUPYTERLAB_SETTINGS_DIR", "user-settings"),
                         ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")):
            (self.home / sub).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.home / sub)
        # Test-only user setting: render every cell (no virtual scrolling), so the checks read the whole notebook.
        tracker = self.home / "user-settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
        tracker.parent.mkdir(parents=True, exist_ok=True)
        tracker.write_text(json.dumps({"windowingMode": "none"}))
        return env

    def trust(self):
        """As `make lab` does: trust the course's own notebooks, so their committed widget outputs render."""
        notebooks = sorted(str(p) for p in self.root.glob("*/*.ipynb"))
        subprocess.run([str(Path(sys.executable).with_name("jupyter")), "trust", *notebooks], env=self.env(),
                       check=True, stdout=subprocess.DEVNULL)

    def start(self, timeout=120):
        self.port = free_port()
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--config={CONFIG}",
               f"--ServerApp.root_dir={self.root}", f"--ServerApp.port={self.port}", "--ServerApp.ip=127.0.0.1",
               "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
               "--LabApp.expose_app_in_browser=True"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.home.mkdir(parents=True, exist_ok=True)
        self.log_file = open(self.log, "a")
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=self.log_file, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        STARTED.add(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/status?token={self.token}", timeout=5) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not answer in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def api(self, path):
        with urllib.request.urlopen(f"{self.base}{path}?token={self.token}", timeout=30) as r:
            return json.loads(r.read())

    def stop(self):
        """Stop as Ctrl-C would: SIGTERM, and the server shuts its kernels down."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self.proc:
            self.log_file.close()
        self.proc = None
        STARTED.discard(self)

    def url(self, path):
        return f"{self.base}/lab/workspaces/w{uuid.uuid4().hex[:10]}/tree/{path}?token={self.token}"


STARTED = set()


@atexit.register
def _stop_all():
    """However the run ends (a failed test, Ctrl-C, SIGTERM), no jupyter server of ours is left running."""
    for lab in list(STARTED):
        try:
            lab.stop()
        except Exception:
            if lab.proc:
                os.killpg(lab.proc.pid, signal.SIGKILL)


# ----------------------------------------------------------------------------------------------- notebook page

JS_CELLS = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell')).map((c, i) => ({
    code: c.classList.contains('jp-CodeCell'),
    prompt: (c.querySelector('.jp-InputArea-prompt') || {textContent: ''}).textContent.trim(),
    input: Array.from(c.querySelectorAll('.jp-InputArea-editor .cm-line')).map(l => l.textContent).join('\\n'),
    errors: Array.from(c.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')).map(e => e.textContent),
    output: Array.from(c.querySelectorAll('.jp-OutputArea-output')).map(e => e.textContent).join('\\n'),
    bars: Array.from(c.querySelectorAll('.jupyter-widgets .progress .progress-bar')).map(b => b.className),
    widgets: c.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length,
}))"""

JS_IDLE = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    if (!kernel || kernel.status !== 'idle') return false;
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const ind = panel && (panel.querySelector('.jp-Notebook-ExecutionIndicator') || document.querySelector('.jp-Notebook-ExecutionIndicator'));
    if (ind && ind.getAttribute('data-status') !== 'idle') return false;
    return !Array.from(panel.querySelectorAll('.jp-InputArea-prompt')).some(p => p.textContent.includes('*'));
}"""

JS_BUSY = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-InputArea-prompt')).some(p => p.textContent.includes('*'))"""

JS_MATH = """() => {
    const md = Array.from(document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell .jp-RenderedMarkdown'));
    let raw = [];
    for (const m of md) {
        const copy = m.cloneNode(true);
        copy.querySelectorAll('code, pre, mjx-container, mjx-assistive-mml, script').forEach(e => e.remove());
        const t = copy.textContent;
        if (t.includes('$$') || /\\\\(frac|sum|partial|mathbf|mathrm|left|right|cdot|sigma|theta|eta|lambda|nabla|sqrt|log|exp)\\b/.test(t)
            || /\\$[^$\\s][^$]*[_^\\\\][^$]*\\$/.test(t))
            raw.push(t.slice(0, 200));
    }
    return {containers: document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell mjx-container').length, raw};
}"""


def command(page, cmd, args=None, wait=True):
    """Run a JupyterLab command (the same the menus run)."""
    if wait:
        return page.evaluate("([c, a]) => window.jupyterapp.commands.execute(c, a || {})", [cmd, args])
    page.evaluate("([c, a]) => { window.jupyterapp.commands.execute(c, a || {}); }", [cmd, args])


def open_notebook(page, server, path, timeout=120_000):
    page.goto(server.url(path))
    page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell", timeout=timeout)
    page.wait_for_function(JS_IDLE, timeout=timeout)  # the kernel has started and is idle
    page.wait_for_timeout(500)  # let widget views settle


def cells(page):
    return page.evaluate(JS_CELLS)


def wait_idle(page, timeout):
    page.wait_for_function(JS_IDLE, timeout=timeout, polling=250)


def restart_and_run_all(page, timeout):
    """Kernel > Restart Kernel and Run All Cells..., accept the dialog, wait until the notebook is done."""
    command(page, "notebook:restart-run-all", wait=False)
    page.click(".jp-Dialog .jp-mod-accept")
    try:  # the restart clears the prompts and the cells start: wait to see one busy, unless it was too quick
        page.wait_for_function(JS_BUSY, timeout=30_000, polling=100)
    except Exception:
        pass
    wait_idle(page, timeout)
    page.wait_for_timeout(300)


def shutdown_kernel(page):
    """Shut the open notebook's kernel down without a dialog (the command's confirmation would block)."""
    page.evaluate("""() => { const w = window.jupyterapp.shell.currentWidget;
        return w && w.sessionContext ? w.sessionContext.shutdown() : null; }""")


def math(page):
    return page.evaluate(JS_MATH)


def save(page):
    command(page, "docmanager:save")
    page.wait_for_timeout(300)


def widget_errors(page):
    return page.evaluate("() => (document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)') || document.body)"
                         ".textContent.split(%r).length - 1" % WIDGET_ERROR)


TEXT_BAR = re.compile(r"\d+%\|[^\n|]*\|\s*\d+/\d+ \[")
