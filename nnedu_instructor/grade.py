"""Grade lab submissions: ``python -m nnedu_instructor grade LAB SUB.ipynb ... --out grades.csv``.

For each submission the grader builds the notebook to run (the submission, with every locked cell of the
solution restored by grade_id, hidden tests included: see ``cells.restore_locked``) and runs its code cells
top to bottom in a fresh kernel, contained in its own sandbox (``sandbox``): a working folder with only
the submission's copy and the lab's declared data, no solutions, no network, a private /tmp, its own PID
namespace. Written answers (manually graded markdown cells) score nothing here: their points are reported
as "needs manual grading".

Scoring the kernel cannot fake. Student code shares the kernel with the tests, so it could make a failing
test look passed (an IPython AST or input transformer, a ``post_run_cell`` hook that clears the error, a
monkeypatched ``np.allclose``/``torch.allclose``/``rel_error``). So a test cell earns its points only if

1. the kernel's reply says it ran without error, and
2. it printed a fresh random token that the grader appended as its last statement (a blanked or skipped
   test prints nothing), and
3. right before it, the grader's *canary* cells, which must fail, did fail: a plain ``assert`` of a false
   statement, and one false comparison through every comparison function the test cell calls, by the same
   name (``np.allclose(zeros, arange)``, ``rel_error(zeros, ones) < 1e-3``, ...). A kernel that makes
   errors disappear, or a comparison that says "equal" to everything, lets a canary pass: the submission is
   marked ``tampered`` and earns no automatic points;
4. its *probe* passed (``probes``): right after the test cell, the kernel calls the student's functions on
   fresh random inputs from the grader and hands back plain arrays, and the grader checks them in its own
   process. Points 1-3 can still be faked by a kernel that knows the grader's tricks (a transformer that
   recognises the canaries, say); point 4 cannot without computing the right answers, which is the work.

Limits (``Limits``): each cell ``cell_timeout`` seconds (then the kernel is interrupted, the cell scores 0,
the next cell runs), the notebook ``notebook_timeout`` seconds (then the rest are "not run"), the kernel's
address space ``memory_mb`` MiB. A kernel that dies ends that submission; the batch goes on.
"""
import asyncio
import builtins
import logging
import re
import secrets
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import rules as lab_rules
from . import sandbox
from . import probes as probing
from .cells import BEGIN_HIDDEN, grade_id, is_manual, is_test, points, restore_locked
from .collect import DEFAULT_MAX_BYTES
from .files import read_notebook, remove_tree
from .kernel import CellTimeout, Kernel, KernelDied
from .labs import read_solution
from .report import CellScore, Grade, student_name

# Submission statuses (the CSV's status column).
OK, TIMEOUT, KERNEL_DIED, INVALID, TAMPERED, ERROR = (
    "ok", "timeout", "kernel-died", "invalid-notebook", "tampered", "error")
# Test outcomes other than an error's text.
PASSED, TIMED_OUT, NOT_RUN, NEEDS_MANUAL = "passed", "timed out", "not run", "needs manual grading"
PROBE_FAILED = "passed in the notebook, but failed the grader's own check on fresh inputs"
COMPARISONS = ["allclose", "array_equal", "isclose", "equal", "rel_error", "assert_allclose",
               "assert_array_equal", "assert_array_almost_equal"]
LOG = logging.getLogger("nnedu_instructor.grade")
MAX_NOTEBOOK_BYTES = DEFAULT_MAX_BYTES  # a submission larger is refused as invalid: collect's default limit
MAX_CELLS = 2000  # the course's labs have under 100


@dataclass(frozen=True)
class Limits:
    """Per-cell seconds, whole-notebook seconds, kernel address space in MiB (0: no memory limit)."""
    cell_timeout: float = 60
    notebook_timeout: float = 600
    memory_mb: int = 4096


def canaries(test_source):
    """Cells that must fail before ``test_source`` runs: a false assert, and a false comparison through each
    comparison function the test calls (``np.allclose``, ``torch.allclose``, ``rel_error``...), same name."""
    cells = ["assert 1 + 1 == 3, 'nnedu canary'"]
    for name in sorted(set(re.findall(r"\b((?:[A-Za-z_]\w*\.)*(?:%s))\s*\(" % "|".join(COMPARISONS),
                                      test_source))):
        lib = "torch" if name.startswith("torch.") else "numpy"
        a, b = f"__import__({lib!r}).zeros(3)", f"__import__({lib!r}).arange(1.0, 4.0)"
        last = name.rsplit(".", 1)[-1]
        if last.startswith("assert_"):
            cells.append(f"{name}({a}, {b})")
        elif last == "rel_error":
            cells.append(f"assert {name}({a}, {b}) < 1e-3")
        else:
            cells.append(f"assert __import__('numpy').all(__import__('numpy').asarray({name}({a}, {b})))")
    return cells


