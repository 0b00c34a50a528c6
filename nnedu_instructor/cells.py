"""nbgrader cell metadata: what a cell is, its markers, checking a solution notebook, restoring locked cells.

A solution notebook uses nbgrader's cell format (schema version 3), so it works with nbgrader unchanged:

- solution cell: ``metadata.nbgrader = {solution: true, grade: false, locked: false, grade_id}``; a code
  solution cell keeps its answer between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines (a markdown
  one may, otherwise the whole cell is the answer);
- graded test cell: ``{grade: true, solution: false, locked: true, points: N, grade_id}``; lines between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are hidden from students;
- manually graded answer (a written answer): a *markdown* cell ``{grade: true, solution: true, locked: false,
  points: N, grade_id}`` holding the model answer; students get ``YOUR ANSWER HERE``; the autograder scores
  an answer left so 0 and reports a changed one as "needs manual grading";
- read-only cell: ``{locked: true, grade_id}``; any other cell may carry ``{locked: false}`` or nothing.

Markers are found as nbgrader finds them: a line that contains the marker text.
"""
import copy
import re

BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CODE_STUB = ["# YOUR CODE HERE", "raise NotImplementedError()"]
TEXT_STUB = ["YOUR ANSWER HERE"]


class LabFormatError(ValueError):
    """A solution notebook whose nbgrader metadata or markers are malformed; the message names file and cells."""


def nbgrader(cell):
    """The cell's ``metadata.nbgrader`` dict ({} when absent or not a dict)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def grade_id(cell):
    """The cell's nbgrader grade_id, or None."""
    gid = nbgrader(cell).get("grade_id")
    return gid if isinstance(gid, str) and gid else None


def is_solution(cell):
    return nbgrader(cell).get("solution") is True


def is_graded(cell):
    return nbgrader(cell).get("grade") is True


def is_locked(cell):
    """Read-only for students: graded test cells and cells marked ``locked: true`` (never an answer cell)."""
    meta = nbgrader(cell)
    return meta.get("solution") is not True and (meta.get("grade") is True or meta.get("locked") is True)


def is_manual(cell):
    """A manually graded answer: a markdown cell that is both a solution and a graded cell."""
    return is_graded(cell) and is_solution(cell) and cell.get("cell_type") == "markdown"


def is_test(cell):
    """An automatically graded test cell (graded, not an answer)."""
    return is_graded(cell) and not is_solution(cell)


def points(cell):
    """Points of a graded cell, as a float."""
    return float(nbgrader(cell)["points"])


