"""``python -m nnedu_instructor COMMAND ...``: the instructors' command line.

  execute NB...        re-execute notebooks in place (their outputs are committed)
  labs [--check]       regenerate labs/ from solutions/, or check that it is in sync
  grade LAB SUB...     grade submissions into a merged CSV (and Markdown feedback per student)
  release DIR          build the student bundle (no solutions, no hidden tests)
  collect LAB          gather each student's LAB from their home into DIR/STUDENT/LAB/LAB.ipynb (JupyterHub)
  similarity LAB SUB...  report answers that look copied (from nnedu, the lectures, the solutions, each other)

Exit codes, the same for every command: 0 done; 1 done, but something was refused or out of date (`labs --check`,
a file `collect` would not copy); 2 an input it cannot use (a malformed lab, a target folder, a CSV it cannot
merge); 3 no sandbox on this machine; 4 the grader's preflight failed (its environment, not a student).
"""
import argparse
import logging
import sys
import time
from pathlib import Path


def _execute(args):
    from .execute import execute_notebook, finish_progress_text_file
    for path in args.notebooks:
        if args.bars_only:
            print(f"{path}: {finish_progress_text_file(path)} progress bar(s) show their finished state", flush=True)
            continue
        seconds = execute_notebook(path, timeout=args.timeout)
        print(f"{path}: executed in {seconds:.1f} s", flush=True)
    return 0


def _labs(args):
    from . import labs
    from .cells import LabFormatError
    try:
        if args.check:
            problems = labs.check(args.solutions, args.labs)
            for line in problems:
                print(line)
            if problems:
                print(f"{args.labs}/ is out of date: run `make labs` (python -m nnedu_instructor labs)")
                return 1
            print(f"{args.labs}/ is up to date")
            return 0
        changes = labs.generate(args.solutions, args.labs)
    except LabFormatError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for line in changes:
        print(line)
    print(f"{args.labs}/ is up to date" + ("" if changes else " (nothing changed)"))
    return 0


def _grade(args):
    from . import grade, grades_csv, report, sandbox
    from .cells import LabFormatError
    from .collect import CollectError, read_roster
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    lab = Path(args.lab)
    if not lab.is_file():
        lab = Path(args.solutions) / f"{args.lab}.ipynb"
    if not lab.is_file():
        print(f"error: no solution notebook {args.lab!r} (looked for {args.lab} and {lab})", file=sys.stderr)
        return 2
    if args.unsafe:
        print("WARNING: --unsafe: submissions run WITHOUT a sandbox, as your user, with your files in reach.\n"
              "WARNING: grade only code you trust this way.", file=sys.stderr)
    limits = grade.Limits(args.timeout, args.notebook_timeout, args.memory_mb)
    try:
        graded_lab = grade.load_lab(lab)
        blank = grade.new_grade(graded_lab, lab)
        auto = [t.grade_id for t in blank.tests if not t.manual]
        if args.only and args.only not in auto:
            raise ValueError(f"--only {args.only!r}: not a graded test cell of {lab.stem} ({', '.join(auto)})")
        roster = read_roster(args.roster) if args.roster else []
        names = {report.student_name(p, lab.stem) for p in args.submissions}
        missing = [_missing(grade, graded_lab, s) for s in roster if s not in names]
        outputs = report.Outputs(args.out, args.feedback, lab.stem, grades_csv.header(blank.tests), args.only,
                                 args.replace, missing)
    except (LabFormatError, ValueError, CollectError) as e:  # HeaderMismatch is a ValueError
        print(f"error: {e}", file=sys.stderr)
        return 2

    def progress(g):
        outputs.add(g)  # the student's row and feedback are on disk before the next one is graded
        extra = f" ({report.printable(g.note)})" if g.note else ""
        print(f"{report.printable(g.student)}: {report.fmt(g.total)}/{report.fmt(g.max_auto)} {g.status}"
              f" in {g.seconds:.1f} s{extra}", flush=True)

    start = time.perf_counter()
    try:
        grades = grade.grade_submissions(lab, args.submissions, limits, jobs=args.jobs, progress=progress,
                                         unsafe=args.unsafe, lab=graded_lab)
    except (LabFormatError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except sandbox.SandboxUnavailable as e:
        print(f"error: {e}\nerror: refusing to run student code unconfined; on Linux install util-linux's "
              f"unshare (or allow user namespaces); elsewhere use a Linux VM, or --unsafe for trusted code only",
              file=sys.stderr)
        return 3
    except grade.PreflightFailed as e:
        print(f"error: {e}", file=sys.stderr)
        return 4
    outputs.finish(grades)  # the CSV again, in the order of the submissions
    absent = ", ".join(report.printable(g.student) for g in missing)
    print(f"graded {len(grades)} submission(s) of {lab.stem} in {time.perf_counter() - start:.1f} s"
          f" -> {args.out}" + (f", feedback in {Path(args.feedback) / lab.stem}/" if args.feedback else "")
          + (f"; {len(missing)} on the roster without a submission: {absent}" if missing else ""))
    return 0


def _missing(grade, lab, student):
    """The Grade of a roster student without a submission: 0 points, status ``missing``."""
    g = grade.new_grade(lab, "")
    g.student, g.path, g.status = student, "", "missing"
    for t in g.tests:
        t.set(grade.NOT_RUN, "no submission")
    return g


def _release(args):
    from .cells import LabFormatError
    from .release import ReleaseError, release
    try:
        copied = release(args.dir, root=args.root, force=args.force)
    except (ReleaseError, LabFormatError) as e:  # exit 2, as every command for a lab or a target it cannot use
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"student bundle in {args.dir}: {', '.join(copied)}")
    return 0


