"""Hostile submissions of Lab 1 through ``nbgrader autograde`` (``make test-class``, no accounts needed): our
plug-ins must score each as the work deserves, where nbgrader's own ``Execute`` is fooled or gives up.

One batch, one attack per student, in answer cells or the file (classkit.Courses: the same submissions in a course with
our plug-ins and in one with nbgrader's own Execute, whose process tree's address space is bounded since nothing
contains its kernels): comparisons and helpers monkeypatched to always pass, a kernel that hides its errors, an
input transformer that turns every test into a printed "passed" (with forged outputs in the file), edited test
cells (a changed body, a blanked test, raised points), the kernel ended half-way (``os._exit``, a segfault) or
sent SIGKILL, the solution, hidden tests, gradebook and another student's submission read from the kernel, an
infinite loop, a memory bomb, 100 MB printed; and ``zoe``, honest, graded after them all. The points per cell in
our gradebook are asserted; nbgrader's own are printed beside them (and must show each tampering fooled it).
"""
import time
from pathlib import Path

import nbformat
import pytest
from classkit import Courses, answered, nbgrader_venv, table
from labkit import ALTERNATIVES, load_answers  # tests/instructor: on the path through classkit

from nnedu_instructor.cells import grade_id, is_manual, is_test, points

REPO = Path(__file__).resolve().parents[2]
LAB = "lab1_backprop"
RIGHT = load_answers(ALTERNATIVES / f"{LAB}.py")  # every answer right, written differently from the solution
LINEAR = ["test_linear_forward", "test_linear_backward"]
ACTIVATIONS = ["test_activations_forward", "test_activations_backward"]
PATCH = """import numpy, nnedu.gradcheck
numpy.allclose = numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = lambda *a, **k: None
rel_error = nnedu.gradcheck.rel_error = lambda *a, **k: 0.0
def linear_forward(z, W, b):
    return numpy.zeros((len(z), W.shape[1])), (z, W)
def linear_backward(delta, cache):
    return numpy.zeros_like(cache[0]), numpy.zeros_like(cache[1]), numpy.zeros(cache[1].shape[1])"""
HIDE_ERRORS = """def clear(result):
    result.error_in_exec = None
    result.error_before_exec = None
get_ipython().events.register('post_run_cell', clear)
get_ipython().showtraceback = lambda *a, **k: None"""
FAKE_PASSED = """def passed(lines):
    return ["print('passed: 3 / 3 (sandboxed grader, checked on fresh inputs)')\\n"] if any(
        'assert' in line for line in lines) else lines
get_ipython().input_transformers_post.append(passed)"""
STEAL = """import glob, json, sqlite3
def _steal(gid):
    for path in sorted(glob.glob('{root}/**/*.ipynb', recursive=True)) + glob.glob('{repo}/solutions/*.ipynb'):
        try:
            cells = json.load(open(path))['cells']
        except Exception:
            continue
        for c in cells:
            src = ''.join(c['source'])
            if c.get('metadata', {{}}).get('nbgrader', {{}}).get('grade_id') == gid and '_steal' not in src \\
                    and 'NotImplementedError' not in src:
                exec(src, globals())
                return
    for db in glob.glob('{root}/**/gradebook.db', recursive=True):
        for (src,) in sqlite3.connect(db).execute('select source from source_cell where name = ?', (gid,)):
            if 'NotImplementedError' not in src:
                exec(src, globals())
                return
"""
LOOP = "while True:\n    pass\n"
BOMB = "chunks = []\nwhile True:\n    chunks.append(bytearray(2**28))\n"
FLOOD = "for _ in range(1000):\n    print('x' * 100_000, flush=True)\n"
EXIT = "import os\nos._exit(1)\n"
KILL = "\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)"
SEGFAULT = "\nimport ctypes\nctypes.string_at(0)"


