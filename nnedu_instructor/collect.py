"""Gather the students' copies of a lab from their homes into nbgrader's submitted layout.

    python -m nnedu_instructor collect LAB [--from '/home/*/labs/{lab}.ipynb'] [--to submitted]

On a JupyterHub each student works in their own home; this copies ``HOME/labs/LAB.ipynb`` of every student
to ``DIR/STUDENT/LAB/LAB.ipynb``, the layout ``grade`` (and nbgrader) reads: `report.student_name` takes
STUDENT from it. The student is the path component that the pattern's first wildcard matched (``*`` in
``/home/*/labs/...``), and that component's folder is the student's home.

It only reads in the homes (nothing is created, touched or chmod-ed there) and refuses, with a message per
student, what it must not copy: a path that is a symlink leading out of the student's home (a student could
otherwise make the instructor copy another student's lab, or any file root can read), anything that is not a
regular file, and files over a size limit. The copy keeps the file's modification time (deadlines).
"""
import glob
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PATTERN = "/home/*/labs/{lab}.ipynb"
DEFAULT_MAX_BYTES = 25 * 1024 * 1024  # a lab with all its outputs and figures is well under 5 MB
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")


class CollectError(Exception):
    """The pattern itself is unusable (no wildcard to take the student from)."""


@dataclass
class Collected:
    student: str
    source: str
    target: str = ""   # empty when refused
    problem: str = ""  # why it was refused; empty when collected
    size: int = 0


def _student_index(pattern):
    """Index of the pattern's first path component with a glob wildcard: that component is the student."""
    for i, part in enumerate(Path(pattern).parts):
        if glob.has_magic(part):
            return i
    raise CollectError(f"--from {pattern!r} has no wildcard: use one where the student's folder is, "
                       f"e.g. {DEFAULT_PATTERN!r}")


def _check(path, home, max_bytes):
    """The problem with copying ``path`` from ``home`` (empty string: none) and its size."""
    try:
        real_home = home.resolve(strict=True)
        real = path.resolve(strict=True)
    except (OSError, RuntimeError) as e:  # dangling or looping symlink
        return f"cannot resolve {path}: {e.strerror if isinstance(e, OSError) else e}", 0
    if real != real_home and real_home not in real.parents:
        return f"{path} leads outside the student's home {home} (to {real}): refused", 0
    st = os.stat(real)
    if not stat.S_ISREG(st.st_mode):
        return f"{path} is not a regular file: refused", 0
    if st.st_size > max_bytes:
        return (f"{path} is {st.st_size / 2**20:.1f} MiB, over the limit of {max_bytes / 2**20:.1f} MiB "
                f"(--max-mb): refused"), st.st_size
    return "", st.st_size


def _copy(source, target):
    """Copy ``source`` (read only) to ``target`` atomically, keeping its modification time."""
    target.parent.mkdir(parents=True, exist_ok=True)
    st = os.stat(source)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".collect-", suffix=".ipynb")
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(fd, "wb") as out, open(os.open(source, flags), "rb", closefd=True) as src:
            while chunk := src.read(1 << 20):
                out.write(chunk)
        os.chmod(tmp, 0o644)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def collect(lab, pattern=DEFAULT_PATTERN, dest="submitted", max_bytes=DEFAULT_MAX_BYTES):
    """Copy every match of ``pattern`` (``{lab}`` replaced by ``lab``) to ``dest/STUDENT/lab/lab.ipynb``.

    Returns one `Collected` per match, sorted by student; refused ones have ``problem`` set and nothing copied.
    """
    lab = Path(lab).stem
    pattern = pattern.replace("{lab}", lab)
    index = _student_index(pattern)
    dest = Path(dest)
    results, seen = [], {}
    for match in sorted(glob.glob(pattern)):
        path = Path(match)
        parts = path.parts
        student = parts[index]
        home = Path(*parts[:index + 1])
        result = Collected(student, str(path))
        if not _SAFE_NAME.match(student):
            result.problem = f"{student!r} is not a usable student name: refused"
        elif student in seen:
            result.problem = f"{path}: a second file for {student} (first: {seen[student]}): refused"
        else:
            seen[student] = path
            # the file itself must not be a symlink: O_NOFOLLOW on the resolved path guards the copy too
            result.problem, result.size = _check(path, home, max_bytes)
        if not result.problem:
            real = path.resolve(strict=True)
            target = dest / student / lab / f"{lab}.ipynb"
            _copy(real, target)
            result.target = str(target)
        results.append(result)
    return sorted(results, key=lambda r: (r.student, r.source))