def _collect(args):
    from .collect import COLLECTED_CSV, CollectError, collect, read_roster
    try:
        roster = read_roster(args.roster) if args.roster else []
        results = collect(args.lab, args.pattern, args.to, max_bytes=int(args.max_mb * 2**20), roster=roster)
    except CollectError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    matched = [r for r in results if r.source]
    refused = [r for r in matched if r.problem]
    for r in results:
        if r.state == "refused" and r.source:
            print(f"{r.student}: NOT collected: {r.problem}", file=sys.stderr)
        elif r.problem:
            print(f"{r.student}: {r.problem}", file=sys.stderr)
        else:
            print(f"{r.student}: {r.source} -> {r.target} ({r.size / 1024:.1f} KiB)")
    gone = {state: [r.student for r in results if r.state == state] for state in ("missing", "deleted")}
    if not matched:
        print(f"error: nothing matches {args.pattern.replace('{lab}', Path(args.lab).stem)!r}", file=sys.stderr)
        return 2
    print(f"collected {len(matched) - len(refused)} of the {len(matched)} file(s) found into {args.to}/ (times in "
          f"{Path(args.to) / COLLECTED_CSV})" + (f"; {len(refused)} refused (see above)" if refused else "")
          + (f"; roster: {len(roster)} student(s)" if roster else "")
          + "".join(f"; {state}: {', '.join(names)}" for state, names in gone.items() if names))
    return 1 if refused else 0


