"""Hostile submissions against the sandboxed grader, one attack per student, graded in one batch (jobs 2).

Every attack of issue 10, with code only in answer cells: reading the solution, IPython AST and input
transformers, a post_run_cell hook that clears errors, monkeypatched comparisons, a detached process that
outlives the kernel and rewrites files, reading and attacking a parallel submission and its kernel,
patching the project's code. Each must be contained: no more points than the untouched lab, no file outside
the grader's outputs changed, no process alive after grading, and no hidden assert message in feedback.
"""
import copy
import hashlib
import os
import time
from pathlib import Path

import nbformat
import pytest
from labkit import by_id, nbgrader
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import nnedu
from nnedu_instructor import grade, labs, report, sandbox

pytestmark = pytest.mark.skipif(sandbox.check() is not None, reason=f"no sandbox here: {sandbox.check()}")
SQUARE = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"
TEST = ("assert np.allclose(square(np.arange(3.0)), [0, 1, 4])\nassert np.array_equal(square(np.ones(2)), np.ones(2))\n"
        "### BEGIN HIDDEN TESTS\nassert rel_error(square(np.full(3, 3.0)), np.full(3, 9.0)) < 1e-12, "
        "'HIDDEN-SECRET: nine'\nassert abs(square(3.0) - 9.0) < 1e-12\n### END HIDDEN TESTS")
# The lab's probe (solutions/probes/squares.py): square on fresh inputs, checked in the grader's process.
PROBE = """import numpy as np
from nnedu_instructor.probes import Probe

CODE = 'outputs["y"] = square(inputs["x"])'


def check(inputs, outputs):
    assert outputs["y"].shape == inputs["x"].shape and np.allclose(outputs["y"], inputs["x"] ** 2)


PROBES = [Probe("test_square", lambda rng: {"x": rng.normal(size=int(rng.integers(1, 9)))}, CODE, check)]
"""
TOKEN = "nnedu-hostile-" + hashlib.sha1(str(os.getpid()).encode()).hexdigest()[:8]
ATTACKS = {
    "read_solution": """import glob, json
found = [p for pat in ('/work/main/solutions/*.ipynb', '../../solutions/*.ipynb', '/**/solutions/*.ipynb',
                       '/tmp/**/*.ipynb', '{tmp}/**/*.ipynb') for p in glob.glob(pat, recursive=True)]
for p in found:
    for c in json.load(open(p))['cells']:
        if 'BEGIN SOLUTION' in ''.join(c['source']):
            exec(''.join(c['source']))""",
    "ast_transformer": """import ast
class Swallow(ast.NodeTransformer):
    def visit_Module(self, node):
        node.body = [ast.Try(body=[s], handlers=[ast.ExceptHandler(body=[ast.Pass()])], orelse=[], finalbody=[])
                     for s in node.body]
        return ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(Swallow())""",
    "input_transformer": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])",
    "post_run_cell": """def clear(result):
    result.error_in_exec = None
    result.error_before_exec = None
get_ipython().events.register('post_run_cell', clear)
get_ipython().showtraceback = lambda *a, **k: None""",
    "monkeypatch": """import numpy, nnedu
numpy.allclose = numpy.array_equal = lambda *a, **k: True
nnedu.rel_error = rel_error = lambda *a, **k: 0.0
def square(x):
    return x""",
    "detached": """import subprocess, sys
code = '''import time, glob, os
time.sleep(3)
for p in glob.glob("{tmp}/**", recursive=True) + glob.glob("/tmp/**/*.csv", recursive=True):
    try:
        open(p, "a").write("pwned")
    except Exception:
        pass
open("/tmp/alive", "w").write("{token}")
'''
subprocess.Popen([sys.executable, '-c', code, '{token}'], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)""",
    "parallel": """import glob, json, os
from jupyter_client import BlockingKernelClient
for f in glob.glob('/tmp/**/*.json', recursive=True) + glob.glob('{tmp}/**/*.json', recursive=True) \\
        + glob.glob('/root/.local/share/jupyter/runtime/*.json'):
    try:
        kc = BlockingKernelClient(connection_file=f); kc.load_connection_file(); kc.start_channels()
        kc.execute('def square(x):\\n    return -x', store_history=False)
    except Exception:
        pass
for p in glob.glob('{tmp}/**/*.ipynb', recursive=True) + glob.glob('/proc/*/cwd/*.ipynb'):
    try:
        exec(''.join(json.load(open(p))['cells'][2]['source']))
    except Exception:
        pass""",
    "patch_project": """import nnedu, pathlib
for p in pathlib.Path(nnedu.__file__).parent.rglob('*.py'):
    try:
        p.write_text('raise SystemExit')
    except OSError:
        pass""",
    # Found by a red-team review of the canaries and the token: all pass the notebook's own checks.
    # Keep only the line that prints the grader's token in every test cell (the canaries still fail).
    "token_transformer": """def _keep_token(lines):
    if "__import__('sys').stdout.write" in ''.join(lines):
        return [l for l in lines if "__import__('sys').stdout.write" in l]
    return lines
get_ipython().input_transformers_post.append(_keep_token)""",
    # Comparisons that say "equal" to everything except the canaries' fixed inputs.
    "canary_aware_patch": """import numpy, nnedu
_equal = numpy.array_equal
def _fake(real):
    def compare(a, b, *args, **kwargs):
        if numpy.shape(a) == (3,) and _equal(numpy.asarray(a), numpy.zeros(3)):
            return real(a, b, *args, **kwargs)
        return real(numpy.zeros(1), numpy.zeros(1)) if real is not nnedu.rel_error else 0.0
    return compare
numpy.allclose, numpy.array_equal = _fake(numpy.allclose), _fake(numpy.array_equal)
rel_error = nnedu.rel_error = _fake(nnedu.rel_error)
import builtins
builtins.abs = lambda x, _abs=abs: 0.0 if isinstance(x, float) else _abs(x)   # no canary checks abs
def square(x):
    return x""",
    # The hidden test's source carried out in the name of an exception class (and Markdown in it).
    "leak_ename": """def square(x):
    src = get_ipython().user_ns['In'][-1]
    raise type('LEAK ' + src[src.find('BEGIN HIDDEN'):][:180].replace(chr(10), ' | '), (Exception,), dict())()""",
    # A new session escapes the kernel's process group; its child must still die with the sandbox.
    "setsid_survivor": """import os, subprocess, sys
os.setsid()
subprocess.Popen([sys.executable, '-c', 'import time\\nwhile True: time.sleep(1)', '{token}'])
def square(x):
    return x""",
}


