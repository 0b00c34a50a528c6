"""The course side of the nbgrader plug-in: grade one notebook with our sandboxed, probe-checked grader and print
the result as JSON. ``nbgrader_autograde.SandboxAutograde`` runs it in the course's environment (``.venv``: torch,
nnedu, the sandbox) from nbgrader's own environment, once per submitted notebook::

    python -m nnedu_instructor.nbgrader_run SOLUTION SUBMISSION [--preflight] [--cell-timeout S]
                                             [--notebook-timeout S] [--memory-mb M] [--unsafe]

stdout (exit 0): ``{"status", "note", "crash", "seconds", "tests": [{"grade_id", "points", "max_points", "outcome",
"message", "manual"}], "outputs": {"CELL INDEX": [nbformat v4 outputs]}}``; ``crash`` is null or names the cell the
kernel died in; ``message`` is what the student reads (hidden tests: only pass/fail and the exception's type,
never their source or assert text); ``outputs``: what each cell of SUBMISSION but the test cells displayed, by its
index in that file (``outputs``: text and PNG only, cleaned and capped).
Exit 2: bad arguments or solution; 3: no sandbox works here (and no ``--unsafe``); 4: the preflight failed (with
``--preflight`` the solution itself is graded first, in the same sandbox with the same limits, and must get full
marks: otherwise the grader's own environment is broken and every student would get its zeros), the reason on
stderr.
"""
import argparse
import json
import sys
from pathlib import Path

from . import grade, sandbox
from .cells import LabFormatError


def code(outcome):
    """An outcome as a code: "passed", "not-run...", "kernel-died" (the grader's texts or its Outcome codes)."""
    return str(outcome).replace(" ", "-")


def crash_note(g):
    """Which cell the kernel died in, from the outcomes in notebook order (None if it did not die).

    A test cell whose own outcome is "kernel died" crashed; otherwise the kernel died in a cell after the last
    test that ran and before the first that did not."""
    if g.status != grade.KERNEL_DIED:
        return None
    if g.note.startswith("the kernel died"):  # the grader names the cell itself
        return g.note
    tests = [t for t in g.tests if not t.manual]
    for t in tests:
        if code(t.outcome) == "kernel-died":
            return f"the kernel died while running the test cell {t.grade_id}"
    ran = [t.grade_id for t in tests if not code(t.outcome).startswith("not-run")]
    later = [t.grade_id for t in tests if code(t.outcome).startswith("not-run")]
    where = f"after {ran[-1]}" if ran else "before the first test cell"
    return f"the kernel died in a cell {where}" + (f", before {later[0]}" if later else "")


def message(t, crash):
    """What the student reads for one test: passed, our outcome, or why it did not run."""
    text = getattr(t, "message", "")  # the grader's message for the student, where it has one
    if not text and crash and code(t.outcome).startswith("not-run"):
        text = f"not run: {crash}"
    return text or str(t.outcome)


def result(g):
    """The JSON-able result of one Grade."""
    crash = crash_note(g)
    return {"status": g.status, "note": g.note, "crash": crash, "seconds": round(g.seconds, 1),
            "tests": [{"grade_id": t.grade_id, "points": t.points, "max_points": t.max_points,
                       "outcome": code(t.outcome), "message": message(t, crash), "manual": t.manual} for t in g.tests],
            "outputs": {str(i): out for i, out in sorted(g.outputs.items())}}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnedu_instructor.nbgrader_run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("solution", help="the lab's solution notebook (solutions/LAB.ipynb; probes/ beside it)")
    parser.add_argument("submission", help="the notebook to grade")
    parser.add_argument("--preflight", action="store_true", help="grade the solution first; it must get full marks")
    parser.add_argument("--cell-timeout", type=float, default=grade.Limits.cell_timeout)
    parser.add_argument("--notebook-timeout", type=float, default=grade.Limits.notebook_timeout)
    parser.add_argument("--memory-mb", type=int, default=grade.Limits.memory_mb)
    parser.add_argument("--unsafe", action="store_true", help="no sandbox (trusted code only)")
    args = parser.parse_args(argv)
    solution = Path(args.solution)
    if not solution.is_file():
        print(f"error: no solution notebook at {solution}", file=sys.stderr)
        return 2
    limits = grade.Limits(args.cell_timeout, args.notebook_timeout, args.memory_mb)
    try:
        if args.preflight:  # once per nbgrader process (the plug-in asks for it): not again for every notebook
            grade.preflight(solution, limits, args.unsafe)
        [g] = grade.grade_submissions(solution, [args.submission], limits, unsafe=args.unsafe, preflight=False,
                                      keep_outputs=True)
    except LabFormatError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except sandbox.SandboxUnavailable as e:
        print(f"error: {e}; refusing to run student code unconfined (--unsafe for trusted code only)",
              file=sys.stderr)
        return 3
    except grade.PreflightFailed as e:
        print(f"error: nothing graded: {e}", file=sys.stderr)
        return 4
    print(json.dumps(result(g)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
