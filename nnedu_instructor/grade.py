"""Grade lab submissions: ``python -m nnedu_instructor grade LAB SUB.ipynb ... --out grades.csv``.

For each submission the grader builds the notebook to run (the submission, with every locked cell of the
solution restored by grade_id, hidden tests included: see ``cells.restore_locked``) and runs its code cells
top to bottom in a fresh kernel, contained in its own sandbox (``sandbox``): a working folder with only
the submission's copy and the lab's declared data, no solutions, no network, a private /tmp, its own PID
namespace. Written answers (manually graded markdown cells) score nothing here: one left as released scores 0
(``unchanged``), a changed one is reported as still to grade by hand (``manual``).

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

Before any student, the *preflight* (``preflight``) grades the solution itself the same way: when it does not
get every automatic point, the grader's environment is broken (a sandbox that cannot import the course's
``nnedu``, a lab module that is not there, a probe that does not fit), and ``PreflightFailed`` says which
test failed with what, instead of giving every student the same zeros.

What a student reads (``messages``): a failed visible assert's full message and line, only the error's type
for a hidden test, the cell in which the kernel died. Each CellScore keeps a short ``outcome`` code
(``report.Outcome``) apart from that ``message``.

Limits (``Limits``): each cell ``cell_timeout`` seconds (then the kernel is interrupted, the cell scores 0,
the next cell runs), the notebook ``notebook_timeout`` seconds (then the rest are "not run"), the kernel's
address space ``memory_mb`` MiB. A kernel that dies ends that submission; the batch goes on.
"""
import asyncio
import logging
import os
import re
import secrets
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import messages, outputs, sandbox
from . import probes as probing
from . import rules as lab_rules
from .cells import grade_id, is_manual, is_test, points, restore_locked, submission_cells
from .collect import DEFAULT_MAX_BYTES, collected_time
from .files import read_notebook, remove_tree
from .graded_lab import Lab, lab_data, load_lab, written_answers  # noqa: F401 (Lab, lab_data: API)
from .kernel import CellTimeout, Kernel, KernelDied
from .report import CellScore, Grade, Outcome, student_name

# Submission statuses (the CSV's status column).
OK, TIMEOUT, KERNEL_DIED, INVALID, TAMPERED, ERROR = (
    "ok", "timeout", "kernel-died", "invalid-notebook", "tampered", "error")
# Cell outcomes (report.Outcome; each has its student's message beside it).
PASSED, TIMED_OUT, NOT_RUN, NEEDS_MANUAL = Outcome.PASSED, Outcome.TIMED_OUT, Outcome.NOT_RUN, Outcome.MANUAL
PROBE_FAILED, FAILED, UNCHANGED = Outcome.PROBE_FAILED, Outcome.FAILED, Outcome.UNCHANGED
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


def _outcome(reply, source, stopped=()):
    """A failed test's (Outcome.FAILED, message): the full message and line of a failed visible assert, only the
    error's type for a hidden one (``messages.failure``), then the earlier cells that did not finish
    (``messages.stopped_before``)."""
    text = messages.failure(source, reply.ename, reply.evalue, reply.traceback)
    return FAILED, messages.plain(text + messages.stopped_before(stopped))


def _error(reply):
    """``ename: evalue`` of a reply, in one plain line, for the instructor's eyes only."""
    return messages.plain(f"{reply.ename}: {reply.evalue}".replace("\n", " "), 300)


