"""What the labs' probes (``solutions/probes/LAB.py``) share: drawing inputs, reading outputs, networks as arrays.

Each function is plain Python on numpy and its arguments, so that a probe's kernel function may call it too: it
then travels to the student's kernel by source with the kernel function (see ``probes``), where nothing of
``nnedu_instructor`` is importable. Conventions: a probe that tries several *cases* lists their names in
``inputs["cases"]`` and keys each case's arrays ``"<case>.<name>"``; a network travels as ``"<prefix>sizes"``,
``"<prefix>act"``, ``"<prefix>l2"`` and its parameters ``"<prefix>P.W1"``, ...
"""
import numpy as np


# --- drawing inputs (grader side) ---------------------------------------------------------------------------
def draw_int(rng, low, high):
    """An int in low..high (both included)."""
    return int(rng.integers(low, high + 1))


def distinct_seeds(rng, n):
    """``n`` different seeds for the generators a probe hands to the student's functions."""
    return rng.choice(2**31, size=n, replace=False)


def with_cases(cases):
    """Flat inputs from {case name: {name: array}}: ``"cases"`` lists the names, ``"<case>.<name>"`` holds each."""
    inputs = {"cases": np.array([str(c) for c in cases])}
    for c, arrays in cases.items():
        inputs.update({f"{c}.{k}": v for k, v in arrays.items()})
    return inputs


def case_names(inputs):
    """The names of the cases in ``inputs`` (see ``with_cases``)."""
    return [str(c) for c in inputs["cases"]]


def network_inputs(prefix, sizes, activation, params, l2=0.0):
    """A network as flat inputs: its sizes, activation, L2 strength and parameters."""
    inputs = {f"{prefix}sizes": np.array(sizes), f"{prefix}act": np.array(activation),
              f"{prefix}l2": np.array(float(l2))}
    inputs.update({f"{prefix}P.{k}": v for k, v in params.items()})
    return inputs


# --- both sides ---------------------------------------------------------------------------------------------
def network(inputs, prefix):
    """The ``nnedu.MLP`` of ``network_inputs(prefix, ...)``, rebuilt with its own copies of the parameters (in
    the grader: the untouched package; in the kernel: the package as the kernel imports it)."""
    import nnedu
    model = nnedu.MLP([int(v) for v in inputs[prefix + "sizes"]], activation=str(inputs[prefix + "act"]),
                      l2=float(inputs[prefix + "l2"]), seed=0)
    model.set_params({k: inputs[prefix + "P." + k] for k in model.params})
    return model


# --- kernel side --------------------------------------------------------------------------------------------
def outcome(f, *args, **kwargs):
    """(what ``f(*args, **kwargs)`` raised, its message): ``"ValueError"`` for a ValueError or a subclass, the
    class name for any other exception, ``"nothing"`` (and no message) when it returned."""
    try:
        f(*args, **kwargs)
    except ValueError as e:
        return "ValueError", str(e)
    except Exception as e:  # noqa: BLE001 (the probe reports what the student's function raised)
        return type(e).__name__, str(e)
    return "nothing", ""


# --- reading outputs (grader side) --------------------------------------------------------------------------
def numbers(outputs, key, shape=None):
    """For checks: ``outputs[key]`` as float64, after asserting that it holds real numbers (of ``shape``, if
    given). The kernel's outputs are the submission's data: a check reads them through this, not directly."""
    a = outputs[key]
    assert a.dtype.kind in "biuf", f"{key}: expected numbers, got dtype {a.dtype}"
    if shape is not None:
        assert a.shape == tuple(shape), f"{key}: shape {a.shape}, expected {tuple(shape)}"
    return a.astype(np.float64)


def flag(outputs, key):
    """Whether ``outputs[key]`` is a true Python bool as the kernel saved it (an array of shape ())."""
    a = outputs[key]
    return a.dtype == bool and a.shape == () and bool(a)


def flags(outputs, key, n):
    """Whether ``outputs[key]`` is ``n`` bools, all true."""
    a = outputs[key]
    return a.dtype == bool and a.shape == (n,) and bool(a.all())


def strings(outputs, key):
    """``outputs[key]`` as a list of str, after asserting that it is a 1-D array of strings (or empty)."""
    a = outputs[key]
    assert a.ndim == 1 and (a.dtype.kind in "US" or a.size == 0), f"{key}: expected a list of names"
    return [str(v) for v in a]


def raised_value_error(outputs, name, word=""):
    """Assert that the kernel's ``outcome`` saved as ``outputs[name + ".raised"]`` (and ``".message"``) is a
    ValueError whose message names ``word``."""
    raised, message = str(outputs[f"{name}.raised"]), str(outputs[f"{name}.message"])
    assert raised == "ValueError", f"{name}: expected a ValueError, got {raised}"
    assert word in message, f"{name}: the ValueError does not name {word}"
