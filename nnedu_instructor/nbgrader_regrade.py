"""Regrade one test cell inside nbgrader, and find the test cells changed since release. Runs in nbgrader's
environment, in or on the course directory, with the course's nbgrader configuration (as ``nbgrader autograde``)::

    python -m nnedu_instructor.nbgrader_regrade COURSE_DIR LAB                   # which test cells changed?
    python -m nnedu_instructor.nbgrader_regrade COURSE_DIR LAB --cell GRADE_ID [--student S ...]

Why: ``nbgrader autograde LAB --force`` regrades whole submissions. It keeps the manual scores (nbgrader's
``SaveAutoGrades`` sets only ``auto_score``) but marks every cell that has one as needing manual grading again,
recomputes the late penalty, and reruns every test. After a fix to one test, ``--cell`` reruns the notebook
of each student (or of ``--student``) with our grader (``SandboxAutograde``, the configured one: same solution,
limits and preflight) and changes exactly that test cell: its ``auto_score`` in the gradebook (through
``nbgrader.api.Gradebook``; ``needs_manual_grade`` as nbgrader sets it: true only where a manual score exists)
and its result in the autograded notebook (formgrader's view, the feedback's source). Manual scores, comments,
other cells, the late penalty and the other cells' outputs stay as they are. The input is the autograded
notebook: the submission as nbgrader's last ``autograde`` sanitized it (a student never autograded is skipped).

Changed tests: nbgrader recorded each test cell's source (hidden tests included) at ``generate_assignment``.
Without ``--cell`` (and after every regrade) the command compares it with the test cell in ``source/LAB/`` and in
the grader's solution (``c.SandboxAutograde.solutions``, what our grader runs) and names each changed test cell,
with the command that regrades exactly it; a cell regraded for every student with its current source is said so
(``nnedu_regrades.json`` in the course directory records the source each cell was last regraded with). A test
cell added, removed or worth other points is beyond a one-cell regrade: it says that everything must be regraded.
Exit 0; 2: bad course, lab, cell or student; 4: the grader failed (its preflight, say): nothing was recorded.
"""
import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.baseapp import NbGrader

from .nbgrader_autograde import GradingFailed, SandboxAutograde
from .nbgrader_cells import nbgrader_meta, write_results

RECORD = "nnedu_regrades.json"


class CourseConfig(NbGrader):
    """nbgrader's configuration of the course directory (its ``nbgrader_config.py`` and Jupyter's config paths)."""
    name = "nnedu-regrade"


def digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def test_sources(path):
    """{grade_id: (source, points)} of the test cells of the notebook at ``path`` ({} if there is none)."""
    if not Path(path).is_file():
        return {}
    nb = nbformat.read(path, as_version=4)
    return {nbgrader_meta(c)["grade_id"]: (c.source, float(nbgrader_meta(c).get("points") or 0)) for c in nb.cells
            if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution") and nbgrader_meta(c).get(
                "grade_id")}


def changed_tests(gb, app, lab, grader):
    """(changed, structural): [(notebook, grade_id, [files where its source changed], regraded with this source)]
    for the lab's test cells whose source differs from what the gradebook recorded at release, and the changes
    no one-cell regrade can follow (a test cell added, removed, or worth other points), in words."""
    record, changed, structural = read_record(app).get(lab, {}), [], []
    for notebook in gb.find_assignment(lab).notebooks:
        tests = {c.name: c.max_score for c in notebook.grade_cells}
        for c in notebook.solution_cells:
            tests.pop(c.name, None)
        released = {c.name: c.source for c in notebook.source_cells if c.name in tests}
        source = Path(app.coursedir.format_path(app.coursedir.source_directory, ".", lab)) / f"{notebook.name}.ipynb"
        solution = Path(grader.solutions) / f"{notebook.name}.ipynb"
        files = {str(path): test_sources(path) for path in (source, solution) if path.is_file()}
        for name, now in files.items():
            for gid in sorted(set(now) ^ set(tests)):
                structural.append(f"{gid} ({notebook.name}) is {'not ' if gid in tests else ''}a test cell in {name} "
                                  f"but {'was' if gid in tests else 'was not'} at release")
            structural += [f"{gid} ({notebook.name}) is worth {now[gid][1]:g} points in {name}, {tests[gid]:g} at "
                           f"release" for gid in sorted(set(now) & set(tests)) if now[gid][1] != tests[gid]]
        for gid, text in sorted(released.items()):
            where = [name for name, now in files.items() if gid in now and now[gid][0] != text]
            if where:
                current = files.get(str(solution), {}).get(gid, (text,))[0]
                changed.append((notebook.name, gid, where, record.get(gid) == digest(current)))
    return changed, structural


def read_record(app):
    path = Path(app.coursedir.root) / RECORD
    return json.loads(path.read_text()) if path.is_file() else {}


def write_record(app, lab, gid, source):
    record = read_record(app)
    record.setdefault(lab, {})[gid] = digest(source)
    path = Path(app.coursedir.root) / RECORD
    path.with_suffix(".tmp").write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    os.replace(path.with_suffix(".tmp"), path)


