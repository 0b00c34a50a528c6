"""What grading gives: the Grade of each submission, the CSV and one Markdown feedback file per student.

CSV columns: ``student``, ``path`` (two ``alice.ipynb`` in different folders are two rows), ``collected`` (when
``collect`` copied the file, from its ``collected.csv``; empty otherwise), one column per automatically graded
test cell (its points), one per written answer (``manual``: to grade by hand, ``0 (unchanged)``: left as
released, scored 0), ``total`` (automatic points earned), ``max_auto``, ``needs_manual`` (points of *this*
student's written answers still to grade by hand), ``max_total`` (every point of the lab), ``status``. The
CSV is merged, never replaced (``csv_merge``). Each file is written atomically; ``Outputs`` writes a student's
row and feedback as soon as their grade is known, so a grader stopped half-way leaves every grade it finished.

A cell's ``outcome`` is a short code (``Outcome``: scores and tools such as the nbgrader plug-in read it,
never a display string) and its ``message`` is what the student may read: the full message and failing line
of a failed *visible* assert, only the exception's type for a hidden test, the cell that crashed the kernel.

Names come from file names a student may choose: every text cell of the CSV is kept from being read as a
formula by a spreadsheet (OWASP's rule: a cell starting with ``= + - @``, a tab or a carriage return gets a
leading ``'``), and control characters (terminal escapes, bidi overrides, newlines) are dropped wherever a name
is printed or written (``printable``).
"""
import enum
import re
from dataclasses import dataclass, field
from pathlib import Path

from .files import write_atomic


class Outcome(str, enum.Enum):
    """What happened to one graded cell (a ``str``: ``Outcome.PASSED == "passed"``)."""
    PASSED = "passed"
    FAILED = "failed"                  # the test raised (its message says what, as far as the student may see)
    PROBE_FAILED = "probe-failed"      # passed in the notebook, failed the grader's check on fresh inputs
    FORBIDDEN = "forbidden"            # passed, but the answer uses what the lab's rules forbid
    DID_NOT_FINISH = "did-not-finish"  # no error, yet the test's last statement never ran
    TIMED_OUT = "timed-out"
    KERNEL_DIED = "kernel-died"        # the kernel died while this cell ran
    NOT_RUN = "not-run"
    MANUAL = "manual"                  # a written answer, to grade by hand
    UNCHANGED = "unchanged"            # a written answer left as released: 0 points

    def __str__(self):
        return self.value

    __format__ = str.__format__


MESSAGES = {Outcome.PASSED: "passed", Outcome.NOT_RUN: "not run", Outcome.TIMED_OUT: "timed out",
            Outcome.DID_NOT_FINISH: "did not finish", Outcome.MANUAL: "needs manual grading",
            Outcome.UNCHANGED: "unchanged from the lab as released: 0 points",
            Outcome.PROBE_FAILED: "passed in the notebook, but failed the grader's own check on fresh inputs",
            Outcome.KERNEL_DIED: "the kernel died while this cell ran", Outcome.FAILED: "failed",
            Outcome.FORBIDDEN: "uses what the lab forbids"}


@dataclass
class CellScore:
    """One graded cell: its grade_id, points earned of ``max_points``, ``outcome`` (an ``Outcome``), ``message``
    (what the student may read; the outcome's default text when empty); ``manual``: a written answer."""
    grade_id: str
    max_points: float
    points: float = 0.0
    outcome: str = Outcome.NOT_RUN
    manual: bool = False
    message: str = ""

    def set(self, outcome, message=""):
        """Set the outcome and the student's message (default: the outcome's own text)."""
        self.outcome, self.message = Outcome(outcome), message or MESSAGES[Outcome(outcome)]

    @property
    def to_grade(self):
        """Points still to grade by hand (a changed written answer)."""
        return self.max_points if self.manual and self.outcome == Outcome.MANUAL else 0.0


@dataclass
class Grade:
    """The grade of one submission; ``collected``: when ``collect`` copied it (ISO 8601, UTC), or empty."""
    student: str
    path: str
    status: str = "ok"
    tests: list = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0
    collected: str = ""
    errors: list = field(default_factory=list)  # the first errors of non-test cells, for the instructor
    outputs: dict = field(default_factory=dict)  # {submission cell index: outputs} (grade's keep_outputs)

    @property
    def total(self):
        """Automatic points earned."""
        return sum(t.points for t in self.tests if not t.manual)

    @property
    def max_auto(self):
        return sum(t.max_points for t in self.tests if not t.manual)

    @property
    def needs_manual(self):
        """Points of this submission's written answers still to grade by hand (unchanged ones score 0)."""
        return sum(t.to_grade for t in self.tests)

    @property
    def max_total(self):
        return sum(t.max_points for t in self.tests)


def student_name(path, lab_stem):
    """The student of a submission: STUDENT in nbgrader's ``submitted/STUDENT/LAB/LAB.ipynb``, the folder's
    name for ``STUDENT/LAB.ipynb``, else the file's stem (``alice.ipynb``)."""
    path = Path(path).resolve()
    if path.stem != lab_stem:
        return path.stem
    return path.parent.parent.name if path.parent.name == lab_stem else path.parent.name


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def printable(text):
    """``text`` without control or format characters (ANSI escapes, newlines, bidi overrides)."""
    return "".join(ch for ch in str(text) if ch.isprintable())