def _outcome(reply, hidden):
    """A failed test's outcome: ``ename: message`` for visible tests, only the error's type with hidden tests.

    The type is named only when it is a built-in exception (a submission can raise a class whose name
    carries text), and the message is flattened to one line of plain text (no Markdown of its own).
    """
    builtin = getattr(builtins, reply.ename, None)
    text = reply.ename if isinstance(builtin, type) and issubclass(builtin, BaseException) else "Error"
    lines = [line for line in reply.evalue.splitlines() if line.strip()]
    if lines and not hidden:
        text = f"{text}: {_plain(lines[-1])}"
    return text if len(text) <= 200 else text[:197] + "..."


def _plain(text):
    """``text`` without control characters, backticks or Markdown line starts."""
    return "".join(ch for ch in text if ch.isprintable() and ch != "`").strip().lstrip("#->*").strip()


async def _run(nb, folders, limits, unsafe, probes=None):
    """Run ``nb`` in a fresh sandboxed kernel; (status, {grade_id: outcome}, note)."""
    outcomes, deadline = {}, time.monotonic() + limits.notebook_timeout
    status, note, probes = OK, "", probes or {}
    cpu_seconds = int(limits.notebook_timeout) + 60  # the notebook's wall-clock limit ends it before this
    async with Kernel(folders, folders["work"], int(limits.memory_mb) * 2**20, unsafe, cpu_seconds) as kernel:
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return TIMEOUT, outcomes, note
            gid, test = grade_id(cell), is_test(cell)
            try:
                if test:
                    for code in canaries(cell.source):
                        if (await kernel.run(code, min(10, left))).ok:
                            return TAMPERED, {}, f"a check that must fail passed before {gid}: tampering"
                token = secrets.token_hex(16)
                code = cell.source + (f"\n__import__('sys').stdout.write('\\n{token}\\n')" if test else "")
                reply = await kernel.run(code, min(limits.cell_timeout, deadline - time.monotonic()))
                if test:
                    passed = reply.ok and token in reply.stdout
                    outcomes[gid] = PASSED if passed else (
                        _outcome(reply, BEGIN_HIDDEN in cell.source) if not reply.ok else "did not finish")
                    if passed and gid in probes:
                        reason = await _probe(kernel, probes[gid], folders, limits, deadline)
                        if reason:
                            LOG.info("probe of %s failed: %s", gid, reason)
                            outcomes[gid] = PROBE_FAILED
            except CellTimeout:
                status = TIMEOUT
                if test:
                    outcomes[gid] = TIMED_OUT
            except KernelDied:
                if test:
                    outcomes[gid] = KERNEL_DIED.replace("-", " ")
                return KERNEL_DIED, outcomes, note
    return status, outcomes, note


async def _probe(kernel, probe, folders, limits, deadline):
    """Run ``probe`` in the kernel on fresh inputs and check its outputs here; None, or why it failed.

    CellTimeout and KernelDied propagate (the test then scores as timed out or kernel died)."""
    name = f".nnedu-probe-{secrets.token_hex(8)}"
    inputs = probe.inputs(np.random.default_rng(secrets.randbits(64)))
    probing.write_inputs(folders["work"] / f"{name}-in.npz", inputs)
    code = probing.kernel_code(probe, f"{kernel.cwd}/{name}-in.npz", f"{kernel.cwd}/{name}-out.npz")
    reply = await kernel.run(code, min(limits.cell_timeout, deadline - time.monotonic()))
    if not reply.ok:
        return f"the probe raised {_outcome(reply, hidden=True)}"
    try:
        probing.judge(probe, inputs, folders["work"] / f"{name}-out.npz")
    except probing.ProbeFailed as e:
        return str(e)
    return None


def _new_grade(solution, path, lab_stem):
    """The Grade of the submission at ``path`` with every test at 0 (not run yet)."""
    tests = [CellScore(grade_id(c), points(c), outcome=NEEDS_MANUAL if is_manual(c) else NOT_RUN,
                       manual=is_manual(c)) for c in solution.cells if is_test(c) or is_manual(c)]
    return Grade(student=student_name(path, lab_stem), path=str(path), tests=tests)