def report(changes, course, lab):
    """The changed test cells, in words, with the command that regrades each."""
    changed, structural = changes
    lines = [] if changed or structural else [f"{lab}: no test cell changed since release."]
    if changed:
        lines.append(f"{lab}: test cells changed since release (nbgrader recorded them at generate_assignment):")
    for notebook, gid, where, done in changed:
        lines.append(f"  {gid} ({notebook}): changed in {' and '.join(where)}; " + (
            "already regraded for every student with its current source." if done else
            f"its scores may be out of date: python -m nnedu_instructor.nbgrader_regrade {course} {lab} --cell {gid}"))
    if structural:
        lines += [f"{lab}: the lab's graded cells changed since release:", *(f"  {line}" for line in structural),
                  f"No one-cell regrade follows that: everything must be regraded. Update the gradebook's record of "
                  f"the lab (nbgrader generate_assignment {lab} --force), then regrade every submission (nbgrader "
                  f"autograde {lab} --force)."]
    elif changed:
        lines.append("Only these cells need regrading; every other score stands.")
    return lines


def regrade_one(gb, app, grader, lab, notebook, gid, student):
    """Regrade test cell ``gid`` of ``student``'s autograded notebook; (old, new) auto_score, manual score."""
    path = Path(app.coursedir.format_path(app.coursedir.autograded_directory, student, lab)) / f"{notebook}.ipynb"
    if not path.is_file():
        raise FileNotFoundError(f"no autograded notebook at {path}: run nbgrader autograde {lab} first")
    nb = nbformat.read(path, as_version=4)
    bare = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in bare.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    result = grader.grade(bare, notebook)
    write_results(nb, result, only=gid)
    [cell] = [c for c in nb.cells if nbgrader_meta(c).get("grade_id") == gid]
    grade = gb.find_grade(gid, notebook, lab, student)
    old, (grade.auto_score, _) = grade.auto_score, utils.determine_grade(cell, app.log)
    grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None  # as SaveAutoGrades
    tmp = path.with_name(f".{path.name}.tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, path)
    gb.db.commit()
    return old, grade.auto_score, grade.manual_score


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnedu_instructor.nbgrader_regrade", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("course_dir", help="the nbgrader course directory (nbgrader_config.py, gradebook.db)")
    parser.add_argument("lab", help="the assignment")
    parser.add_argument("--cell", help="the grade_id of the test cell to regrade")
    parser.add_argument("--student", action="append", help="regrade this student only (repeatable; default: all)")
    args = parser.parse_args(argv)
    course = Path(args.course_dir).resolve()
    if not (course / "nbgrader_config.py").is_file():
        print(f"error: {course} is not an nbgrader course directory (no nbgrader_config.py)", file=sys.stderr)
        return 2
    os.chdir(course)
    app = CourseConfig()
    app.initialize([], root=str(course))
    grader = SandboxAutograde(parent=app)
    with Gradebook(app.coursedir.db_url, app.coursedir.course_id) as gb:
        try:
            assignment = gb.find_assignment(args.lab)
        except MissingEntry:
            print(f"error: no assignment {args.lab!r} in the gradebook of {course}", file=sys.stderr)
            return 2
        if args.cell:
            tests = {nb.name: {c.name for c in nb.grade_cells} - {c.name for c in nb.solution_cells}
                     for nb in assignment.notebooks}
            owner = [name for name, ids in tests.items() if args.cell in ids]
            if not owner:
                print(f"error: {args.cell!r} is not a test cell of {args.lab}; its test cells: "
                      f"{', '.join(sorted(set().union(*tests.values())))}", file=sys.stderr)
                return 2
            submitted = sorted(s.student_id for s in gb.assignment_submissions(args.lab))
            students = args.student or submitted
            unknown = sorted(set(students) - set(submitted))
            if unknown:
                print(f"error: no submission of {args.lab} by {', '.join(unknown)}", file=sys.stderr)
                return 2
            start = time.perf_counter()
            for student in students:
                try:
                    old, new, manual = regrade_one(gb, app, grader, args.lab, owner[0], args.cell, student)
                except GradingFailed as e:
                    print(f"error: {student}: {e}\nnothing more was recorded", file=sys.stderr)
                    return 4
                except FileNotFoundError as e:
                    print(f"{student}: skipped: {e}")
                    continue
                kept = f"; manual score {manual:g} kept (it counts)" if manual is not None else ""
                print(f"{student}: {args.cell} {'-' if old is None else f'{old:g}'} -> {new:g}{kept}")
            if not args.student:
                now = test_sources(Path(grader.solutions) / f"{owner[0]}.ipynb").get(args.cell, ("",))[0]
                write_record(app, args.lab, args.cell, now)
            print(f"regraded {args.cell} of {len(students)} student(s) in {time.perf_counter() - start:.0f} s")
        print("\n".join(report(changed_tests(gb, app, args.lab, grader), args.course_dir, args.lab)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
