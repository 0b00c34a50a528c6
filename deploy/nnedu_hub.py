"""Helpers for deploy/jupyterhub_config.py that need no JupyterHub installed (tests import them).

- `copy_course`: the released course's notebooks (lectures/, labs/) into a student's home, file by file, never
  overwriting; a student's home is made private (0700).
- `readable_by_others`: which instructor folders and files students could read (a class hub refuses to start
  a student's server while there are any).
- `cgroup_limit`: a process tree into its own memory and CPU cgroup (v2 or v1), when the hub may write there.
"""
import os
import shutil
import stat
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent     # the instructor's repository: never served
COURSE_FOLDERS = ("lectures", "labs")              # what a student's home gets from the released course
PRIVATE = ("", "solutions", "submitted", "feedback", "deploy/state", ".git")   # the instructor's, 0700
CGROUP_ROOT = Path("/sys/fs/cgroup")
CGROUP_PARENT = "nnedu-hub"


def copy_course(home, course, folders=COURSE_FOLDERS, uid=None, gid=None):
    """Copy each notebook of the released ``course`` into ``home`` where it is absent; return the paths copied.

    A student's own work is never touched: an existing file (even an empty or broken one) stays as it is,
    so a restarted server, or a course updated by the instructor, never overwrites what a student did. To hand
    out a corrected notebook, the student deletes (or renames) theirs and restarts the server. Files and
    folders created are owned by ``uid``/``gid`` when given (the hub runs as root for local users), and then
    the home itself is made 0700: no other student reads it (Debian's useradd makes homes 0755).
    """
    home, copied = Path(home), []
    if uid is not None:
        os.chmod(home, 0o700)
    for folder in folders:
        for src in sorted((Path(course) / folder).glob("*.ipynb")):
            dest = home / folder / src.name
            if dest.exists() or dest.is_symlink():
                continue
            if not dest.parent.exists():
                dest.parent.mkdir(parents=True)
                if uid is not None:
                    os.chown(dest.parent, uid, gid)
            shutil.copyfile(src, dest)
            os.chmod(dest, 0o644)
            if uid is not None:
                os.chown(dest, uid, gid)
            copied.append(dest)
    return copied


def readable_by_others(repo=REPO):
    """The instructor's paths under ``repo`` that a user other than their owner could read or enter: the
    repository itself and PRIVATE (a folder counts when it is group or world accessible), grades*.csv.
    Empty when the layout is right (deploy/setup.sh makes it so for NNEDU_HUB_MODE=users)."""
    repo, found = Path(repo), []
    paths = [repo / p for p in PRIVATE] + sorted(repo.glob("grades*.csv"))
    for path in paths:
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            found.append(f"{path} ({stat.filemode(mode)})")
    return found


def _cgroup_writable(path):
    return path.is_dir() and os.access(path, os.W_OK)


def cgroup_limit(name, pid, mem_bytes=0, cpus=0.0, root=CGROUP_ROOT):
    """Put process ``pid`` (and so every process it starts) into cgroup ``nnedu-hub/NAME`` with a memory cap
    of ``mem_bytes`` and a CPU quota of ``cpus`` cores. Returns a sentence saying what is enforced, or None
    when cgroups cannot be written (not root, read-only /sys/fs/cgroup): the caller falls back to rlimits.
    Works on cgroup v2 (unified) and v1 (memory and cpu controllers)."""
    period = 100_000
    if (root / "cgroup.controllers").exists():                        # v2
        parent = root / CGROUP_PARENT
        if not (_cgroup_writable(root) or _cgroup_writable(parent)):
            return None
        parent.mkdir(exist_ok=True)
        try:
            (parent / "cgroup.subtree_control").write_text("+memory +cpu")
        except OSError:
            pass
        group = parent / name
        group.mkdir(exist_ok=True)
        if mem_bytes:
            (group / "memory.max").write_text(str(int(mem_bytes)))
        if cpus:
            (group / "cpu.max").write_text(f"{int(cpus * period)} {period}")
        (group / "cgroup.procs").write_text(str(pid))
        return f"cgroup v2 {group}: memory.max={int(mem_bytes) or 'max'}, cpu.max={cpus or 'max'} cores"
    memory, cpu = root / "memory", root / "cpu"
    if not (_cgroup_writable(memory) and _cgroup_writable(cpu)):
        return None
    done = []
    for controller, settings in ((memory, {"memory.limit_in_bytes": int(mem_bytes)} if mem_bytes else {}),
                                 (cpu, {"cpu.cfs_period_us": period, "cpu.cfs_quota_us": int(cpus * period)}
                                  if cpus else {})):
        group = controller / CGROUP_PARENT / name
        group.mkdir(parents=True, exist_ok=True)
        for key, value in settings.items():
            (group / key).write_text(str(value))
        (group / "cgroup.procs").write_text(str(pid))
        done.append(str(group))
    return f"cgroup v1 {', '.join(done)}: memory={int(mem_bytes) or 'unlimited'} B, cpu={cpus or 'unlimited'} cores"


def cgroup_remove(name, root=CGROUP_ROOT):
    """Remove the student's cgroups once the server has stopped (an empty cgroup can be removed)."""
    for group in (root / CGROUP_PARENT / name, root / "memory" / CGROUP_PARENT / name,
                  root / "cpu" / CGROUP_PARENT / name):
        try:
            group.rmdir()
        except OSError:
            pass