def csv_text(text):
    """``text`` safe in a spreadsheet cell: printable, and never starting like a formula (OWASP)."""
    text = printable(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def fmt(x):
    """Points as CSV text: 2 rather than 2.0, 0.5 as is."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def write_csv(grades, path):
    """The CSV of ``grades`` alone (``grades_csv``; the grade_ids come from the first grade: all grades share one
    solution), replacing ``path``. ``Outputs`` merges into an existing CSV instead."""
    from . import grades_csv
    head = grades_csv.header(grades[0].tests if grades else [])
    grades_csv.write(path, head, [grades_csv.row(g) for g in grades])


# Outcomes whose message may hold a student's own text (an error's message): shown as a code block.
_QUOTED = {Outcome.FAILED}


def _fence(text):
    """``text`` as a Markdown code block, indented under a list item; the fence is longer than any run of
    backticks in it, so nothing in it can close the block."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"  {fence}", *(f"  {line}" for line in text.split("\n")), f"  {fence}"]


def _inline(text):
    """``text`` on one line, with no backticks nor Markdown line starts."""
    return " ".join(printable(text).replace("`", "'").split()).lstrip("#->*").strip()


def feedback_text(g, lab):
    """One student's Markdown feedback: score, status, each graded cell's outcome and message (a failed visible
    assert's message and line; for a hidden test only the error's type). 0-point cells (the lab's internal
    checks) are left out."""
    lines = [f"# {printable(lab)}: feedback for {printable(g.student)}", "",
             f"Automatic score: {fmt(g.total)} / {fmt(g.max_auto)} (status: {g.status})"]
    if g.needs_manual:
        lines.append(f"Written answers: {fmt(g.needs_manual)} points, graded by hand")
    unchanged = sum(t.max_points for t in g.tests if t.manual and t.outcome == Outcome.UNCHANGED)
    if unchanged:
        lines.append(f"Written answers left as released: {fmt(unchanged)} points, scored 0")
    lines.append("")
    if g.note:
        lines += [f"Note: {_inline(g.note)}", ""]
    for t in g.tests:
        if not t.max_points:
            continue
        score = f"? / {fmt(t.max_points)}" if t.outcome == Outcome.MANUAL else f"{fmt(t.points)} / {fmt(t.max_points)}"
        message = t.message or MESSAGES.get(t.outcome, str(t.outcome))
        if t.outcome in _QUOTED:
            lines += [f"- `{_inline(t.grade_id)}`: {score}: {t.outcome}", *_fence(message)]
        else:
            lines.append(f"- `{_inline(t.grade_id)}`: {score}: {_inline(message)}")
    return "\n".join(lines) + "\n"


def feedback_name(student, used):
    """The feedback file's stem for ``student``: safe characters only, ``-2``, ``-3``... for a name in ``used``."""
    base = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in student).strip(".") or "student"
    name, n = base, 1
    while name in used:
        n += 1
        name = f"{base}-{n}"
    used.add(name)
    return name


def write_feedback(grades, folder, lab):
    """``folder/LAB/STUDENT.md`` per grade (``STUDENT-2.md`` for a repeated name); return the paths."""
    used, paths = set(), []
    for g in grades:
        path = Path(folder) / lab / f"{feedback_name(g.student, used)}.md"
        write_atomic(path, feedback_text(g, lab))
        paths.append(path)
    return paths


class Outputs:
    """A batch's CSV and feedback, written as each grade becomes known (``add``) and in input order at the end
    (``finish``): a batch stopped half-way keeps every finished student's row and feedback.

    The CSV is merged into what ``csv_path`` holds (``grades_csv``: rows keyed by student and path, ``only``
    one column); ``expected``: its header for this lab, checked at once (``grades_csv.HeaderMismatch``);
    ``replace``: start a new file; ``missing``: Grades of roster students without a submission.
    """

    def __init__(self, csv_path, feedback_folder=None, lab="", expected=None, only=None, replace=False,
                 missing=()):
        from . import grades_csv
        self.csv_path, self.feedback_folder, self.lab = csv_path, feedback_folder, lab
        self.done, self.used, self.only = [], set(), only
        self.head = expected
        old = None if replace or expected is None else grades_csv.check(csv_path, expected)
        self.old = old[1] if old else []
        self.missing = [grades_csv.row(g) for g in missing]

    def _write(self, grades):
        from . import grades_csv
        head = self.head or grades_csv.header(grades[0].tests if grades else [])
        auto = [t.grade_id for t in grades[0].tests if not t.manual] if grades else None
        rows = grades_csv.merge(head, self.old, [grades_csv.row(g) for g in grades], self.only, self.missing, auto)
        grades_csv.write(self.csv_path, head, rows)

    def add(self, grade):
        self.done.append(grade)
        self._write(self.done)
        if self.feedback_folder:
            path = Path(self.feedback_folder) / self.lab / f"{feedback_name(grade.student, self.used)}.md"
            write_atomic(path, feedback_text(grade, self.lab))

    def finish(self, grades):
        self._write(grades)
