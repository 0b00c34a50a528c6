"""Every lab of the course through the grader: the solution earns full marks, the untouched student lab 0.

The labs are found by globbing solutions/: adding a lab needs no edit here.
"""
from pathlib import Path

import pytest

from nnedu_instructor import grade, sandbox

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))
UNSAFE = sandbox.check() is not None  # the course's own solutions are trusted code


def test_every_solution_has_its_student_lab():
    assert SOLUTIONS, "no lab in solutions/"
    assert [p.name for p in sorted((REPO / "labs").glob("*.ipynb"))] == [p.name for p in SOLUTIONS]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_scores_full_marks_and_untouched_lab_scores_zero(solution):
    student_lab = REPO / "labs" / solution.name
    graded, untouched = grade.grade_submissions(solution, [solution, student_lab], grade.Limits(cell_timeout=120),
                                                jobs=2, unsafe=UNSAFE, preflight=False)  # the solution is here
    assert graded.max_auto > 0 and len([t for t in graded.tests if not t.manual]) >= 3
    assert (graded.status, graded.total) == ("ok", graded.max_auto), [(t.grade_id, t.outcome) for t in graded.tests]
    # what the preflight of every grading asks of the solution: every test passes, 0-point checks too
    assert all(t.outcome == "passed" for t in graded.tests if not t.manual), [(t.grade_id, t.message)
                                                                               for t in graded.tests]
    assert (untouched.status, untouched.total) == ("ok", 0), [(t.grade_id, t.outcome) for t in untouched.tests]
