"""What the class tests share: a toy lab in nbgrader's format (three tests with visible and hidden asserts, one
written answer, a probe), its students' answers, nbgrader's environment and commands, and a transcript."""
import copy
import html
import json
import re
import resource
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
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


# nbgrader's autograde with our plug-ins beside nbgrader's own Execute, on the same submissions
# (slow_nbgrader_labs.py, slow_nbgrader_hostile.py).
OWN_CONFIG = "c = get_config()\nc.CourseDirectory.course_id = 'nnedu'\nc.Execute.timeout = {timeout}\n"
AUTO_SCORES = """import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    print(json.dumps({s.student_id: {g.name: g.auto_score for nb in s.notebooks for g in nb.grades}
                      for s in gb.assignment_submissions(sys.argv[1])}))
"""


def answered(nb, answers):
    """A copy of ``nb`` with the source of each cell whose grade_id is in ``answers`` replaced."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid].strip("\n")
    return nb


class Courses:
    """One lab in two nbgrader course folders with the same source, release and submissions: ``ours``
    (``nbgrader_course init``: our sandboxed grader scores every test cell; ``ours_config`` is appended to its
    nbgrader_config.py) and ``own`` (nbgrader's own ``Execute``, ``own_timeout`` seconds per cell, its process
    tree's address space bounded by ``own_memory`` bytes when given: nothing contains its kernels)."""

    def __init__(self, root, lab, python, solutions=REPO / "solutions", ours_config="", own_timeout=300,
                 own_memory=None):
        self.lab, self.python, self.own_memory = lab, python, own_memory
        self.env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(root), **ONE_THREAD}
        self.dirs = {"ours": Path(root) / "ours", "own": Path(root) / "own"}
        for course in self.dirs.values():
            subprocess.run([sys.executable, "-m", "nnedu_instructor.nbgrader_course", "init", str(course), lab,
                            "--exchange", str(Path(root) / "exchange"), "--solutions", str(solutions)], check=True,
                           capture_output=True)
        with open(self.dirs["ours"] / "nbgrader_config.py", "a") as config:
            config.write(ours_config)
        (self.dirs["own"] / "nbgrader_config.py").write_text(OWN_CONFIG.format(timeout=own_timeout))
        for which, run in self.both("generate_assignment", lab, "--force").items():
            assert run.returncode == 0, f"{which}: {run.stderr[-3000:]}"
        ours, own = (self.dirs[w] / "release" / lab / f"{lab}.ipynb" for w in self.dirs)
        assert ours.read_bytes() == own.read_bytes(), "the two courses released different notebooks"

    def released(self):
        """The student notebook nbgrader released (with its checksums), as a student receives it."""
        return nbformat.read(self.dirs["ours"] / "release" / self.lab / f"{self.lab}.ipynb", as_version=4)

    def submit(self, student, nb):
        """``nb`` as ``student``'s submission in both courses (where ``nbgrader collect`` puts it)."""
        for course in self.dirs.values():
            path = course / "submitted" / student / self.lab / f"{self.lab}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, path)

    def both(self, *args):
        """``nbgrader ARGS`` in both courses at once: {"ours"|"own": CompletedProcess with ``seconds``}."""
        limit = self.own_memory

        def bounded():
            if limit:
                resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

        start, procs = time.perf_counter(), {}
        for which, course in self.dirs.items():
            procs[which] = subprocess.Popen([str(self.python), "-m", "nbgrader", *args], cwd=course, env=self.env,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                            preexec_fn=bounded if which == "own" else None)
        runs, done = {}, {}
        with ThreadPoolExecutor(2) as pool:  # each pipe read to its end, each end timed
            futures = {which: pool.submit(proc.communicate, timeout=1800) for which, proc in procs.items()}
            for which, future in futures.items():
                future.add_done_callback(lambda _, w=which: done.setdefault(w, time.perf_counter() - start))
            for which, future in futures.items():
                out, err = future.result()
                runs[which] = subprocess.CompletedProcess(procs[which].args, procs[which].returncode, out, err)
        for which, run in runs.items():
            run.seconds = done[which]
        return runs

    def scores(self, which):
        """{student: {grade_id: auto score}} from ``which`` course's gradebook (nbgrader.api)."""
        run = subprocess.run([str(self.python), "-c", AUTO_SCORES, self.lab], cwd=self.dirs[which], env=self.env,
                             capture_output=True, text=True, check=True)
        return json.loads(run.stdout)

    def outputs(self, which, student):
        """{grade_id: text of the test cell's outputs} in ``student``'s autograded notebook of ``which`` course."""
        path = self.dirs[which] / "autograded" / student / self.lab / f"{self.lab}.ipynb"
        nb = nbformat.read(path, as_version=4)
        return {c.metadata["nbgrader"]["grade_id"]: output_text(c.outputs) for c in nb.cells
                if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}


def output_text(outputs):
    """The text of a cell's outputs: streams, and errors as ``ename: evalue`` with their traceback."""
    parts = []
    for out in outputs:
        if out.output_type == "stream":
            parts.append(out.text)
        elif out.output_type == "error":
            parts.append(f"{out.ename}: {out.evalue} | " + " | ".join(out.traceback))
    return "".join(parts)


def table(title, ours, own, students, cells):
    """Points per test cell (rows) and submission (columns), ``ours / nbgrader's own`` ("-": no score)."""
    def fmt(v):
        return "-" if v is None else f"{v:g}"
    width = max(len(c) for c in cells)
    lines = [title, " " * width + "  " + "  ".join(f"{s:>15}" for s in students)]
    for cell in cells:
        lines.append(f"{cell:<{width}}  " + "  ".join(
            f"{fmt(ours.get(s, {}).get(cell)) + ' / ' + fmt(own.get(s, {}).get(cell)):>15}" for s in students))
    return "\n".join(lines)
