"""nbgrader's ``autograde`` with our sandboxed, probe-checked grader: preprocessors for ``nbgrader_config.py``.

Runs inside nbgrader's environment and imports only nbgrader, the standard library and the course's nbformat-only
modules (``nbgrader_cells``, ``outputs``); the grading itself runs in the course's environment (``nbgrader_run``,
a subprocess). nbgrader's ``autograde`` is two passes of
preprocessors over each submitted notebook; this module swaps one step in each (``deploy/nbgrader/
nbgrader_config.py`` shows the lists):

- sanitize pass: ``RestoreLockedCells`` instead of ``OverwriteCells``. nbgrader's gradebook keeps each test
  cell's checksum *with* its hidden tests while the released cell has them removed, so ``OverwriteCells`` warns
  "Attribute 'checksum' ... has changed!" for every test cell with hidden tests, on every honest submission
  (upstream issue 1961). ``RestoreLockedCells`` puts the hidden tests back silently when the submitted cell is
  exactly the released one, so the warning is left for cells a student really changed.
- autograde pass: ``SandboxAutograde`` instead of ``Execute``. It hands the notebook to our grader (its own
  kernel in its own sandbox, locked cells and hidden tests restored from the solution, canaries, probes, the
  lab's rules) and writes each test cell's result as that cell's output: a passed test prints "passed", any
  other test gets an error output carrying our message; every other code cell gets what it displayed in our run
  (text and PNG images only, cleaned and capped: ``outputs``), for formgrader. nbgrader's own
  ``SaveAutoGrades`` then records full points for the first and 0 for the second
  (``nbgrader.utils.determine_grade``), written answers as nbgrader always does (unchanged: 0 and "No
  response."; changed: left for formgrader), and ``AssignLatePenalties`` applies the configured late penalty to
  the exchange's timestamp. A kernel that dies keeps the points of the
  tests before it; the tests after it say which cell it died in.

The first notebook graded by an nbgrader process is preceded by the preflight (the solution graded in the same
sandbox must get full marks), so a broken grading environment fails every submission loudly instead of handing
out zeros.
"""
import json
import subprocess
import tempfile
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor, OverwriteCells
from traitlets import Bool, Float, Integer, Unicode

from nnedu_instructor.nbgrader_cells import PASSED, is_test_cell, test_output, write_results  # noqa: F401


class GradingFailed(RuntimeError):
    """The course's grader could not grade a notebook (preflight failed, no sandbox, bad solution)."""


class RestoreLockedCells(OverwriteCells):
    """``OverwriteCells`` without the false "checksum has changed" warning on test cells with hidden tests."""

    def preprocess_cell(self, cell, resources, cell_index):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid is not None and utils.is_grade(cell) and not utils.is_solution(cell):
            try:
                source_cell = self.gradebook.find_source_cell(gid, self.notebook_id, self.assignment_id)
            except MissingEntry:
                source_cell = None
            if source_cell is not None and source_cell.locked and cell.source == released(source_cell.source):
                cell.source = source_cell.source  # the released cell, unchanged: its hidden tests go back in
        return super().preprocess_cell(cell, resources, cell_index)


def released(source):
    """``source`` as nbgrader releases it: without its hidden-test regions."""
    cell = nbformat.v4.new_code_cell(source)
    ClearHiddenTests(enforce_metadata=False)._remove_hidden_test_region(cell)
    return cell.source


class SandboxAutograde(NbGraderPreprocessor):
    """Replaces nbgrader's ``Execute``: grades the notebook with our grader, writes each test cell's result."""

    python = Unicode("", help="the course environment's Python (nnedu_instructor, nnedu, torch)").tag(config=True)
    solutions = Unicode("", help="the course's solutions/ folder: LAB.ipynb, probes/LAB.py").tag(config=True)
    cell_timeout = Float(60, help="seconds per cell").tag(config=True)
    notebook_timeout = Float(600, help="seconds per notebook").tag(config=True)
    memory_mb = Integer(4096, help="the kernel's address space, MiB (0: no limit)").tag(config=True)
    unsafe = Bool(False, help="grade without a sandbox (trusted code only)").tag(config=True)
    checked, refused = set(), {}  # solutions whose preflight passed / failed (with why) in this process

    def solution_for(self, notebook_id):
        """The solution notebook of ``notebook_id``; GradingFailed naming what is missing."""
        if not self.python or not self.solutions:
            raise GradingFailed("set c.SandboxAutograde.python and c.SandboxAutograde.solutions in "
                                "nbgrader_config.py (the course's .venv/bin/python and solutions/ folder)")
        solution = Path(self.solutions) / f"{notebook_id}.ipynb"
        if not solution.is_file():
            raise GradingFailed(f"no solution notebook for {notebook_id!r}: expected {solution}")
        return solution

    def grade(self, nb, notebook_id):
        """Our grader's JSON result for ``nb`` (see ``nbgrader_run``)."""
        solution = self.solution_for(notebook_id)
        if str(solution) in self.refused:  # the preflight failed once: every later notebook fails the same way
            raise GradingFailed(self.refused[str(solution)])
        preflight = str(solution) not in self.checked
        with tempfile.TemporaryDirectory(prefix="nnedu-nbgrader-") as tmp:
            path = Path(tmp) / f"{notebook_id}.ipynb"
            nbformat.write(nb, str(path))
            cmd = [self.python, "-m", "nnedu_instructor.nbgrader_run", str(solution), str(path),
                   "--cell-timeout", str(self.cell_timeout), "--notebook-timeout", str(self.notebook_timeout),
                   "--memory-mb", str(self.memory_mb)] + (["--preflight"] if preflight else []) + (
                   ["--unsafe"] if self.unsafe else [])
            limit = self.notebook_timeout * (2 if preflight else 1) + 300
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=limit)
        if run.returncode != 0:
            lines = run.stderr.strip().splitlines()
            errors = [i for i, line in enumerate(lines) if line.startswith("error:")]
            why = "\n".join(lines[errors[0]:] if errors else lines[-20:]) or "no message"
            why = f"the nnedu grader failed on {notebook_id} (exit {run.returncode}): {why[:4000]}"
            if preflight and run.returncode == 4:
                self.refused[str(solution)] = why
            raise GradingFailed(why)
        self.checked.add(str(solution))
        return json.loads(run.stdout)

    def preprocess(self, nb, resources):
        result = self.grade(nb, resources["nbgrader"]["notebook"])
        self.log.info("nnedu grader: %s in %s s%s", result["status"], result["seconds"],
                      f" ({result['note']})" if result["note"] else "")
        return write_results(nb, result), resources


class ClearAnswerOutputs(NbGraderPreprocessor):
    """For ``GenerateFeedback``: the feedback keeps the test cells' results and drops every other cell's
    outputs. A student's later cell can print ``In`` (the kernel's history: the hidden tests that ran before it);
    formgrader (the instructor) shows those outputs, the student's feedback must not."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and not is_test_cell(cell):
            cell.outputs = []
        return cell, resources

