"""Regrading merges (issue 22): grading into an existing CSV updates the rows graded now and keeps the others,
``--only`` takes one test's column, a CSV written for another version of the lab is refused, and a roster
student without a submission has a ``missing`` row until they hand one in."""
import csv

from labkit import ADD, by_id, cli, make_lab, solution_notebook, submit, write_solution

from nnedu_instructor import grades_csv, labs, sandbox

UNSAFE = ["--unsafe"] if sandbox.check() is not None else []
HEAD = ["student", "path", "collected", "test_add", "test_mul", "why", "total", "max_auto", "needs_manual",
        "max_total", "status"]
WRONG_MUL = "def mul(a, b):\n    return a + b"


def rows(path):
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == HEAD
    return [[r[0], r[1] and "p", *r[2:]] for r in table[1:]]  # the path: present or not


def grade(capsys, sol, out, *args):
    return cli(capsys, "grade", sol, *args, "--out", out, "--timeout", 30, *UNSAFE)


def test_a_regrade_updates_its_rows_and_keeps_the_class(tmp_path, capsys):
    sol, lab = make_lab(tmp_path)
    subs, out = tmp_path / "subs", tmp_path / "grades.csv"
    (tmp_path / "roster.txt").write_text("# class of 2026\nalice\nbob\ncarol\n\ndave\n")

    def answer(nb):
        by_id(nb)["why"].source = "Because a + b = b + a."
    paths = [submit(subs, "alice", lab), submit(subs, "bob", lab, mul=WRONG_MUL),
             submit(subs, "carol", lab, edit=answer)]
    code, stdout, err = grade(capsys, sol, out, *paths, "--roster", tmp_path / "roster.txt")
    assert code == 0, err
    assert "1 on the roster without a submission: dave" in stdout
    unchanged = "0 (unchanged)"
    assert rows(out) == [["alice", "p", "", "2", "3", unchanged, "5", "5", "0", "6", "ok"],
                         ["bob", "p", "", "2", "0", unchanged, "2", "5", "0", "6", "ok"],
                         ["carol", "p", "", "2", "3", "manual", "5", "5", "1", "6", "ok"],
                         ["dave", "", "", "0", "0", "0 (not read)", "0", "5", "0", "6", "missing"]]
    # bob fixes his lab and is regraded alone: 4 rows still, his updated in place
    submit(subs, "bob", lab)
    assert grade(capsys, sol, out, paths[1], "--roster", tmp_path / "roster.txt")[0] == 0
    assert [r[0] for r in rows(out)] == ["alice", "bob", "carol", "dave"]
    assert rows(out)[1][3:7] == ["2", "3", unchanged, "5"] and rows(out)[3][-1] == "missing"
    # dave hands in late: his graded row replaces the missing one
    assert grade(capsys, sol, out, submit(subs, "dave", lab, add=ADD), "--roster", tmp_path / "roster.txt")[0] == 0
    assert [(r[0], r[1], r[-1]) for r in rows(out)] == [(s, "p", "ok") for s in ("alice", "bob", "carol", "dave")]


def test_only_merges_one_column_and_recomputes_the_total(tmp_path, capsys):
    sol, lab = make_lab(tmp_path)
    out = tmp_path / "grades.csv"
    alice = submit(tmp_path / "subs", "alice", lab, mul=WRONG_MUL)
    assert grade(capsys, sol, out, alice)[0] == 0
    head, table = grades_csv.read(out)
    table[0][head.index("test_add")] = "1.5"  # the instructor's own adjustment, which a regrade must keep
    grades_csv.write(out, head, table)
    submit(tmp_path / "subs", "alice", lab)  # now test_mul passes too
    code, _, err = grade(capsys, sol, out, alice, "--only", "test_mul")
    assert code == 0, err
    assert rows(out) == [["alice", "p", "", "1.5", "3", "0 (unchanged)", "4.5", "5", "0", "6", "ok"]]
    code, _, err = grade(capsys, sol, out, alice, "--only", "nope")
    assert code == 2 and "--only 'nope': not a graded test cell of lab1 (test_add, test_mul)" in err


def test_a_csv_of_another_version_of_the_lab_is_refused(tmp_path, capsys):
    sol, lab = make_lab(tmp_path)
    out = tmp_path / "grades.csv"
    alice = submit(tmp_path / "submitted" / "alice" / "lab1", "lab1", lab)  # as collect leaves it
    (tmp_path / "submitted" / "collected.csv").write_text(
        "student,lab,state,collected,source,bytes,note\nalice,lab1,collected,2026-12-05T12:00:03Z,x,1,\n")
    old = "student,path,collected,test_add,total,max_auto,needs_manual,max_total,status\nzoe,z.ipynb,,2,2,2,0,2,ok\n"
    out.write_text(old)
    code, _, err = grade(capsys, sol, out, alice)
    assert code == 2 and "written for another version of this lab" in err and "Regrade every submission" in err
    assert "--replace" in err and out.read_text() == old
    nb = solution_notebook()
    by_id(nb)["test_mul"].metadata["nbgrader"]["points"] = 4
    write_solution(tmp_path, nb=nb)  # same cells, other points: the header matches, max columns follow the lab
    labs.generate(tmp_path / "solutions", tmp_path / "labs")
    code, _, err = grade(capsys, sol, out, alice, "--replace")
    assert code == 0, err
    assert rows(out) == [["alice", "p", "2026-12-05T12:00:03Z", "2", "4", "0 (unchanged)", "6", "6", "0", "7", "ok"]]


def test_merge_keeps_every_row_it_does_not_grade():
    head = HEAD
    old = [["a", "x", "", "2", "3", "manual", "5", "5", "1", "6", "ok"],
           ["b", "y", "", "0", "0", "0 (unchanged)", "0", "5", "0", "6", "ok"],
           ["c", "", "", "0", "0", "0 (not read)", "0", "5", "0", "6", "missing"]]
    new = [["b", "y", "", "2", "0", "0 (unchanged)", "2", "5", "0", "6", "timeout"],
           ["a", "z", "", "0", "3", "manual", "3", "5", "1", "6", "ok"]]
    merged = grades_csv.merge(head, old, new)
    assert [r[:2] for r in merged] == [["a", "x"], ["b", "y"], ["c", ""], ["a", "z"]]  # (student, path) is the key
    assert merged[1] == new[0]
    only = grades_csv.merge(head, old, new, only="test_add")
    assert only[1] == ["b", "y", "", "2", "0", "0 (unchanged)", "2", "5", "0", "6", "timeout"]
    assert grades_csv.merge(head, old, [["c", "w", *old[0][2:]]])[-1][:2] == ["c", "w"]  # c's missing row goes
    assert len(grades_csv.merge(head, old, [["c", "w", *old[0][2:]]])) == 3
