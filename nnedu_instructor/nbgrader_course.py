"""Set up an nbgrader course directory for nnedu's labs:
``python -m nnedu_instructor.nbgrader_course init COURSE_DIR --exchange EXCHANGE [LAB ...]``.

Writes ``COURSE_DIR/nbgrader_config.py`` from ``deploy/nbgrader/nbgrader_config.py`` (this repository, its
solutions and .venv, the course id, the exchange, the late penalty) and copies each lab's solution notebook, with
the data files its metadata declares, to ``COURSE_DIR/source/LAB/`` (nbgrader's source folder); from there on
the instructor uses nbgrader's own commands (docs/instructors.md). The exchange folder is created world-writable
with the sticky bit, as nbgrader's exchange expects (``chmod 1777``).
"""
import argparse
import shutil
import sys
from pathlib import Path

from .grade import lab_data
from .labs import read_solution

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "deploy" / "nbgrader" / "nbgrader_config.py"


def config_text(repo, solutions, course_id, exchange, percent_per_day):
    """The template with its placeholders filled in (ValueError on a value that would break the Python)."""
    values = {"@NNEDU@": str(repo), "@SOLUTIONS@": str(solutions), "@COURSE_ID@": course_id,
              "@EXCHANGE@": str(exchange)}
    for key, value in values.items():
        if any(ch in value for ch in "\"\\\n"):
            raise ValueError(f"{key.strip('@').lower()}: {value!r} may not contain quotes, backslashes or newlines")
    if not course_id.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"course id: expected letters, digits, - and _, got {course_id!r}")
    text = TEMPLATE.read_text()
    for key, value in values.items():
        text = text.replace(key, value)
    return text.replace("@PERCENT_PER_DAY@", repr(float(percent_per_day)))


def init(course_dir, exchange, labs, course_id="nnedu", solutions=REPO / "solutions", percent_per_day=10.0):
    """Write the config and the labs' source folders into ``course_dir``; return the labs copied."""
    course_dir, exchange, solutions = Path(course_dir), Path(exchange), Path(solutions).resolve()
    labs = labs or sorted(p.stem for p in solutions.glob("*.ipynb"))
    paths = [solutions / f"{lab}.ipynb" for lab in labs]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise ValueError(f"no solution notebook: {', '.join(missing)}")
    text = config_text(REPO, solutions, course_id, exchange.resolve(), percent_per_day)
    course_dir.mkdir(parents=True, exist_ok=True)
    course_dir.chmod(0o700)  # source (hidden tests), gradebook, submissions, feedback: the instructor's alone
    (course_dir / "nbgrader_config.py").write_text(text)
    for path in paths:
        source = course_dir / "source" / path.stem
        source.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, source / path.name)
        for item in lab_data(path, read_solution(path)):
            (shutil.copytree if item.is_dir() else shutil.copyfile)(item, source / item.name)
    exchange.mkdir(parents=True, exist_ok=True)
    exchange.chmod(0o1777)
    return [p.stem for p in paths]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m nnedu_instructor.nbgrader_course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="write nbgrader_config.py and source/LAB/ into an nbgrader course directory")
    p.add_argument("course_dir")
    p.add_argument("labs", nargs="*", help="lab names (default: every solution notebook)")
    p.add_argument("--exchange", required=True, help="nbgrader's exchange folder (e.g. /srv/nbgrader/exchange)")
    p.add_argument("--course-id", default="nnedu")
    p.add_argument("--solutions", default=str(REPO / "solutions"))
    p.add_argument("--late-percent-per-day", type=float, default=10.0,
                   help="late penalty: percent of the score per started day late (default 10)")
    args = parser.parse_args(argv)
    try:
        labs = init(args.course_dir, args.exchange, args.labs, args.course_id, args.solutions,
                    args.late_percent_per_day)
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"{args.course_dir}: nbgrader_config.py and source/ for {', '.join(labs)}; next: nbgrader db student "
          f"add ..., nbgrader generate_assignment LAB, nbgrader release_assignment LAB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
