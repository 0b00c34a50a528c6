"""Contain one submission's kernel: Linux namespaces through ``unshare`` (util-linux), no Docker needed.

``kernel_command(cmd, folders)`` wraps the kernel's command line so that the kernel (and everything it
starts) runs:

- in a root file system of its own (a tmpfs) that holds only read-only views of the system (``/usr``,
  ``/bin``, ``/lib*``, ``/etc``), of the Python installation and virtual environment, and of the ``nnedu``
  package; the solutions, other submissions, the grader's outputs and the rest of the project are not
  there at all;
- in an empty working folder (``/work/submission``) that holds the submission's copy and the data the
  lab declares, and with a private ``/tmp`` and ``/dev/shm``;
- with no network (a new network namespace has only a loopback that is down; the kernel talks to the
  grader through Unix sockets in a folder shared with this one sandbox only);
- in its own PID namespace, as PID 1: when the kernel ends or is killed, every process it started dies with
  it, and no process outside the sandbox can be seen (nor the grader's command line in ``/proc``); and when
  the grader itself dies, even by SIGKILL, the sandbox dies with it;
- with no capabilities (bounding set emptied, ``no_new_privs``): it cannot remount what is read-only;
  when the grader runs as root, as a user of its own, new for each sandbox (``sandbox_uid``: a uid from a
  reserved range that no account uses), so nothing kept per user (the user keyring, the process count) passes
  from one kernel to the next; otherwise in a user namespace as the instructor's own user;
- in a control group of its own where the grader can make one (``cgroup``: memory, processes, CPU for the
  whole sandbox);
- with a small environment (``PATH``, ``HOME=/tmp``, thread limits): none of the instructor's variables, nor
  the launcher's (``JPY_PARENT_PID``) or the shell's (``PWD``, ``OLDPWD``).

macOS has no namespaces: there is no sandbox there and the grader refuses to run unless ``--unsafe``.
"""
import functools
import os
import secrets
import subprocess
import sys
from pathlib import Path

NOBODY = 65534
SANDBOX_UIDS = range(3_000_000_000, 3_000_000_000 + 2**24)  # no account, no /etc/subuid range uses these
_USED_UIDS = set()
SYSTEM = ["/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32", "/etc"]
WORK = "/work/submission"
KEEP_ENV = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LANG", "LC_ALL",
            "NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS"]

# Runs as root of the new namespaces: $1 the new root, $2 the working folder, $3 the socket folder, $4 the
# uid to become ("" to stay), $5 the control group folders to join (space-separated, may be ""), then
# read-only paths up to "--", then the command.
_SETUP = r"""
set -eu
R=$1; W=$2; C=$3; U=$4; G=$5; shift 5
for g in $G; do echo 0 > "$g/cgroup.procs"; done
CHROOT=$(PATH=/usr/sbin:/sbin:/usr/bin:/bin:$PATH command -v chroot)
mount -t tmpfs -o mode=755 sandbox "$R"
# The private /tmp first: the read-only views below may live under /tmp (a project cloned there).
mkdir -p "$R/tmp"
mount -t tmpfs -o mode=1777,size=1g tmp "$R/tmp"
while [ "$1" != "--" ]; do
  mkdir -p "$R$1"; mount --rbind "$1" "$R$1"; mount -o remount,bind,ro "$R$1"; shift
done
shift
mkdir -p "$R/proc" "$R/tmp" "$R/dev/shm" "$R$C" "$R/work/submission"
mount -t proc proc "$R/proc"
mkdir -p "$R$C"
mount --bind "$C" "$R$C"
mount --bind "$W" "$R/work/submission"
for n in null zero random urandom; do touch "$R/dev/$n"; mount --bind "/dev/$n" "$R/dev/$n"; done
mount -t tmpfs -o mode=1777,size=256m shm "$R/dev/shm"
mount -o remount,bind,ro "$R"
cd "$R"
unset PWD OLDPWD JPY_PARENT_PID
if [ -n "$U" ]; then set -- --reuid="$U" --regid="$U" --clear-groups "$@"; fi
exec "$CHROOT" "$R" setpriv --pdeathsig KILL --bounding-set=-all --inh-caps=-all --no-new-privs "$@"
"""


