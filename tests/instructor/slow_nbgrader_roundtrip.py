"""Real nbgrader 0.9.6 on every lab of solutions/: ``generate_assignment`` accepts the solution notebook and
``autograde`` gives the same points as our grader for the solution, the untouched student version and a
partial submission (only the first answer filled in).

nbgrader lives in its own virtual environment, ``.venv-nbgrader/`` (git-ignored, made once by ``make
nbgrader-venv`` or by this test): nbgrader 0.9.6 from pip, and the course's own packages through a ``.pth``
file pointing at ``.venv``'s site-packages, so its kernels import numpy, torch and nnedu. Each lab costs
nbgrader one full run (the solution) and two short ones; our grader runs only the partial submission (the
solution's and the untouched lab's scores are checked by test_course_labs.py).
"""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnedu_instructor import grade, sandbox
from nnedu_instructor.cells import grade_id, is_manual, is_solution, is_test, points

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))
VENV = REPO / ".venv-nbgrader"
NBGRADER = "nbgrader==0.9.6"
# Runs in .venv-nbgrader: {student: {grade_id: [auto score, needs manual grade]}} from nbgrader's gradebook.
SCORES = """import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    out = {}
    for sub in gb.assignment_submissions(sys.argv[1]):
        out[sub.student_id] = {g.name: [g.auto_score, g.needs_manual_grade] for nb in sub.notebooks
                               for g in nb.grades}
print(json.dumps(out))
"""


def nbgrader_venv():
    """The nbgrader environment's Python, made on first use (under a lock: xdist workers share it)."""
    from filelock import FileLock
    python = VENV / "bin" / "python"
    with FileLock(str(REPO / ".venv-nbgrader.lock")):
        if not (VENV / ".installed").exists() or "course-pth-v2" not in (VENV / ".installed").read_text():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
            site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip()
            ours = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  check=True, capture_output=True, text=True).stdout.strip()
            # addsitedir (not a bare path) so that the .pth files in .venv's site-packages are processed too:
            # nnedu is an editable install there, activated by one of them.
            (Path(site) / "zz_course.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
            subprocess.run([str(python), "-m", "pip", "install", "-q", NBGRADER], check=True)
            (VENV / ".installed").write_text(NBGRADER + " course-pth-v2\n")
    return python


def fill(student_nb, solution, upto):
    """``student_nb`` with the solution's answer for the first ``upto`` answer cells (all: None)."""
    answers = {grade_id(c): c.source for c in solution.cells if is_solution(c)}
    keep = list(answers)[:upto] if upto is not None else list(answers)
    for cell in student_nb.cells:
        if grade_id(cell) in keep:
            cell.source = answers[grade_id(cell)]
    return student_nb


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_nbgrader_gives_our_points(solution, tmp_path):
    python = nbgrader_venv()
    lab, course = solution.stem, tmp_path / "course"
    (course / "source" / lab).mkdir(parents=True)
    (course / "source" / lab / solution.name).write_bytes(solution.read_bytes())
    (course / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'nnedu'\n"
                                               "c.ExecutePreprocessor.timeout = 300\n")

    def nbgrader(*args):
        run = subprocess.run([str(python), "-m", "nbgrader", *args, "--force"], cwd=course, capture_output=True,
                             text=True, env={"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(tmp_path),
                                             "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                                             "MKL_NUM_THREADS": "1"})
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    nbgrader("generate_assignment", lab)
    sol = nbformat.read(solution, as_version=4)

    def released():  # nbgrader's student version (with its checksums), as a student receives it
        return nbformat.read(course / "release" / lab / solution.name, as_version=4)

    submissions = {"solution": fill(released(), sol, None), "untouched": released(),
                   "partial": fill(released(), sol, 1)}
    paths = {}
    for student, nb in submissions.items():
        paths[student] = course / "submitted" / student / lab / solution.name
        paths[student].parent.mkdir(parents=True)
        nbformat.write(nb, paths[student])
    nbgrader("autograde", lab)
    run = subprocess.run([str(python), "-c", SCORES, lab], cwd=course, capture_output=True, text=True, check=True)
    theirs = json.loads(run.stdout)

    auto = {grade_id(c): points(c) for c in sol.cells if is_test(c)}
    manual = {grade_id(c) for c in sol.cells if is_manual(c)}
    assert {gid: theirs["solution"][gid][0] for gid in auto} == auto
    assert {gid: theirs["untouched"][gid][0] for gid in auto} == dict.fromkeys(auto, 0)
    assert all(theirs["solution"][gid][1] for gid in manual)  # nbgrader: needs manual grading too
    [ours] = grade.grade_submissions(solution, [paths["partial"]], grade.Limits(cell_timeout=120),
                                     unsafe=sandbox.check() is not None)
    assert ours.status == "ok" and ours.student == "partial"
    assert {t.grade_id: t.points for t in ours.tests if not t.manual} == {g: theirs["partial"][g][0] for g in auto}
    assert {t.grade_id for t in ours.tests if t.manual} == manual
