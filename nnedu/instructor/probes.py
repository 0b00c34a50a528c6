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
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

MAX_OUTPUT_BYTES = 256 * 2**20  # a probe's outputs file; larger is a failure, not a grader crash
MAX_OUTPUT_ITEMS = 2**22  # array elements in all (zero-size strings count too: checks loop over elements)
ALLOWED_KINDS = "biufcUS"  # bool, integers, floats, complex, strings: never objects or structured records


class ProbeFailed(Exception):
    """The probe's outputs are missing, malformed or wrong; the message says which, in the grader's words."""


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
        raise TypeError(f"{path}: PROBES must be a list of nnedu.instructor.probes.Probe")
    by_id = {p.grade_id: p for p in probes}
    if len(by_id) != len(probes):
        raise ValueError(f"{path}: two probes for the same grade_id")
    return by_id


def write_inputs(path, inputs):
    """Save the grader's inputs for the kernel (plain arrays only)."""
    arrays = {name: np.asarray(value) for name, value in inputs.items()}
    for name, a in arrays.items():
        if a.dtype.kind not in ALLOWED_KINDS:
            raise TypeError(f"probe input {name!r} has dtype {a.dtype}; use arrays of numbers or strings")
    with open(path, "wb") as f:
        np.savez(f, **arrays)


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


def read_outputs(path):
    """The kernel's outputs as {name: array}; ProbeFailed when the file is missing, too large, not a plain
    regular file (a link is never followed), or holds anything but arrays of numbers and strings."""
    try:
        # Never follow a link, never block on a FIFO or device the submission put there.
        if not stat.S_ISREG(os.lstat(path).st_mode):
            raise ProbeFailed("the probe's outputs are not a plain file")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        raise ProbeFailed("the probe wrote no outputs") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_OUTPUT_BYTES:
            raise ProbeFailed("the probe's outputs are not a plain file of allowed size")
        try:
            return _read_npz(f)
        except ProbeFailed:
            raise
        except Exception as e:  # malformed data
            raise ProbeFailed(f"unreadable outputs ({type(e).__name__})") from None


def _read_npz(f):
    """Read an .npz member by member, checking each array's header (dtype, size) before reading its data,
    so that a crafted file (a pickle, a compressed bomb) is refused without loading it."""
    outputs, total, items = {}, 0, 0
    with zipfile.ZipFile(f) as z:
        for info in z.infolist():
            if not info.filename.endswith(".npy"):
                raise ProbeFailed("unexpected member in the outputs")
            with z.open(info) as member:
                version = np.lib.format.read_magic(member)
                read_header = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}.get(version)
                if read_header is None:
                    raise ProbeFailed("unsupported array format in the outputs")
                shape, _, dtype = read_header(member)
                if dtype.kind not in ALLOWED_KINDS or dtype.fields is not None or dtype.itemsize == 0:
                    raise ProbeFailed(f"output {info.filename[:-4]!r} has dtype {dtype}")
                if any(not isinstance(n, int) or n < 0 for n in shape):
                    raise ProbeFailed(f"output {info.filename[:-4]!r} has shape {shape}")
                n = int(np.prod(shape, dtype=object))
                items, total = items + n, total + n * dtype.itemsize
                if total > MAX_OUTPUT_BYTES or items > MAX_OUTPUT_ITEMS:
                    raise ProbeFailed("the probe's outputs are too large")
            with z.open(info) as member:
                outputs[info.filename[:-4]] = np.lib.format.read_array(member, allow_pickle=False)
    return outputs


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
