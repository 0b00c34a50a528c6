"""Feedback a student can use (issue 22): the message and line of a failed visible assert, only the type of a
hidden one (a NameError names the name), the cell the kernel died in, no 0-point internal checks, and the
written answers' state; outcomes stay short codes (report.Outcome) apart from what the student reads."""
import copy

import pytest
from labkit import ADD, MUL, by_id, nbgrader, solution_notebook, submit, write_solution
from nbformat.v4 import new_code_cell

from nnedu_instructor import grade, labs, messages, report, sandbox
from nnedu_instructor.report import Outcome

UNSAFE = sandbox.check() is not None
TEST_ADD = ('assert add(1, 2) == 3, "add(1, 2) should be 3"\n### BEGIN HIDDEN TESTS\nassert add(-1, 1) == 0, '
            '"HIDDEN-SECRET"\nassert sub(3, 1) == 2\n### END HIDDEN TESTS')
SUB = "\n\ndef sub(a, b):\n    return a - b"


def feedback_lab(root):
    """The toy lab with a visible assert that has a message, hidden asserts that need ``sub`` (written in the
    ``add`` answer), and a 0-point internal check; returns (solution path, student lab)."""
    nb = solution_notebook()
    cells = by_id(nb)
    cells["add"].source += "\n\n\ndef sub(a, b):\n    ### BEGIN SOLUTION\n    return a - b\n    ### END SOLUTION"
    cells["test_add"].source = TEST_ADD
    check = new_code_cell("assert globals()['sub']", metadata=nbgrader("lab1_model_answer_checks", grade=True,
                                                                       locked=True, points=0))
    check["id"] = "check"
    nb.cells.insert(nb.cells.index(cells["test_add"]) + 1, check)
    sol = write_solution(root, nb=nb)
    labs.generate(root / "solutions", root / "labs")
    return sol, labs.make_lab(nb)


def add_cell_after(gid, source):
    def edit(nb):
        cell = new_code_cell(source)
        cell["id"] = "added"
        nb.cells.insert(nb.cells.index(by_id(nb)[gid]) + 1, cell)
    return edit


def write_answer(text):
    def edit(nb):
        by_id(nb)["why"].source = text
    return edit


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("feedback")
    sol, lab = feedback_lab(root)
    subs = root / "subs"
    paths = [
        submit(subs, "visible", lab, add="def add(a, b):\n    return a - b" + SUB),
        submit(subs, "nosub", lab, add=ADD),  # the visible assert passes, the hidden part needs sub
        submit(subs, "crash", lab, add=ADD + SUB, edit=add_cell_after("add", "import os\nos._exit(3)")),
        submit(subs, "fence", lab, add="def add(a, b):\n    raise ValueError('```\\n# Injected\\n![x](http://e)')"),
        submit(subs, "wrote", lab, add=ADD + SUB, mul=MUL, edit=write_answer("Because a + b = b + a.")),
        submit(subs, "raised", lab, add="raise ValueError('not yet')\n" + ADD + SUB, mul=MUL),
    ]
    grades = grade.grade_submissions(sol, paths, grade.Limits(cell_timeout=30), unsafe=UNSAFE)
    fb = root / "fb"
    report.write_feedback(grades, fb, "lab1")
    return {g.student: g for g in grades}, {g.student: (fb / "lab1" / f"{g.student}.md").read_text() for g in grades}


def cells(g):
    return {t.grade_id: (t.outcome, t.message) for t in g.tests}


def test_a_failed_visible_assert_shows_its_message_and_line(graded):
    grades, texts = graded
    assert cells(grades["visible"])["test_add"] == (
        "failed", 'AssertionError: add(1, 2) should be 3\nat line 1: assert add(1, 2) == 3, "add(1, 2) should be 3"')
    assert "  AssertionError: add(1, 2) should be 3\n" in texts["visible"]


def test_a_hidden_failure_shows_only_its_type_and_a_missing_name(graded):
    grades, texts = graded
    assert cells(grades["nosub"])["test_add"] == ("failed", "NameError: name 'sub' is not defined, in a hidden test")
    assert not any("HIDDEN-SECRET" in t or "add(-1, 1)" in t or "sub(3, 1)" in t for t in texts.values())


def test_the_cell_that_crashed_the_kernel_is_named(graded):
    grades, texts = graded
    g = grades["crash"]
    assert (g.status, g.note) == ("kernel-died", "the kernel died in code cell 3 (after `add`)")
    assert cells(g)["test_add"] == ("not-run", "not run (the kernel died in code cell 3 (after `add`))")
    assert "0 / 2: not run (the kernel died in code cell 3 (after 'add'))" in texts["crash"]


