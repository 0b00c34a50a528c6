"""The class's grades CSV: one row per submission, merged, never replaced.

Columns: ``student``, ``path``, ``collected``, one per automatically graded test cell (points), one per written
answer (``manual``, ``0 (unchanged)``, ``0 (not read)``), ``total``, ``max_auto``, ``needs_manual``,
``max_total``, ``status``. A row is keyed by (student, path).

Grading into a CSV that exists updates the rows of the students graded now and keeps every other row, in
its place (new rows go at the end); ``only`` (a test's grade_id, ``grade --only``) takes that one column
(and the total, recomputed from the row's columns; the status when the new run's is not ``ok``) from the new
grading and keeps the rest of an existing row. The file is never replaced by one with fewer rows. A file
whose header differs (the lab changed: a test added, removed or renamed; or not a grades CSV at all) is
refused with ``HeaderMismatch``: everything must be regraded into a new file (``grade --replace``). A roster
student without any row gets a ``missing`` row (empty path, 0 points); a graded row for them replaces it.
"""
import csv
import io
from pathlib import Path

from .files import write_atomic
from .report import Outcome, csv_text, fmt

FIRST, LAST = ["student", "path", "collected"], ["total", "max_auto", "needs_manual", "max_total", "status"]
MISSING = "missing"
_STATES = {Outcome.MANUAL: "manual", Outcome.UNCHANGED: "0 (unchanged)"}


class HeaderMismatch(ValueError):
    """The CSV to merge into was written for another version of the lab (or is not a grades CSV)."""


def header(tests):
    """The header for a lab whose graded cells are ``tests`` (CellScores, in the solution's order)."""
    return [*FIRST, *(t.grade_id for t in tests if not t.manual), *(t.grade_id for t in tests if t.manual), *LAST]


def row(g):
    """A Grade as CSV cells (text made spreadsheet-safe: ``report.csv_text``)."""
    auto = [fmt(t.points) for t in g.tests if not t.manual]
    written = [_STATES.get(t.outcome, "0 (not read)") for t in g.tests if t.manual]
    return [csv_text(g.student), csv_text(g.path), csv_text(g.collected), *auto, *written, fmt(g.total),
            fmt(g.max_auto), fmt(g.needs_manual), fmt(g.max_total), csv_text(g.status)]


def read(path):
    """(header, rows) of the CSV at ``path``; None when there is no such file. HeaderMismatch when unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise HeaderMismatch(f"{path}: cannot read it as a grades CSV ({type(e).__name__})") from None
    table = list(csv.reader(io.StringIO(text)))
    return (table[0], table[1:]) if table else ([], [])


def check(path, expected):
    """The existing (header, rows) of ``path`` (None: no file), or HeaderMismatch when its header differs."""
    old = read(path)
    if old is not None and old[0] != expected:
        raise HeaderMismatch(
            f"{path} was written for another version of this lab (its columns: {','.join(old[0][:12])}"
            f"{'...' if len(old[0]) > 12 else ''}; now: {','.join(expected)}): its grades cannot be merged. "
            f"Regrade every submission into a new file, or pass --replace to overwrite it.")
    return old


def merge(head, old_rows, new_rows, only=None, missing=(), auto=None):
    """``old_rows`` updated by ``new_rows`` (see the module's docstring), plus each of the ``missing`` rows
    (roster students without a submission) whose student has no row. ``auto``: the test cells' columns, whose
    sum is the total (default: the columns between ``FIRST`` and ``total`` that hold numbers)."""
    index = {(r[0], r[1]): i for i, r in enumerate(old_rows)}
    rows = [list(r) for r in old_rows]
    auto = auto or [c for i, c in enumerate(head[len(FIRST):head.index("total")], len(FIRST))
                    if all(_is_number(r[i]) for r in new_rows)]
    for new in new_rows:
        at = index.get((new[0], new[1]))
        if at is None:
            index[(new[0], new[1])] = len(rows)
            rows.append(list(new))
        elif only is None:
            rows[at] = list(new)
        else:
            rows[at] = _merge_column(head, rows[at], new, only, auto)
    graded = {r[0] for r in rows if r[1]}
    rows = [r for r in rows if r[1] or r[-1] != MISSING or r[0] not in graded]
    have = {r[0] for r in rows}
    return rows + [r for r in missing if r[0] not in have]


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _merge_column(head, old, new, only, auto):
    """``old`` with ``new``'s column ``only``, the total recomputed, the status ``new``'s when it is not ok."""
    out = list(old)
    col = head.index(only)
    out[col] = new[col]
    try:
        out[head.index("total")] = fmt(sum(float(out[head.index(c)]) for c in auto))
    except ValueError:  # a hand-edited cell: keep the new run's total
        out[head.index("total")] = new[head.index("total")]
    out[2] = new[2]
    if new[-1] != "ok":
        out[-1] = new[-1]
    return out


def write(path, head, rows):
    """Write the CSV atomically (``files.write_atomic``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(head)
    writer.writerows(rows)
    write_atomic(path, out.getvalue())
