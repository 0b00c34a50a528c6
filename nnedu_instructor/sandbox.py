"""Contain one submission's kernel: Linux namespaces through ``unshare`` (util-linux), no Docker needed.

A ``Sandbox`` is one kernel's place: its folders (``make_folders``) and whether it is contained at all
(``--unsafe``: not). ``Sandbox.wrap(cmd)`` (``kernel_command``) wraps the kernel's command line so that the
kernel (and everything it starts) runs:

- in a root file system of its own (a tmpfs) that holds only read-only views of the system (``/usr``,
  ``/bin``, ``/lib*``, ``/etc``), of the Python installation and virtual environment, and of the ``nnedu``
  package; the solutions, other submissions, the grader's outputs and the rest of the project are not
  there at all;
- in an empty working folder (``/work/submission``) that holds the submission's copy and the data the
  lab declares, and with a private ``/tmp`` and ``/dev/shm``; each of the three is a size-limited tmpfs
  (the working folder only when the grader runs as root: ``make_folders`` mounts it, ``files.remove_tree``
  unmounts it; otherwise it is a folder on the host's disk where only ``RLIMIT_FSIZE`` caps each file), so a
  kernel cannot fill the host's disk, and what it writes there counts as its control group's memory;
- with no network (a new network namespace has only a loopback that is down; the kernel talks to the
  grader through Unix sockets in a folder shared with this one sandbox only, seen there as ``COMM``; as root
  it is a tmpfs of its own too, so that ``/proc/self/mountinfo`` shows no path of the grader's temporary folder);
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
import ctypes
import functools
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from .files import remove_tree

NOBODY = 65534
SANDBOX_UIDS = range(3_000_000_000, 3_000_000_000 + 2**24)  # no account, no /etc/subuid range uses these
_USED_UIDS = set()
SYSTEM = ["/usr", "/bin", "/lib", "/lib64", "/lib32", "/libx32", "/etc"]
WORK = "/work/submission"
COMM = "/run/nnedu"  # the socket folder as the kernel sees it (the grader's path for it is never shown there)
MAX_SOCKET_PATH = 107  # bytes in a Unix socket's path (sun_path less its NUL)
SHORT_BASE = "/tmp"  # where a socket folder goes when the grader's own temporary folder is too deep for one
WORK_BYTES = 2**30  # the working folder's tmpfs (root only): the submission, the lab's data, what the kernel writes
LOG = logging.getLogger("nnedu_instructor.sandbox")
KEEP_ENV = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LANG", "LC_ALL",
            "NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS"]

# Runs as root of the new namespaces: $1 the new root, $2 the working folder, $3 the socket folder (bound at
# /run/nnedu: COMM), $4 the uid to become ("" to stay), $5 the control group folders to join (space-separated,
# may be ""), then read-only paths up to "--", then the command.
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
mkdir -p "$R/proc" "$R/tmp" "$R/dev/shm" "$R/run/nnedu" "$R/work/submission"
mount -t proc proc "$R/proc"
mount --bind "$C" "$R/run/nnedu"
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
    tmp = tempfile.mkdtemp(prefix="nnedu-sandbox-check-")
    try:
        folders = make_folders(tmp)
        cmd = kernel_command([sys.executable, "-c", "import nnedu, os; assert os.getpid() == 1"], folders)
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as e:
            return f"unshare failed: {e}"
        if run.returncode:
            return f"unshare failed: {(run.stderr or run.stdout).strip()[-300:]}"
    finally:
        remove_tree(tmp)
    return None


def make_folders(base):
    """Create the sandbox's folders under ``base``: root (mount point), work, comm; return them as a dict.

    As root, a tmpfs of ``WORK_BYTES`` is mounted on the working folder (``files.remove_tree`` unmounts it)."""
    folders = {name: Path(base) / name for name in ("root", "work", "comm")}
    for name, path in folders.items():
        path.mkdir(mode=0o700 if name == "root" else 0o777, exist_ok=True)
        path.chmod(0o777 if name != "root" else 0o700)  # the kernel may run as nobody
    if os.geteuid() == 0 and sys.platform.startswith("linux"):
        _sweep_mounts()
        try:
            mount_tmpfs(folders["work"], WORK_BYTES, "work")
            mount_tmpfs(folders["comm"], 2**20, "comm")
        except OSError as e:
            LOG.warning("%s: the working folder is on the host's disk, where only each file is capped", e)
    return folders


def socket_folder(comm):
    """(folder, made): where the grader and the kernel make their Unix sockets (``FOLDER/kernel-N``): ``comm``
    when those paths fit a Unix socket (``MAX_SOCKET_PATH`` bytes), else a new folder under ``SHORT_BASE``
    (``made``: the caller removes it with ``files.remove_tree``), so a long TMPDIR costs no grading.
    SandboxUnavailable when neither fits."""
    def fits(folder):
        return len(os.fsencode(f"{folder}/kernel-99")) <= MAX_SOCKET_PATH
    if fits(comm):
        return Path(comm), False
    folder = Path(tempfile.mkdtemp(prefix="nnedu-", dir=SHORT_BASE))
    if not fits(folder):
        remove_tree(folder)
        raise SandboxUnavailable(f"the kernels' socket paths under {comm} and {SHORT_BASE} are longer than "
                                 f"{MAX_SOCKET_PATH} bytes: set TMPDIR to a short folder")
    folder.chmod(0o777)  # the kernel may run as a user of its own
    if os.geteuid() == 0 and sys.platform.startswith("linux"):
        try:
            mount_tmpfs(folder, 2**20, "comm")
        except OSError as e:
            LOG.debug("%s", e)
    return folder, True


def mount_tmpfs(path, size, name):
    """Mount a tmpfs of ``size`` bytes (mode 0777, no devices, no set-uid) on the folder ``path``, as root; its
    source names this grader (``nnedu-NAME-PID``), so that a later grader can unmount what a killed one left."""
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"size={int(size)},mode=0777".encode()
    if libc.mount(f"nnedu-{name}-{os.getpid()}".encode(), str(path).encode(), b"tmpfs", 2 | 4, options):
        err = ctypes.get_errno()  # MS_NOSUID | MS_NODEV
        raise OSError(err, f"cannot mount a tmpfs on {path}: {os.strerror(err)}")


@functools.lru_cache(maxsize=1)
def _sweep_mounts():
    """Unmount the tmpfs that graders no longer alive left behind (a grader killed by SIGKILL); never raises."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for line in lines:
        fields, _, tail = line.partition(" - ")
        match = re.fullmatch(r"tmpfs nnedu-\w+-(\d+) .*", tail)
        if match and not os.path.exists(f"/proc/{match[1]}"):
            point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields.split()[4])
            if libc.umount2(point.encode(), 2 | 8):  # MNT_DETACH | UMOUNT_NOFOLLOW
                LOG.debug("could not unmount %s", point)


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


