"""The labs pipeline: solutions/ (nbgrader cell format) -> labs/, reproducible, with a staleness check.

The fixture notebooks are built here with nbformat (no .ipynb file lives under tests/, which nbval collects).
``write_solution`` is shared with the grader and release tests.
"""

import json

import nbformat
import pytest
from labkit import REPO, by_id, cli, nbgrader, solution_notebook, submit, write_solution
from nbformat.v4 import new_code_cell

from nnedu_instructor import grade, labs
from nnedu_instructor.cells import LabFormatError


def test_lab_replaces_solutions_keeps_indentation_and_drops_hidden_tests(tmp_path):
    write_solution(tmp_path)
    assert labs.generate(tmp_path / "solutions", tmp_path / "labs") == [f"wrote {tmp_path / 'labs' / 'lab1.ipynb'}"]
    text = (tmp_path / "labs" / "lab1.ipynb").read_text()
    lab = nbformat.reads(text, as_version=4)
    cells = by_id(lab)
    assert cells["add"].source == "def add(a, b):\n    # YOUR CODE HERE\n    raise NotImplementedError()"
    assert cells["mul"].source == "# YOUR CODE HERE\nraise NotImplementedError()"
    assert cells["why"].source == "YOUR ANSWER HERE"
    assert cells["test_add"].source == "assert add(1, 2) == 3"
    assert cells["test_mul"].source == "assert mul(2, 3) == 6"
    assert cells["setup"].source == "import math\nprint('ready')"
    assert [c.source for c in lab.cells if "nbgrader" not in c.metadata] == [
        "# Lab 1: adding and multiplying", "print(add(2, 2))"]
    for cell in lab.cells[2:]:  # from the first answer on, no output of the solution's run is shown
        assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
    assert cells["setup"].outputs[0].text == "ready\n" and cells["setup"].execution_count == 1  # before: kept
    assert cells["test_add"].metadata["nbgrader"]["points"] == 2  # metadata kept for the grader
    assert cells["why"].metadata["nbgrader"]["points"] == 1 and cells["why"].metadata.get("editable") is not False
    assert cells["test_add"].metadata["editable"] is False and cells["setup"].metadata["deletable"] is False
    assert cells["why"].metadata["deletable"] is False
    for leak in ("BEGIN SOLUTION", "END SOLUTION", "HIDDEN TESTS", "add(-1, 1)", "mul(0, 5)", "return a + b",
                 "return a * b", "commutative", "secret output", '"4\\n"'):
        assert leak not in text
    nbformat.validate(lab)