def solution():
    cells = [new_markdown_cell("# Squares"),
             new_code_cell("import numpy as np\nfrom nnedu import rel_error", metadata=nbgrader("setup", locked=True)),
             new_code_cell(SQUARE, metadata=nbgrader("square", solution=True)),
             new_code_cell(TEST, metadata=nbgrader("test_square", grade=True, locked=True, points=4)),
             new_markdown_cell("Squares grow fast.", metadata=nbgrader("why", solution=True, grade=True, points=1))]
    for i, c in enumerate(cells):
        c["id"] = f"c{i}"
    return new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})


def make_squares(root):
    """solutions/squares.ipynb and labs/squares.ipynb under ``root``: (solution path, student lab notebook)."""
    sol = root / "solutions" / "squares.ipynb"
    sol.parent.mkdir()
    nbformat.write(solution(), sol)
    labs.generate(root / "solutions", root / "labs")
    return sol, nbformat.read(root / "labs" / "squares.ipynb", as_version=4)


def snapshot(*folders):
    return {p: hashlib.sha1(p.read_bytes()).hexdigest() for f in folders for p in Path(f).rglob("*") if p.is_file()}


def alive(token):
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def test_every_attack_is_contained(tmp_path):
    sol, lab = make_squares(tmp_path)
    subs = tmp_path / "submitted"
    paths = {}
    (sol.parent / "probes").mkdir()
    (sol.parent / "probes" / "squares.py").write_text(PROBE)
    # An honest answer that prints a lot: the test cell's output overflows the grader's buffer.
    verbose = "def square(x):\n    print('#' * 30_000)\n    return x ** 2"
    for name, code in [("honest", "def square(x):\n    return x ** 2"), ("untouched", None), ("verbose", verbose),
                       *((n, c.format(tmp=tmp_path, token=TOKEN)) for n, c in ATTACKS.items())]:
        nb = copy.deepcopy(lab)
        if code is not None:
            by_id(nb)["square"].source = code
        paths[name] = subs / name / "squares" / "squares.ipynb"
        paths[name].parent.mkdir(parents=True)
        nbformat.write(nb, paths[name])
    order = ["parallel", "honest"] + [n for n in paths if n not in ("parallel", "honest")]
    package = Path(nnedu.__file__).parent
    before = snapshot(tmp_path)
    grades = grade.grade_submissions(sol, [paths[n] for n in order], grade.Limits(cell_timeout=30), jobs=2)
    time.sleep(4)  # the detached process would write after 3 s
    assert snapshot(tmp_path) == before, "a file outside the grader's outputs changed"
    assert not [p for p in package.rglob("*.py") if p.read_text().startswith("raise SystemExit")]
    assert alive(TOKEN) == [] and not Path("/tmp/alive").exists()
    scores = {g.student: (g.total, g.status) for g in grades}
    assert scores["honest"] == scores["verbose"] == (4, "ok") and scores["untouched"] == (0, "ok")
    for name in ATTACKS:
        assert scores[name][0] == 0, (name, scores[name], grades[order.index(name)].note)
    for name in ("ast_transformer", "input_transformer", "post_run_cell", "monkeypatch"):
        assert scores[name][1] in ("tampered", "ok"), name
    assert scores["monkeypatch"][1] == "tampered"
    # The canaries and the token do not see these two; the probe does.
    for name in ("token_transformer", "canary_aware_patch"):
        [test] = [t for t in grades[order.index(name)].tests if not t.manual]
        assert (scores[name][1], test.outcome) == ("ok", grade.PROBE_FAILED), (name, test.outcome)

    out, fb = tmp_path / "out" / "grades.csv", tmp_path / "out" / "feedback"
    report.write_csv(grades, out)
    report.write_feedback(grades, fb, "squares")
    texts = [p.read_text() for p in (fb / "squares").iterdir()]
    assert len(texts) == len(paths) and not any("HIDDEN-SECRET" in t or "nine" in t for t in texts)
    assert sorted(row.split(",")[0] for row in out.read_text().splitlines()[1:]) == sorted(paths)


