"""Numerical gradients by central differences, to check backpropagation."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def rel_error(x: ArrayLike, y: ArrayLike) -> float:
    """Relative error ``||x - y|| / (||x|| + ||y||)`` of two arrays (0 when both are 0).

    Below about 1e-7 in float64 the two agree to rounding; a value near 1 means they have nothing
    in common. (A norm over the whole array, so that tiny entries do not dominate the verdict.)
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"rel_error: expected arrays of the same shape, got {x.shape} and {y.shape}")
    denom = np.linalg.norm(x) + np.linalg.norm(y)
    return 0.0 if denom == 0 else float(np.linalg.norm(x - y) / denom)


def numerical_gradient(f, x, h=1e-5):
    """``df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h`` for a scalar function ``f()`` of the array ``x``.

    ``x`` is changed in place and restored; ``f`` takes no arguments and reads ``x`` itself.
    """
    if not callable(f):
        raise TypeError(f"f: expected a function of no arguments returning a number, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"x: expected a float numpy array (it is changed in place and restored), got "
                        f"{type(x).__name__}{' of dtype ' + str(x.dtype) if isinstance(x, np.ndarray) else ''}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        fp = f()
        x[i] = old - h
        fm = f()
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Numerical gradient of ``sum(f(x) * dout)`` w.r.t. ``x``: checks a layer's backward(dout)."""
    return numerical_gradient(lambda: float(np.sum(f(x) * dout)), x, h)


def check_model_gradients(model, X: ArrayLike, y: ArrayLike, h: float = 1e-5) -> dict[str, float]:
    """``{name: rel_error(analytic, numerical)}`` for every parameter of ``model``.

    Dropout must be off (its mask would change between evaluations). The check runs in float64: a
    float32 model is checked through a float64 copy with the same weights, because float32 rounding
    alone makes central differences wrong by about 1e-2 whatever the code. ``model`` is not changed.
    """
    if not hasattr(model, "params") or not hasattr(model, "loss"):
        raise TypeError(f"model: expected an nnedu.MLP, got {type(model).__name__}")
    if getattr(model, "dropout", 0):
        raise ValueError("model.dropout: expected 0 for a gradient check (a random mask changes every call)")
    if not (isinstance(h, float) and 0 < h < 1):
        raise ValueError(f"h: expected a small positive step such as 1e-5, got {h!r}")
    if np.dtype(getattr(model, "dtype", np.float64)) != np.float64:
        copy = type(model)(dtype=np.float64, seed=model.seed, **model.config())
        copy.set_params(model.params)
        model = copy
    stats = model.running_stats() if hasattr(model, "running_stats") else None  # training mode updates them
    _, grads = model.loss(X, y)
    errors = {}
    for name, p in model.params.items():
        num = numerical_gradient(lambda: model.loss(X, y)[0], p, h)
        errors[name] = rel_error(grads[name], num)
    if stats is not None:
        model.set_running_stats(stats)
    return errors