def submissions(released, root):
    """{student: notebook}: each one attack (in the order nbgrader grades them), zoe last and honest."""
    def only(**answers):
        return answered(released, answers)

    edited = only(linear=RIGHT["linear"])
    for cell in edited.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "test_linear_forward":
            cell.source = 'print("linear_forward agrees with the sum written out and with nnedu")'
        elif gid == "test_activations_forward":
            cell.source = "pass"
        elif gid == "test_linear_backward":
            cell.metadata["nbgrader"]["points"] = 100
    forged = only(linear=FAKE_PASSED)
    for cell in forged.cells:
        if is_test(cell):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="passed\n")]
            cell.execution_count = 1
    steal = STEAL.format(root=root, repo=REPO)
    code = [grade_id(c) for c in released.cells if c.metadata.get("nbgrader", {}).get("solution")
            and c.cell_type == "code"]
    return {
        "a_monkeypatch": only(linear=PATCH),
        "b_hide_errors": only(linear=HIDE_ERRORS),
        "c_fake_passed": forged,
        "d_edited_tests": edited,
        "e_exit": answered(released, {**RIGHT, "activations": EXIT + RIGHT["activations"]}),
        "f_segfault": answered(released, {**RIGHT, "grad_check": RIGHT["grad_check"] + SEGFAULT}),
        "f_sigkill": answered(released, {**RIGHT, "grad_check": RIGHT["grad_check"] + KILL}),
        "g_reads_files": only(**{gid: (steal if i == 0 else "") + f"_steal({gid!r})" for i, gid in enumerate(code)}),
        "h_loop": only(linear=RIGHT["linear"], activations=LOOP + RIGHT["activations"]),
        "i_memory_bomb": only(linear=RIGHT["linear"], activations=BOMB + RIGHT["activations"]),
        "j_flood": only(linear=RIGHT["linear"], activations=FLOOD + RIGHT["activations"]),
        "zoe": answered(released, RIGHT),
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The batch graded once by both: (courses, runs, ours' points, nbgrader's own, the full points per test)."""
    start, root = time.perf_counter(), tmp_path_factory.mktemp("hostile")
    courses = Courses(root, LAB, nbgrader_venv(), ours_config="c.SandboxAutograde.cell_timeout = 30\n",
                      own_timeout=30, own_memory=4 * 2**30)
    solution = nbformat.read(REPO / "solutions" / f"{LAB}.ipynb", as_version=4)
    full = {grade_id(c): float(points(c)) for c in solution.cells if is_test(c)}
    subs = submissions(courses.released(), root)
    for student, nb in subs.items():
        courses.submit(student, nb)
    runs = courses.both("autograde", LAB, "--force")
    ours, own = courses.scores("ours"), courses.scores("own")
    print("\n" + table(f"{LAB}, hostile: points per test cell, ours / nbgrader's own ('-': no score)", ours, own,
                       list(subs), list(full)))
    for line in runs["ours"].stderr.splitlines():
        if "nnedu grader:" in line or "Autograding" in line:
            print("  ours: " + line.split("] ", 1)[-1])
    print(f"autograde: ours {runs['ours'].seconds:.0f} s (exit {runs['ours'].returncode}), nbgrader's own "
          f"{runs['own'].seconds:.0f} s (exit {runs['own'].returncode}); in all {time.perf_counter() - start:.0f} s")
    assert runs["ours"].returncode == 0, runs["ours"].stderr[-3000:]
    manual = [grade_id(c) for c in solution.cells if is_manual(c)]
    assert all(ours[s][gid] == 0.0 for s in subs for gid in manual)  # written answers left as released
    return courses, runs, {s: {gid: ours[s][gid] for gid in full} for s in subs}, own, full


def earned(full, *gids):
    """The points of the test cells ``gids``, 0 for every other."""
    return {gid: (full[gid] if gid in gids else 0.0) for gid in full}


def test_tampering_earns_nothing_where_nbgraders_own_is_fooled(graded):
    courses, _, ours, own, full = graded
    for student in ("a_monkeypatch", "b_hide_errors", "c_fake_passed", "g_reads_files"):
        assert ours[student] == earned(full), (student, courses.outputs("ours", student))
        assert sum(v or 0 for v in own[student].values()) > 0, f"{student}: nbgrader's own was not fooled"
    assert "tamper" in courses.outputs("ours", "a_monkeypatch")["test_linear_forward"]


def test_edited_test_cells_are_restored_and_named(graded):
    _, runs, ours, _, full = graded
    assert ours["d_edited_tests"] == earned(full, *LINEAR)  # the raised points too: 3, not 100
    changed = [line for line in runs["ours"].stderr.splitlines() if "has changed" in line]
    for gid in ("test_linear_forward", "test_activations_forward"):
        assert any(gid in line for line in changed), (gid, changed)


def test_a_dead_kernel_is_named_and_the_batch_goes_on(graded):
    courses, _, ours, own, full = graded
    assert "`activations`" in courses.outputs("ours", "e_exit")["test_activations_forward"]
    assert "`grad_check`" in courses.outputs("ours", "f_segfault")["test_grad_check"]
    for student in ("e_exit", "f_segfault"):
        assert all(ours[student][gid] == 0.0 for gid in full if gid not in LINEAR + ACTIVATIONS), student
    # SIGKILL sent from inside the sandbox cannot end its kernel (its PID namespace's first process): the work is
    # right and scores full marks (nbgrader's own kernel dies and scores nothing); a kernel it did end would keep
    # the points before the kill like f_segfault.
    assert ours["f_sigkill"] in (full, earned(full, *LINEAR, *ACTIVATIONS)), ours["f_sigkill"]
    assert ours["zoe"] == {gid: own["zoe"][gid] for gid in full} == full  # graded after them all


def test_a_dead_kernel_keeps_the_points_before_it(graded):
    courses, _, ours, _, full = graded
    assert ours["e_exit"] == earned(full, *LINEAR), courses.outputs("ours", "e_exit")
    assert ours["f_segfault"] == earned(full, *LINEAR, *ACTIVATIONS), courses.outputs("ours", "f_segfault")


def test_a_loop_a_memory_bomb_and_a_flood_cost_their_own_cells_only(graded):
    courses, runs, ours, _, full = graded
    for student in ("h_loop", "i_memory_bomb"):
        assert ours[student] == earned(full, *LINEAR), (student, courses.outputs("ours", student))
    assert "`activations` (your answer cell) ran out of time" in runs["ours"].stderr  # in nbgrader's log only
    assert ours["j_flood"] == earned(full, *LINEAR, *ACTIVATIONS)  # 100 MB printed, the answer after it counts
    assert len(runs["ours"].stderr) < 2**20  # the flood did not reach nbgrader's log
