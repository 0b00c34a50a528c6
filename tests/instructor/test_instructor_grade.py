"""The grader: restored tests, per-cell/notebook/memory limits, kernel death, bad files, CSV and feedback.

Submissions are built from the generated lab the way a student would fill it in. Every submission starts
its own kernel (about 2 s), so the hostile ones are graded in one batch.
"""
import copy
import csv
import subprocess
import sys

from labkit import ADD, by_id, make_lab, solution_notebook, submit
from nbformat.v4 import new_code_cell

from nnedu_instructor import grade, report
from nnedu_instructor.cells import restore_locked


def drop_test_add(nb):
    nb.cells[:] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "test_add"]


def neuter_test_mul(nb):
    by_id(nb)["test_mul"].source = "pass"


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_restore_locked_puts_tests_back_in_solution_order():
    solution = solution_notebook()
    student = copy.deepcopy(solution)
    cells = by_id(student)
    cells["add"].source = ADD
    cells["test_mul"].source = "pass"  # edited test
    helper = new_code_cell("helper = 1")  # a cell the student added after their answer
    student.cells = [student.cells[0], cells["add"], helper, cells["mul"], cells["test_mul"],
                     copy.deepcopy(cells["test_mul"]), student.cells[-1]]  # setup and test_add deleted
    merged = restore_locked(solution, student)
    sources = [c.source for c in merged.cells]
    original = solution_notebook()
    assert sources == ["# Lab 1: adding and multiplying", "import math\nprint('ready')", ADD, "helper = 1",
                       original.cells[3].source, original.cells[5].source, original.cells[6].source,
                       "print(add(2, 2))"]
    assert all(c.outputs == [] for c in merged.cells if c.cell_type == "code")
    assert "add(-1, 1) == 0" in sources[4]  # hidden tests are back


def test_bad_files_get_invalid_notebook_rows_without_a_kernel(tmp_path):
    sol, lab = make_lab(tmp_path)
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "text.ipynb").write_text("this is not a notebook")
    (subs / "json.ipynb").write_text('{"cells": 3}')
    (subs / "binary.ipynb").write_bytes(b"\xff\xfe\x00garbage")
    (subs / "badcell.ipynb").write_text('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [7]}')
    paths = [subs / n for n in ("text.ipynb", "json.ipynb", "binary.ipynb", "badcell.ipynb", "missing.ipynb")]
    grades = grade.grade_submissions(sol, paths)
    assert [(g.student, g.status, g.total, g.max_total) for g in grades] == [
        (p.stem, "invalid-notebook", 0, 6) for p in paths]


