"""Probes: the part of grading that the student's kernel cannot fake.

A test cell runs in the student's kernel, so its verdict can be faked by code in the same kernel (an input
transformer that blanks it, a patched ``np.allclose``, a hook that clears errors). A *probe* moves the verdict
out of the kernel. For one graded test cell it has three parts:

- ``inputs(rng)``, in the grader's process: fresh random inputs for this grading run (a dict of arrays);
- ``code``, in the student's kernel: a plain function ``code(inputs, <notebook names>) -> outputs`` that calls
  the student's functions on ``inputs`` and returns what they give as a dict of arrays, numbers and strings (no
  objects). Its parameters after ``inputs`` name what it takes from the notebook (``linear_forward``,
  ``SETTINGS``...). It travels to the kernel as source, with the plain functions it calls (found in its
  bytecode, e.g. the kit's in ``probe_kit``), and runs there with no other global than ``np``: neither
  ``nnedu_instructor`` nor the notebook's other names (a function imports what else it needs, such as torch,
  inside itself). ``code`` may also be a string of statements that fill a dict ``outputs``, run inside a
  function in the notebook's namespace (for toy labs). The grader hands the inputs over and reads the outputs
  back as ``.npz`` files loaded with ``allow_pickle=False``;
- ``check(inputs, outputs)``, in the grader's process: recomputes what the answers must be (with numpy, nnedu,
  torch, all untouched) and raises AssertionError when the outputs are wrong.

A test cell with a probe earns its points only if the cell passes in the kernel *and* its probe's check passes
in the grader. A kernel that fakes the check must hand over right answers for inputs it has never seen, which
is the work itself. The probes of ``solutions/LAB.ipynb`` live in ``solutions/probes/LAB.py`` (instructor-only,
never released): a module with ``PROBES``, a list of ``Probe``.
"""
import builtins
import contextlib
import ctypes
import dis
import functools
import importlib.util
import inspect
import textwrap
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .probe_io import ProbeFailed, read_outputs, write_inputs
from .probe_kit import numbers

CHECK_SECONDS = 60  # a probe's check in the grader (its outputs are at most 256 MiB, 4 Mi elements, 256 arrays)

__all__ = ["Probe", "ProbeFailed", "judge", "kernel_code", "kernel_source", "load", "numbers", "path_for",
           "read_outputs", "run_local", "write_inputs"]


@dataclass(frozen=True)
class Probe:
    """One test cell's probe: ``grade_id``, ``inputs(rng) -> dict``, kernel ``code`` (a function, or a string of
    statements), ``check(inputs, outputs)``."""
    grade_id: str
    inputs: Callable
    code: Callable | str
    check: Callable


