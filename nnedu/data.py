"""Data sets used in the course (all generated or bundled with scikit-learn: nothing downloads),
and the usual preparation: splits, standardization, one-hot labels, mini-batches, k-fold indices."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from .checks import check_int, check_nonnegative, check_X


def spiral(n_per_class: int = 100, n_classes: int = 3, noise: float = 0.2,
           seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """CS231n's spiral: class j's points at radius r in [0, 1] and angle t = 4j + 4r + noise.

    Returns X (n_per_class * n_classes, 2) float64 and y (N,) int64 labels 0..n_classes-1.
    """
    check_int(n_per_class, "n_per_class")
    check_int(n_classes, "n_classes")
    check_nonnegative(noise, "noise")
    rng = np.random.default_rng(seed)
    X = np.zeros((n_per_class * n_classes, 2))
    y = np.zeros(n_per_class * n_classes, dtype=np.int64)
    for j in range(n_classes):
        idx = slice(n_per_class * j, n_per_class * (j + 1))
        r = np.linspace(0.0, 1.0, n_per_class)
        t = np.linspace(j * 4, (j + 1) * 4, n_per_class) + rng.standard_normal(n_per_class) * noise
        X[idx] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[idx] = j
    return X, y


def moons(n_samples: int = 200, noise: float = 0.2, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's ``make_moons``): X (N, 2), y (N,) in {0, 1}."""
    check_int(n_samples, "n_samples")
    check_nonnegative(noise, "noise")
    from sklearn import datasets  # scikit-learn is imported only when a data set needs it (import nnedu stays fast)
    X, y = datasets.make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    return X, y.astype(np.int64)


def circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5,
            seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """A circle inside another (scikit-learn's ``make_circles``): X (N, 2), y (N,) in {0, 1}."""
    check_int(n_samples, "n_samples")
    check_nonnegative(noise, "noise")
    if not 0 < factor < 1:
        raise ValueError(f"factor: expected the inner circle's relative radius in (0, 1), got {factor!r}")
    from sklearn import datasets
    X, y = datasets.make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=seed)
    return X, y.astype(np.int64)