def test_hostile_batch(tmp_path):
    sol, lab = make_lab(tmp_path)
    subs = tmp_path / "subs"
    bob = submit(tmp_path / "bob", "lab1", lab)  # named like the lab: the student is the folder
    paths = [
        bob,
        submit(subs, "blank", lab, add=by_id(lab)["add"].source, mul=by_id(lab)["mul"].source),
        submit(subs, "loop", lab, add="while True:\n    pass\n" + ADD),
        submit(subs, "died", lab, mul="import os\nos._exit(1)"),
        submit(subs, "hog", lab, add="x = bytearray(50 * 2**30)\n" + ADD),
        submit(subs, "deleted", lab, edit=drop_test_add),
        submit(subs, "neutered", lab, mul="def mul(a, b):\n    return a + b", edit=neuter_test_mul),
        submit(subs, "syntax", lab, add="def add(a, b) return a + b"),
        submit(subs, "flood", lab, add=ADD + "\nfor i in range(1000):\n    print('\\n'.join(['spam'] * 1000))"),
        submit(subs, "hidden", lab, add="def add(a, b):\n    return abs(a) + b"),
        subs / "garbage.ipynb",
    ]
    paths[-1].write_text("not json")
    before = {p: p.read_bytes() for p in paths}
    seen = []
    limits = grade.Limits(cell_timeout=10, notebook_timeout=120, memory_mb=4096)
    grades = grade.grade_submissions(sol, paths, limits, jobs=2, progress=seen.append)

    rows = {g.student: ([t.points for t in g.tests if not t.manual], g.status) for g in grades}
    expected = {
        "bob": ([2, 3], "ok"),
        "blank": ([0, 0], "ok"),  # the untouched lab
        "loop": ([0, 3], "timeout"),  # the loop is interrupted, later cells still graded
        "died": ([2, 0], "kernel-died"),
        "hog": ([0, 3], "ok"),  # MemoryError under the address-space limit
        "deleted": ([2, 3], "ok"),  # the deleted test is restored and passes
        "neutered": ([2, 0], "ok"),  # `pass` is replaced by the real test, which fails
        "syntax": ([0, 3], "ok"),
        "flood": ([2, 3], "ok"),
        "hidden": ([0, 3], "ok"),  # passes the visible test, fails the hidden one
        "garbage": ([0, 0], "invalid-notebook"),
    }
    assert rows == expected
    assert [g.student for g in grades] == list(expected)  # input order
    assert grades[2].note == "`add` (your answer cell) ran out of time (10 s)"
    assert sorted(g.student for g in seen) == sorted(expected)
    assert all(p.read_bytes() == data for p, data in before.items())  # submissions never written
    assert sorted(p.name for p in (tmp_path / "solutions").iterdir()) == ["lab1.ipynb"]

    outcome = {g.student: {t.grade_id: (t.outcome, t.message) for t in g.tests} for g in grades}
    # a failed visible assert shows its message and line; a hidden one only the error's type
    assert outcome["blank"] == {
        "test_add": ("failed", "NotImplementedError\nat line 1: assert add(1, 2) == 3"),
        "why": ("unchanged", "unchanged from the lab as released: 0 points"),
        "test_mul": ("failed", "NameError: name 'mul' is not defined\nat line 1: assert mul(2, 3) == 6\nbefore "
                     "this test, `mul` (your answer cell) raised NotImplementedError, so what it defines may be "
                     "missing")}
    assert outcome["died"]["test_mul"] == ("not-run", "not run (the kernel died in `mul` (your answer cell))")
    assert outcome["hog"]["test_add"][1].startswith("NameError: name 'add' is not defined\nat line 1")
    assert outcome["hog"]["test_add"][1].endswith("`add` (your answer cell) raised MemoryError, so what it "
                                                  "defines may be missing")
    assert outcome["neutered"]["test_mul"] == ("failed", "AssertionError\nat line 1: assert mul(2, 3) == 6")
    assert outcome["hidden"]["test_add"] == ("failed", "AssertionError in a hidden test")
    assert all(g.needs_manual == 0 for g in grades)  # nobody changed the written answer: nothing to grade

    out = tmp_path / "grades.csv"
    report.write_csv(grades, out)
    table = read_csv(out)
    assert table[0] == ["student", "path", "collected", "test_add", "test_mul", "why", "total", "max_auto",
                        "needs_manual", "max_total", "status"]
    assert table[1] == ["bob", str(bob), "", "2", "3", "0 (unchanged)", "5", "5", "0", "6", "ok"]
    assert table[3] == ["loop", str(paths[2]), "", "0", "3", "0 (unchanged)", "3", "5", "0", "6", "timeout"]
    assert table[-1] == ["garbage", str(paths[-1]), "", "0", "0", "0 (not read)", "0", "5", "0", "6",
                         "invalid-notebook"]
    assert len(table) == 12 and out.stat().st_size < 2000  # the flood stays out of the CSV

    report.write_feedback(grades, tmp_path / "feedback", "lab1")
    fb = tmp_path / "feedback" / "lab1"
    files = sorted(p.name for p in fb.iterdir())
    assert files == sorted(f"{name}.md" for name in expected)
    blank = (fb / "blank.md").read_text()
    assert "Automatic score: 0 / 5 (status: ok)" in blank and "- `test_add`: 0 / 2: failed\n  ```\n" in blank
    assert "  NotImplementedError\n  at line 1: assert add(1, 2) == 3\n  ```" in blank
    assert "Written answers left as released: 1 points, scored 0" in blank
    assert "- `why`: 0 / 1: unchanged from the lab as released: 0 points" in blank
    assert "add(-1, 1)" not in blank  # no traceback, so no hidden test source
    assert "add(-1, 1)" not in (fb / "hidden.md").read_text()
    assert "AssertionError in a hidden test" in (fb / "hidden.md").read_text()
    died = (fb / "died.md").read_text()
    assert "- `test_mul`: 0 / 3: not run (the kernel died in 'mul' (your answer cell))" in died
    assert "not run" in (fb / "garbage.md").read_text()
    assert all(p.stat().st_size < 2000 for p in fb.iterdir())


