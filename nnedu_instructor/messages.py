"""What a student may read about a graded cell that did not pass, and where in the notebook a cell is.

A test cell usually holds visible asserts (the student has them) followed by hidden ones (``### BEGIN HIDDEN
TESTS``). A failure is *visible* when the line of the test cell that raised lies before the first hidden
marker: the student then reads the error's full message and that line, taken from the grader's own copy of
the cell (never from the kernel's text). For a failure in the hidden part the student reads only the
exception's type (and, for a ``NameError``, the missing name: the student's own function or variable), never a
hidden test's message or source. When the line cannot be told (a kernel that changed IPython's traceback
mode), a cell with hidden tests counts as hidden.

The line comes from IPython's traceback, whose first frame is the cell itself (``Cell In[7], line 3``).
A type is named only when it is a built-in exception (a submission can raise a class whose name carries
text), and every text is made plain: no control characters, at most ``MAX_CHARS`` characters.
"""
import builtins
import re

from .cells import BEGIN_HIDDEN, grade_id, is_solution

MAX_CHARS = 1500
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_CELL_LINE = re.compile(r"Cell In\s*\[\s*\d*\s*\],\s*line\s+(\d+)")
_ARROW_LINE = re.compile(r"^-+>\s*(\d+)", re.MULTILINE)  # IPython before 8: "----> 3 assert ..."
_NAME_ERROR = re.compile(r"name '([A-Za-z_]\w*)' is not defined")


def plain(text, limit=MAX_CHARS):
    """``text`` with printable characters and newlines only, trimmed, at most ``limit`` characters."""
    text = "\n".join("".join(ch for ch in line if ch.isprintable()).rstrip() for line in str(text).splitlines())
    text = text.strip("\n")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def error_type(ename):
    """``ename`` when it names a built-in exception, else ``Error``."""
    builtin = getattr(builtins, ename, None)
    return ename if isinstance(builtin, type) and issubclass(builtin, BaseException) else "Error"


def failing_line(traceback):
    """The 1-based line of the cell where the error was raised (its traceback's first frame), or None."""
    text = _ANSI.sub("", traceback or "")
    match = _CELL_LINE.search(text) or _ARROW_LINE.search(text)
    return int(match.group(1)) if match else None


def hidden_from(source):
    """The 0-based index of the first line of ``source`` in a hidden region, or None when it has none."""
    return next((i for i, line in enumerate(source.split("\n")) if BEGIN_HIDDEN in line), None)


def failure(source, ename, evalue, traceback):
    """What the student reads about a test cell (``source``) that raised ``ename: evalue``.

    Visible failure: ``AssertionError: the message`` and ``at line 3: assert ...``; hidden failure:
    ``AssertionError in a hidden test`` (``NameError: name 'f' is not defined, in a hidden test``).
    """
    kind, lines = error_type(ename), source.split("\n")
    hidden, line = hidden_from(source), failing_line(traceback)
    visible = (hidden is None and line is None) or (line is not None and line - 1 < (
        len(lines) if hidden is None else hidden))
    if not visible:
        name = _NAME_ERROR.search(evalue or "") if kind == "NameError" else None
        return f"NameError: {name.group(0)}, in a hidden test" if name else f"{kind} in a hidden test"
    text = f"{kind}: {plain(evalue)}" if plain(evalue) else kind
    if line is not None and 0 < line <= len(lines) and lines[line - 1].strip():
        text += f"\nat line {line}: {plain(lines[line - 1].strip(), 300)}"
    return plain(text)


def stopped_before(stopped, shown=2):
    """The line a failed test's message ends with when cells before it did not finish (``stopped``: "`sigmoid`
    (your answer cell) ran out of time (60 s)", ...): what they define is missing, the usual cause of a NameError."""
    if not stopped:
        return ""
    more = len(stopped) - shown
    listed = "; ".join(stopped[:shown]) + (f"; and {more} more" if more > 0 else "")
    return (f"\nbefore this test, {listed}, so what it defines may be missing" if len(stopped) == 1 else
            f"\nbefore this test, cells did not finish ({listed}), so what they define may be missing")


def label(nb, index):
    """How a student finds cell ``index`` of ``nb`` (the notebook as graded): `add` (your answer cell),
    `test_add`, or code cell 7 (after `add`)."""
    cell = nb.cells[index]
    gid = grade_id(cell)
    if gid:
        return f"`{gid}`" + (" (your answer cell)" if is_solution(cell) else "")
    number = sum(1 for c in nb.cells[:index + 1] if c.get("cell_type") == "code")
    before = next((grade_id(c) for c in reversed(nb.cells[:index]) if grade_id(c)), None)
    return f"code cell {number}" + (f" (after `{before}`)" if before else "")
