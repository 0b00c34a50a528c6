"""The course side of the nbgrader plug-in (nnedu_instructor.nbgrader_run, nbgrader_course): real gradings of the
tiny lab of labkit.py. nbgrader itself runs in ``make test-class`` (tests/class/)."""
import json

import nbformat
import pytest
from labkit import make_lab, solution_notebook, submit, write_solution

from nnedu_instructor import grade, nbgrader_course, nbgrader_run, sandbox
from nnedu_instructor.report import CellScore, Grade

pytestmark = pytest.mark.skipif(sandbox.check() is not None, reason=f"no sandbox here: {sandbox.check()}")


def test_a_submission_is_graded_to_json_with_each_tests_message(tmp_path, capsys):
    sol, lab = make_lab(tmp_path)
    path = submit(tmp_path / "sub", "bob", lab, add="def add(a, b):\n    return a - b",  # the visible assert fails
                  mul="def mul(a, b):\n    return a * b if a else 1")  # only the hidden test fails
    assert nbgrader_run.main([str(sol), str(path), "--preflight"]) == 0
    out = json.loads(capsys.readouterr().out)
    tests = {t["grade_id"]: t for t in out["tests"]}
    assert out["status"] == "ok" and out["crash"] is None
    assert tests["test_add"]["points"] == tests["test_mul"]["points"] == 0
    assert tests["test_add"]["message"] == "AssertionError\nat line 1: assert add(1, 2) == 3"
    assert tests["test_mul"]["message"] == "AssertionError in a hidden test"  # never the hidden source
    assert tests["why"]["manual"] and tests["why"]["points"] == 0


def test_a_solution_short_of_full_marks_stops_everything_before_any_student(tmp_path, capsys):
    nb = solution_notebook()
    wrong = "### BEGIN SOLUTION\ndef mul(a, b):\n    return a - b\n### END SOLUTION"
    nb.cells[5].source = wrong  # the model answer no longer passes its own test
    sol = write_solution(tmp_path, nb=nb)
    path = tmp_path / "alice.ipynb"
    nbformat.write(nb, path)
    assert nbgrader_run.main([str(sol), str(path), "--preflight"]) == 4
    err = capsys.readouterr()
    assert err.out == "" and "preflight failed" in err.err and "test_mul" in err.err


def test_a_dead_kernel_is_named_where_it_died():
    def grade_of(*outcomes):
        tests = [CellScore(gid, 1, outcome=o) for gid, o in zip(["t1", "t2", "t3"], outcomes)]
        return Grade("s", "s.ipynb", status=grade.KERNEL_DIED, tests=tests)

    g = grade_of("passed", "not run (kernel died)", "not run (kernel died)")
    assert nbgrader_run.crash_note(g) == "the kernel died in a cell after t1, before t2"
    assert nbgrader_run.result(g)["tests"][1]["message"] == "not run: the kernel died in a cell after t1, before t2"
    assert nbgrader_run.crash_note(grade_of("passed", "kernel died", "not run (kernel died)")) == (
        "the kernel died while running the test cell t2")
    assert nbgrader_run.crash_note(Grade("s", "s.ipynb", tests=[CellScore("t1", 1)])) is None


def test_init_writes_the_config_and_the_source_folder(tmp_path):
    sol = write_solution(tmp_path / "repo")
    labs = nbgrader_course.init(tmp_path / "course", tmp_path / "exchange", [], solutions=sol.parent,
                                percent_per_day=25)
    text = (tmp_path / "course" / "nbgrader_config.py").read_text()
    source = tmp_path / "course" / "source" / "lab1" / "lab1.ipynb"
    assert labs == ["lab1"] and source.read_bytes() == sol.read_bytes()
    assert "@" not in text.replace("@NNEDU@", "") and f'SOLUTIONS = "{sol.parent.resolve()}"' in text
    assert 'PERCENT_PER_DAY = float("25.0")' in text and (tmp_path / "exchange").stat().st_mode & 0o7777 == 0o1777
    compile(text, "nbgrader_config.py", "exec")
    with pytest.raises(ValueError, match="course id"):
        nbgrader_course.config_text("/r", "/s", "a b", "/x", 10)
    with pytest.raises(ValueError, match="no solution notebook"):
        nbgrader_course.init(tmp_path / "course", tmp_path / "exchange", ["lab9"], solutions=sol.parent)