def test_notebook_timeout_stops_and_marks_the_rest_not_run(tmp_path):
    sol, lab = make_lab(tmp_path)
    slow = submit(tmp_path, "slow", lab, add="import time\ntime.sleep(30)\n" + ADD)
    # no preflight: a 4 s notebook limit is about the slow submission (the toy solution may need longer to start)
    [g] = grade.grade_submissions(sol, [slow], grade.Limits(cell_timeout=20, notebook_timeout=4), preflight=False)
    assert g.status == "timeout" and g.total == 0
    assert [(t.outcome, t.message) for t in g.tests if not t.manual] == [
        ("not-run", "not run (the notebook ran out of time (4 s))")] * 2


def test_student_names_and_paths(tmp_path):
    assert report.student_name(tmp_path / "submitted" / "carol" / "lab1" / "lab1.ipynb", "lab1") == "carol"
    assert report.student_name(tmp_path / "bob" / "lab1.ipynb", "lab1") == "bob"
    assert report.student_name(tmp_path / "x" / "alice.ipynb", "lab1") == "alice"
    a, b = (report.Grade("alice", str(tmp_path / d / "alice.ipynb")) for d in "ab")
    report.write_csv([a, b], tmp_path / "g.csv")
    assert [row[:2] for row in read_csv(tmp_path / "g.csv")[1:]] == [["alice", a.path], ["alice", b.path]]
    assert [p.name for p in report.write_feedback([a, b], tmp_path / "fb", "lab1")] == ["alice.md", "alice-2.md"]


def test_torch_imports_under_the_default_memory_limit(tmp_path):
    sol, lab = make_lab(tmp_path)
    mul = "import torch\ndef mul(a, b):\n    return int(torch.tensor(a) * torch.tensor(b))"
    path = submit(tmp_path, "torchy", lab, mul=mul)
    [g] = grade.grade_submissions(sol, [path], grade.Limits(cell_timeout=120))
    assert grade.Limits().memory_mb == 4096
    assert (g.status, g.total, [t.outcome for t in g.tests]) == ("ok", 5, ["passed", "unchanged", "passed"])


def test_cli_grades_and_is_deterministic(tmp_path, capsys):
    sol, lab = make_lab(tmp_path)
    subs = tmp_path / "subs"
    paths = [submit(subs, "alice", lab), submit(subs, "loop", lab, add="while True:\n    pass\n" + ADD),
             submit(subs, "died", lab, mul="import os\nos._exit(1)")]
    args = ["grade", "lab1", *paths, "--solutions", tmp_path / "solutions", "--jobs", "2", "--timeout", "2"]
    run = subprocess.run([sys.executable, "-m", "nnedu_instructor", *map(str, args), "--out", "a.csv",
                          "--feedback", "fb"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "alice: 5/5 ok" in run.stdout and "loop: 3/5 timeout" in run.stdout
    assert "graded 3 submission(s) of lab1 in" in run.stdout
    assert (tmp_path / "fb" / "lab1" / "alice.md").exists()

    from nnedu_instructor.__main__ import main
    assert main([*map(str, args), "--out", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()  # same inputs, same CSV
    unchanged = "0 (unchanged)"
    assert [row[:1] + row[2:] for row in read_csv(tmp_path / "a.csv")[1:]] == [
        ["alice", "", "2", "3", unchanged, "5", "5", "0", "6", "ok"],
        ["loop", "", "0", "3", unchanged, "3", "5", "0", "6", "timeout"],
        ["died", "", "2", "0", unchanged, "2", "5", "0", "6", "kernel-died"]]
    assert main(["grade", "nope", str(paths[0]), "--solutions", str(tmp_path / "solutions")]) == 2
    assert "no solution notebook 'nope'" in capsys.readouterr().err
