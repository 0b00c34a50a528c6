"""Our grader's result written onto the cells of an nbgrader notebook (the autograded notebook formgrader shows):
used by the autograde plug-in (``nbgrader_autograde``) and by the one-cell regrade (``nbgrader_regrade``).
nbformat and the standard library only, so nbgrader's environment and the course's both import it.

- A graded test cell gets exactly one output, made here from our result, never from the kernel: "passed: ..."
  (nbgrader's ``determine_grade`` then gives full points) or an error output carrying our message (0 points).
- Every other code cell gets what it displayed in our sandboxed run (``nbgrader_run``'s ``outputs``, by cell
  position), cleaned again (``outputs.clean``: text and PNG only, capped), or nothing. A student's output can
  land on no test cell, whatever metadata or text it carries, and so cannot change a score.
"""
import nbformat

from .outputs import clean

PASSED = "passed"


def nbgrader_meta(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def is_test_cell(cell):
    """A cell nbgrader scores by its outputs (nbgrader's ``is_grade`` and not ``is_solution``, as truthy tests)."""
    meta = nbgrader_meta(cell)
    return bool(meta.get("grade")) and not meta.get("solution")


def test_output(test, result):
    """The output that makes nbgrader score the test cell as we did: "passed" (full points) or an error (0)."""
    if test["outcome"] == PASSED and test["points"] == test["max_points"]:
        return nbformat.v4.new_output("stream", name="stdout", text=f"{PASSED}: {test['points']:g} / "
                                      f"{test['max_points']:g} (sandboxed grader, checked on fresh inputs)\n")
    text = test["message"]
    if result["status"] == "tampered" and result["note"]:
        text = f"{text} ({result['note']})" if not text.startswith("not run") else result["note"]
    ename, _, evalue = text.partition(": ")
    if not (evalue and ename.isidentifier()):
        ename, evalue = "TestFailed", text
    line = f"{test['grade_id']}: {test['points']:g} / {test['max_points']:g}: {text}"
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[line])


def write_results(nb, result, only=None):
    """Put ``result`` (``nbgrader_run``'s JSON for ``nb``, graded as it is now) on ``nb``'s code cells: each
    test cell its result, every other code cell its outputs. With ``only`` (a grade_id), that test cell alone
    changes. Returns ``nb``."""
    tests = {t["grade_id"]: t for t in result["tests"] if not t["manual"]}
    shown = result.get("outputs") or {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        gid = nbgrader_meta(cell).get("grade_id")
        if only is not None:
            if gid == only and is_test_cell(cell) and gid in tests:
                cell.outputs = [test_output(tests[gid], result)]
            continue
        cell.execution_count = None
        if is_test_cell(cell):
            cell.outputs = [test_output(tests[gid], result)] if gid in tests else []
        else:
            cell.outputs = [nbformat.from_dict(o) for o in clean(shown.get(str(index), []))]
    return nb
