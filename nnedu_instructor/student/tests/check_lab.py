"""Run a lab top to bottom, as "Restart Kernel and Run All Cells" does, and list its visible tests.

    python tests/check_lab.py labs/lab1_backprop.ipynb ...    (make check LAB=lab1_backprop)
    python tests/check_lab.py --started labs/*.ipynb          (part of make test: only the labs you started)

The lab runs on a copy, in its own folder (your notebook is not changed), and every cell runs even after an
error. Each test cell (the locked cells that carry points) is then one of:

  pass     it ran without an error
  FAIL     it raised an error although every answer above it ran: look at your code (the error is shown)
  waiting  an answer above it still raises NotImplementedError: you have not written that part yet

Exit status: 0 when every visible test passes (with --started: when no visible test FAILs), 1 otherwise,
2 for a file that is not a lab. Written answers still reading "YOUR ANSWER HERE" are listed too.
"""
import argparse
import sys
import time
from pathlib import Path

import nbclient
import nbformat

CODE_STUB = "raise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"


def nbgrader(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def is_answer(cell):
    return nbgrader(cell).get("solution") is True


def is_test(cell):
    return nbgrader(cell).get("grade") is True and not is_answer(cell)


def started(nb):
    """True once any answer cell no longer holds the stub it came with."""
    for cell in nb.cells:
        if is_answer(cell):
            stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
            if stub not in cell.source:
                return True
    return False


def error_of(cell):
    """(ename, evalue) of the cell's error output, or None."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", "Error"), out.get("evalue", "")
    return None


def check(path, timeout=600):
    """Run the lab at ``path`` on a copy; return its results as a list of (status, name, points, detail)."""
    nb = nbformat.read(path, as_version=4)
    # the kernel's own log stays quiet below errors (its start-up warnings are not about your lab)
    client = nbclient.NotebookClient(nb, timeout=timeout, allow_errors=True, kernel_name="python3",
                                     extra_arguments=["--IPKernelApp.log_level=ERROR"],
                                     resources={"metadata": {"path": str(Path(path).resolve().parent)}})
    client.execute()
    results, blocked = [], False
    for cell in nb.cells:
        meta = nbgrader(cell)
        name, points = meta.get("grade_id", "?"), float(meta.get("points", 0) or 0)
        if is_answer(cell) and cell.cell_type == "code":
            err = error_of(cell)
            blocked = blocked or (err is not None and err[0] == "NotImplementedError")
        elif is_answer(cell) and TEXT_STUB in cell.source:
            results.append(("written", name, points, "still to write"))
        elif is_test(cell):
            err = error_of(cell)
            if err is None:
                results.append(("pass", name, points, ""))
            elif blocked or err[0] == "NotImplementedError":
                results.append(("waiting", name, points, "an answer above still raises NotImplementedError"))
            else:
                last = (err[1].strip().splitlines() or [""])[-1][:200]
                results.append(("FAIL", name, points, f"{err[0]}: {last}" if last else err[0]))
    return results


def report(path, results, seconds):
    tests = [r for r in results if r[0] in ("pass", "FAIL", "waiting")]
    passed = [r for r in tests if r[0] == "pass"]
    got, total = sum(r[2] for r in passed), sum(r[2] for r in tests)
    print(f"{path}: ran in {seconds:.0f} s; visible tests: {len(passed)} of {len(tests)} pass "
          f"({got:g} of {total:g} points)")
    for status, name, points, detail in results:
        if status == "written":
            print(f"  written  {name} ({points:g} points, graded by your instructor): {detail}")
        else:
            print(f"  {status:<8} {name} ({points:g} points)" + (f": {detail}" if detail else ""))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("labs", nargs="+", help="lab notebooks, e.g. labs/lab1_backprop.ipynb")
    ap.add_argument("--started", action="store_true",
                    help="skip labs with no answer written yet; only a FAILing test fails the run")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    args = ap.parse_args(argv)
    failed = False
    for path in args.labs:
        try:
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError) as e:
            print(f"error: {path}: cannot read the notebook: {e}", file=sys.stderr)
            return 2
        if not any(is_test(c) for c in nb.cells):
            print(f"error: {path} is not a lab (no test cells with points)", file=sys.stderr)
            return 2
        if args.started and not started(nb):
            print(f"{path}: not started (no answer written yet): skipped")
            continue
        t = time.perf_counter()
        results = check(path, args.timeout)
        report(path, results, time.perf_counter() - t)
        bad = {"FAIL"} if args.started else {"FAIL", "waiting"}
        failed = failed or any(r[0] in bad for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
