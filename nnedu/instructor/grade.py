"""Grade lab submissions: ``python -m nnedu.instructor grade LAB SUB.ipynb ... --out grades.csv``.

For each submission the grader builds the notebook to run (the submission, with every locked cell of the
solution restored by grade_id, hidden tests included: see ``cells.restore_locked``), runs its code cells
top to bottom in a fresh kernel process and scores each graded test cell: its points iff it ran without
error. The kernel's working directory is the solution notebook's folder; submission files are only read.

Limits (see ``Limits``): each cell gets ``cell_timeout`` seconds (then the kernel is interrupted and the
next cell runs; the timed-out cell scores 0), the whole notebook ``notebook_timeout`` seconds (then the
remaining tests are "not run"), and the kernel process ``memory_mb`` MiB of address space (RLIMIT_AS,
set by a launch wrapper before the kernel starts, so big allocations raise MemoryError). A kernel that
dies ends that submission (remaining tests score 0); the batch goes on. Stored output is capped per cell.
This bounds mistakes, it is not a sandbox against malicious code: student code runs as the grader's user.

Statuses: ok, timeout (a cell or the notebook ran out of time), kernel-died, invalid-notebook (not a
readable notebook: 0 points), error (the grader itself failed, e.g. the kernel did not start).
"""
import asyncio
import atexit
import csv
import json
import logging
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Integer

from .cells import grade_id, is_graded, points, restore_locked
from .labs import read_solution

PASSED, TIMED_OUT, NOT_RUN, KERNEL_DIED = "passed", "timed out", "not run", "kernel died"
MAX_OUTPUT_CHARS = 20_000  # per cell; the rest of a flood of output is dropped
_LOG = logging.getLogger("nnedu.instructor.grade")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False
# Runs before the kernel: cap the address space, then become the kernel (limits survive exec).
_LIMIT_AS = ("import os, resource, sys; n = int(sys.argv[1]); "
             "resource.setrlimit(resource.RLIMIT_AS, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])")


@dataclass(frozen=True)
class Limits:
    """Per-cell seconds, whole-notebook seconds, kernel address space in MiB (0: no memory limit)."""
    cell_timeout: float = 60
    notebook_timeout: float = 600
    memory_mb: int = 4096


@dataclass
class CellScore:
    """One graded cell: its grade_id, points earned of ``max_points``, and what happened."""
    grade_id: str
    max_points: float
    points: float = 0.0
    outcome: str = NOT_RUN  # PASSED, "ename: evalue", TIMED_OUT, NOT_RUN or KERNEL_DIED


@dataclass
class Grade:
    """The grade of one submission."""
    student: str
    path: str
    status: str = "ok"
    tests: list = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0

    @property
    def total(self):
        return sum(t.points for t in self.tests)

    @property
    def max_total(self):
        return sum(t.max_points for t in self.tests)


class _KernelManager(AsyncKernelManager):
    """Starts ipykernel on the grader's own Python (whatever kernelspecs say), within ``memory_bytes`` (0: any)."""
    memory_bytes = Integer(0)

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", os.path.realpath(self.connection_file),
               *(extra_arguments or [])]
        if self.memory_bytes:
            cmd = [sys.executable, "-c", _LIMIT_AS, str(self.memory_bytes)] + cmd
        return cmd


class _Client(NotebookClient):
    """nbclient with a per-call cell time limit (``limit``) and at most MAX_OUTPUT_CHARS output kept per cell."""

    def __init__(self, nb, **kw):
        super().__init__(nb, timeout_func=lambda cell: self.limit, **kw)
        self.limit, self.output_chars = None, {}

    def output(self, outs, msg, display_id, cell_index):
        room = MAX_OUTPUT_CHARS - self.output_chars.get(cell_index, 0)
        if room <= 0:
            return None
        content = msg.get("content", {})
        size = len(json.dumps(content, default=str))
        if size <= room:
            self.output_chars[cell_index] = MAX_OUTPUT_CHARS - room + size
            return super().output(outs, msg, display_id, cell_index)
        self.output_chars[cell_index] = MAX_OUTPUT_CHARS
        if msg.get("msg_type") == "stream" and isinstance(content.get("text"), str):
            outs.append(nbformat.v4.new_output("stream", name=content.get("name", "stdout"),
                                               text=content["text"][:room]))
        outs.append(nbformat.v4.new_output("stream", name="stderr", text="\n[output truncated by the grader]\n"))
        return None


def student_name(path, lab_stem):
    """The submission's file stem; its parent folder's name when the file is named like the lab."""
    path = Path(path)
    return path.parent.resolve().name if path.stem == lab_stem else path.stem


def _error_text(content):
    if content.get("status") == "ok":
        return PASSED
    lines = [line for line in str(content.get("evalue", "")).splitlines() if line.strip()]
    text = f"{content.get('ename', 'Error')}: {lines[-1]}" if lines else str(content.get("ename", "Error"))
    return text if len(text) <= 200 else text[:197] + "..."


def read_submission(path):
    """The submission at ``path`` as an nbformat 4 notebook; ValueError when it is not a usable notebook."""
    try:
        text = Path(path).read_text(encoding="utf-8")
        version = json.loads(text).get("nbformat")
        nb = nbformat.v4.reads(text) if version == 4 else nbformat.reads(text, as_version=4)
    except Exception as e:  # unreadable file, not JSON, not a notebook at all
        raise ValueError(f"not a readable notebook ({type(e).__name__})") from None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError("not an nbformat 4 notebook")
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw") \
                or not isinstance(cell.get("source"), str):
            raise ValueError("a cell is malformed")
        cell.setdefault("metadata", nbformat.NotebookNode())
    return nb


