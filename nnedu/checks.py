"""Input checks shared by the package: each raises ValueError/TypeError naming the argument and what was expected.

They run once, at the public edges (``MLP(...)``, ``MLP.loss``/``predict``, ``fit``, the data helpers), so
that the layers and losses can be written like the lecture's equations.
"""
import numbers

import numpy as np

REAL_KINDS = "biuf"  # bool, signed and unsigned integers, floats (not complex, timedelta, datetime, strings)


def check_X(X, n_features=None, name="X", dtype=None):
    """``X`` as a finite 2-D real array (N, D) with N >= 1 (and D == n_features when given)."""
    try:
        X = np.asarray(X)
    except Exception as e:  # ragged lists and the like
        raise TypeError(f"{name}: expected a 2-D array of numbers, got {type(X).__name__} ({e})") from None
    if X.dtype.kind not in REAL_KINDS:
        raise TypeError(f"{name}: expected a numeric array of real numbers, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of shape (N, D), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one sample, got an empty array of shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name}: expected {n_features} features (columns) to match the first layer, "
                         f"got shape {X.shape}")
    if dtype is not None:
        X = X.astype(dtype, copy=False)
    if X.dtype.kind == "f" and not np.all(np.isfinite(X)):
        raise ValueError(f"{name}: expected finite values, found NaN or infinity")
    return X


def check_labels(y, n, n_classes, name="y"):
    """Integer class labels 0..n_classes-1 of shape (n,) (a column (n, 1) is flattened); returns int64.

    Booleans count as 0/1; floats are accepted when every value is a whole number in range.
    """
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"{name}: expected {n} labels of shape ({n},) to match X, got shape {y.shape}")
    if y.dtype.kind not in REAL_KINDS:
        raise TypeError(f"{name}: expected integer class labels 0..{n_classes - 1}, got dtype {y.dtype}")
    if y.dtype.kind == "f" and not (np.all(np.isfinite(y)) and np.all(y == np.round(y))):
        raise TypeError(f"{name}: expected integer class labels 0..{n_classes - 1}, got dtype {y.dtype} "
                        f"with values that are not whole numbers")
    if y.dtype.kind != "b" and (y.min() < 0 or y.max() >= n_classes):  # compared before any cast
        raise ValueError(f"{name}: expected labels in 0..{n_classes - 1}, got values from {y.min():g} to {y.max():g}")
    return y.astype(np.int64, copy=False)


def check_targets(t, n, n_outputs, name="y", dtype=np.float64):
    """Real-valued targets of shape (n, n_outputs); a vector is accepted when n_outputs == 1."""
    t = np.asarray(t)
    if t.ndim == 1 and n_outputs == 1:
        t = t[:, None]
    if t.shape != (n, n_outputs):
        raise ValueError(f"{name}: expected targets of shape ({n}, {n_outputs}), got shape {t.shape}")
    if t.dtype.kind not in REAL_KINDS:
        raise TypeError(f"{name}: expected real-valued numeric targets, got dtype {t.dtype}")
    t = t.astype(dtype, copy=False)
    if not np.all(np.isfinite(t)):
        raise ValueError(f"{name}: expected finite targets, found NaN or infinity (or values too large for {t.dtype})")
    return t


def check_int(value, name, low=1, high=None, what=None):
    """An integer (not a bool) with ``low <= value`` (and ``value <= high`` when given), returned as an int.

    Raises TypeError for a non-integer and ValueError for one out of range, naming ``what`` was expected
    (default: "a positive integer" for low = 1, else the range).
    """
    if what is None:
        what = ("a positive integer" if low == 1 and high is None else
                f"an integer >= {low}" if high is None else f"an integer in {low}..{high}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected {what}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name}: expected {what}, got {value!r}")
    return int(value)


def check_positive(value, name, integer=False):
    """A finite number > 0 (an int when ``integer``: see ``check_int``)."""
    if integer:
        return check_int(value, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a positive number, got {value!r}")
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{name}: expected a positive number, got {value!r}")
    return value


def check_nonnegative(value, name):
    """A finite real number >= 0, returned as a Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name}: expected a finite number >= 0, got {value!r}")
    return float(value)


def check_probability(value, name, what="a drop probability p in [0, 1)"):
    """A real number in [0, 1), returned as a Python float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name}: expected {what}, got {value!r}")
    return float(value)


def check_seed(seed, name="seed", allow_none=True):
    """A non-negative integer seed (or None when ``allow_none``), returned as an int or None."""
    if seed is None and allow_none:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{name}: expected a non-negative integer{' or None' if allow_none else ''}, got {seed!r}")
    return int(seed)
