"""Gather the students' copies of a lab from their homes into nbgrader's submitted layout.

    python -m nnedu_instructor collect LAB [--from '/home/*/labs/{lab}.ipynb'] [--to submitted]

On a JupyterHub each student works in their own home; this copies ``HOME/labs/LAB.ipynb`` of every student
to ``DIR/STUDENT/LAB/LAB.ipynb``, the layout ``grade`` (and nbgrader) reads: `report.student_name` takes
STUDENT from it. The student is the path component that the pattern's first wildcard matched (``*`` in
``/home/*/labs/...``), and that component's folder is the student's home.

It only reads in the homes (nothing is created, touched or chmod-ed there) and refuses, with a message per
student, what it must not copy: a path that is a symlink leading out of the student's home (a student could
otherwise make the instructor copy another student's lab, or any file root can read), anything that is not a
regular file, and files over a size limit.

What a student controls is never taken for the time of a submission (``touch -d`` sets any modification time):
the copy's modification time is the time it was collected, and ``DIR/collected.csv`` records, per student and
lab, the state (``collected``, ``refused``, ``missing``, ``deleted``), that time (ISO 8601, UTC), the source
and the size; ``grade`` shows the time in its ``collected`` column. With a roster (``--roster``: one student
per line) a student with no file is reported ``missing``. A student whose file is gone (or now refused) but
who has a copy from an earlier collect is reported, and that old copy is moved aside to
``DIR/.moved-aside/STUDENT/LAB/LAB-TIME.ipynb`` (out of ``DIR/*/LAB/`` globs), never silently graded again.

A student may change their home while it is collected (swap ``~/labs`` with a link in a loop): so nothing is
checked by path and then opened again. The file is opened once, one path component at a time from the
home's descriptor without following links (a link inside the home is read and walked the same way), without
blocking (a FIFO); its type and size come from that descriptor, and at most the limit + 1 byte is copied.
"""
import csv
import glob
import io
import os
import re
import stat
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .files import write_atomic

DEFAULT_PATTERN = "/home/*/labs/{lab}.ipynb"
DEFAULT_MAX_BYTES = 25 * 1024 * 1024  # a lab with all its outputs and figures is well under 5 MB
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")


class CollectError(Exception):
    """The pattern itself is unusable (no wildcard to take the student from)."""


@dataclass
class Collected:
    student: str
    source: str
    target: str = ""   # empty when not collected
    problem: str = ""  # why it was not collected (refused, missing, deleted); empty when collected
    size: int = 0
    state: str = "collected"  # or "refused", "missing", "deleted"
    moved: str = ""    # where an earlier copy was moved aside to, if any


def _student_index(pattern):
    """Index of the pattern's first path component with a glob wildcard: that component is the student."""
    for i, part in enumerate(Path(pattern).parts):
        if glob.has_magic(part):
            return i
    raise CollectError(f"--from {pattern!r} has no wildcard: use one where the student's folder is, "
                       f"e.g. {DEFAULT_PATTERN!r}")


class _Refused(Exception):
    """Why a student's file is not copied (the message is shown to the instructor)."""


_LINKS = 40  # symbolic links followed for one path at most, as the kernel's own limit


def _open_in_home(path, home):
    """A read-only descriptor of ``path`` (inside ``home``), resolved one component at a time from the home's
    descriptor, so that nothing a student swaps meanwhile can lead elsewhere: each component is opened
    ``O_NOFOLLOW`` (and ``O_NONBLOCK``: a FIFO cannot hang us) relative to the folder opened before it; a
    symlink's target is read and walked the same way, and one that leaves the home is refused."""
    homes = {os.path.abspath(home), os.path.realpath(home)}
    todo = list(reversed(Path(os.path.relpath(os.path.abspath(path), os.path.abspath(home))).parts))
    stack, links = [os.open(home, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)], 0
    try:
        while todo:
            name = todo.pop()
            if name == ".":
                continue
            if name == "..":
                if len(stack) == 1:
                    raise _Refused(f"{path} leads outside the student's home {home}: refused")
                os.close(stack.pop())
                continue
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
            try:
                stack.append(os.open(name, flags | (os.O_DIRECTORY if todo else 0), dir_fd=stack[-1]))
                continue
            except OSError as e:
                error = e
            try:
                target = os.readlink(name, dir_fd=stack[-1])
            except OSError:
                raise error from None
            links += 1
            if links > _LINKS:
                raise _Refused(f"{path}: too many symbolic links: refused")
            if os.path.isabs(target):
                inside = [h for h in homes if target == h or target.startswith(h.rstrip("/") + "/")]
                if not inside:
                    raise _Refused(f"{path} leads outside the student's home {home} (to {target}): refused")
                while len(stack) > 1:
                    os.close(stack.pop())
                target = os.path.relpath(target, inside[0])
            todo.extend(reversed(target.split("/")))
        return stack.pop()
    finally:
        for fd in stack:
            os.close(fd)


def _copy(fd, target, max_bytes, now):
    """Copy the open file ``fd`` to ``target`` atomically, its modification time set to ``now`` (the collection's
    time, not the student's); its size and type come from the descriptor itself, and at most ``max_bytes`` + 1
    bytes are read. Returns the size."""
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise _Refused("is not a regular file: refused")
    too_big = (f"is {{:.1f}} MiB, over the limit of {max_bytes / 2**20:.1f} MiB (--max-mb): refused")
    if st.st_size > max_bytes:
        raise _Refused(too_big.format(st.st_size / 2**20))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".collect-", suffix=".ipynb")
    try:
        size = 0
        with os.fdopen(tmp_fd, "wb") as out:
            while size <= max_bytes and (chunk := os.read(fd, min(1 << 20, max_bytes + 1 - size))):
                out.write(chunk)
                size += len(chunk)
        if size > max_bytes:  # it grew after fstat
            raise _Refused(too_big.format(size / 2**20))
        os.chmod(tmp, 0o644)
        os.utime(tmp, (now, now))
        os.replace(tmp, target)
        return size
    except BaseException:
        os.unlink(tmp)
        raise


