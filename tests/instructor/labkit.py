"""Helpers the grader's tests share: a tiny two-test lab, its solution and submissions, the command line,
and the lab alternatives' answers (``alternatives/LAB.py``)."""
import copy
import importlib.util
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nnedu_instructor import labs
from nnedu_instructor.__main__ import main

REPO = Path(__file__).resolve().parents[2]
ALTERNATIVES = Path(__file__).resolve().parent / "alternatives"
ADD_SOLUTION = "def add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION"
TEST_ADD = ("assert add(1, 2) == 3\n### BEGIN HIDDEN TESTS\nassert add(-1, 1) == 0\n### END HIDDEN TESTS")
MUL_SOLUTION = "### BEGIN SOLUTION\ndef mul(a, b):\n    return a * b\n### END SOLUTION"
TEST_MUL = "assert mul(2, 3) == 6\n### BEGIN HIDDEN TESTS\nassert mul(0, 5) == 0\n### END HIDDEN TESTS"


def nbgrader(grade_id, solution=False, grade=False, locked=False, points=None):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked, "schema_version": 3}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def solution_notebook():
    """A tiny lab: a read-only setup cell, two solution cells, two graded tests (2 and 3 points), a written
    answer graded by hand (1 point), a code cell that prints."""
    stdout = [new_output("stream", name="stdout", text="secret output\n")]
    cells = [
        new_markdown_cell("# Lab 1: adding and multiplying"),
        new_code_cell("import math\nprint('ready')", metadata=nbgrader("setup", locked=True),
                      outputs=[new_output("stream", name="stdout", text="ready\n")], execution_count=1),
        new_code_cell(ADD_SOLUTION, metadata=nbgrader("add", solution=True), outputs=stdout, execution_count=2),
        new_code_cell(TEST_ADD, metadata=nbgrader("test_add", grade=True, locked=True, points=2),
                      outputs=stdout, execution_count=3),
        new_markdown_cell("Addition is commutative because ...",
                          metadata=nbgrader("why", solution=True, grade=True, points=1)),  # graded by hand
        new_code_cell(MUL_SOLUTION, metadata=nbgrader("mul", solution=True)),
        new_code_cell(TEST_MUL, metadata=nbgrader("test_mul", grade=True, locked=True, points=3)),
        new_code_cell("print(add(2, 2))", outputs=[new_output("stream", name="stdout", text="4\n")],
                      execution_count=5),
    ]
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def write_solution(root, name="lab1", nb=None):
    """Write the solution notebook to ``root/solutions/NAME.ipynb``; return its path."""
    path = Path(root) / "solutions" / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb or solution_notebook(), path)
    return path


def cli(capsys, *args):
    """Run the command line in-process: (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def by_id(nb):
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


ADD = "def add(a, b):\n    return a + b"
MUL = "def mul(a, b):\n    return a * b"


def make_lab(root):
    """solutions/lab1.ipynb and labs/lab1.ipynb under ``root``; return (solution path, lab notebook)."""
    sol = write_solution(root)
    labs.generate(root / "solutions", root / "labs")
    return sol, nbformat.read(root / "labs" / "lab1.ipynb", as_version=4)


def submit(folder, name, lab, add=ADD, mul=MUL, edit=None):
    """A student's notebook: the lab with the two answers filled in, then ``edit(nb)``; return its path."""
    nb = copy.deepcopy(lab)
    cells = by_id(nb)
    cells["add"].source, cells["mul"].source = add, mul
    if edit:
        edit(nb)
    path = Path(folder) / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def load_answers(path):
    """The ``ANSWERS`` dict of an alternatives file."""
    spec = importlib.util.spec_from_file_location(f"alternatives_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ANSWERS
