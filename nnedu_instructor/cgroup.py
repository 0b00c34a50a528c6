"""One control group per sandbox, where this machine lets the grader make them (as root, cgroup v1 or v2).

A group caps what the whole sandbox may hold at once, all its processes together: memory (``memory_bytes``),
processes (``PIDS``) and CPU (``CPUS`` cores' worth of time). Rlimits alone are per process (the address space)
or per user (the process count, shared with every other process of that user), so three children could hold
three times the memory. ``create`` returns the group's folders (one per v1 hierarchy, one in v2), or an empty
list where groups cannot be made (not root, no writable /sys/fs/cgroup): then only the rlimits hold. The
sandbox's first process moves itself in (``sandbox._SETUP`` writes to ``cgroup.procs``) before it starts
anything, so every process of the sandbox is in the group; ``remove`` kills what is left and removes it, and
the groups of a grader that was killed are removed by the next one.
"""
import functools
import logging
import os
import secrets
import signal
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
PIDS = 512
CPUS = 1
LOG = logging.getLogger("nnedu_instructor.cgroup")


def _own(controller):
    """This process's group in the v1 hierarchy of ``controller`` ("" for v2), from /proc/self/cgroup."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return None


def _v1(memory_bytes, name, made):
    limits = {"memory": {"memory.limit_in_bytes": memory_bytes} if memory_bytes else {},
              "pids": {"pids.max": PIDS},
              "cpu": {"cpu.cfs_period_us": 100_000, "cpu.cfs_quota_us": 100_000 * CPUS}}
    for controller, files in limits.items():
        own = _own(controller)
        if own is None or not (ROOT / controller).is_dir():
            raise OSError(f"no cgroup v1 {controller} hierarchy")
        group = ROOT / controller / own.lstrip("/") / name
        group.mkdir(mode=0o755)
        made.append(group)
        for file, value in files.items():
            (group / file).write_text(str(value))


def _v2(memory_bytes, name, made):
    parent = ROOT / "nnedu-grade"  # beside the grader's own group: a v2 group with processes has no children
    parent.mkdir(mode=0o755, exist_ok=True)
    (ROOT / "cgroup.subtree_control").write_text("+memory +pids +cpu")
    (parent / "cgroup.subtree_control").write_text("+memory +pids +cpu")
    group = parent / name
    group.mkdir(mode=0o755)
    made.append(group)
    if memory_bytes:
        (group / "memory.max").write_text(str(memory_bytes))
        (group / "memory.swap.max").write_text("0")
    (group / "pids.max").write_text(str(PIDS))
    (group / "cpu.max").write_text(f"{100_000 * CPUS} 100000")


@functools.lru_cache(maxsize=1)
def _sweep():
    """Remove the empty groups that graders no longer alive left behind (a grader killed by SIGKILL)."""
    for group in ROOT.glob("*/**/nnedu-sandbox-*"):
        try:
            if not os.path.exists(f"/proc/{int(group.name.split('-')[2])}"):
                group.rmdir()
        except (OSError, ValueError, IndexError):
            pass


def create(memory_bytes=0):
    """A new group for one sandbox, as a list of its folders; [] where groups cannot be made here."""
    if os.geteuid() != 0 or not ROOT.is_dir():
        return []
    _sweep()
    name = f"nnedu-sandbox-{os.getpid()}-{secrets.token_hex(6)}"
    made = []
    try:
        (_v2 if (ROOT / "cgroup.controllers").is_file() else _v1)(memory_bytes, name, made)
        return made
    except OSError as e:
        LOG.warning("no cgroup for the sandbox (%s): only per-process limits hold", e)
        remove(made)
        return []


def remove(groups, seconds=10):
    """Kill every process left in ``groups``, then remove them; never raises."""
    deadline = time.monotonic() + seconds
    for group in groups:
        while time.monotonic() < deadline:
            try:
                if (group / "cgroup.kill").exists():
                    (group / "cgroup.kill").write_text("1")
                pids = [int(p) for p in (group / "cgroup.procs").read_text().split()]
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                if not pids:
                    group.rmdir()
                    break
            except FileNotFoundError:
                break
            except OSError as e:
                LOG.debug("cgroup %s: %s", group, e)
            time.sleep(0.05)
