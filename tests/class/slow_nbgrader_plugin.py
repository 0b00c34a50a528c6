"""nbgrader's ``autograde`` with the course's plug-ins, without accounts (``make test-class``): a broken grading
environment fails every submission loudly before any is graded (the preflight), and the "checksum has changed"
warning is left for test cells a student really changed."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from classkit import FILL, FULL, LAB, ONE_THREAD, nbgrader_venv, solution_notebook, write_lab

GRADES = """import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    print(json.dumps({s.student_id: {g.name: g.auto_score for nb in s.notebooks for g in nb.grades}
                      for s in gb.assignment_submissions(sys.argv[1])}))
"""


def test_preflight_and_checksum_warnings(tmp_path):
    python = nbgrader_venv()
    solutions, course = write_lab(tmp_path), tmp_path / "course"
    subprocess.run([sys.executable, "-m", "nnedu_instructor.nbgrader_course", "init", str(course), LAB,
                    "--exchange", str(tmp_path / "exchange"), "--solutions", str(solutions)], check=True)
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(tmp_path), **ONE_THREAD}

    def nbgrader(*args):
        return subprocess.run([str(python), "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                              text=True)

    assert nbgrader("generate_assignment", LAB).returncode == 0
    released = course / "release" / LAB / f"{LAB}.ipynb"
    for student, edit in [("alice", {}), ("mallory", {"test_square": "assert True"})]:
        path = course / "submitted" / student / LAB / f"{LAB}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_bytes(released.read_bytes())
        subprocess.run([str(python), "-c", FILL, str(path), json.dumps({**FULL, **edit})], check=True)

    broken = solution_notebook()  # the grading environment's solution no longer passes its own tests
    broken.cells[2].source = broken.cells[2].source.replace("x * x", "x + x")
    nbformat.write(broken, solutions / f"{LAB}.ipynb")
    run = nbgrader("autograde", LAB)
    assert run.returncode != 0 and "preflight failed" in run.stderr and "test_square" in run.stderr, run.stderr
    scores = subprocess.run([str(python), "-c", GRADES, LAB], cwd=course, env=env, capture_output=True, text=True)
    assert all(v is None for s in json.loads(scores.stdout).values() for v in s.values())  # nothing recorded

    nbformat.write(solution_notebook(), solutions / f"{LAB}.ipynb")
    run = nbgrader("autograde", LAB, "--force")
    assert run.returncode == 0, run.stderr[-3000:]
    warned = [line for line in run.stderr.splitlines() if "has changed" in line]
    assert len(warned) == 1 and "test_square" in warned[0], warned  # mallory's edit, and nothing else
    scores = json.loads(subprocess.run([str(python), "-c", GRADES, LAB], cwd=course, env=env, capture_output=True,
                                       text=True, check=True).stdout)
    assert scores["alice"] == scores["mallory"] == {"test_square": 2.0, "test_cube": 3.0, "test_mean": 1.0,
                                                    "why": None}
    assert Path(course / "autograded" / "alice" / LAB / f"{LAB}.ipynb").is_file()