async def _run(nb, box, limits, probes=None, shown=None):
    """Run ``nb`` in a fresh kernel in the sandbox ``box``; (status, {grade_id: (Outcome, message)}, note,
    errors), where ``errors`` lists, for the instructor only, what raised: each failed test's error and the first
    errors of other cells (a setup cell's failed import explains a column of NameErrors). A dict ``shown`` gets
    {cell index: its outputs} of every cell but the tests (``outputs``: cleaned, capped). A failed test's message
    also names the cells since the previous test that did not finish (ran out of time, raised): the usual cause of
    its NameError."""
    outcomes, deadline, errors, stopped = {}, time.monotonic() + limits.notebook_timeout, [], []
    status, note, probes = OK, "", probes or {}
    cpu_seconds = int(limits.notebook_timeout) + 60  # the notebook's wall-clock limit ends it before this
    async with Kernel(box, int(limits.memory_mb) * 2**20, cpu_seconds) as kernel:
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return TIMEOUT, outcomes, f"the notebook ran out of time ({limits.notebook_timeout:g} s)", errors
            gid, test = grade_id(cell), is_test(cell)
            if test:  # the cells it checks: those since the previous test
                before, stopped = stopped, []
            try:
                if test:
                    for code in canaries(cell.source):
                        if (await kernel.run(code, min(10, left))).ok:
                            return TAMPERED, {}, f"a check that must fail passed before {gid}: tampering", errors
                token = secrets.token_hex(16)
                code = cell.source + (f"\n__import__('sys').stdout.write('\\n{token}\\n')" if test else "")
                reply = await kernel.run(code, min(limits.cell_timeout, deadline - time.monotonic()))
                if shown is not None and not test:
                    shown[index] = reply.outputs
                if not reply.ok and (test or len(errors) < 3):
                    errors.append(f"{messages.label(nb, index)}: {_error(reply)}")
                if not reply.ok and not test:
                    stopped.append(f"{messages.label(nb, index)} raised {messages.error_type(reply.ename)}")
                if test:
                    passed = reply.ok and token in reply.stdout
                    outcomes[gid] = (PASSED, "") if passed else (
                        _outcome(reply, cell.source, before) if not reply.ok else (Outcome.DID_NOT_FINISH, ""))
                    if passed and gid in probes:
                        reason = await _probe(kernel, probes[gid], limits, deadline)
                        if reason:
                            LOG.info("probe of %s failed: %s", gid, reason)
                            errors.append(f"{messages.label(nb, index)}: probe: {reason}")
                            outcomes[gid] = (PROBE_FAILED, "")
            except CellTimeout:
                status = TIMEOUT
                ran_out = f"{messages.label(nb, index)} ran out of time ({limits.cell_timeout:g} s)"
                note = note or ran_out
                if test:
                    outcomes[gid] = (TIMED_OUT, f"timed out (over {limits.cell_timeout:g} s)")
                else:
                    stopped.append(ran_out)
            except KernelDied:
                where = messages.label(nb, index)
                if test:
                    outcomes[gid] = (Outcome.KERNEL_DIED, "")
                return KERNEL_DIED, outcomes, f"the kernel died in {where}", errors
    return status, outcomes, note, errors


async def _probe(kernel, probe, limits, deadline):
    """Run ``probe`` in the kernel on fresh inputs and check its outputs here; None, or why it failed.

    CellTimeout and KernelDied propagate (the test then scores as timed out or kernel died)."""
    name = f".nnedu-probe-{secrets.token_hex(8)}"
    inputs = probe.inputs(np.random.default_rng(secrets.randbits(64)))
    probing.write_inputs(kernel.box.work / f"{name}-in.npz", inputs)
    code = probing.kernel_code(probe, f"{kernel.cwd}/{name}-in.npz", f"{kernel.cwd}/{name}-out.npz")
    reply = await kernel.run(code, min(limits.cell_timeout, deadline - time.monotonic()))
    if not reply.ok:
        return f"the probe raised {messages.error_type(reply.ename)}"
    try:
        probing.judge(probe, inputs, kernel.box.work / f"{name}-out.npz")
    except probing.ProbeFailed as e:
        return str(e)
    return None


class PreflightFailed(RuntimeError):
    """The solution itself lost points in the grader's sandbox: the grader's environment is broken, not a
    student's work. The message names each failing test, its error and the grader's paths."""


def new_grade(lab, path):
    """The Grade of the submission at ``path`` (a ``load_lab`` Lab) with every test at 0 (not run yet)."""
    tests = [CellScore(grade_id(c), points(c), manual=is_manual(c)) for c in lab.solution.cells
             if is_test(c) or is_manual(c)]
    for test in tests:
        test.set(NEEDS_MANUAL if test.manual else NOT_RUN)
    return Grade(student=student_name(path, lab.path.stem), path=str(path), tests=tests,
                 collected=collected_time(path, lab.path.stem))


def _prepare(solution, path, grade):
    """(the submission, the notebook to run) for the file at ``path``, or None (``grade`` then says why it is
    invalid)."""
    try:
        nb = read_notebook(path, max_bytes=MAX_NOTEBOOK_BYTES)
        if len(nb.cells) > MAX_CELLS:
            raise ValueError(f"{len(nb.cells)} cells, over the grader's limit of {MAX_CELLS}")
        return nb, restore_locked(solution, nb)
    except Exception as e:  # anything a broken file can raise
        grade.status, grade.note = INVALID, str(e) or type(e).__name__
        return None


