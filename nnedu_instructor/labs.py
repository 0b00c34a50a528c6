"""Generate the student labs/ from the instructor solutions/ (``python -m nnedu_instructor labs [--check]``).

Each ``solutions/NAME.ipynb`` gives ``labs/NAME.ipynb`` (never edit labs/ by hand):

- every solution region (``### BEGIN SOLUTION`` .. ``### END SOLUTION``, markers included) becomes
  ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` at the region's indentation, as nbgrader does;
  a markdown solution cell becomes ``YOUR ANSWER HERE`` (its marked regions, or the whole cell);
- hidden test regions (``### BEGIN HIDDEN TESTS`` .. ``### END HIDDEN TESTS``) are removed;
- a hidden check (a graded test cell worth 0 points with nothing but comments outside its hidden tests, e.g. an
  instructor's checks of the model answers) is left out of the lab altogether: an empty locked cell would only
  puzzle students. The grader still runs it: ``cells.restore_locked`` puts every locked cell a submission lacks
  back from the solution by grade_id;
- a manually graded written answer (markdown, ``solution`` and ``grade`` true) becomes ``YOUR ANSWER HERE``
  and keeps its points for the instructor's manual grading;
- every code cell from the first answer cell on loses its outputs and execution count: what it printed
  may depend on the solution (tables, ``True``s, figures, hidden tests' prints), and students should see
  their own results, not the solution's; the cells before the first answer (setup, data) keep theirs;
  timing metadata is dropped, and so is the saved widget state of every widget those outputs no longer show
  (the solution's progress bars);
- like nbgrader's release, locked and graded cells are made non-editable and non-deletable in JupyterLab,
  solution cells non-deletable;
- each task says what its answers may not use: the lab's ``FORBIDDEN`` rules (``rules``) that guard the tests
  after an answer cell become a line "**May not use:** `nnedu.layers`, `torch`." at the end of the markdown
  cell just before it (a new markdown cell there when the cell before is code).

The output is byte-for-byte reproducible: the same solution always gives the same bytes.
"""
import copy
import hashlib
import json
import re
from pathlib import Path

import nbformat

from .cells import (
    BEGIN_HIDDEN,
    BEGIN_SOLUTION,
    CODE_STUB,
    END_HIDDEN,
    END_SOLUTION,
    TEXT_STUB,
    LabFormatError,
    check_solution_notebook,
    is_locked,
    is_solution,
    is_test,
    points,
    replace_regions,
)
from .files import read_notebook, write_atomic
from .rules import load as load_rules
from .rules import notice, task_rules


def read_solution(path):
    """Read and check the solution notebook at ``path``; LabFormatError when it is malformed."""
    path = Path(path)
    try:
        nb = read_notebook(path)  # no validation yet, so no random cell ids
    except ValueError as e:
        raise LabFormatError(f"{path}: cannot read the notebook: {e}") from None
    for index, cell in enumerate(nb.cells):  # ids must not be invented at random (nbformat would)
        if nb.get("nbformat_minor", 0) >= 5 and "id" not in cell:
            cell["id"] = hashlib.sha1(f"{path.name}:{index}".encode()).hexdigest()[:8]
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as e:
        raise LabFormatError(f"{path}: invalid notebook: {e.message}") from None
    check_solution_notebook(nb, str(path))
    return nb


def make_lab(solution, rules=()):
    """The student version of a (checked) solution notebook, as a new notebook; ``rules``: the lab's
    ``FORBIDDEN`` list, stated beside the tasks they guard."""
    nb = copy.deepcopy(solution)
    nb.cells = [cell for cell in nb.cells if not is_hidden_check(cell)]
    _state_rules(nb, rules)
    answered = False  # at or after the first answer cell
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if is_solution(cell):
            answered = True
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            cell.source, count = replace_regions(cell.source, BEGIN_SOLUTION, END_SOLUTION, stub)
            if not count:  # a markdown answer without markers: the whole cell is the answer
                cell.source = "\n".join(TEXT_STUB)
            cell.metadata["deletable"] = False
        if is_test(cell):
            cell.source, _ = replace_regions(cell.source, BEGIN_HIDDEN, END_HIDDEN, [])
        if is_locked(cell):
            cell.metadata["deletable"] = False
            cell.metadata["editable"] = False
        if cell.cell_type == "code" and answered:
            cell.outputs, cell.execution_count = [], None
    _keep_shown_widgets(nb)
    return nb


