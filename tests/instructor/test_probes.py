"""The probe mechanism (nnedu_instructor/probes.py): every lab's graded tests have probes, the grader reads a
kernel's outputs without trusting them, and a probe decides a test's points together with the test cell.

Each lab's probes are tried against its solution, its alternative answers and wrong answers in
tests/test_probes_<lab>.py; hostile submissions against probes are in tests/test_grader_hostile.py.
"""
import io
import os
import zipfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from labkit import make_lab

from nnedu_instructor import grade, probes
from nnedu_instructor.cells import grade_id, is_test, points

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((REPO / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_graded_test_of_every_lab_has_a_probe(solution):
    nb = nbformat.read(solution, as_version=4)
    graded = {grade_id(c) for c in nb.cells if is_test(c) and points(c) > 0}
    found = probes.load(solution)
    assert graded, "a lab without graded tests"
    assert sorted(graded - set(found)) == [], f"add probes to {probes.path_for(solution).relative_to(REPO)}"
    assert set(found) <= {grade_id(c) for c in nb.cells if is_test(c)}


def test_probes_are_not_released_with_the_labs():
    from nnedu_instructor.release import FROM_REPO, allowed
    for s in SOLUTIONS:
        rel = probes.path_for(s).relative_to(REPO)
        assert rel.parts[0] not in FROM_REPO and not allowed(rel.as_posix()), rel


def _npz(tmp_path, name, **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_outputs_are_read_as_plain_arrays_only(tmp_path):
    ok = _npz(tmp_path, "ok.npz", a=np.arange(3), s=np.array("text"), f=np.float64(2.5))
    out = probes.read_outputs(ok)
    assert out["a"].tolist() == [0, 1, 2] and out["s"] == "text" and out["f"] == 2.5
    refused = {
        "pickle": _npz(tmp_path, "obj.npz", o=np.array([{"x": 1}], dtype=object)),
        "record": _npz(tmp_path, "rec.npz", r=np.zeros(2, dtype=[("a", "f8"), ("b", "i4")])),
        "missing": tmp_path / "nothing.npz",
        "text": tmp_path / "text.npz",
    }
    refused["text"].write_text("not a zip")
    os.symlink(ok, tmp_path / "link.npz")
    refused["link"] = tmp_path / "link.npz"
    # A header that promises 8 TB: refused from the header, nothing is allocated.
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w") as z:
        z.writestr("big.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:])
    refused["bomb"] = tmp_path / "bomb.npz"
    with zipfile.ZipFile(tmp_path / "member.npz", "w") as z:
        z.writestr("notes.txt", "hello")
    refused["member"] = tmp_path / "member.npz"
    # A FIFO would block a plain open() forever (a red-team finding); zero-size strings by the billion passed the
    # byte cap while a check looped over them; negative dimensions.
    os.mkfifo(tmp_path / "fifo.npz")
    refused["fifo"] = tmp_path / "fifo.npz"
    for name, descr, shape in (("s0", "|S0", (2 * 10**8,)), ("neg", "<f8", (-5,)), ("many", "|b1", (2**23,))):
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(header, {"descr": descr, "fortran_order": False, "shape": shape})
        with zipfile.ZipFile(tmp_path / f"{name}.npz", "w") as z:
            padding = b"\x00" * (2**23 if name == "many" else 0)
            z.writestr("x.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:] + padding)
        refused[name] = tmp_path / f"{name}.npz"
    for what, path in refused.items():
        with pytest.raises(probes.ProbeFailed):
            probes.read_outputs(path)
        assert what


def test_inputs_must_be_plain(tmp_path):
    with pytest.raises(TypeError, match="dtype object"):
        probes.write_inputs(tmp_path / "in.npz", {"o": np.array([None], dtype=object)})


def _probe(check=None, code='outputs["y"] = add(inputs["a"], inputs["b"])'):
    def default_check(inputs, outputs):
        assert np.array_equal(outputs["y"], inputs["a"] + inputs["b"]), "wrong sum"
    return probes.Probe("test_add", lambda rng: {"a": rng.integers(0, 9, 4), "b": rng.integers(0, 9, 4)}, code,
                        check or default_check)


def test_run_local_passes_right_answers_and_names_wrong_ones(tmp_path):
    rng = np.random.default_rng(0)
    probes.run_local(_probe(), {"add": lambda a, b: a + b}, rng, tmp_path)
    with pytest.raises(probes.ProbeFailed, match="wrong sum"):
        probes.run_local(_probe(), {"add": lambda a, b: a - b}, rng, tmp_path)
    with pytest.raises(probes.ProbeFailed, match="raised NotImplementedError"):
        def stub(a, b):
            raise NotImplementedError()
        probes.run_local(_probe(), {"add": stub}, rng, tmp_path)
    with pytest.raises(probes.ProbeFailed, match=r"wrong outputs \(KeyError\)"):
        probes.run_local(_probe(code='outputs["z"] = 1'), {"add": lambda a, b: a + b}, rng, tmp_path)
    with pytest.raises(probes.ProbeFailed, match="dtype object"):
        probes.run_local(_probe(code='outputs["y"] = [object()]'), {"add": lambda a, b: a + b}, rng, tmp_path)
    with pytest.raises(probes.ProbeFailed, match="not finite"):  # inf - inf is never equal to anything
        probes.run_local(_probe(code='outputs["y"] = np.full(4, np.inf)',
                                check=lambda i, o: None), {"add": lambda a, b: a + b}, rng, tmp_path)


def _write_probes(sol, text):
    (sol.parent / "probes").mkdir(exist_ok=True)
    probes.path_for(sol).write_text(text)


PROBE_FILE = '''import numpy as np
from nnedu_instructor.probes import Probe

def check(inputs, outputs):
    assert np.array_equal(outputs["y"], inputs["a"] {op} inputs["b"])

# b is never 0, so that a - b and a + b always differ (with zeros, one draw in 729 let the wrong op pass)
PROBES = [Probe("{gid}", lambda rng: {{"a": rng.integers(0, 9, 3), "b": rng.integers(1, 9, 3)}},
                'outputs["y"] = {fn}(inputs["a"], inputs["b"])', check)]
'''


def test_a_probe_decides_together_with_the_test_cell(tmp_path):
    sol, lab = make_lab(tmp_path)
    from test_instructor_grade import submit
    right = submit(tmp_path / "subs", "right", lab)
    # A probe stricter than the test (it wants a - b): the test passes in the kernel, the probe fails.
    _write_probes(sol, PROBE_FILE.format(op="-", gid="test_add", fn="add"))
    with pytest.raises(grade.PreflightFailed, match="test_add"):  # the solution fails it too: the grader's fault
        grade.grade_submissions(sol, [right], unsafe=True)
    [g] = grade.grade_submissions(sol, [right], unsafe=True, preflight=False)
    outcome = {t.grade_id: t.outcome for t in g.tests}
    assert outcome["test_add"] == grade.PROBE_FAILED and outcome["test_mul"] == grade.PASSED
    assert g.total == g.max_auto - next(t.max_points for t in g.tests if t.grade_id == "test_add")
    _write_probes(sol, PROBE_FILE.format(op="+", gid="test_add", fn="add"))
    [g] = grade.grade_submissions(sol, [right], unsafe=True)
    assert g.total == g.max_auto
    # A probe for a test the lab does not have is the instructor's mistake: refused before grading.
    _write_probes(sol, PROBE_FILE.format(op="+", gid="test_nothing", fn="add"))
    with pytest.raises(ValueError, match="test_nothing"):
        grade.grade_submissions(sol, [right], unsafe=True)


def test_the_harness_leaves_the_environment_alone():
    # A variable set here would reach every kernel pytest starts afterwards (nbval in the same worker).
    import probe_harness
    import sklearn  # noqa: F401  scikit-learn's own import sets KMP_* defaults (nnedu imports it lazily): not ours
    before = dict(os.environ)
    probe_harness.lab_namespace(SOLUTIONS[0].stem)
    assert dict(os.environ) == before
