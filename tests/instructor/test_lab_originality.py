"""No lab answer is a copy of a lecture cell (issue 20 §3): a lab that asks for what a lecture shows hands the answer
out, and a student who copies the lecture learns nothing.

For every lab, each answer of its solution (the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` of an
answer cell, dedented) and each answer of its alternative submission (``alternatives/LAB.py``) is compared with every
code cell of ``lectures/`` by difflib's ``SequenceMatcher(None, answer, cell, autojunk=False).ratio()``
(``2 M / (len(answer) + len(cell))``, M the characters of the matching blocks; without autojunk, which would hide
the common characters of cells longer than 200). It must stay below ``LIMIT``. ``quick_ratio()``, an upper bound of
``ratio()``, skips the pairs that cannot reach it, which keeps the test fast.
"""
import difflib
import re
import textwrap

import nbformat
import pytest
from labkit import ALTERNATIVES, REPO, load_answers

from nnedu_instructor.cells import grade_id, is_solution

LIMIT = 0.70
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))
SOLUTION_BLOCK = re.compile(r"^[ \t]*### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)


def lecture_cells():
    """[(where, source)] for every non-empty code cell of the lectures; where is ``"NAME cell INDEX"``."""
    cells = []
    for path in sorted((REPO / "lectures").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cells += [(f"{path.stem} cell {i}", c.source) for i, c in enumerate(nb.cells)
                  if c.cell_type == "code" and c.source.strip()]
    return cells


def solution_answers(path):
    """{grade_id: the code of its solution blocks, dedented} for the code answer cells of a solution notebook."""
    nb = nbformat.read(path, as_version=4)
    return {grade_id(c): "\n".join(textwrap.dedent(b) for b in SOLUTION_BLOCK.findall(c.source))
            for c in nb.cells if c.cell_type == "code" and is_solution(c)}


def copies(answers, cells, limit=LIMIT):
    """[(answer name, where, ratio)] for the pairs whose ratio reaches ``limit``."""
    found = []
    for where, source in cells:
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(source)  # the matcher caches what it learns of seq2: one per lecture cell
        for name, answer in answers.items():
            matcher.set_seq1(answer)
            if matcher.real_quick_ratio() >= limit and matcher.quick_ratio() >= limit and matcher.ratio() >= limit:
                found.append((name, where, round(matcher.ratio(), 3)))
    return found


@pytest.fixture(scope="module")
def lectures():
    return lecture_cells()


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_no_answer_copies_a_lecture_cell(solution, lectures):
    answers = {f"solution {k}": v for k, v in solution_answers(solution).items()}
    assert answers and all(a.strip() for a in answers.values()), f"{solution.name}: no answer code found"
    alternative = ALTERNATIVES / f"{solution.stem}.py"
    if alternative.is_file():
        answers.update({f"alternative {k}": v for k, v in load_answers(alternative).items()})
    assert not copies(answers, lectures), f"{solution.stem}: answers at least {LIMIT:.0%} like a lecture cell " \
                                          f"(answer, lecture cell, ratio): {copies(answers, lectures)}"


def test_the_measure_flags_a_copied_cell_and_passes_an_own_answer(lectures):
    """The check can fail: a lecture cell pasted as an answer, and one with its names changed, are flagged; an
    answer written for the task is not."""
    where, source = next((w, s) for w, s in lectures if "def numerical_grad(" in s)
    renamed = source.replace("numerical_grad", "num_grad").replace("grad", "g").replace("old", "saved")
    planted = {"pasted": source, "renamed": renamed, "own": "def add(a, b):\n    return sum((a, b))\n"}
    flagged = {name for name, _, _ in copies(planted, lectures)}
    assert flagged == {"pasted", "renamed"}, (where, flagged)