def is_hidden_check(cell):
    """A graded test cell worth 0 points whose every line outside its hidden tests is blank or a comment."""
    if not is_test(cell) or points(cell) != 0:
        return False
    shown, _ = replace_regions(cell.source, BEGIN_HIDDEN, END_HIDDEN, [])
    return all(not line.strip() or line.lstrip().startswith("#") for line in shown.split("\n"))


def _state_rules(nb, rules):
    """Add "**May not use:** ..." before every answer cell whose tests a rule guards (see the module's docstring)."""
    for index, guards in sorted(task_rules(nb, rules).items(), reverse=True):
        line = notice(guards)
        before = nb.cells[index - 1] if index else None
        if before is not None and before.cell_type == "markdown" and not is_solution(before):
            before.source = before.source.rstrip("\n") + "\n\n" + line
        else:
            cell = nbformat.v4.new_markdown_cell(line)
            if "id" in nb.cells[index]:
                cell["id"] = hashlib.sha1(f"rules:{nb.cells[index]['id']}".encode()).hexdigest()[:8]
            else:
                cell.pop("id", None)
            nb.cells.insert(index, cell)


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
MODEL_REF = re.compile(r"IPY_MODEL_([0-9a-f]+)|\"model_id\": \"([0-9a-f]+)\"")


def _keep_shown_widgets(nb):
    """Keep in ``nb.metadata.widgets`` only the models that the kept outputs display, with the models those
    refer to (layouts, styles, children); drop the key when none is left."""
    widgets = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
    if widgets is None:
        return
    models = widgets.get("state", {})
    todo = {a or b for cell in nb.cells for a, b in MODEL_REF.findall(json.dumps(cell.get("outputs", [])))}
    keep = set()
    while todo:
        model = todo.pop()
        if model in models and model not in keep:
            keep.add(model)
            todo |= {a or b for a, b in MODEL_REF.findall(json.dumps(models[model]))}
    if keep:
        widgets["state"] = {k: v for k, v in models.items() if k in keep}
    else:
        del nb.metadata["widgets"]


def render_lab(solution_path):
    """The exact text of the lab generated from the solution notebook at ``solution_path``."""
    return nbformat.writes(make_lab(read_solution(solution_path), load_rules(solution_path))) + "\n"


def _plan(solutions, labs):
    """(expected {name: text}, existing lab notebooks {name: path}); None when solutions/ does not exist."""
    solutions, labs = Path(solutions), Path(labs)
    if not solutions.is_dir():
        return None
    expected = {p.name: render_lab(p) for p in sorted(solutions.glob("*.ipynb"))}
    existing = {p.name: p for p in sorted(labs.glob("*.ipynb"))} if labs.is_dir() else {}
    return expected, existing


def check(solutions="solutions", labs="labs"):
    """Problems that make ``labs`` differ from what ``solutions`` generates, one line each ([] when in sync).

    With no ``solutions`` folder at all (a student bundle) there is nothing to check.
    """
    plan = _plan(solutions, labs)
    if plan is None:
        return []
    expected, existing = plan
    problems = []
    for name in sorted(set(expected) | set(existing)):
        lab = Path(labs) / name
        if name not in existing:
            problems.append(f"{lab}: missing (from {Path(solutions) / name})")
        elif name not in expected:
            problems.append(f"{lab}: extra (no {Path(solutions) / name})")
        elif existing[name].read_bytes() != expected[name].encode("utf-8"):
            problems.append(f"{lab}: stale")
    return problems


def generate(solutions="solutions", labs="labs"):
    """Write every lab that differs, delete lab notebooks without a solution; return what changed, one line each.

    With no ``solutions`` folder at all nothing is touched.
    """
    plan = _plan(solutions, labs)
    if plan is None:
        return []
    expected, existing = plan
    changes = []
    for name, text in expected.items():
        path = Path(labs) / name
        data = text.encode("utf-8")
        if name not in existing or path.read_bytes() != data:
            write_atomic(path, data)
            changes.append(f"wrote {path}")
    for name, path in existing.items():
        if name not in expected:
            path.unlink()
            changes.append(f"removed {path} (no {Path(solutions) / name})")
    return changes
