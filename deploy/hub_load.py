"""Load test of the course hub: N simulated students on one JupyterHub (`make test-hub`, not part of `make test`).

    .venv/bin/python deploy/hub_load.py [--students 6] [--report results.md] [--json results.json]

1. starts deploy/jupyterhub_config.py (trial mode, own state folder, free ports, an admin API token);
2. alone: one student's server is started through the Hub's REST API and runs the lecture and the lab through
   its own server's kernel API (sessions REST + the kernel's websocket), one cell after another;
3. together: N students' servers are started at once, and each runs the same two notebooks, concurrently;
4. reports per student: server memory idle, after `import torch, nnedu`, peak while running (RSS and PSS of
   the server's process tree, read from /proc), seconds per notebook alone and together, failures; and a sizing
   table derived from these numbers (see `sizing`); then stops everything it started, and checks it did.

Exit status 0 only with 0 failures. Students are only simulated: no browser, but the same server, kernel and
messages a browser's JupyterLab uses.
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "deploy" / ".venv-hub" / "bin" / "jupyterhub"
PREAMBLE = "import torch, nnedu"


# ---------------------------------------------------------------- the hub
def free_base_port():
    """A port P with P, P+1, P+2 free (public, hub API, proxy API)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            p = s.getsockname()[1]
        if p > 60000:
            continue
        ok = True
        for q in (p + 1, p + 2):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", q))
                except OSError:
                    ok = False
        if ok:
            return p
    raise RuntimeError("no three free ports in a row")