@dataclass(frozen=True)
class Sandbox:
    """Where one kernel runs: its folders (``make_folders``: root, work, comm) and whether it is contained.

    ``unsafe``: no namespaces at all (trusted code only, e.g. macOS): the kernel runs as the grader's user in
    the working folder itself. ``wrap(cmd, cgroups)`` is the kernel's command line, ``env()`` its environment,
    ``cwd`` its working folder as the kernel sees it, ``work`` the same folder as the grader sees it."""
    folders: dict
    unsafe: bool = False

    @classmethod
    def create(cls, base, unsafe=False, files=()):
        """A new sandbox's folders under ``base``, its working folder holding copies of ``files``."""
        box = cls(make_folders(base), unsafe)
        for item in map(Path, files):
            (shutil.copytree if item.is_dir() else shutil.copyfile)(item, box.work / item.name)
        return box

    @property
    def contained(self):
        return not self.unsafe

    @property
    def work(self):
        return self.folders["work"]

    @property
    def comm(self):
        return self.folders["comm"]

    @property
    def cwd(self):
        return str(self.work) if self.unsafe else WORK

    def beside(self, name, files=()):
        """A new sandbox alike (contained or not) in the folder ``name`` next to this one's folders."""
        base = self.work.parent / name
        base.mkdir(mode=0o700)
        return Sandbox.create(base, self.unsafe, files)

    def with_comm(self, comm):
        """The same sandbox with its sockets in ``comm`` (``socket_folder``'s short one)."""
        return replace(self, folders={**self.folders, "comm": Path(comm)})

    def wrap(self, cmd, cgroups=()):
        return cmd if self.unsafe else kernel_command(cmd, self.folders, cgroups)

    def env(self):
        return kernel_env(self.unsafe)


def kernel_env(unsafe=False):
    """The kernel's whole environment: nothing of the instructor's but the thread and CPU settings."""
    env = {k: os.environ[k] for k in KEEP_ENV if k in os.environ}
    path = os.path.dirname(sys.executable) + ":/usr/local/bin:/usr/bin:/bin"
    env.update(PATH=path, HOME="/tmp", PYTHONHASHSEED="0", MPLCONFIGDIR="/tmp/matplotlib",
               IPYTHONDIR="/tmp/ipython", JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1")
    if unsafe:  # no private /tmp: keep the kernel's own files inside its working folder
        env.update(HOME=".", MPLCONFIGDIR=".matplotlib", IPYTHONDIR=".ipython")
    return env
