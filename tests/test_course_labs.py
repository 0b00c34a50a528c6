"""Every lab of the course through the grader: the solution earns full marks, the untouched student lab 0."""
from pathlib import Path

import pytest

from nnedu.instructor import grade

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))


def test_the_course_has_its_four_labs():
    assert [p.stem for p in SOLUTIONS] == ["lab2_pytorch_vs_nnedu", "lab3_regularization", "lab4_augmentation",
                                           "lab5_transfer_learning"]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_scores_full_marks_and_untouched_lab_scores_zero(solution):
    student_lab = REPO / "labs" / solution.name
    graded, untouched = grade.grade_submissions(solution, [solution, student_lab], grade.Limits(cell_timeout=120),
                                                jobs=2)
    assert graded.max_total > 0 and len(graded.tests) >= 3
    assert (graded.status, graded.total) == ("ok", graded.max_total), [(t.grade_id, t.outcome) for t in graded.tests]
    assert (untouched.status, untouched.total) == ("ok", 0), [(t.grade_id, t.outcome) for t in untouched.tests]