def replace_regions(source, begin, end, stub):
    """Replace each ``begin``..``end`` region of ``source`` (marker lines included) by the ``stub`` lines.

    The stub keeps the indentation of the begin line. Returns (new_source, number_of_regions).
    Raises ValueError on a nested begin or a missing end, or an end without a begin.
    """
    out, inside, count = [], False, 0
    for line in source.split("\n"):
        if begin in line:
            if inside:
                raise ValueError(f"nested '{begin}'")
            inside, count = True, count + 1
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + s for s in stub)
        elif end in line:
            if not inside:
                raise ValueError(f"'{end}' without '{begin}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"'{begin}' without '{end}'")
    return "\n".join(out), count


def check_solution_notebook(nb, name):
    """Raise LabFormatError listing every malformed cell of the solution notebook ``nb`` (``name``: its file).

    Checked: solution and graded cells have a grade_id, grade_ids are unique, locked cells have one,
    graded cells have non-negative numeric points and are code test cells or markdown answers (a graded
    code cell that is also a solution cell, nbgrader's manually graded code, is not supported), code
    solution cells contain balanced solution markers, markers appear only in the kind of cell they belong to.
    """
    problems, seen = [], {}
    for index, cell in enumerate(nb.cells):
        meta, gid = nbgrader(cell), grade_id(cell)
        where = f"cell {index}" + (f" (grade_id {gid!r})" if gid else "")

        def bad(msg):
            problems.append(f"{name}: {where}: {msg}")

        source = cell.get("source", "")
        if meta and (is_solution(cell) or is_graded(cell) or meta.get("locked") is True) and not gid:
            bad("nbgrader cell without a grade_id")
        if gid and gid in seen:
            bad(f"duplicate grade_id (also cell {seen[gid]})")
        if gid:
            seen.setdefault(gid, index)
        if is_graded(cell):
            if is_solution(cell) and cell.cell_type != "markdown":
                bad("manually graded answers (solution and grade both true) must be markdown cells")
            if not is_solution(cell) and cell.cell_type != "code":
                bad("graded test cells must be code cells (a written answer also needs solution: true)")
            pts = meta.get("points")
            if isinstance(pts, bool) or not isinstance(pts, (int, float)) or pts < 0:
                bad(f"graded cell needs numeric points >= 0, got {pts!r}")
        for begin, end, stub, allowed in ((BEGIN_SOLUTION, END_SOLUTION, CODE_STUB, is_solution(cell)),
                                          (BEGIN_HIDDEN, END_HIDDEN, [], is_test(cell))):
            try:
                _, count = replace_regions(source, begin, end, stub)
            except ValueError as e:
                bad(str(e))
                continue
            if count and not allowed:
                bad(f"'{begin}' outside a {'solution' if begin == BEGIN_SOLUTION else 'graded test'} cell")
            if begin == BEGIN_SOLUTION and allowed and cell.cell_type == "code" and not count:
                bad(f"solution cell without '### {BEGIN_SOLUTION}' / '### {END_SOLUTION}' markers")
    if problems:
        raise LabFormatError("malformed solution notebook:\n  " + "\n  ".join(problems))


def restore_locked(solution, submission):
    """The notebook to grade: the submission's cells, with every locked cell of the solution restored.

    A student can edit or delete any cell of the file they hand in, so the grader never trusts a locked
    cell from it: each submission cell whose grade_id names a locked cell of the solution (graded tests,
    read-only setup) is replaced by the solution's cell, hidden tests included; a second copy of one already
    placed is dropped. A locked cell the student deleted is put back after the nearest preceding cell of the
    solution that is present (and after any cells the student added right after it), so the solution's
    order is kept. Every other cell (the student's answers, cells they added) is kept as is. Code cells
    lose their outputs.

    Worked example. Solution: ``setup`` (locked), ``add`` (answer), ``test_add`` (test), ``mul`` (answer),
    ``test_mul`` (test). The student deleted ``setup`` and ``test_add``, wrote ``pass`` into ``test_mul``,
    added a cell ``helper`` after ``add`` and duplicated ``test_mul``::

        submission:  add*  helper  mul*  test_mul(pass)  test_mul(pass)
        restored:    setup  add*  helper  test_add  mul*  test_mul

    ``add*``/``mul*`` are the student's answers, kept; ``test_mul`` is the solution's cell (its ``pass`` is
    gone, hidden tests are back), its duplicate dropped; ``setup`` has no present predecessor, so it goes
    first; ``test_add`` goes after ``add`` and the student's ``helper`` that follows it.
    """
    locked = {grade_id(c): c for c in solution.cells if grade_id(c) and is_locked(c)}
    order = [grade_id(c) for c in solution.cells if grade_id(c)]
    cells, placed = [], set()
    for cell in submission.cells:
        gid = grade_id(cell)
        if gid in locked:
            if gid not in placed:
                cells.append(copy.deepcopy(locked[gid]))
                placed.add(gid)
        else:
            cells.append(copy.deepcopy(cell))
    for pos, gid in enumerate(order):
        if gid not in locked or gid in placed:
            continue
        present = {grade_id(c): i for i, c in enumerate(cells) if grade_id(c) in order}
        at = next((present[g] + 1 for g in reversed(order[:pos]) if g in present), 0)
        while at < len(cells) and grade_id(cells[at]) not in order:
            at += 1
        cells.insert(at, copy.deepcopy(locked[gid]))
        placed.add(gid)
    for cell in cells:
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    merged = copy.deepcopy(solution)
    merged.cells = cells
    return merged


def submission_cells(solution, submission, restored):
    """{index of a cell of ``restored`` (``restore_locked(solution, submission)``): index of the submission's
    cell it stands for}. The student's own cells are kept in order; a restored locked cell stands for the
    submission's first cell with its grade_id (one the student deleted stands for none). Positions, never cell
    ids, so a student's cell cannot pass for another."""
    locked = {grade_id(c) for c in solution.cells if grade_id(c) and is_locked(c)}
    own = iter(i for i, c in enumerate(submission.cells) if grade_id(c) not in locked)
    first = {}
    for i, c in enumerate(submission.cells):
        first.setdefault(grade_id(c), i)
    return {j: first[grade_id(c)] if grade_id(c) in locked else next(own) for j, c in enumerate(restored.cells)
            if grade_id(c) not in locked or grade_id(c) in first}