def digits(classes: int | Sequence[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 handwritten digits: X (1797, 64) with pixels scaled to [0, 1], y (1797,).

    ``classes`` (e.g. ``[0, 1, 2, 3, 4]``) keeps only those digits (labels unchanged).
    """
    from sklearn import datasets
    d = datasets.load_digits()
    X, y = d.data / 16.0, d.target.astype(np.int64)
    if classes is not None:
        classes = list(classes) if not isinstance(classes, (int, np.integer)) else [classes]
        if not classes:
            raise ValueError(f"classes: expected digits among 0..9, got {classes!r}")
        for i, c in enumerate(classes):
            check_int(c, f"classes[{i}]", low=0, high=9, what="a digit among 0..9")
        keep = np.isin(y, classes)
        X, y = X[keep], y[keep]
    return X, y


def split(X: ArrayLike, y: ArrayLike, test: float = 0.25, seed: int | None = 0,
          stratify: bool | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle and split into a training and a test part: ``(X_train, y_train, X_test, y_test)``.

    test: the test part's fraction of the whole set. stratify: keep each class's share in both parts. None
    (default): when ``y`` holds class labels (integers or booleans, 1-D), not for real-valued targets; True:
    always (labels needed); False: never. ``train_val_test`` also holds out a validation part.
    """
    X, y = _check_split(X, y, 0.0, test)
    return _split(X, y, test, seed, _stratify(y, stratify))


def train_val_test(X: ArrayLike, y: ArrayLike, val: float = 0.15, test: float = 0.25, seed: int | None = 0,
                   stratify: bool | None = None) -> tuple[np.ndarray, ...]:
    """Shuffle and split into training, validation and test parts (fractions of the whole set):
    ``(X_train, y_train, X_val, y_val, X_test, y_test)``. The test part is the one ``split`` with the same
    ``test`` and ``seed`` holds out; the validation part comes from the rest. ``stratify`` as in ``split``."""
    X, y = _check_split(X, y, val, test)
    if val == 0:
        raise ValueError("val: expected a fraction > 0 for a validation part; without one use nnedu.data.split")
    stratify = _stratify(y, stratify)
    X_rest, y_rest, X_test, y_test = _split(X, y, test, seed, stratify)
    return _split(X_rest, y_rest, val / (1 - test), seed, stratify) + (X_test, y_test)


def _check_split(X, y, val, test):
    X = check_X(X)
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y: expected {X.shape[0]} labels or targets to match X, got shape {y.shape}")
    if not all(isinstance(f, numbers.Real) and not isinstance(f, bool) for f in (val, test)) or not (
            0 <= val < 1 and 0 < test < 1 and val + test < 1):
        raise ValueError(f"val, test: expected fractions with 0 <= val, 0 < test and val + test < 1, got {val}, {test}")
    return X, y


def _stratify(y, stratify):
    is_labels = y.ndim == 1 and y.dtype.kind in "biu"
    if stratify is None:
        return is_labels
    if stratify and not is_labels:
        raise ValueError(f"stratify: needs class labels (a 1-D integer y), got y of dtype {y.dtype} and shape "
                         f"{y.shape}; pass stratify=False for real-valued targets")
    return stratify


def _split(X, y, fraction, seed, stratify):
    if stratify:
        counts = np.unique(y, return_counts=True)[1]
        n_test = int(np.ceil(fraction * len(y)))
        if counts.min() < 2 or n_test < len(counts) or len(y) - n_test < len(counts):
            raise ValueError(f"stratify: cannot keep every class in every part ({len(counts)} classes, the "
                             f"smallest with {counts.min()} samples, {len(y)} samples in all); "
                             f"pass stratify=False or use more data")
    from sklearn.model_selection import train_test_split
    X_a, X_b, y_a, y_b = train_test_split(X, y, test_size=fraction, random_state=seed,
                                          stratify=y if stratify else None)
    return X_a, y_a, X_b, y_b


class Standardizer:
    """``x' = (x - mean) / std`` per feature, with mean and std fitted on the TRAINING data only.

    Features with std 0 (constant pixels) are only centred.
    """

    def fit(self, X):
        X = check_X(X)
        self.mean = X.mean(axis=0)
        std = X.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        if not hasattr(self, "mean"):
            raise ValueError("Standardizer: call fit(X_train) before transform")
        return (check_X(X, self.mean.shape[0]) - self.mean) / self.std

    def fit_transform(self, X):
        return self.fit(X).transform(X)


def one_hot(y: ArrayLike, n_classes: int) -> np.ndarray:
    """(N,) integer labels -> (N, n_classes) matrix of 0s with a 1 at each label."""
    check_int(n_classes, "n_classes")
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "biu" or (y.size and (y.min() < 0 or y.max() >= n_classes)):
        raise ValueError(f"y: expected a 1-D array of integer labels in 0..{n_classes - 1}")
    out = np.zeros((y.shape[0], n_classes))
    out[np.arange(y.shape[0]), y.astype(np.int64)] = 1.0
    return out


def minibatches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
                rng: np.random.Generator | None = None):
    """Yield ``(X_batch, y_batch)`` covering the data once (one epoch); the last batch may be smaller.

    Shuffled with ``rng`` (a numpy Generator or a seed) when ``shuffle``.
    """
    check_int(batch_size, "batch_size")
    n = X.shape[0]
    if len(y) != n:
        raise ValueError(f"y: expected {n} rows to match X, got {len(y)}")
    order = np.random.default_rng(rng).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        yield X[idx], y[idx]


def kfold(n_samples: int, k: int = 5, seed: int | None = 0,
          y: ArrayLike | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Indices ``[(train_idx, val_idx), ...]`` of k folds (stratified by ``y`` when given)."""
    check_int(n_samples, "n_samples")
    check_int(k, "k")
    if y is not None and len(y) != n_samples:
        raise ValueError(f"y: expected {n_samples} labels to match n_samples, got {len(y)}")
    if k < 2 or k > n_samples:
        raise ValueError(f"k: expected 2 <= k <= n_samples={n_samples}, got {k}")
    if y is not None:
        from sklearn.model_selection import StratifiedKFold
        folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n_samples), y)
    else:
        from sklearn.model_selection import KFold
        folds = KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n_samples))
    return list(folds)
