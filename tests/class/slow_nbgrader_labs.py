"""The five labs through ``nbgrader autograde`` twice (``make test-class``, no accounts needed): once with the
course's plug-ins (our sandboxed, probe-checked grader scores every test cell) and once with nbgrader's own
``Execute``, on the same released notebook and the same submissions (classkit.Courses). On honest submissions
both must give the same points cell by cell, written answers included.

Per lab: ``alternative`` (tests/instructor/alternatives/LAB.py, every answer written differently from the
solution: full marks), ``partial`` (the solution's first answer, the others left as released) and ``untouched``
(the released lab). The solution itself is graded by our side in every run (the preflight, which must give it
full marks or nothing is recorded) and by nbgrader's own in tests/instructor/slow_nbgrader_roundtrip.py.
"""
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from classkit import LAB, Courses, answered, nbgrader_venv, solution_notebook, table, write_lab
from labkit import ALTERNATIVES, load_answers  # tests/instructor: on the path through classkit

from nnedu_instructor.cells import grade_id, is_manual, is_solution, is_test, points

REPO = Path(__file__).resolve().parents[2]
LABS = sorted(p.stem for p in (REPO / "solutions").glob("*.ipynb"))
STUDENTS = ["alternative", "partial", "untouched"]


@pytest.mark.parametrize("lab", LABS)
def test_ours_equals_nbgraders_own_on_honest_submissions(lab, tmp_path):
    start = time.perf_counter()
    courses = Courses(tmp_path, lab, nbgrader_venv())
    solution = nbformat.read(REPO / "solutions" / f"{lab}.ipynb", as_version=4)
    first = next(c for c in solution.cells if is_solution(c) and c.cell_type == "code")
    released = courses.released()
    courses.submit("alternative", answered(released, load_answers(ALTERNATIVES / f"{lab}.py")))
    courses.submit("partial", answered(released, {grade_id(first): first.source}))
    courses.submit("untouched", released)

    runs = courses.both("autograde", lab, "--force")
    for which, run in runs.items():
        assert run.returncode == 0, f"{which}: {run.stderr[-3000:]}"
    ours, own = courses.scores("ours"), courses.scores("own")
    tests = [grade_id(c) for c in solution.cells if is_test(c)]
    manual = [grade_id(c) for c in solution.cells if is_manual(c)]
    print("\n" + table(f"{lab}: points per test cell, ours / nbgrader's own", ours, own, STUDENTS, tests + manual))
    print(f"autograde: ours {runs['ours'].seconds:.0f} s, nbgrader's own {runs['own'].seconds:.0f} s (at once); "
          f"lab {time.perf_counter() - start:.0f} s")

    assert ours == own, "our grader and nbgrader's own disagree on an honest submission"
    full = {gid: float(points(c)) for c in solution.cells if is_test(c) for gid in [grade_id(c)]}
    assert {gid: ours["alternative"][gid] for gid in tests} == full, courses.outputs("ours", "alternative")
    assert {gid: ours["untouched"][gid] for gid in tests} == dict.fromkeys(tests, 0.0)
    assert 0 < sum(ours["partial"][gid] for gid in tests) < sum(full.values())
    assert all(ours[s][gid] == 0.0 for s in STUDENTS for gid in manual)  # written answers left as released
    assert "has changed" not in runs["ours"].stderr, runs["ours"].stderr[-3000:]  # no false checksum warnings
    graded = courses.outputs("ours", "alternative")
    assert all(graded[gid].startswith("passed: ") for gid in tests), graded


def test_nbgrader_run_without_preflight_grades_only_the_submission(tmp_path):
    # The plug-in asks for the preflight once per nbgrader process (--preflight); the other notebooks must not
    # pay for it again. A solution that fails its own tests shows whether the preflight ran.
    solutions = write_lab(tmp_path)
    broken = solution_notebook()
    broken.cells[2].source = broken.cells[2].source.replace("x * x", "x + x")
    nbformat.write(broken, solutions / f"{LAB}.ipynb")
    submission = tmp_path / "alice.ipynb"
    nbformat.write(solution_notebook(), submission)
    run = subprocess.run([sys.executable, "-m", "nnedu_instructor.nbgrader_run", str(solutions / f"{LAB}.ipynb"),
                          str(submission)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]