def test_regenerating_is_byte_for_byte_reproducible(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_solution(first)
    write_solution(second)
    labs.generate(first / "solutions", first / "labs")
    labs.generate(second / "solutions", second / "labs")
    data = (first / "labs" / "lab1.ipynb").read_bytes()
    assert data == (second / "labs" / "lab1.ipynb").read_bytes()
    assert data.endswith(b"}\n") and b"\r" not in data
    assert labs.generate(first / "solutions", first / "labs") == []  # nothing to rewrite
    assert (first / "labs" / "lab1.ipynb").read_bytes() == data


def test_check_names_stale_missing_and_extra_labs_and_writes_nothing(tmp_path, capsys):
    sol = write_solution(tmp_path)
    write_solution(tmp_path, "lab2")
    dirs = ["--solutions", tmp_path / "solutions", "--labs", tmp_path / "labs"]
    code, out, _ = cli(capsys, "labs", "--check", *dirs)
    assert code == 1 and "lab1.ipynb: missing" in out and "lab2.ipynb: missing" in out
    assert not (tmp_path / "labs").exists()  # --check writes nothing

    assert cli(capsys, "labs", *dirs)[0] == 0
    code, out, _ = cli(capsys, "labs", "--check", *dirs)
    assert (code, out.strip()) == (0, f"{tmp_path / 'labs'}/ is up to date")

    nb = solution_notebook()
    nb.cells[3].source = nb.cells[3].source.replace("add(1, 2) == 3", "add(2, 2) == 4")
    nbformat.write(nb, sol)  # the instructor edits a test but forgets `make labs`
    (tmp_path / "solutions" / "lab2.ipynb").unlink()
    (tmp_path / "labs" / "extra.ipynb").write_text("{}")
    before = (tmp_path / "labs" / "lab1.ipynb").read_bytes()
    code, out, _ = cli(capsys, "labs", "--check", *dirs)
    assert code == 1
    assert "lab1.ipynb: stale" in out and "lab2.ipynb: extra" in out and "extra.ipynb: extra" in out
    assert (tmp_path / "labs" / "lab1.ipynb").read_bytes() == before

    assert cli(capsys, "labs", *dirs)[0] == 0  # regenerating fixes all three
    assert sorted(p.name for p in (tmp_path / "labs").iterdir()) == ["lab1.ipynb"]
    assert labs.check(tmp_path / "solutions", tmp_path / "labs") == []


def test_check_with_no_solutions(tmp_path, capsys):
    sols, lab_dir = tmp_path / "solutions", tmp_path / "labs"
    assert labs.check(sols, lab_dir) == []  # absent solutions/ (a student bundle): nothing to check
    sols.mkdir()
    code, out, _ = cli(capsys, "labs", "--check", "--solutions", sols, "--labs", lab_dir)
    assert code == 0 and "up to date" in out
    lab_dir.mkdir()
    (lab_dir / "orphan.ipynb").write_text("{}")
    assert labs.check(sols, lab_dir) == [f"{lab_dir / 'orphan.ipynb'}: extra (no {sols / 'orphan.ipynb'})"]


def with_checks(nb):
    """``nb`` with two 0-point test cells after ``test_mul``: a hidden check (only comments outside its hidden
    tests) and a visible one."""
    hidden = "# (hidden checks, 0 points)\n### BEGIN HIDDEN TESTS\nassert mul(add(1, 1), 3) == 6\n### END HIDDEN TESTS"
    cells = [new_code_cell(hidden, metadata=nbgrader("model_answer_checks", grade=True, locked=True, points=0)),
             new_code_cell("print(mul(2, 2))", metadata=nbgrader("shown_check", grade=True, locked=True, points=0))]
    for cell, cell_id in zip(cells, ("checks", "shown")):
        cell["id"] = cell_id
    nb.cells[7:7] = cells
    return nb


def test_hidden_zero_point_checks_are_left_out_and_still_graded(tmp_path):
    sol = write_solution(tmp_path, nb=with_checks(solution_notebook()))
    labs.generate(tmp_path / "solutions", tmp_path / "labs")
    lab = nbformat.read(tmp_path / "labs" / "lab1.ipynb", as_version=4)
    assert "model_answer_checks" not in by_id(lab) and "hidden checks" not in json.dumps(lab)
    assert by_id(lab)["shown_check"].source == "print(mul(2, 2))"  # 0 points but something to see: kept
    assert [labs.is_hidden_check(c) for c in nbformat.read(sol, as_version=4).cells].count(True) == 1

    [g] = grade.grade_submissions(sol, [submit(tmp_path / "alice", "lab1", lab)])
    outcome = {t.grade_id: (t.outcome, t.points) for t in g.tests}
    assert (g.status, g.total, g.max_auto) == ("ok", 5, 5)
    assert outcome["model_answer_checks"] == ("passed", 0)  # restored from the solution and run


@pytest.mark.parametrize("solution", sorted((REPO / "solutions").glob("*.ipynb")), ids=lambda p: p.stem)
def test_no_lab_shows_an_empty_check_cell(solution):
    hidden = {c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(solution, as_version=4).cells
              if labs.is_hidden_check(c)}
    shown = hidden & set(by_id(nbformat.read(REPO / "labs" / solution.name, as_version=4)))
    assert not shown, f"labs/{solution.name} shows the empty 0-point check cells {shown}"


def test_repository_labs_are_in_sync():
    assert labs.check(REPO / "solutions", REPO / "labs") == [], "labs/ is stale: run `make labs`"


def _without_markers(nb):
    nb.cells[5].source = "def mul(a, b):\n    return a * b"


def _duplicate_id(nb):
    nb.cells[6].metadata["nbgrader"]["grade_id"] = "test_add"


def _no_points(nb):
    del nb.cells[6].metadata["nbgrader"]["points"]


def _hidden_outside_test(nb):
    nb.cells[7].source = "### BEGIN HIDDEN TESTS\nprint(1)\n### END HIDDEN TESTS"


def _graded_markdown_not_an_answer(nb):
    nb.cells[4].metadata["nbgrader"]["solution"] = False


def _manual_code_answer(nb):
    nb.cells[5].metadata["nbgrader"].update(grade=True, points=1)


def _unclosed(nb):
    nb.cells[2].source = "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b"


@pytest.mark.parametrize("edit, cell, message", [
    (_without_markers, "cell 5 (grade_id 'mul')", "without '### BEGIN SOLUTION'"),
    (_duplicate_id, "cell 6 (grade_id 'test_add')", "duplicate grade_id (also cell 3)"),
    (_no_points, "cell 6 (grade_id 'test_mul')", "numeric points"),
    (_hidden_outside_test, "cell 7", "outside a graded test cell"),
    (_unclosed, "cell 2 (grade_id 'add')", "without 'END SOLUTION'"),
    (_graded_markdown_not_an_answer, "cell 4 (grade_id 'why')", "graded test cells must be code cells"),
    (_manual_code_answer, "cell 5 (grade_id 'mul')", "must be markdown cells"),
])
def test_malformed_solution_is_a_clear_error(tmp_path, capsys, edit, cell, message):
    nb = solution_notebook()
    edit(nb)
    path = write_solution(tmp_path, nb=nb)
    with pytest.raises(LabFormatError) as err:
        labs.render_lab(path)
    assert f"{path}: {cell}: " in str(err.value) and message in str(err.value)
    code, out, errtext = cli(capsys, "labs", "--solutions", tmp_path / "solutions", "--labs", tmp_path / "labs")
    assert code == 2 and message in errtext and not (tmp_path / "labs").exists()