def test_a_failed_test_names_the_answer_cell_that_raised_before_it(graded):
    grades, texts = graded
    assert cells(grades["raised"])["test_add"] == ("failed", "NameError: name 'add' is not defined\nat line 1: "
                                                   'assert add(1, 2) == 3, "add(1, 2) should be 3"\nbefore this '
                                                   "test, `add` (your answer cell) raised ValueError, so what it "
                                                   "defines may be missing")
    assert cells(grades["raised"])["test_mul"][0] == "passed"  # only the cells since the previous test are named
    assert cells(grades["nosub"])["test_add"][1].count("\n") == 0  # nothing stopped: nothing added


def test_a_failed_test_names_the_answer_cell_that_ran_out_of_time(tmp_path):
    sol, lab = feedback_lab(tmp_path)
    path = submit(tmp_path / "subs", "slow", lab, add="import time\ntime.sleep(600)\n" + ADD + SUB, mul=MUL)
    g, = grade.grade_submissions(sol, [path], grade.Limits(cell_timeout=3), unsafe=UNSAFE, preflight=False)
    assert g.status == "timeout" and cells(g)["test_mul"][0] == "passed"
    assert cells(g)["test_add"] == ("failed", "NameError: name 'add' is not defined\nat line 1: assert add(1, 2) "
                                    '== 3, "add(1, 2) should be 3"\nbefore this test, `add` (your answer cell) ran '
                                    "out of time (3 s), so what it defines may be missing")


def test_zero_point_checks_stay_out_of_the_feedback_but_not_out_of_the_grade(graded):
    grades, texts = graded
    assert cells(grades["nosub"])["lab1_model_answer_checks"][0] == Outcome.FAILED
    assert cells(grades["wrote"])["lab1_model_answer_checks"][0] == Outcome.PASSED
    assert not any("lab1_model_answer_checks" in t for t in texts.values())


def test_a_students_text_cannot_leave_its_code_block(graded):
    _, texts = graded
    assert "\n# Injected" not in texts["fence"] and "\n![x]" not in texts["fence"]
    assert "  ````\n  ValueError: ```\n  # Injected\n  ![x](http://e)\n  at line 1:" in texts["fence"]


def test_written_answers_unchanged_score_zero_changed_ones_wait_for_a_person(graded):
    grades, texts = graded
    wrote, nosub = grades["wrote"], grades["nosub"]
    assert cells(wrote)["why"] == ("manual", "needs manual grading") and wrote.needs_manual == 1
    assert cells(nosub)["why"][0] == "unchanged" and nosub.needs_manual == 0
    assert (wrote.total, wrote.max_auto, wrote.max_total) == (5, 5, 6)
    assert "Written answers: 1 points, graded by hand" in texts["wrote"] and "- `why`: ? / 1:" in texts["wrote"]
    assert "- `why`: 0 / 1: unchanged" in texts["nosub"]


def test_outcomes_are_codes_not_display_strings():
    score = report.CellScore("t", 2)
    score.set(Outcome.PROBE_FAILED)
    assert score.outcome == "probe-failed" and f"{score.outcome}" == "probe-failed"
    assert score.message == report.MESSAGES[Outcome.PROBE_FAILED]
    with pytest.raises(ValueError):
        score.set("passed in the notebook")


@pytest.mark.parametrize("trace, line", [
    ("\x1b[0;31mAssertionError\x1b[0m Traceback\nCell \x1b[0;32mIn[7], line 4\x1b[0m\n----> 4 assert x", 4),
    ("AssertionError Traceback\n<ipython-input-3-abc> in <module>\n      1 x = 1\n----> 2 assert x", 2),
    ("AssertionError: no frames (xmode minimal)", None),
])
def test_the_failing_line_comes_from_the_tracebacks_first_frame(trace, line):
    assert messages.failing_line(trace) == line


def test_an_unknown_line_counts_as_hidden_when_the_cell_has_hidden_tests():
    visible_only, with_hidden = "assert f() == 1", "assert f() == 1\n### BEGIN HIDDEN TESTS\nassert g()\n### END"
    assert messages.failure(visible_only, "AssertionError", "msg", "") == "AssertionError: msg"
    assert messages.failure(with_hidden, "AssertionError", "msg", "") == "AssertionError in a hidden test"
    assert messages.failure(with_hidden, "MyError", "evil", "Cell In[2], line 1") == "Error: evil\nat line 1: " \
        "assert f() == 1"  # a class of the student's own is not named
    # a line in the hidden part is never shown, whatever the kernel says (the text shown is the grader's copy)
    assert messages.failure(with_hidden, "AssertionError", "", "Cell In[2], line 3") == \
        "AssertionError in a hidden test"


def test_a_solution_with_a_failing_zero_point_check_fails_the_preflight(tmp_path):
    sol, _ = feedback_lab(tmp_path)
    nb = copy.deepcopy(labs.read_solution(sol))
    by_id(nb)["lab1_model_answer_checks"].source = "assert globals()['nothing']"
    write_solution(tmp_path, nb=nb)
    with pytest.raises(grade.PreflightFailed, match="lab1_model_answer_checks.*KeyError"):
        grade.preflight(sol, grade.Limits(cell_timeout=30), unsafe=UNSAFE)
