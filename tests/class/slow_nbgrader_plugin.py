"""nbgrader's ``autograde`` with the course's plug-ins, without accounts (``make test-class``): a broken grading
environment fails every submission loudly before any is graded (the preflight), and the "checksum has changed"
warning is left for test cells a student really changed, and a kernel that hides its errors (what nbgrader's own
Execute would score as passed) scores nothing; the autograded notebook shows what an answer cell printed. Then
what nbgrader's ``autograde --force`` does to manual scores (measured), and ``nbgrader_regrade``: a test fixed
after release is named as changed, and regrading that one cell changes only its automatic scores."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from classkit import ANSWERS, FILL, FULL, LAB, ONE_THREAD, TESTS, nbgrader_venv, solution_notebook, write_lab

HIDE_ERRORS = """def clear(result):
    result.error_in_exec = None
    result.error_before_exec = None
get_ipython().events.register('post_run_cell', clear)
get_ipython().showtraceback = lambda *a, **k: None
def square(x):
    return x
"""
GRADES = """import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    print(json.dumps({s.student_id: {g.name: g.auto_score for nb in s.notebooks for g in nb.grades}
                      for s in gb.assignment_submissions(sys.argv[1])}))
"""
# [student, grade_id, field, value]...: set in the gradebook; prints {student: {grade_id: [auto, manual, needs
# manual]}, "comments": {student: {grade_id: manual comment}}}
GRADEBOOK = """import json, sys
from nbgrader.api import Gradebook
lab, edits = sys.argv[1], json.loads(sys.argv[2])
with Gradebook("sqlite:///gradebook.db") as gb:
    for student, gid, field, value in edits:
        row = (gb.find_comment if field == "manual_comment" else gb.find_grade)(gid, lab, lab, student)
        setattr(row, field, value)
    gb.db.commit()
    out = {s.student_id: {g.name: [g.auto_score, g.manual_score, g.needs_manual_grade] for nb in s.notebooks
                          for g in nb.grades} for s in gb.assignment_submissions(lab)}
    out["comments"] = {s.student_id: {c.name: c.manual_comment for nb in s.notebooks for c in nb.comments}
                       for s in gb.assignment_submissions(lab)}
    print(json.dumps(out))
"""
SHOWS = "print('square(7) =', square(7))"  # alice's answer cell prints: formgrader must show it


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
    eve = {"square": HIDE_ERRORS, "cube": ANSWERS["cube"].replace("** 3", "** 2"), "mean": ANSWERS["mean"]}
    bob = {"cube": "def cube(x):\n    return abs(x) ** 3"}  # fails the hidden cube(-1.0) only
    alice = {"square": ANSWERS["square"] + "\n" + SHOWS}
    for student, edit in [("alice", alice), ("mallory", {"test_square": "assert True"}), ("eve", eve), ("bob", bob)]:
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
    assert scores["eve"] == {"test_square": 0.0, "test_cube": 0.0, "test_mean": 0.0, "why": None}  # tampered
    assert scores["bob"] == {"test_square": 2.0, "test_cube": 0.0, "test_mean": 1.0, "why": None}
    assert Path(course / "autograded" / "alice" / LAB / f"{LAB}.ipynb").is_file()
    graded = nbformat.read(course / "autograded" / "eve" / LAB / f"{LAB}.ipynb", as_version=4)
    [out] = [c.outputs for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_square"]
    assert out[0].output_type == "error" and "tamper" in out[0].traceback[0], out  # says why it scored 0
    shown = nbformat.read(course / "autograded" / "alice" / LAB / f"{LAB}.ipynb", as_version=4).cells[2].outputs
    assert [o.text for o in shown] == ["square(7) = 49\n"], shown  # what her answer cell printed

    def gradebook(*edits):
        run = subprocess.run([str(python), "-c", GRADEBOOK, LAB, json.dumps(edits)], cwd=course, env=env,
                             capture_output=True, text=True, check=True)
        return json.loads(run.stdout)

    # nbgrader's own regrade of a submission (autograde --force) with manual scores: measured
    gradebook(["alice", "why", "manual_score", 1.0], ["alice", "why", "manual_comment", "Right."],
              ["alice", "test_mean", "manual_score", 0.5], ["bob", "test_cube", "manual_score", 1.5])
    assert nbgrader("autograde", LAB, "--student=alice", "--force").returncode == 0
    after = gradebook()
    print("after autograde --student=alice --force:", after["alice"], after["comments"]["alice"])
    assert after["alice"]["why"] == [None, 1.0, True] and after["comments"]["alice"]["why"] == "Right."
    assert after["alice"]["test_mean"] == [1.0, 0.5, True]  # kept, and back to "needs manual grading"

    def regrade(*args):
        run = subprocess.run([str(python), "-m", "nnedu_instructor.nbgrader_regrade", str(course), LAB, *args],
                             cwd=tmp_path, env=env, capture_output=True, text=True)
        assert run.returncode == 0, run.stderr[-3000:]
        print(run.stdout)
        return run.stdout

    assert f"{LAB}: no test cell changed since release." in regrade()
    fixed = solution_notebook()  # the instructor drops the hidden cube(-1.0) test: bob's abs(x) ** 3 passes now
    [cell] = [c for c in fixed.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_cube"]
    cell.source = TESTS["test_cube"][1]
    nbformat.write(fixed, solutions / f"{LAB}.ipynb")
    told = regrade()
    assert f"test_cube ({LAB}): changed in {solutions / LAB}.ipynb" in told and "test_square" not in told, told
    assert f"nbgrader_regrade {course} {LAB} --cell test_cube" in told
    gradebook(["alice", "test_cube", "auto_score", 2.5])  # a marker: a regrade of bob alone leaves it
    assert "bob: test_cube 0 -> 3; manual score 1.5 kept" in regrade("--cell", "test_cube", "--student", "bob")
    assert gradebook()["alice"]["test_cube"][0] == 2.5
    told = regrade("--cell", "test_cube")
    assert "alice: test_cube 2.5 -> 3" in told and "eve: test_cube 0 -> 0" in told and "already regraded" in told
    now = gradebook()
    assert now["alice"]["why"] == [None, 1.0, True] and now["alice"]["test_mean"] == [1.0, 0.5, True]
    assert now["bob"]["test_cube"] == [3.0, 1.5, True] and now["bob"]["test_mean"] == [1.0, None, False]
    assert now["comments"]["alice"]["why"] == "Right." and now["eve"]["test_square"][0] == 0.0
    cells = nbformat.read(course / "autograded" / "bob" / LAB / f"{LAB}.ipynb", as_version=4).cells
    assert cells[6].outputs[0].text.startswith("passed: 3 / 3"), cells[6].outputs
    [cell] = [c for c in fixed.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_mean"]
    cell.metadata["nbgrader"]["points"] = 2  # beyond a one-cell regrade
    nbformat.write(fixed, solutions / f"{LAB}.ipynb")
    told = regrade()
    assert f"test_mean ({LAB}) is worth 2 points in {solutions / LAB}.ipynb, 1 at release" in told, told
    assert "everything must be regraded" in told and "Only these cells" not in told
