"""A lab as the grader reads it once per batch, and the rule for written answers.

``load_lab`` reads and checks the solution notebook, the data it declares (``"nnedu": {"data": [...]}`` in its
metadata, files next to it), its probes (``probes``) and rules (``rules``), and the text each written answer
has in the released lab (``labs.make_lab``): a submission whose written answer still reads so (or lacks the
cell) scores 0 on it, as nbgrader does; a changed one is left to grade by hand.
"""
import logging
from dataclasses import dataclass
from pathlib import Path

from . import probes as probing
from . import rules as lab_rules
from .cells import grade_id, is_manual, is_test, points
from .labs import make_lab, read_solution
from .report import Outcome

LOG = logging.getLogger("nnedu_instructor.grade")


@dataclass
class Lab:
    """What grading a lab needs, read once: the solution and its path, the data it declares, its probes, its
    rules as (title, rules), and the released text of each written answer ({grade_id: source})."""
    path: Path
    solution: object
    data: list
    probes: dict
    forbidden: tuple
    released: dict


def load_lab(solution_path):
    """Read and check the lab at ``solution_path`` (LabFormatError, ValueError for probes of unknown tests)."""
    solution_path = Path(solution_path)
    solution = read_solution(solution_path)
    probes = probing.load(solution_path)
    tests = {grade_id(c): points(c) for c in solution.cells if is_test(c)}
    if set(probes) - set(tests):
        raise ValueError(f"{probing.path_for(solution_path)}: probes for test cells the lab does not have: "
                         f"{sorted(set(probes) - set(tests))}")
    unprobed = [gid for gid, pts in tests.items() if pts > 0 and gid not in probes]
    if unprobed:
        LOG.warning("%s: no probe for %s; those points rest on checks inside the student's kernel, which a "
                    "determined submission can fake (see nnedu_instructor/probes.py)",
                    solution_path.name, ", ".join(unprobed))
    released = {grade_id(c): c.source for c in make_lab(solution).cells if is_manual(c)}
    return Lab(solution_path, solution, lab_data(solution_path, solution), probes,
               (lab_rules.lab_title(solution_path), lab_rules.load(solution_path, tests)), released)


def lab_data(solution_path, solution):
    """The files the lab declares in its metadata (``"nnedu": {"data": ["file", ...]}``, next to the solution)."""
    names = solution.metadata.get("nnedu", {}).get("data", [])
    return [Path(solution_path).parent / name for name in names]


def written_answers(grade, submission, released):
    """Each written answer: 0 and ``unchanged`` when it is missing or left as released (nbgrader's rule),
    else ``manual``: to grade by hand."""
    answers = {grade_id(c): c.source for c in submission.cells if grade_id(c) in released}
    for test in grade.tests:
        if test.manual:
            same = answers.get(test.grade_id, released[test.grade_id]).strip() == released[test.grade_id].strip()
            test.set(Outcome.UNCHANGED if same else Outcome.MANUAL)
            test.points = 0.0