def _prepare(solution, path, grade):
    """The notebook to run for the submission at ``path``, or None (``grade`` then says why it is invalid)."""
    try:
        nb = read_notebook(path, max_bytes=MAX_NOTEBOOK_BYTES)
        if len(nb.cells) > MAX_CELLS:
            raise ValueError(f"{len(nb.cells)} cells, over the grader's limit of {MAX_CELLS}")
        return restore_locked(solution, nb)
    except Exception as e:  # anything a broken file can raise
        grade.status, grade.note = INVALID, str(e) or type(e).__name__
        return None


def _grade_one(grade, solution, path, data, limits, unsafe, probes=None, forbidden=None):
    """Read the submission, copy it and the lab's data into a fresh sandbox, run it, fill in ``grade``; remove
    the sandbox's folders without following links or recursing (``files.remove_tree``). Never raises: a
    submission that breaks the grader or its clean-up costs its own grade only."""
    start, tmp = time.perf_counter(), None
    try:
        nb = _prepare(solution, path, grade)
        if nb is not None:
            tmp = tempfile.mkdtemp(prefix="nnedu-grade-")
            folders = sandbox.make_folders(tmp)
            shutil.copyfile(path, folders["work"] / Path(path).name)
            for item in data:
                (shutil.copytree if item.is_dir() else shutil.copyfile)(item, folders["work"] / item.name)
            grade.status, outcomes, grade.note = asyncio.run(_run(nb, folders, limits, unsafe, probes))
            if forbidden and forbidden[1] and grade.status != TAMPERED:  # the lab's rules (rules.py): (lab, rules)
                outcomes.update(asyncio.run(lab_rules.enforce(*forbidden, nb, {g for g, o in outcomes.items()
                                if o == PASSED}, probes, tmp, data, limits, unsafe, _probe)))
            for test in grade.tests:
                if not test.manual:
                    test.outcome = outcomes.get(test.grade_id, NOT_RUN)
                    if test.outcome == NOT_RUN and grade.status == KERNEL_DIED:
                        test.outcome = f"{NOT_RUN} (kernel died)"
                    test.points = test.max_points if test.outcome == PASSED else 0.0
    except Exception as e:
        LOG.debug("grader error on %s", path, exc_info=True)
        _fail(grade, e)
    finally:
        problems = remove_tree(tmp) if tmp else []
        if problems:
            LOG.warning("could not remove all of %s (%s): %s", tmp, grade.student, "; ".join(problems[:3]))
    grade.seconds = time.perf_counter() - start
    return grade


def _fail(grade, error):
    """``grade`` after a grader error: no automatic points."""
    grade.status, grade.note = ERROR, f"grader error: {type(error).__name__}: {error}"[:300]
    for test in grade.tests:
        if not test.manual:
            test.points, test.outcome = 0.0, NOT_RUN


def lab_data(solution_path, solution):
    """The files the lab declares in its metadata (``"nnedu": {"data": ["file", ...]}``, next to the solution)."""
    names = solution.metadata.get("nnedu", {}).get("data", [])
    return [Path(solution_path).parent / name for name in names]


def grade_submissions(solution_path, submissions, limits=Limits(), jobs=1, progress=None, unsafe=False):
    """Grade every submission against the solution notebook; return their Grades in input order.

    ``jobs`` submissions run at once, each in its own sandboxed kernel; ``progress(grade)`` is called as each
    ends. Raises sandbox.SandboxUnavailable when no sandbox works here and ``unsafe`` is false.
    """
    if not unsafe and sandbox.check():
        raise sandbox.SandboxUnavailable(f"cannot contain the kernels: {sandbox.check()}")
    solution_path = Path(solution_path)
    solution = read_solution(solution_path)
    data = lab_data(solution_path, solution)
    probes = probing.load(solution_path)
    tests = {grade_id(c): points(c) for c in solution.cells if is_test(c)}
    forbidden = (lab_rules.lab_title(solution_path), lab_rules.load(solution_path, tests))
    if set(probes) - set(tests):
        raise ValueError(f"{probing.path_for(solution_path)}: probes for test cells the lab does not have: "
                         f"{sorted(set(probes) - set(tests))}")
    unprobed = [gid for gid, pts in tests.items() if pts > 0 and gid not in probes]
    if unprobed:
        LOG.warning("%s: no probe for %s; those points rest on checks inside the student's kernel, which a "
                    "determined submission can fake (see nnedu_instructor/probes.py)",
                    solution_path.name, ", ".join(unprobed))
    grades = [_new_grade(solution, p, solution_path.stem) for p in submissions]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_grade_one, g, solution, p, data, limits, unsafe, probes, forbidden): g
                   for g, p in zip(grades, submissions)}
        for future in as_completed(futures):
            if future.exception() is not None:  # _grade_one never raises; should it, the batch goes on
                _fail(futures[future], future.exception())
            if progress:
                progress(futures[future])
    return grades