def _collect_one(path, home, target, max_bytes, now):
    """Copy ``path`` from ``home`` to ``target``: ("", size), or (the problem, size) with nothing copied."""
    try:
        fd = _open_in_home(path, home)
    except _Refused as e:
        return str(e), 0
    except OSError as e:
        return f"cannot open {path}: {e.strerror}", 0
    try:
        return "", _copy(fd, target, max_bytes, now)
    except _Refused as e:
        return f"{path} {e}", os.fstat(fd).st_size
    finally:
        os.close(fd)


def collect(lab, pattern=DEFAULT_PATTERN, dest="submitted", max_bytes=DEFAULT_MAX_BYTES, roster=(), now=None):
    """Copy every match of ``pattern`` (``{lab}`` replaced by ``lab``) to ``dest/STUDENT/lab/lab.ipynb``.

    Returns one `Collected` per match, per ``roster`` student without one (``missing``) and per earlier copy in
    ``dest`` whose student has no file now (``deleted``: moved aside), sorted by student; only ``collected``
    ones have no ``problem``. ``now``: the collection's time (seconds since the epoch; default: the clock).
    Records every result in ``dest/collected.csv``.
    """
    lab = Path(lab).stem
    now = time.time() if now is None else now
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
            target = dest / student / lab / f"{lab}.ipynb"
            result.problem, result.size = _collect_one(path, home, target, max_bytes, now)
            result.target = "" if result.problem else str(target)
        result.state = "refused" if result.problem else "collected"
        results.append(result)
    results += _gone(lab, pattern, dest, roster, {r.student for r in results if not r.problem}, seen, now)
    results.sort(key=lambda r: (r.student, r.source))
    _record(dest, lab, results, now)
    return results


def _gone(lab, pattern, dest, roster, collected, seen, now):
    """Results for the students with nothing collected now: an earlier copy in ``dest`` is moved aside (a
    refused student's too: it is not their file any more); a roster student with no file at all is missing."""
    results, stamp = [], time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    for old in sorted(dest.glob(f"*/{lab}/{lab}.ipynb")) if dest.is_dir() else []:
        student = old.parent.parent.name
        if student in collected:
            continue
        aside = dest / ".moved-aside" / student / lab / f"{lab}-{stamp}.ipynb"
        aside.parent.mkdir(parents=True, exist_ok=True)
        os.replace(old, aside)
        if student not in seen:
            results.append(Collected(student, "", problem=f"deleted since the last collect: the earlier copy is "
                                     f"moved to {aside}", state="deleted", moved=str(aside)))
        else:
            results.append(Collected(student, "", problem=f"refused now: the earlier copy is moved to {aside}",
                                     state="refused", moved=str(aside)))
    have = collected | seen.keys() | {r.student for r in results}
    results += [Collected(s, "", problem=f"missing: nothing matches {pattern.replace('*', s, 1)}", state="missing")
                for s in roster if s not in have]
    return results


def _record(dest, lab, results, now):
    """Write ``dest/collected.csv``: this lab's rows replaced by ``results``, other labs' rows kept."""
    path = dest / COLLECTED_CSV
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))
    try:
        with open(path, newline="", encoding="utf-8") as f:
            kept = [r for r in csv.DictReader(f) if r.get("lab") != lab]
    except (OSError, UnicodeDecodeError, csv.Error):
        kept = []
    rows = kept + [{"student": r.student, "lab": lab, "state": r.state, "collected": when if r.state ==
                    "collected" else "", "source": r.source, "bytes": r.size if r.state == "collected" else "",
                    "note": r.problem} for r in results if r.state != "refused" or r.source]
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(path, out.getvalue())


COLLECTED_CSV = "collected.csv"  # in DIR, one row per student and lab
COLUMNS = ["student", "lab", "state", "collected", "source", "bytes", "note"]


def collected_time(path, lab):
    """When ``collect`` copied the submission at ``path`` (``DIR/STUDENT/LAB/LAB.ipynb``): its time in
    ``DIR/collected.csv``, or "" when the file was not collected so."""
    path = Path(path)
    if path.name != f"{lab}.ipynb" or path.parent.name != lab or len(path.parts) < 4:
        return ""
    try:
        with open(path.parents[2] / COLLECTED_CSV, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error):
        return ""
    student = path.parent.parent.name
    return next((r.get("collected", "") for r in rows if r.get("student") == student and r.get("lab") == lab
                 and r.get("state") == "collected"), "")


def read_roster(path):
    """The students of a roster file: one name per line; blank lines and ``#`` comments skipped. CollectError
    when it cannot be read or a name is not a usable student name."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise CollectError(f"--roster {path}: cannot read it ({type(e).__name__})") from None
    names = [line.split("#", 1)[0].strip() for line in lines]
    bad = [n for n in names if n and not _SAFE_NAME.match(n)]
    if bad:
        raise CollectError(f"--roster {path}: not usable student names (letters, digits, . _ @ + -): {bad[:5]}")
    return list(dict.fromkeys(n for n in names if n))