def test_no_sandbox_means_refusal_unless_unsafe(tmp_path, monkeypatch, capsys):
    sol, _ = make_squares(tmp_path)
    monkeypatch.setattr(sandbox, "check", lambda: "no Linux namespaces on testos")
    with pytest.raises(sandbox.SandboxUnavailable):
        grade.grade_submissions(sol, [sol])
    from nnedu_instructor.__main__ import main
    assert main(["grade", str(sol), str(sol), "--out", str(tmp_path / "g.csv")]) == 3
    assert "refusing to run student code unconfined" in capsys.readouterr().err and not (tmp_path / "g.csv").exists()
    [g] = grade.grade_submissions(sol, [sol], unsafe=True)
    assert (g.status, g.total, g.max_auto, g.needs_manual) == ("ok", 4, 4, 1)


def test_a_killed_grader_leaves_no_kernel_behind(tmp_path):
    # A grader stopped by SIGKILL (a CI timeout, an impatient instructor) cannot clean up; the sandbox must die
    # with it all the same. The answer starts a process that would sleep forever, then hangs the kernel.
    import signal
    import subprocess
    import sys
    sol, nb = make_squares(tmp_path)
    token = TOKEN + "-killed"
    by_id(nb)["square"].source = (f"import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', "
                                  f"'import time\\nwhile True: time.sleep(1)', {token!r}])\ntime.sleep(600)")
    nbformat.write(nb, tmp_path / "hang.ipynb")
    grader = subprocess.Popen([sys.executable, "-m", "nnedu_instructor", "grade", str(sol),
                               str(tmp_path / "hang.ipynb"), "--out", str(tmp_path / "g.csv")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not alive(token) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert alive(token), "the submission's process never started"
    finally:
        grader.send_signal(signal.SIGKILL)
        grader.wait()
    deadline = time.monotonic() + 10
    while alive(token) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert alive(token) == [] and not (tmp_path / "g.csv").exists()