class Hub:
    """The course's hub on free ports with an admin API token: a trial (shared password) unless ``mode`` is
    "users"; ``env`` adds settings (NNEDU_HUB_SERVE, NNEDU_HUB_GROUP, ...)."""

    def __init__(self, state, mode="trial", env=None):
        self.state, self.port, self.token = Path(state), free_base_port(), secrets.token_hex(32)
        self.mode, self.extra_env = mode, dict(env or {})
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc, self.seen_pids = None, set()
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"token {self.token}"

    def start(self):
        self.password = secrets.token_hex(8)
        env = dict(os.environ, NNEDU_HUB_MODE=self.mode, NNEDU_HUB_STATE=str(self.state), NNEDU_HUB_IP="127.0.0.1",
                   NNEDU_HUB_PORT=str(self.port), NNEDU_HUB_ADMIN_TOKEN=self.token,
                   NNEDU_HUB_PASSWORD=self.password, **self.extra_env)
        self.log = open(self.state / "hub.log", "wb")
        self.proc = subprocess.Popen([str(HUB), "-f", str(ROOT / "deploy" / "jupyterhub_config.py")],
                                     cwd=self.state, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}): see {self.state / 'hub.log'}")
            try:
                if self.http.get(f"{self.url}/hub/api/", timeout=2).ok:
                    self.remember()
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the hub did not answer in 60 s: see {self.state / 'hub.log'}")

    def api(self, method, path, **kw):
        r = self.http.request(method, f"{self.url}/hub/api{path}", timeout=60, **kw)
        r.raise_for_status()
        return r.json() if r.content else None

    def remember(self):
        """Note every process under the hub (proxy, servers, kernels), so `stop` can check they are gone."""
        try:
            p = psutil.Process(self.proc.pid)
            self.seen_pids.update([p.pid] + [c.pid for c in p.children(recursive=True)])
        except psutil.NoSuchProcess:
            pass

    def start_server(self, name, timeout=180):
        self.api("POST", f"/users/{name}/server")
        deadline = time.time() + timeout
        while time.time() < deadline:
            server = self.api("GET", f"/users/{name}")["servers"].get("", {})
            if server.get("ready"):
                self.remember()
                return server["state"]["pid"]
            time.sleep(0.5)
        raise RuntimeError(f"{name}'s server was not ready in {timeout} s")

    def stop(self):
        """Stop the students' servers and the hub (which stops its proxy), then any of our processes left."""
        if self.proc is None:
            return []
        self.remember()
        try:
            for user in self.api("GET", "/users"):
                if user["servers"]:
                    self.api("DELETE", f"/users/{user['name']}/server")
        except requests.RequestException:
            pass
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        time.sleep(1)
        survivors = [pid for pid in self.seen_pids if psutil.pid_exists(pid)
                     and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        for pid in survivors:   # only processes this test started (children of its hub)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None
        for controller in ("memory", "cpu", ""):   # the parent cgroup the spawners made (only if now empty)
            try:
                Path("/sys/fs/cgroup", controller, "nnedu-hub").rmdir()
            except OSError:
                pass
        return survivors


# ---------------------------------------------------------------- memory, read from /proc
def tree_memory(pid):
    """RSS and PSS (bytes) of process ``pid`` and all its descendants, and the pids."""
    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.NoSuchProcess:
        return 0, 0, []
    rss = pss = 0
    for p in procs:
        try:
            info = p.memory_full_info()
            rss, pss = rss + info.rss, pss + info.pss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return rss, pss, [p.pid for p in procs]


class PeakSampler(threading.Thread):
    """Samples a process tree's memory every ``period`` seconds until stopped; keeps the peaks."""

    def __init__(self, pid, period=1.0):
        super().__init__(daemon=True)
        self.pid, self.period, self.peak_rss, self.peak_pss = pid, period, 0, 0
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            rss, pss, _ = tree_memory(self.pid)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._halt.wait(self.period)

    def stop(self):
        self._halt.set()
        self.join()


# ---------------------------------------------------------------- a student's server and kernels
class Student:
    def __init__(self, hub, name):
        self.hub, self.name = hub, name
        self.base = f"{hub.url}/user/{name}"
        self.pid = None

    def session(self, path):
        r = self.hub.http.post(f"{self.base}/api/sessions", timeout=60,
                               json={"path": path, "type": "notebook", "name": Path(path).name,
                                     "kernel": {"name": "python3"}})
        r.raise_for_status()
        return r.json()

    def end_session(self, session):
        self.hub.http.delete(f"{self.base}/api/sessions/{session['id']}", timeout=60)

    def kernel_pid(self, session):
        """The kernel's process: the server's child whose command line names the kernel's connection file."""
        kid = session["kernel"]["id"]
        for p in psutil.Process(self.pid).children(recursive=True):
            try:
                if any(kid in arg for arg in p.cmdline()):
                    return p.pid
            except psutil.NoSuchProcess:
                pass
        return None

    def run_cells(self, session, sources, cell_timeout=600):
        """Execute ``sources`` one after another in the session's kernel over its websocket channels.
        Returns the list of errors (cell index, ename, evalue); an empty list is a clean run."""
        kid = session["kernel"]["id"]
        ws_url = self.base.replace("http://", "ws://") + f"/api/kernels/{kid}/channels?session_id={uuid.uuid4().hex}"
        ws = websocket.create_connection(ws_url, timeout=cell_timeout,
                                         header=[f"Authorization: token {self.hub.token}"])
        errors = []
        try:
            for index, source in enumerate(sources):
                msg_id = uuid.uuid4().hex
                ws.send(json.dumps({
                    "header": {"msg_id": msg_id, "username": self.name, "session": session["id"],
                               "msg_type": "execute_request", "version": "5.3", "date": ""},
                    "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                    "content": {"code": source, "silent": False, "store_history": True,
                                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
                replied = idle = False
                while not (replied and idle):
                    msg = json.loads(ws.recv())
                    if msg.get("parent_header", {}).get("msg_id") != msg_id:
                        continue
                    kind = msg["header"]["msg_type"]
                    if kind == "error":
                        errors.append((index, msg["content"]["ename"], msg["content"]["evalue"][:200]))
                    elif kind == "execute_reply":
                        replied = True
                        if msg["content"]["status"] != "ok" and not errors:
                            errors.append((index, msg["content"].get("ename", "?"), msg["content"]["status"]))
                    elif kind == "status" and msg["content"]["execution_state"] == "idle":
                        idle = True
                if errors:
                    break
        finally:
            ws.close()
        return errors


def code_cells(path):
    nb = json.loads(Path(path).read_text())
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def run_student(hub, name, notebooks, result, started=None):
    """One student's whole session; fills ``result`` (a dict) and never raises."""
    student = Student(hub, name)
    result.update(name=name, failures=[], seconds={}, cpu_seconds={}, torch_rss=0, torch_pss=0,
                  peak_rss=0, peak_pss=0)
    try:
        t = time.perf_counter()
        student.pid = started if started else hub.start_server(name)
        result["spawn_seconds"] = time.perf_counter() - t
        time.sleep(2)
        result["idle_rss"], result["idle_pss"], _ = tree_memory(student.pid)
        for label, (home_path, source) in notebooks.items():
            session = student.session(home_path)
            try:
                errors = student.run_cells(session, [PREAMBLE])
                rss, pss, _ = tree_memory(student.pid)
                result["torch_rss"], result["torch_pss"] = max(result["torch_rss"], rss), max(result["torch_pss"], pss)
                kpid = student.kernel_pid(session)
                cpu0 = sum(psutil.Process(kpid).cpu_times()[:2]) if kpid else 0.0
                sampler = PeakSampler(student.pid)
                sampler.start()
                t = time.perf_counter()
                errors += student.run_cells(session, code_cells(source))
                result["seconds"][label] = time.perf_counter() - t
                if kpid:
                    k = psutil.Process(kpid).cpu_times()
                    result["cpu_seconds"][label] = k.user + k.system + k.children_user + k.children_system - cpu0
                sampler.stop()
                result["peak_rss"] = max(result["peak_rss"], sampler.peak_rss)
                result["peak_pss"] = max(result["peak_pss"], sampler.peak_pss)
                result["failures"] += [f"{label} cell {i}: {e}: {v}" for i, e, v in errors]
            finally:
                student.end_session(session)
    except Exception as e:  # noqa: BLE001 (a failure of this student, counted and reported)
        result["failures"].append(f"{type(e).__name__}: {e}")
    return result


def student_login(hub, name, password):
    """What `make hub` promises: a student logs in with the password through the login form, gets a server
    with the course in their home (lectures and labs, no solutions) and the course's JupyterLab settings.
    Returns a list of problems (empty: all good)."""
    web = requests.Session()
    web.get(f"{hub.url}/hub/login", timeout=30).raise_for_status()
    r = web.post(f"{hub.url}/hub/login?next=/hub/spawn", timeout=120, allow_redirects=True,
                 data={"username": name, "password": password, "_xsrf": web.cookies.get("_xsrf", "")})
    r.raise_for_status()
    deadline = time.time() + 180
    while not hub.api("GET", f"/users/{name}")["servers"].get("", {}).get("ready"):
        if time.time() > deadline:
            return [f"{name}: no server {180} s after logging in"]
        time.sleep(0.5)
    problems = []
    base = f"{hub.url}/user/{name}"
    page = web.get(f"{base}/lab", timeout=60)   # the page a browser opens: OAuth with the hub on the way
    if not page.ok or "jupyterlab" not in page.text.lower():
        return [f"{name}: JupyterLab page answered {page.status_code}"]
    # as JupyterLab does: the server's XSRF cookie echoed in a header on API requests
    xsrf = [c.value for c in web.cookies if c.name == "_xsrf" and c.path.startswith(f"/user/{name}")]
    web.headers["X-XSRFToken"] = xsrf[-1] if xsrf else web.cookies.get("_xsrf", "")
    listing = web.get(f"{base}/api/contents/lectures", timeout=60)
    listing.raise_for_status()
    lectures = {item["name"] for item in listing.json()["content"]}
    wanted = {p.name for p in (ROOT / "lectures").glob("*.ipynb")}
    if lectures != wanted:
        problems.append(f"{name}: lectures in the home {sorted(lectures)} != the course's {sorted(wanted)}")
    top = {item["name"] for item in web.get(f"{base}/api/contents", timeout=60).json()["content"]}
    if "labs" not in top or "solutions" in top:
        problems.append(f"{name}: home holds {sorted(top)} (want labs/, never solutions/)")
    # jupyter/lab/settings/overrides.json turns into the schema defaults JupyterLab serves (JupyterLab's own
    # default for checkForUpdates is true: false here means the course's overrides are read)
    note = web.get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification", timeout=60)
    props = note.json()["schema"]["properties"] if note.ok else {}
    if props.get("checkForUpdates", {}).get("default") is not False \
            or props.get("fetchNews", {}).get("default") != "false":
        problems.append(f"{name}: the course's JupyterLab settings (jupyter/lab/settings) are not in effect")
    return problems


# ---------------------------------------------------------------- sizing
def sizing(alone, together, n, cores_here, load_max, reserve_gb=4.0, slowdown=2.0):
    """Students per server from the measured numbers.

    memory: (RAM - reserve_gb for the OS, the hub and the proxy) / (the largest peak PSS of one student while
    running a notebook, plus one more idle kernel with torch imported: torch PSS - idle PSS, since students
    often keep a lecture and a lab open), every student at that peak at once: the worst case.
    CPU: each kernel computes on one core (one BLAS thread). If S students start the same notebook together on
    P cores it takes about max(t_alone, S * c / P), c its CPU seconds measured in the kernel alone. This run
    checks the model: the N students had about P_here = cores * N / max(N, peak load average) cores (other
    work on the machine counts in the load average), so the model predicts max(t_alone, N c / P_here); the
    measured mean over that prediction (at least 1) is the overhead (server, websockets, memory bandwidth,
    switching). Allowing a notebook run by everybody at once to take `slowdown` times as long as alone:
    S <= slowdown * P * t_alone / (c * overhead), the heavier notebook deciding.
    """
    mem = (max(r["peak_pss"] for r in together)
           + max(r["torch_pss"] - r.get("idle_pss", 0) for r in together)) / 2**30
    per_nb = {label: (alone["seconds"][label], max(alone["cpu_seconds"].get(label, 0.0), 1e-3))
              for label in alone["seconds"]}
    cores_available = cores_here * n / max(n, load_max)
    predicted = {label: max(t, n * c / cores_available) for label, (t, c) in per_nb.items()}
    measured = {label: sum(r["seconds"][label] for r in together) / len(together) for label in per_nb}
    overhead = max(1.0, max(measured[label] / predicted[label] for label in per_nb))
    per_core = min(slowdown * t / (c * overhead) for t, c in per_nb.values())
    table = {}
    for cores in (8, 16, 32, 64):
        for ram in (32, 64, 128, 256):
            table[cores, ram] = min(int((ram - reserve_gb) / mem), int(per_core * cores))
    return table, mem, per_core, predicted, cores_available, overhead


def markdown(alone, together, n, table, mem, per_core, predicted, cores_available, overhead, load, cores,
             elapsed):
    mib = lambda b: f"{b / 2**20:.0f}"  # noqa: E731
    labels = list(alone["seconds"])
    lines = [f"Measured on {cores} CPU cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM; load average "
             f"(1 min) {load['before']:.1f} before, up to {load['max']:.1f} during the concurrent run "
             f"(other work on the machine included); whole test {elapsed / 60:.1f} min.", "",
             "| student | spawn s | idle MiB RSS/PSS | torch MiB RSS/PSS | peak MiB RSS/PSS | "
             + " | ".join(f"{label} s" for label in labels) + " | failures |",
             "|---" * (6 + len(labels)) + "|"]
    for tag, r in [("alone", alone)] + [(f"together {i + 1}/{n}", r) for i, r in enumerate(together)]:
        lines.append(f"| {tag} {r['name']} | {r.get('spawn_seconds', 0):.1f} | {mib(r.get('idle_rss', 0))}/"
                     f"{mib(r.get('idle_pss', 0))} | {mib(r['torch_rss'])}/{mib(r['torch_pss'])} | "
                     f"{mib(r['peak_rss'])}/{mib(r['peak_pss'])} | "
                     + " | ".join(f"{r['seconds'].get(label, float('nan')):.0f}" for label in labels)
                     + f" | {len(r['failures'])} |")
    lines += ["", f"Time per notebook, together vs alone (mean over students; CPU seconds measured in the kernel; "
              f"predicted max(t_alone, N c / P) with P = {cores_available:.2f} cores left to the {n} students by "
              f"the machine's other work, estimated from the load average):", ""]
    for label in labels:
        ts = [r["seconds"][label] for r in together if label in r["seconds"]]
        mean = sum(ts) / len(ts) if ts else float("nan")
        lines.append(f"- {label}: alone {alone['seconds'][label]:.0f} s ({alone['cpu_seconds'].get(label, 0):.0f}"
                     f" CPU s); {n} together {mean:.0f} s mean, {max(ts or [0]):.0f} s max "
                     f"({mean / alone['seconds'][label]:.1f}x); predicted {predicted[label]:.0f} s")
    lines += ["", f"Sizing: memory per student {mem:.2f} GiB (largest peak PSS while running plus a second kernel with "
              f"torch), 4 GiB kept for the "
              f"system and the hub; CPU: overhead {overhead:.2f} (measured / predicted, at least 1), so "
              f"{per_core:.2f} students per core if a notebook run by everybody at once may take twice as long as "
              f"alone. Students per server (the smaller of the memory and the CPU bound):", "",
              "| cores \\ RAM | 32 GB | 64 GB | 128 GB | 256 GB |", "|---|---|---|---|---|"]
    for cores in (8, 16, 32, 64):
        lines.append(f"| {cores} | " + " | ".join(str(table[cores, ram]) for ram in (32, 64, 128, 256)) + " |")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=6)
    ap.add_argument("--lecture", default=str(sorted(ROOT.glob("lectures/06_*.ipynb"))[0]))
    ap.add_argument("--lab", default=str(ROOT / "solutions" / "lab2_pytorch_vs_nnedu.ipynb"))
    ap.add_argument("--report", help="write the Markdown report here too")
    ap.add_argument("--json", help="write the raw numbers here")
    ap.add_argument("--skip-alone", action="store_true", help="no single-student baseline (quick checks)")
    args = ap.parse_args(argv)
    if not HUB.exists():
        sys.exit(f"error: {HUB} missing: run deploy/setup.sh (make test-hub does)")
    lecture, lab = Path(args.lecture), Path(args.lab)
    # the student's copy (the kernel starts in its folder); the cells come from the instructor's file
    notebooks = {lecture.stem: (f"lectures/{lecture.name}", lecture),
                 lab.stem: (f"labs/{lab.name}", lab)}
    cores = psutil.cpu_count()
    t0 = time.perf_counter()
    state = Path(tempfile.mkdtemp(prefix="nnedu-hub-load-"))
    hub = Hub(state)
    failures, load = [], {"before": os.getloadavg()[0], "max": 0.0}
    try:
        hub.start()
        print("login: a student logs in with the password and gets the course", flush=True)
        login_problems = student_login(hub, "visitor", hub.password)
        hub.api("DELETE", "/users/visitor/server")
        print("  " + ("; ".join(login_problems) if login_problems else "ok"), flush=True)
        names = [f"student{i:02d}" for i in range(args.students + 1)]
        hub.api("POST", "/users", json={"usernames": names})
        alone = {"name": names[0], "seconds": {}, "cpu_seconds": {}, "failures": [], "torch_rss": 0,
                 "torch_pss": 0, "peak_rss": 0, "peak_pss": 0}
        if not args.skip_alone:
            print(f"alone: {names[0]} runs {', '.join(notebooks)}", flush=True)
            run_student(hub, names[0], notebooks, alone)
            print(json.dumps({k: v for k, v in alone.items()}, default=str), flush=True)
            hub.api("DELETE", f"/users/{names[0]}/server")
        print(f"together: {args.students} students start their servers and run the notebooks at once", flush=True)
        together = [{} for _ in names[1:]]
        load["before"] = os.getloadavg()[0]
        threads = [threading.Thread(target=run_student, args=(hub, n, notebooks, r))
                   for n, r in zip(names[1:], together)]
        for th in threads:
            th.start()
        while any(th.is_alive() for th in threads):
            load["max"] = max(load["max"], os.getloadavg()[0])
            time.sleep(2)
        for r in together:
            print(json.dumps(r, default=str), flush=True)
        failures = login_problems + [f"{r['name']}: {f}" for r in [alone] + together for f in r["failures"]]
    finally:
        survivors = hub.stop()
        shutil.rmtree(state, ignore_errors=True) if not failures else print(f"hub state kept in {state}")
    if survivors:
        failures.append(f"processes left after stopping the hub (killed): {survivors}")
    elapsed = time.perf_counter() - t0
    if not args.skip_alone and all(r.get("seconds") for r in together):
        numbers = sizing(alone, together, args.students, cores, load["max"])
        text = markdown(alone, together, args.students, *numbers, load, cores, elapsed)
        print(text)
        if args.report:
            Path(args.report).parent.mkdir(parents=True, exist_ok=True)
            Path(args.report).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps({"alone": alone, "together": together, "load": load,
                                               "cores": cores, "seconds": elapsed}, indent=1, default=str))
    print(f"{len(failures)} failure(s)" + "".join(f"\n  {f}" for f in failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
