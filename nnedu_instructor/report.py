"""What grading gives: the Grade of each submission, the CSV and one Markdown feedback file per student.

CSV columns: ``student``, ``path`` (two ``alice.ipynb`` in different folders are two rows), one column per
automatically graded test cell (its points), ``total`` (automatic points earned), ``max_auto``,
``needs_manual`` (points of the written answers, to be graded by hand), ``max_total`` (``max_auto`` +
``needs_manual``), ``status``. Each file is written atomically; ``Outputs`` writes a student's row and
feedback as soon as their grade is known, so a grader stopped half-way leaves every grade it finished.

Names come from file names a student may choose: every text cell of the CSV is kept from being read as a
formula by a spreadsheet (OWASP's rule: a cell starting with ``= + - @``, a tab or a carriage return gets a
leading ``'``), and control characters (terminal escapes, bidi overrides, newlines) are dropped wherever a name
is printed or written (``printable``).
"""
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from .files import write_atomic


@dataclass
class CellScore:
    """One graded cell: its grade_id, points earned of ``max_points``, what happened; ``manual``: a written answer."""
    grade_id: str
    max_points: float
    points: float = 0.0
    outcome: str = "not run"
    manual: bool = False


@dataclass
class Grade:
    """The grade of one submission."""
    student: str
    path: str
    status: str = "ok"
    tests: list = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0

    @property
    def total(self):
        """Automatic points earned."""
        return sum(t.points for t in self.tests if not t.manual)

    @property
    def max_auto(self):
        return sum(t.max_points for t in self.tests if not t.manual)

    @property
    def needs_manual(self):
        return sum(t.max_points for t in self.tests if t.manual)

    @property
    def max_total(self):
        return self.max_auto + self.needs_manual


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
    """The CSV described above (the grade_ids come from the first grade: all grades share one solution)."""
    ids = [t.grade_id for t in grades[0].tests if not t.manual] if grades else []
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "path", *ids, "total", "max_auto", "needs_manual", "max_total", "status"])
    for g in grades:
        writer.writerow([csv_text(g.student), csv_text(g.path), *(fmt(t.points) for t in g.tests if not t.manual),
                         fmt(g.total), fmt(g.max_auto), fmt(g.needs_manual), fmt(g.max_total), csv_text(g.status)])
    write_atomic(path, out.getvalue())


def feedback_text(g, lab):
    """One student's Markdown feedback: score, status, each test's outcome (hidden tests: only the error type)."""
    lines = [f"# {printable(lab)}: feedback for {printable(g.student)}", "",
             f"Automatic score: {fmt(g.total)} / {fmt(g.max_auto)} (status: {g.status})"]
    if g.needs_manual:
        lines.append(f"Written answers: {fmt(g.needs_manual)} points, graded by hand")
    lines.append("")
    if g.note:
        lines += [f"Note: {printable(g.note)}", ""]
    for t in g.tests:
        score = f"? / {fmt(t.max_points)}" if t.manual else f"{fmt(t.points)} / {fmt(t.max_points)}"
        lines.append(f"- `{t.grade_id}`: {score}: {t.outcome}")
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
    (``finish``): a batch stopped half-way keeps every finished student's row and feedback."""

    def __init__(self, csv_path, feedback_folder=None, lab=""):
        self.csv_path, self.feedback_folder, self.lab = csv_path, feedback_folder, lab
        self.done, self.used = [], set()

    def add(self, grade):
        self.done.append(grade)
        write_csv(self.done, self.csv_path)
        if self.feedback_folder:
            path = Path(self.feedback_folder) / self.lab / f"{feedback_name(grade.student, self.used)}.md"
            write_atomic(path, feedback_text(grade, self.lab))

    def finish(self, grades):
        write_csv(grades, self.csv_path)