async def _recover(client, deadline, grace=5):
    """After a cell timed out: interrupt the kernel and check it answers again within ``grace`` seconds."""
    await ensure_async(client.km.interrupt_kernel())
    client.limit = max(0.5, min(grace, deadline - time.monotonic()))
    msg_id = await ensure_async(client.kc.execute("pass", store_history=False, stop_on_error=False))
    try:
        await client.async_wait_for_reply(msg_id, nbformat.v4.new_code_cell("pass"))
    except CellTimeoutError:
        return False
    return True


async def run_notebook(nb, cwd, limits):
    """Run the code cells of ``nb`` in a fresh kernel in ``cwd``; return (status, {cell index: outcome})."""
    outcomes = {}

    def on_executed(cell, cell_index, execute_reply):
        outcomes[cell_index] = _error_text((execute_reply or {}).get("content", {}))

    km = _KernelManager(kernel_name="python3", memory_bytes=int(limits.memory_mb) * 2**20, log=_LOG)
    client = _Client(nb, km=km, allow_errors=True, interrupt_on_timeout=False, shutdown_kernel="immediate",
                     startup_timeout=60, shell_timeout_interval=1, on_cell_executed=on_executed,
                     resources={"metadata": {"path": str(cwd)}}, log=_LOG)
    env = dict(os.environ, PYTHONHASHSEED="0")  # same hashes, same set order: same grades
    env.pop("MPLBACKEND", None)
    try:  # the kernel's own stdout/stderr (not the cells' output) would only clutter the console
        async with client.async_setup_kernel(cleanup_kc=True, env=env, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL):
            status = await _run_cells(client, nb, limits, outcomes)
    finally:  # nbclient leaves this registered when the kernel fails to start
        atexit.unregister(client._cleanup_kernel)
    return status, outcomes


async def _run_cells(client, nb, limits, outcomes):
    """Run the code cells in order within the limits; return the status."""
    deadline = time.monotonic() + limits.notebook_timeout
    status = "ok"
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        client.limit = min(limits.cell_timeout, left)
        try:
            await client.async_execute_cell(cell, index)
        except CellTimeoutError:
            outcomes[index], status = TIMED_OUT, "timeout"
            try:
                if time.monotonic() >= deadline or not await _recover(client, deadline):
                    return status
            except DeadKernelError:
                return "kernel-died"
        except DeadKernelError:
            outcomes[index] = KERNEL_DIED
            return "kernel-died"
    return status


def _prepare(solution, path, lab_stem):
    """(Grade with every test at 0, notebook to run or None when the submission is not a notebook)."""
    grade = Grade(student=student_name(path, lab_stem), path=str(path),
                  tests=[CellScore(grade_id(c), points(c)) for c in solution.cells if is_graded(c)])
    try:
        return grade, restore_locked(solution, read_submission(path))
    except Exception as e:  # anything a broken file can raise
        grade.status, grade.note = "invalid-notebook", str(e) or type(e).__name__
        return grade, None


def _grade_one(grade, nb, cwd, limits):
    """Run ``nb`` and fill in ``grade``; never raises."""
    start = time.perf_counter()
    try:
        grade.status, outcomes = asyncio.run(run_notebook(nb, cwd, limits))
        where = {grade_id(c): i for i, c in enumerate(nb.cells) if grade_id(c)}
        for test in grade.tests:
            outcome = outcomes.get(where[test.grade_id], NOT_RUN)
            if outcome == NOT_RUN and grade.status == "kernel-died":
                outcome = f"{NOT_RUN} (kernel died)"
            test.outcome = outcome
            test.points = test.max_points if outcome == PASSED else 0.0
    except Exception as e:
        grade.status, grade.note = "error", f"grader error: {type(e).__name__}: {e}"
        for test in grade.tests:
            test.points, test.outcome = 0.0, NOT_RUN
    grade.seconds = time.perf_counter() - start
    return grade


def grade_submissions(solution_path, submissions, limits=Limits(), jobs=1, progress=None):
    """Grade every submission against the solution notebook; return their Grades in input order.

    ``jobs`` submissions run at once, each in its own kernel; ``progress(grade)`` is called as each ends.
    """
    solution_path = Path(solution_path)
    solution = read_solution(solution_path)
    prepared = [_prepare(solution, p, solution_path.stem) for p in submissions]
    grades = [g for g, _ in prepared]

    def finish(grade):
        if progress:
            progress(grade)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = []
        for grade, nb in prepared:
            if nb is None:
                finish(grade)
            else:
                futures.append(pool.submit(_grade_one, grade, nb, solution_path.parent, limits))
        for future in as_completed(futures):
            finish(future.result())
    return grades


def fmt(x):
    """Points as CSV text: 2 rather than 2.0, 0.5 as is."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def write_csv(grades, path):
    """One row per grade: student, points per graded cell, total, max_total, status."""
    ids = [t.grade_id for t in grades[0].tests] if grades else []
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["student", *ids, "total", "max_total", "status"])
        for g in grades:
            writer.writerow([g.student, *(fmt(t.points) for t in g.tests), fmt(g.total), fmt(g.max_total), g.status])


def write_feedback(grades, folder, lab):
    """One Markdown file per student in ``folder`` (``STUDENT.md``; ``STUDENT-2.md`` for a repeated name)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    used = set()
    for g in grades:
        base = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in g.student).strip(".") or "student"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        lines = [f"# {lab}: feedback for {g.student}", "",
                 f"Score: {fmt(g.total)} / {fmt(g.max_total)} (status: {g.status})", ""]
        if g.note:
            lines += [f"Note: {g.note}", ""]
        lines += [f"- `{t.grade_id}`: {fmt(t.points)} / {fmt(t.max_points)}: {t.outcome}" for t in g.tests]
        (folder / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