class SandboxUnavailable(RuntimeError):
    """No way to contain a kernel on this machine; the message says why and what to do."""


def _unshare_args():
    # setpriv --pdeathsig: unshare is killed when the grader dies (even by SIGKILL), and --kill-child then kills
    # the sandbox's PID 1, so a grader stopped half-way leaves no kernel running.
    base = ["unshare", "--mount", "--pid", "--net", "--ipc", "--uts", "--fork", "--kill-child"]
    base = base if os.geteuid() == 0 else base[:1] + ["--user", "--map-root-user"] + base[1:]
    return ["setpriv", "--pdeathsig", "KILL", *base]


def readonly_paths():
    """What the kernel may read: the system, Python and its environment, the nnedu package (nothing else)."""
    import nnedu
    paths = [p for p in SYSTEM if os.path.isdir(p)]  # a symlinked /bin is bound as the folder it names
    for p in (sys.prefix, sys.base_prefix, str(Path(nnedu.__file__).resolve().parent)):
        p = os.path.realpath(p)
        if not any(p == q or p.startswith(q + "/") for q in paths):
            paths.append(p)
    return paths


@functools.lru_cache(maxsize=1)
def check():
    """None when kernels can be sandboxed here, else the reason (cached: tried once per process)."""
    if not sys.platform.startswith("linux"):
        return f"no Linux namespaces on {sys.platform}"
    import tempfile
    with tempfile.TemporaryDirectory(prefix="nnedu-sandbox-check-") as tmp:
        folders = make_folders(tmp)
        cmd = kernel_command([sys.executable, "-c", "import nnedu, os; assert os.getpid() == 1"], folders)
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            return f"unshare failed: {e}"
        if run.returncode:
            return f"unshare failed: {(run.stderr or run.stdout).strip()[-300:]}"
    return None


def make_folders(base):
    """Create the sandbox's folders under ``base``: root (mount point), work, comm; return them as a dict."""
    folders = {name: Path(base) / name for name in ("root", "work", "comm")}
    for name, path in folders.items():
        path.mkdir(mode=0o700 if name == "root" else 0o777, exist_ok=True)
        path.chmod(0o777 if name != "root" else 0o700)  # the kernel may run as nobody
    return folders


def sandbox_uid():
    """A uid for one sandbox (root only): from ``SANDBOX_UIDS``, never the same twice in this grader."""
    while True:
        uid = SANDBOX_UIDS[secrets.randbelow(len(SANDBOX_UIDS))]
        if uid not in _USED_UIDS:
            _USED_UIDS.add(uid)
            return uid


def kernel_command(cmd, folders, cgroups=()):
    """``cmd`` wrapped to run in a sandbox built in ``folders`` (from ``make_folders``), in ``cgroups``."""
    uid = str(sandbox_uid()) if os.geteuid() == 0 else ""
    return [*_unshare_args(), "sh", "-c", _SETUP, "sandbox-setup", str(folders["root"]), str(folders["work"]),
            str(folders["comm"]), uid, " ".join(map(str, cgroups)), *readonly_paths(), "--", *cmd]


def kernel_env(unsafe=False):
    """The kernel's whole environment: nothing of the instructor's but the thread and CPU settings."""
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    path = os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin"
    env.update(PATH=path, HOME="/tmp", PYTHONHASHSEED="0", MPLCONFIGDIR="/tmp/matplotlib",
               IPYTHONDIR="/tmp/ipython", JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    if unsafe:  # no private /tmp: keep the kernel's own files inside its working folder
        env.update(HOME=".", MPLCONFIGDIR=".matplotlib", IPYTHONDIR=".ipython")
    return env