def _globals_read(code):
    """The global names a code object (and the functions, lambdas and comprehensions inside it) reads."""
    names = {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _globals_read(const)
    return names


def _kernel_functions(fn):
    """``fn`` and the plain functions it calls through global names, transitively; ValueError when one of them
    cannot travel by source or reads a global the kernel will not give it (anything but ``np`` and these)."""
    found, todo = {}, [fn]
    while todo:
        f = todo.pop()
        if found.get(getattr(f, "__name__", None)) is f:
            continue
        if not isinstance(f, types.FunctionType) or f.__name__ == "<lambda>" or f.__qualname__ != f.__name__ \
                or f.__closure__:
            raise ValueError(f"{f!r}: kernel code must be a plain function defined at a module's top level")
        if found.setdefault(f.__name__, f) is not f:
            raise ValueError(f"two kernel functions named {f.__name__!r}")
        for name in sorted(_globals_read(f.__code__)):
            value = f.__globals__.get(name, getattr(builtins, name, None))
            if isinstance(value, types.FunctionType):
                todo.append(value)
            elif not (name == "np" and value is np) and value is not getattr(builtins, name, object()):
                raise ValueError(f"{f.__name__} reads the global {name!r}, which the kernel will not have: "
                                 "import it inside the function, or take it from the notebook as a parameter")
    return list(found.values())[::-1]


@functools.lru_cache(maxsize=256)
def kernel_source(fn):
    """The source sent to the kernel for a kernel function: the functions it calls, then ``fn`` itself."""
    sources = [textwrap.dedent(inspect.getsource(f)) for f in _kernel_functions(fn)]
    if not all(s.startswith("def ") for s in sources):
        raise ValueError(f"{fn.__name__}: kernel functions take no decorators")
    return "\n\n".join(sources)


def _notebook_names(fn):
    """What a kernel function takes from the notebook: its parameters after ``inputs``."""
    params = list(inspect.signature(fn).parameters.values())
    if not params or params[0].name != "inputs" or any(p.kind != p.POSITIONAL_OR_KEYWORD for p in params):
        raise ValueError(f"{fn.__name__}: expected plain parameters (inputs, <names from the notebook>...)")
    return [p.name for p in params[1:]]


def path_for(solution_path):
    """Where the probes of a solution notebook live: ``solutions/probes/LAB.py``."""
    solution_path = Path(solution_path)
    return solution_path.parent / "probes" / f"{solution_path.stem}.py"


def load(solution_path):
    """{grade_id: Probe} for a solution notebook ({} when it has no probes file); every kernel function is
    checked here, so that one that cannot travel to the kernel fails now, naming itself."""
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
    for p in probes:
        if not isinstance(p.code, str):
            try:
                kernel_source(p.code), _notebook_names(p.code)
            except ValueError as e:
                raise ValueError(f"{path}: probe {p.grade_id}: {e}") from None
    return by_id


def _call(probe):
    """The statements, inside the kernel's probe function, that fill ``outputs`` from ``inputs``."""
    if isinstance(probe.code, str):
        return "    outputs = {}\n" + textwrap.indent(probe.code.strip("\n"), "    ")
    fn, names = probe.code, _notebook_names(probe.code)
    return f"""    scope = {{"np": np, "__builtins__": __import__("builtins")}}
    exec(compile({kernel_source(fn)!r}, {f"<probe {probe.grade_id}>"!r}, "exec"), scope)
    notebook = globals()
    for name in {names!r}:
        if name not in notebook:
            raise NameError(f"name {{name!r}} is not defined")
    outputs = scope[{fn.__name__!r}](inputs, **{{name: notebook[name] for name in {names!r}}})"""


def kernel_code(probe, inputs_path, outputs_path):
    """The code the kernel runs: load the inputs, run the probe's code, save its outputs (no pickles)."""
    return f"""def __nnedu_probe__():
    import numpy as np
    with np.load({str(inputs_path)!r}, allow_pickle=False) as f:
        inputs = {{k: f[k] for k in f.files}}
{_call(probe)}
    arrays = {{str(k): np.asarray(v) for k, v in outputs.items()}}
    with open({str(outputs_path)!r}, "wb") as f:
        np.savez(f, **arrays)
try:
    __nnedu_probe__()
finally:
    del __nnedu_probe__
"""


def judge(probe, inputs, outputs_path, seconds=None):
    """Read the kernel's outputs and run the probe's check, for at most ``seconds`` (``CHECK_SECONDS``); ProbeFailed
    with a short reason when it fails or runs longer (the outputs are the submission's: they can steer its time)."""
    outputs = read_outputs(outputs_path)
    for name, a in outputs.items():
        if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
            raise ProbeFailed(f"output {name!r} is not finite")  # no right answer in these labs is inf or NaN
    seconds = CHECK_SECONDS if seconds is None else seconds
    try:
        with np.errstate(all="ignore"), _time_limit(seconds):  # hostile values must not fill the log with warnings
            probe.check(inputs, outputs)
    except CheckTimeout:
        raise ProbeFailed(f"the grader's check took longer than {seconds:g} s") from None
    except AssertionError as e:
        raise ProbeFailed(str(e) or "wrong outputs") from None
    except Exception as e:  # noqa: BLE001 (outputs are the submission's data: a missing key or odd shape is its failure)
        raise ProbeFailed(f"wrong outputs ({type(e).__name__})") from None


_SET_ASYNC_EXC = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.py_object)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))
_CLEAR_ASYNC_EXC = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p)(
    ("PyThreadState_SetAsyncExc", ctypes.pythonapi))


class CheckTimeout(BaseException):  # not an Exception: a check's own ``except Exception`` cannot swallow it
    """A probe's check ran out of time."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Raise CheckTimeout in this thread once ``seconds`` have passed, at its next Python instruction (a timer
    thread sets an asynchronous exception: no signal, so it works in the grader's worker threads too; a single
    call into C finishes first). A limit that fires as the block ends is cleared, never raised later."""
    thread, lock, state = threading.get_ident(), threading.Lock(), {"done": False}

    def fire():
        with lock:
            if not state["done"]:
                _SET_ASYNC_EXC(thread, CheckTimeout)
    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        with lock:
            state["done"] = True
            _CLEAR_ASYNC_EXC(thread, None)  # one set but not yet raised is dropped


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
        exec(compile(kernel_code(probe, folder / f"{name}-in.npz", folder / f"{name}-out.npz"),  # noqa: S102
                     f"<probe {probe.grade_id}>", "exec"), namespace)
    except Exception as e:  # noqa: BLE001 (whatever the answers raise is their failure)
        raise ProbeFailed(f"the probe raised {type(e).__name__}: {e}") from None
    judge(probe, inputs, folder / f"{name}-out.npz")