def _similarity(args):
    from . import similarity, similarity_report
    from .cells import LabFormatError
    lab = Path(args.lab)
    if not lab.is_file():
        lab = Path(args.solutions) / f"{args.lab}.ipynb"
    if not lab.is_file():
        print(f"error: no solution notebook {args.lab!r} (looked for {args.lab} and {lab})", file=sys.stderr)
        return 2
    out = args.out or f"similarity/{lab.stem}.html"
    try:
        report = similarity.run(lab, args.submissions, root=args.root, noise=args.noise,
                                threshold=args.threshold, min_chars=args.min_chars)
    except (LabFormatError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    similarity_report.write_html(report, out)
    for line in similarity_report.summary(report):
        print(line)
    print(f"{len(similarity_report.pairs(report))} flagged pair(s) among {len(report.students)} submission(s) of "
          f"{lab.stem} -> {out} (flags to read, not verdicts: nothing is deducted)")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnedu_instructor", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("execute", help="re-execute notebooks in place (outputs are committed)")
    p.add_argument("notebooks", nargs="+")
    p.add_argument("--timeout", type=int, default=600, help="seconds per cell (default 600)")
    p.add_argument("--bars-only", action="store_true", help="run nothing: only make the progress bars' text "
                   "fallback show their saved finished state (notebooks executed before this was automatic)")
    p.set_defaults(func=_execute)

    p = sub.add_parser("labs", help="regenerate labs/ from solutions/ (or --check it)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when labs/ is out of date")
    p.add_argument("--solutions", default="solutions", help="solution notebooks (default solutions)")
    p.add_argument("--labs", default="labs", help="student notebooks (default labs)")
    p.set_defaults(func=_labs)

    from .collect import DEFAULT_MAX_BYTES, DEFAULT_PATTERN
    from .grade import Limits  # the defaults live there and in collect, once
    p = sub.add_parser("grade", help="grade submissions of a lab into a CSV")
    p.add_argument("lab", help="a solution notebook: its name in solutions/ (e.g. lab2_pytorch_vs_nnedu) or a path")
    p.add_argument("submissions", nargs="+", help="submitted notebooks")
    p.add_argument("--out", default="grades.csv", help="CSV to write (default grades.csv)")
    p.add_argument("--feedback", help="folder for the Markdown feedback, one FOLDER/LAB/STUDENT.md per student")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    p.add_argument("--timeout", type=float, default=Limits.cell_timeout,
                   help=f"seconds per cell (default {Limits.cell_timeout:g})")
    p.add_argument("--notebook-timeout", type=float, default=Limits.notebook_timeout,
                   help=f"seconds per notebook (default {Limits.notebook_timeout:g})")
    p.add_argument("--memory-mb", type=int, default=Limits.memory_mb,
                   help=f"address space of each kernel in MiB (default {Limits.memory_mb}; 0: unlimited)")
    p.add_argument("--solutions", default="solutions", help="where LAB names are looked up (default solutions)")
    p.add_argument("--unsafe", action="store_true",
                   help="run kernels without a sandbox (no Linux namespaces, e.g. macOS): trusted code only")
    p.add_argument("--verbose", action="store_true", help="log the grader's own errors with their tracebacks")
    p.add_argument("--only", metavar="GRADE_ID",
                   help="merge only this test cell's column into the CSV's existing rows (a fixed test)")
    p.add_argument("--replace", action="store_true",
                   help="write a new CSV instead of merging into OUT (needed when the lab's cells changed)")
    p.add_argument("--roster", help="file with one student per line: those without a submission get a "
                                    "'missing' row")
    p.set_defaults(func=_grade)

    p = sub.add_parser("release", help="build the student bundle in DIR")
    p.add_argument("dir")
    p.add_argument("--force", action="store_true", help="replace the bundle in a non-empty DIR")
    p.add_argument("--root", default=".", help="the repository (default: the current folder)")
    p.set_defaults(func=_release)

    p = sub.add_parser("collect", help="gather each student's lab from their home (JupyterHub) for grading")
    p.add_argument("lab", help="the lab's name, e.g. lab1_backprop")
    p.add_argument("--from", dest="pattern", default=DEFAULT_PATTERN,
                   help="glob of the students' copies; {lab} is replaced by LAB and the first wildcard's "
                        f"folder is the student's home and name (default {DEFAULT_PATTERN!r})")
    p.add_argument("--to", default="submitted", help="folder to fill as TO/STUDENT/LAB/LAB.ipynb (default submitted)")
    p.add_argument("--max-mb", type=float, default=DEFAULT_MAX_BYTES / 2**20,
                   help=f"refuse files larger than this (default {DEFAULT_MAX_BYTES / 2**20:g} MiB)")
    p.add_argument("--roster", help="file with one student per line: those with no file are reported missing")
    p.set_defaults(func=_collect)

    from .similarity import MIN_CHARS, NOISE, THRESHOLD
    p = sub.add_parser("similarity", help="report answers that look copied, side by side (flags, no deductions)")
    p.add_argument("lab", help="a solution notebook: its name in solutions/ (e.g. lab1_backprop) or a path")
    p.add_argument("submissions", nargs="+", help="submitted notebooks")
    p.add_argument("--out", help="HTML report to write (default similarity/LAB.html)")
    p.add_argument("--threshold", type=float, default=THRESHOLD,
                   help=f"flag an answer when this share of it is found in one source (default {THRESHOLD})")
    p.add_argument("--noise", type=int, default=NOISE,
                   help=f"shortest common stretch that counts, in characters of normalised code (default {NOISE})")
    p.add_argument("--min-chars", type=int, default=MIN_CHARS,
                   help=f"never flag less than this many normalised characters in common (default {MIN_CHARS})")
    p.add_argument("--solutions", default="solutions", help="where LAB names are looked up (default solutions)")
    p.add_argument("--root", default=".", help="the repository holding nnedu/, lectures/, solutions/ (default .)")
    p.set_defaults(func=_similarity)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
