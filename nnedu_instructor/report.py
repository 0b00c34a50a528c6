"""What grading gives: the Grade of each submission, the CSV and one Markdown feedback file per student.

CSV columns: ``student``, ``path`` (two ``alice.ipynb`` in different folders are two rows), one column per
automatically graded test cell (its points), ``total`` (automatic points earned), ``max_auto``,
``needs_manual`` (points of the written answers, to be graded by hand), ``max_total`` (``max_auto`` +
``needs_manual``), ``status``. Outputs are written atomically, once every kernel is dead.
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
        writer.writerow([g.student, g.path, *(fmt(t.points) for t in g.tests if not t.manual), fmt(g.total),
                         fmt(g.max_auto), fmt(g.needs_manual), fmt(g.max_total), g.status])
    write_atomic(path, out.getvalue())


def feedback_text(g, lab):
    """One student's Markdown feedback: score, status, each test's outcome (hidden tests: only the error type)."""
    lines = [f"# {lab}: feedback for {g.student}", "",
             f"Automatic score: {fmt(g.total)} / {fmt(g.max_auto)} (status: {g.status})"]
    if g.needs_manual:
        lines.append(f"Written answers: {fmt(g.needs_manual)} points, graded by hand")
    lines.append("")
    if g.note:
        lines += [f"Note: {g.note}", ""]
    for t in g.tests:
        score = f"? / {fmt(t.max_points)}" if t.manual else f"{fmt(t.points)} / {fmt(t.max_points)}"
        lines.append(f"- `{t.grade_id}`: {score}: {t.outcome}")
    return "\n".join(lines) + "\n"


def write_feedback(grades, folder, lab):
    """``folder/LAB/STUDENT.md`` per grade (``STUDENT-2.md`` for a repeated name); return the paths."""
    used, paths = set(), []
    for g in grades:
        base = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in g.student).strip(".") or "student"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        path = Path(folder) / lab / f"{name}.md"
        write_atomic(path, feedback_text(g, lab))
        paths.append(path)
    return paths