def _grade_one(grade, lab, path, limits, unsafe, keep_outputs=False):
    """Read the submission, copy it and the lab's data into a fresh sandbox, run it, fill in ``grade`` (with
    ``keep_outputs``, its ``outputs`` too); remove the sandbox's folders without following links or recursing
    (``files.remove_tree``). Never raises: a submission that breaks the grader or its clean-up costs its own
    grade only."""
    start, tmp = time.perf_counter(), None
    try:
        read = _prepare(lab.solution, path, grade)
        for test in grade.tests if read is None else ():
            test.set(NOT_RUN, f"not run ({messages.plain(grade.note, 200)})" if grade.note else "")
        if read is not None:
            submission, nb = read
            written_answers(grade, submission, lab.released)
            tmp = tempfile.mkdtemp(prefix="nnedu-grade-")
            box = sandbox.Sandbox.create(tmp, unsafe, files=[path, *lab.data])
            shown = {} if keep_outputs else None
            grade.status, outcomes, grade.note, grade.errors = asyncio.run(_run(nb, box, limits, lab.probes, shown))
            if shown:
                budget, at = outputs.NotebookBudget(), submission_cells(lab.solution, submission, nb)
                grade.outputs = {at[i]: budget.take(out) for i, out in sorted(shown.items()) if out and i in at}
            if lab.forbidden[1] and grade.status != TAMPERED:  # the lab's rules (rules.py): (lab, rules)
                lost = asyncio.run(lab_rules.enforce(*lab.forbidden, nb, {g for g, (o, _) in outcomes.items()
                                   if o == PASSED}, lab.probes, box, lab.data, limits, _probe))
                outcomes.update({gid: (Outcome.FORBIDDEN, text) for gid, text in lost.items()})
                grade.errors += [f"`{gid}`: {text}" for gid, text in lost.items()]
            not_run = (NOT_RUN, f"not run ({grade.note})" if grade.note else "")
            for test in grade.tests:
                if not test.manual:
                    test.set(*outcomes.get(test.grade_id, not_run))
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
            test.points = 0.0
            test.set(NOT_RUN, "not run (the grader failed: your instructor is told)")


def _check_sandbox(unsafe):
    if not unsafe and sandbox.check():
        raise sandbox.SandboxUnavailable(f"cannot contain the kernels: {sandbox.check()}")


def preflight(solution_path, limits=Limits(), unsafe=False, lab=None):
    """Grade the solution notebook itself, in the same sandbox with the same limits, before any student: the
    check that the grader's environment works (the sandbox imports the course's ``nnedu``, the lab's data and
    modules are there, probes and rules fit the solution, the limits suffice). Returns the solution's Grade;
    raises PreflightFailed, whose message names each failing test, its error and the paths involved, when the
    solution does not pass every test (0-point checks too); sandbox.SandboxUnavailable as ``grade_submissions``.
    """
    _check_sandbox(unsafe)
    lab = lab or load_lab(solution_path)
    grade = _grade_one(new_grade(lab, lab.path), lab, lab.path, limits, unsafe)
    if grade.status == OK and all(t.outcome == PASSED for t in grade.tests if not t.manual):
        return grade  # 0-point checks included
    import nnedu
    failed = [f"  `{t.grade_id}`: {t.outcome}: {messages.plain(t.message.replace(chr(10), '; '), 300)}"
              for t in grade.tests if not t.manual and t.outcome != PASSED]
    lines = [(f"preflight failed: the solution {lab.path} scored {grade.total:g} / {grade.max_auto:g} (status "
              f"{grade.status}{'; ' + grade.note if grade.note else ''}) in the grader's own sandbox with the same "
              f"limits; it must get every automatic point. Failing tests:"), *failed]
    if grade.errors:
        lines += ["What raised, in order:", *(f"  {e}" for e in grade.errors)]
    pythonpath = f" (PYTHONPATH is not passed to it: {os.environ['PYTHONPATH']})" if "PYTHONPATH" in os.environ else ""
    lines.append("This is the grader's environment, not a student's work: no student was graded. The sandbox "
                 f"mounts nnedu from {Path(nnedu.__file__).resolve().parent} and runs {sys.executable}{pythonpath}"
                 f"; the kernel's working folder holds only the submission and the lab's declared data "
                 f"({', '.join(str(d) for d in lab.data) or 'none'}). Check what the failing cells import, the "
                 f"lab's probes and rules, and the limits (--timeout, --memory-mb).")
    raise PreflightFailed("\n".join(lines))


_preflight = preflight  # grade_submissions' argument of that name hides it there


def grade_submissions(solution_path, submissions, limits=Limits(), jobs=1, progress=None, unsafe=False,
                      preflight=True, lab=None, keep_outputs=False):
    """Grade every submission against the solution notebook; return their Grades in input order.

    With ``preflight`` (the default) the solution is graded first (``preflight``): PreflightFailed and no
    student graded when it loses a point. ``jobs`` submissions run at once, each in its own sandboxed kernel;
    ``progress(grade)`` is called as each ends; ``lab``: the solution's ``load_lab``, when already read;
    ``keep_outputs``: each Grade's ``outputs`` holds what the cells displayed (for formgrader). Raises
    sandbox.SandboxUnavailable when no sandbox works here and ``unsafe`` is false.
    """
    _check_sandbox(unsafe)
    lab = lab or load_lab(solution_path)
    if preflight:
        _preflight(solution_path, limits, unsafe, lab)
    grades = [new_grade(lab, p) for p in submissions]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(_grade_one, g, lab, p, limits, unsafe, keep_outputs): g
                   for g, p in zip(grades, submissions)}
        for future in as_completed(futures):
            if future.exception() is not None:  # _grade_one never raises; should it, the batch goes on
                _fail(futures[future], future.exception())
            if progress:
                progress(futures[future])
    return grades
