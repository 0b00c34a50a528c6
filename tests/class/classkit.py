"""What the class tests share: a toy lab in nbgrader's format (three tests with visible and hidden asserts, one
written answer, a probe), its students' answers, nbgrader's environment and commands, and a transcript."""
import html
import re
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "instructor"))
from accountkit import runnable_by_others  # noqa: E402 (tests/, on the path through its conftest.py)
from labkit import nbgrader  # noqa: E402
from slow_nbgrader_roundtrip import nbgrader_venv  # noqa: E402, F401 (the class tests import it from here)

LAB = "toylab"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SECRET = "HIDDEN-SECRET"  # in a hidden assert's message: must never reach a student
ANSWERS = {  # grade_id: the model answer (the solution keeps it between the markers)
    "square": "def square(x):\n    return x * x",
    "cube": "def cube(x):\n    return x ** 3",
    "mean": "def mean(xs):\n    return sum(xs) / len(xs)",
    "why": "x * x and x ** 3 are the same function of x whoever writes them.",
}
TESTS = {  # grade_id: (points, visible asserts, hidden asserts)
    "test_square": (2, 'assert square(2.0) == 4.0, f"square(2.0) should be 4.0, got {square(2.0)}"',
                    f'assert square(3.0) == 9.0, "{SECRET}: square(3.0)"'),
    "test_cube": (3, 'assert cube(2.0) == 8.0, f"cube(2.0) should be 8.0, got {cube(2.0)}"',
                  f'assert cube(-1.0) == -1.0, "{SECRET}: cube(-1.0)"'),
    "test_mean": (1, 'assert mean([1.0, 2.0, 3.0]) == 2.0, f"mean([1, 2, 3]) should be 2.0, got '
                     '{mean([1.0, 2.0, 3.0])}"', f'assert mean([5.0]) == 5.0, "{SECRET}: mean([5.0])"'),
}
PROBE = """import numpy as np
from nnedu_instructor.probes import Probe

CODE = 'outputs["y"] = np.asarray([square(float(v)) for v in inputs["x"]])'


def check(inputs, outputs):
    assert np.allclose(outputs["y"], inputs["x"] ** 2)


PROBES = [Probe("test_square", lambda rng: {"x": rng.normal(size=4)}, CODE, check)]
"""


def solution_cell(gid):
    head, body = ANSWERS[gid].split("\n", 1)
    return new_code_cell(f"{head}\n    ### BEGIN SOLUTION\n{body}\n    ### END SOLUTION",
                         metadata=nbgrader(gid, solution=True))


def test_cell(gid):
    pts, visible, hidden = TESTS[gid]
    return new_code_cell(f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
                         metadata=nbgrader(gid, grade=True, locked=True, points=pts))


def solution_notebook():
    cells = [new_markdown_cell("# Toy lab: square, cube, mean"),
             new_code_cell("import math", metadata=nbgrader("setup", locked=True)),
             solution_cell("square"), test_cell("test_square"),
             new_markdown_cell(ANSWERS["why"], metadata=nbgrader("why", solution=True, grade=True, points=1)),
             solution_cell("cube"), test_cell("test_cube"), solution_cell("mean"), test_cell("test_mean")]
    for index, cell in enumerate(cells):
        cell["id"] = f"cell-{index}"
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def write_lab(root):
    """``root/solutions/toylab.ipynb`` and its probe; return the solutions folder."""
    solutions = Path(root) / "solutions"
    (solutions / "probes").mkdir(parents=True)
    nbformat.write(solution_notebook(), solutions / f"{LAB}.ipynb")
    (solutions / "probes" / f"{LAB}.py").write_text(PROBE)
    return solutions


# What each student writes into the released notebook: {grade_id: source}; None: left as released.
FULL = dict(ANSWERS, why="Both compute the same values; the tests only look at what the functions return.")
PARTIAL = {"square": ANSWERS["square"],
           "cube": "def cube(x):\n    return abs(x) ** 3",  # visible test passes, a hidden one fails
           "mean": "def mean(xs):\n    return sum(xs) / (len(xs) + 1)"}  # the visible assert fails, with its message
CRASH = {"square": ANSWERS["square"], "cube": "import os\nos._exit(1)\n" + ANSWERS["cube"], "mean": ANSWERS["mean"]}
FILL = """import json, sys
import nbformat
path, answers = sys.argv[1], json.loads(sys.argv[2])
nb = nbformat.read(path, as_version=4)
for cell in nb.cells:
    gid = cell.metadata.get("nbgrader", {}).get("grade_id")
    if gid in answers:
        cell.source = answers[gid]
nbformat.write(nb, path)
"""


def runnable_by_students(python):
    """Let other users run ``python`` (nbgrader's venv) for the test (``accountkit.runnable_by_others``)."""
    base = subprocess.run([str(python), "-c", "import sys; print(sys.base_prefix)"], check=True,
                          capture_output=True, text=True).stdout.strip()
    return runnable_by_others(python, base)


def feedback_lines(html_text):
    """The feedback page's text lines (tags removed, entities decoded)."""
    text = re.sub(r"<style.*?</style>|<script.*?</script>", "", html_text, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return [line.strip() for line in text.splitlines() if line.strip()]


class Transcript:
    """Commands and results, printed at the end of the test (the closing note quotes it)."""

    def __init__(self):
        self.lines = []

    def add(self, line):
        self.lines.append(line)
        print(line, flush=True)

    def run(self, user, cmd, cwd, env, check=True, timeout=900, label=None):
        """Run ``cmd`` as ``user`` (the instructor: as is) with only ``env``; logged as ``label`` or the command."""
        words = ["nbgrader", *cmd[3:]] if cmd[1:3] == ["-m", "nbgrader"] else cmd
        self.add(f"[{user}] " + (label or "$ " + " ".join(w if " " not in w else repr(w) for w in words
                                                          if not w.startswith("--Exchange.root"))))
        prefix = [] if user == "instructor" else ["runuser", "-u", user, "--"]
        run = subprocess.run(prefix + ["env", "-i", *(f"{k}={v}" for k, v in env.items())] + cmd, cwd=cwd,
                             capture_output=True, text=True, timeout=timeout)
        if check:
            assert run.returncode == 0, f"{cmd} as {user}: exit {run.returncode}\n{run.stdout[-3000:]}\n" \
                                        f"{run.stderr[-3000:]}"
        return run
