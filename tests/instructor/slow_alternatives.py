"""Every lab accepts an alternative correct submission: ``tests/alternatives/<lab>.py`` defines
``ANSWERS = {grade_id: source}`` for every automatically graded answer cell of ``solutions/<lab>.ipynb``,
written differently from the solution. Its sources replace the answer cells of the student lab
``labs/<lab>.ipynb`` (as a student would fill it in) and the grader must give full automatic marks.

Adding a lab needs no edit here, only its alternatives file (a missing one fails, naming the file).
"""

import nbformat
import pytest
from labkit import ALTERNATIVES, REPO, load_answers, make_lab

from nnedu_instructor import grade, sandbox
from nnedu_instructor.cells import grade_id, is_solution

SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))
UNSAFE = sandbox.check() is not None


def alternative_submission(lab_path, answers, out):
    """The student lab at ``lab_path`` with each code answer cell's source replaced from ``answers``."""
    nb = nbformat.read(lab_path, as_version=4)
    wanted = {grade_id(c) for c in nb.cells if is_solution(c) and c.cell_type == "code"}
    missing, extra = sorted(wanted - set(answers)), sorted(set(answers) - wanted)
    assert not missing and not extra, f"{lab_path.stem}: answers missing for {missing}, unknown grade_ids {extra}"
    for cell in nb.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)].strip("\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


def check_full_marks(solution, lab, answers, out):
    [g] = grade.grade_submissions(solution, [alternative_submission(lab, answers, out)],
                                  grade.Limits(cell_timeout=120), unsafe=UNSAFE)
    assert (g.status, g.total) == ("ok", g.max_auto), [(t.grade_id, t.outcome) for t in g.tests if not t.manual]


def test_the_harness_on_a_toy_lab(tmp_path):
    sol, _ = make_lab(tmp_path)
    answers = {"add": "add = lambda a, b: sum((a, b))", "mul": "import operator\nmul = operator.mul"}
    check_full_marks(sol, tmp_path / "labs" / "lab1.ipynb", answers, tmp_path / "alice" / "lab1.ipynb")
    with pytest.raises(AssertionError, match=r"answers missing for \['mul'\]"):
        alternative_submission(tmp_path / "labs" / "lab1.ipynb", {"add": "pass"}, tmp_path / "x.ipynb")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_alternative_submission_scores_full_marks(solution, tmp_path):
    path = ALTERNATIVES / f"{solution.stem}.py"
    assert path.is_file(), f"missing {path.relative_to(REPO)}: every lab needs an alternative correct submission"
    check_full_marks(solution, REPO / "labs" / solution.name, load_answers(path),
                     tmp_path / "student" / solution.stem / f"{solution.stem}.ipynb")
