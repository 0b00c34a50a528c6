"""Probes: the part of grading that the student's kernel cannot fake.

A test cell runs in the student's kernel, so its verdict can be faked by code in the same kernel (an input
transformer that blanks it, a patched ``np.allclose``, a hook that clears errors). A *probe* moves the verdict
out of the kernel. For one graded test cell it has three parts:

- ``inputs(rng)``, in the grader's process: fresh random inputs for this grading run (a dict of arrays);
- ``code``, in the student's kernel: calls the student's functions on ``inputs`` and puts what they return
  into the dict ``outputs`` (arrays, numbers, strings; no objects). The grader hands the inputs over and reads
  the outputs back as ``.npz`` files loaded with ``allow_pickle=False``;
- ``check(inputs, outputs)``, in the grader's process: recomputes what the answers must be (with numpy, nnedu,
  torch, all untouched) and raises AssertionError when the outputs are wrong.

A test cell with a probe earns its points only if the cell passes in the kernel *and* its probe's check passes
in the grader. A kernel that fakes the check must hand over right answers for inputs it has never seen, which
is the work itself. The probes of ``solutions/LAB.ipynb`` live in ``solutions/probes/LAB.py`` (instructor-only,
never released): a module with ``PROBES``, a list of ``Probe``.
"""
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from .probe_io import ProbeFailed, read_outputs, write_inputs  # noqa: F401 (part of this API)

@dataclass(frozen=True)
class Probe:
    """One test cell's probe: ``grade_id``, ``inputs(rng) -> dict``, kernel ``code``, ``check(inputs, outputs)``."""
    grade_id: str
    inputs: Callable
    code: str
    check: Callable


def numbers(outputs, key, shape=None):
    """For checks: ``outputs[key]`` as float64, after asserting that it holds real numbers (of ``shape``, if
    given). The kernel's outputs are the submission's data: a check reads them through this, not directly."""
    a = outputs[key]
    assert a.dtype.kind in "biuf", f"{key}: expected numbers, got dtype {a.dtype}"
    if shape is not None:
        assert a.shape == tuple(shape), f"{key}: shape {a.shape}, expected {tuple(shape)}"
    return a.astype(np.float64)


def path_for(solution_path):
    """Where the probes of a solution notebook live: ``solutions/probes/LAB.py``."""
    solution_path = Path(solution_path)
    return solution_path.parent / "probes" / f"{solution_path.stem}.py"


def load(solution_path):
    """{grade_id: Probe} for a solution notebook ({} when it has no probes file)."""
    path = path_for(solution_path)
    if not path.is_file():
        return {}
    spec = importlib.util.spec_from_file_location(f"nnedu_probes_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    probes = getattr(module, "PROBES", None)
    if not isinstance(probes, (list, tuple)) or not all(isinstance(p, Probe) for p in probes):
        raise TypeError(f"{path}: PROBES must be a list of nnedu_instructor.probes.Probe")
    by_id = {p.grade_id: p for p in probes}
    if len(by_id) != len(probes):
        raise ValueError(f"{path}: two probes for the same grade_id")
    return by_id


def kernel_code(probe, inputs_path, outputs_path):
    """The code the kernel runs: load the inputs, run the probe's code, save ``outputs`` (no pickles)."""
    body = "\n".join("    " + line for line in probe.code.strip("\n").splitlines())
    return f"""def __nnedu_probe__():
    import numpy as np
    with np.load({str(inputs_path)!r}, allow_pickle=False) as f:
        inputs = {{k: f[k] for k in f.files}}
    outputs = {{}}
{body}
    arrays = {{str(k): np.asarray(v) for k, v in outputs.items()}}
    with open({str(outputs_path)!r}, "wb") as f:
        np.savez(f, **arrays)
try:
    __nnedu_probe__()
finally:
    del __nnedu_probe__
"""


def judge(probe, inputs, outputs_path):
    """Read the kernel's outputs and run the probe's check; ProbeFailed with a short reason when it fails."""
    outputs = read_outputs(outputs_path)
    for name, a in outputs.items():
        if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
            raise ProbeFailed(f"output {name!r} is not finite")  # no right answer in these labs is inf or NaN
    try:
        with np.errstate(all="ignore"):  # hostile values must not fill the grader's log with warnings
            probe.check(inputs, outputs)
    except AssertionError as e:
        raise ProbeFailed(str(e) or "wrong outputs") from None
    except Exception as e:  # outputs are the submission's data: a missing key or odd shape is its failure
        raise ProbeFailed(f"wrong outputs ({type(e).__name__})") from None


def run_local(probe, namespace, rng, folder):
    """Try ``probe`` in this process against ``namespace`` (a dict holding the answers' definitions), with
    its files in ``folder``; raise ProbeFailed when it fails. For the instructor's own tests of a probe:
    it runs the answers unsandboxed, so only ever on trusted code (the solution, known alternatives)."""
    folder = Path(folder)
    name = f"probe-{probe.grade_id}"
    inputs = probe.inputs(rng)
    write_inputs(folder / f"{name}-in.npz", inputs)
    (folder / f"{name}-out.npz").unlink(missing_ok=True)
    try:
        exec(compile(kernel_code(probe, folder / f"{name}-in.npz", folder / f"{name}-out.npz"),
                     f"<probe {probe.grade_id}>", "exec"), namespace)
    except Exception as e:
        raise ProbeFailed(f"the probe raised {type(e).__name__}: {e}") from None
    judge(probe, inputs, folder / f"{name}-out.npz")
