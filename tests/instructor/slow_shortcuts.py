"""Every lab's shortcut submission, graded for real (slow: ``make test-grading``, not part of ``make test``).

``shortcuts/LAB.py`` holds answers that call what the lab forbids (nnedu's own layers, losses, training,
torch.autograd, scipy.ndimage...) in place of the work, for some answer cells (``ANSWERS``); the other answers
are the solution's. Issue 20 measured them before the labs had rules (Lab 1 24/24, Lab 2 8/16, Lab 3 7/15,
Lab 4 4/14, Lab 5 9/16 from the forbidden route). Graded together with the solution itself, the shortcut must
lose exactly the guarded tests it cheats on (``WITHHELD``: {test: the start of its feedback, naming the rule
hit}), and keep the rest; the solution keeps full marks. (``test_alternative_submissions.py`` keeps the
alternative answers at full marks under the same rules.)
"""
import importlib.util

import nbformat
import pytest
from labkit import REPO
from slow_alternatives import UNSAFE, alternative_submission

from nnedu_instructor import grade
from nnedu_instructor.cells import grade_id, is_solution

SHORTCUTS = REPO / "tests" / "instructor" / "shortcuts"
LABS = sorted(p.stem for p in SHORTCUTS.glob("lab*.py"))


def shortcut(stem):
    """The shortcuts module of a lab (``ANSWERS``, ``WITHHELD``)."""
    spec = importlib.util.spec_from_file_location(f"shortcut_{stem}", SHORTCUTS / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def solution_answers(stem):
    """{answer cell grade_id: source} of the solution notebook (markers and all: a submission may keep them)."""
    nb = nbformat.read(REPO / "solutions" / f"{stem}.ipynb", as_version=4)
    return {grade_id(c): c.source for c in nb.cells if is_solution(c) and c.cell_type == "code"}


def test_every_lab_has_a_shortcut_submission():
    assert LABS == sorted(p.stem for p in (REPO / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("stem", LABS)
def test_the_shortcut_loses_the_guarded_points_naming_the_rule(stem, tmp_path):
    cut, honest = shortcut(stem), solution_answers(stem)
    lab = REPO / "labs" / f"{stem}.ipynb"
    subs = [alternative_submission(lab, honest, tmp_path / "solution" / f"{stem}.ipynb"),
            alternative_submission(lab, {**honest, **cut.ANSWERS}, tmp_path / "shortcut" / f"{stem}.ipynb")]
    g_solution, g_cut = grade.grade_submissions(REPO / "solutions" / f"{stem}.ipynb", subs,
                                                grade.Limits(cell_timeout=120), unsafe=UNSAFE)
    tests = {t.grade_id: t for t in g_cut.tests if not t.manual}
    print(f"\n{stem}: solution {g_solution.total:g}/{g_solution.max_auto:g}, shortcut {g_cut.total:g}/"
          f"{g_cut.max_auto:g} (forbidden route: {sum(tests[g].max_points for g in cut.WITHHELD):g} points)")
    for t in tests.values():
        print(f"  {t.grade_id}: {t.points:g}/{t.max_points:g}: {t.outcome}: {t.message}")
    assert g_solution.total == g_solution.max_auto, \
        [(t.grade_id, t.outcome) for t in g_solution.tests if not t.manual]
    assert set(cut.WITHHELD) <= set(tests)
    for gid, t in tests.items():
        if gid in cut.WITHHELD:
            assert t.points == 0 and t.message.startswith(cut.WITHHELD[gid]), (gid, t.message)
        else:
            assert t.points == t.max_points, (gid, t.outcome)
