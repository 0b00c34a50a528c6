"""The multi-layer perceptron: the lecture's pieces (layers, losses, penalties) assembled.

Contract (other parts of the course rely on it)::

    model = MLP([D, H1, ..., C], activation="tanh", output="softmax",
                l2=0.0, l1=0.0, dropout=0.0, seed=0, dtype=np.float64, batchnorm=False)
    model.params                    # "W1" (D, H1), "b1" (H1,), "W2", ... so that a = z @ W + b
                                    # batchnorm=True: "gamma1" (H1,), "beta1" (H1,) in place of "b1", ...
    scores = model.loss(X)          # test mode: (N, C) scores before the output nonlinearity
    loss, grads = model.loss(X, y)  # training mode (dropout on): grads has the keys and shapes of params
    labels = model.predict(X)

Layers are numbered 1..L as in the lecture: layer l has the weights ``W_l``, ``b_l`` (``params["Wl"]``),
its affine part ``linears[l]``, and (l < L) its nonlinearity ``h[l]`` and dropout ``dropouts[l]``.
With ``batchnorm=True`` each hidden layer l normalizes its activations a_l over the batch before the
nonlinearity (``batchnorms[l]``, learnable ``gamma_l``, ``beta_l`` in ``params["gammal"]``, ``params["betal"]``);
such a layer has no bias b_l (BatchNorm subtracts the batch mean, which would cancel it: beta_l is the bias).
With ``activation="maxout"`` each hidden layer l has ``k * H_l`` linear units (``W_l`` has shape
(H_{l-1}, k * H_l)) whose groups of k consecutive columns are max-pooled to H_l outputs.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .checks import check_int, check_labels, check_nonnegative, check_probability, check_seed, check_targets, check_X
from .layers import BatchNorm, Dropout, InputLinear, Linear, make_activation
from .losses import LOSSES, sigmoid, softmax
from .serialize import load_model, save_model

OUTPUTS = tuple(LOSSES)
EVAL_CHUNK = 4096  # rows per forward pass when evaluating a whole data set


def _check_sizes(sizes):
    if isinstance(sizes, np.ndarray) and sizes.ndim == 1:
        sizes = sizes.tolist()
    sizes = list(sizes) if isinstance(sizes, (list, tuple, range)) else sizes
    if not isinstance(sizes, list) or len(sizes) < 2:
        raise ValueError(f"sizes: expected a list of at least two positive integers [D, H1, ..., C], got {sizes!r}")
    return [check_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]


class MLP:
    """A fully connected network ``z_0 = x, a_l = z_{l-1} W_l + b_l, z_l = h(a_l)``, last layer linear.

    Loss = mean over the batch of the per-sample loss + ``0.5 * l2 * sum W**2 + l1 * sum |W|``
    (weights only, never biases).
    output: "softmax" (y int labels 0..C-1), "sigmoid" (C = 1, y in {0, 1} or booleans),
            "identity" (y float targets (N, C), squared error 1/2 sum_k (y_k - t_k)^2 per sample).
    dropout: probability of DROPPING each hidden unit in training (inverted dropout; off at test time).
    seed: initial weights and dropout masks; None draws a fresh seed, recorded in ``model.seed``.
    maxout_k: pieces per maxout unit (an integer >= 2; only used with activation="maxout").
    batchnorm: put a ``BatchNorm`` after each hidden layer's linear map, before its nonlinearity
            (z_l = h(BN(z_{l-1} W_l))); its gamma_l, beta_l are parameters in place of the bias b_l (no penalty
            on them), its running statistics are used in test mode (``running_stats()``). Training batches
            need N >= 2.
    """

    def __init__(self, sizes: Sequence[int], activation: str = "tanh", output: str = "softmax", l2: float = 0.0,
                 l1: float = 0.0, dropout: float = 0.0, seed: int | None = 0, dtype: DTypeLike = np.float64,
                 maxout_k: int = 2, batchnorm: bool = False):
        sizes = _check_sizes(sizes)
        maxout_k = check_int(maxout_k, "maxout_k", low=2, what="an integer >= 2 (pieces per maxout unit)")
        make_activation(activation)  # validates the name
        if not isinstance(output, str) or output not in LOSSES:
            raise ValueError(f"output: expected one of {list(OUTPUTS)}, got {output!r}")
        if output == "sigmoid" and sizes[-1] != 1:
            raise ValueError(f"sizes: a sigmoid output needs C = 1 output unit, got C = {sizes[-1]}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError(f"sizes: a softmax output needs C >= 2 classes, got C = {sizes[-1]}")
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype: expected np.float32 or np.float64, got {dtype!r}")
        if not isinstance(batchnorm, (bool, np.bool_)):
            raise TypeError(f"batchnorm: expected True or False, got {batchnorm!r}")
        seed = check_seed(seed)
        if seed is None:
            seed = int(np.random.SeedSequence().entropy % 2 ** 32)
        self.sizes, self.activation, self.output = sizes, activation, output
        self.l2, self.l1 = check_nonnegative(l2, "l2"), check_nonnegative(l1, "l1")
        self.dropout = check_probability(dropout, "dropout")
        self.seed, self.dtype, self.maxout_k, self.batchnorm = int(seed), dtype, int(maxout_k), bool(batchnorm)
        self.n_layers = L = len(sizes) - 1

        rng = np.random.default_rng(self.seed)
        self.params = {}
        for l in range(1, L + 1):
            fan_out = self.sizes[l] * (self.maxout_k if activation == "maxout" and l < L else 1)
            W, b = Linear.init(self.sizes[l - 1], fan_out, activation if l < L else "identity", rng, dtype)
            if self.batchnorm and l < L:
                self.params[f"W{l}"], self.params[f"gamma{l}"], self.params[f"beta{l}"] = W, np.ones_like(b), b
            else:
                self.params[f"W{l}"], self.params[f"b{l}"] = W, b

        drop_rng = np.random.default_rng([self.seed, 1])  # masks: seeded, independent of the init stream
        self.linears = {l: InputLinear() if l == 1 else Linear() for l in range(1, L + 1)}
        self.h = {l: make_activation(activation, self.maxout_k) for l in range(1, L)}
        self.dropouts = {l: Dropout(self.dropout, drop_rng) for l in range(1, L)}
        self.batchnorms = {l: BatchNorm(self.params[f"beta{l}"].shape[0], dtype=dtype)
                           for l in range(1, L)} if self.batchnorm else {}

    def __repr__(self):
        return (f"MLP({self.sizes}, activation={self.activation!r}, output={self.output!r}, l2={self.l2}, "
                f"l1={self.l1}, dropout={self.dropout}, dtype={self.dtype.name}"
                + (", batchnorm=True)" if self.batchnorm else ")"))

    # -- the maths: forward, backward, loss and gradients (inputs already checked) ---------------------
    def forward(self, X, train=False):
        """``z_0 = x``; for each hidden layer l < L: ``a_l = z_{l-1} W_l + b_l``, ``z_l = h(a_l)`` (then dropout
        when training). Returns the scores ``a_L = z_{L-1} W_L + b_L`` (N, C), before the output nonlinearity."""
        L = self.n_layers
        z = X
        for l in range(1, L):
            a = self.linears[l].forward(z, self.params[f"W{l}"], self.params.get(f"b{l}", 0.0))
            if self.batchnorm:
                a = self.batchnorms[l].forward(a, self.params[f"gamma{l}"], self.params[f"beta{l}"], train)
            z = self.dropouts[l].forward(self.h[l].forward(a), train)
        return self.linears[L].forward(z, self.params[f"W{L}"], self.params[f"b{L}"])

    def backward(self, delta):
        """Backpropagate the output errors ``delta = dE/da_L`` (N, C); returns the data term's gradients.

        For l = L down to 1: ``dE/dW_l = z_{l-1}^T delta``, ``dE/db_l = sum_n delta``, then the errors of
        the layer below, ``delta_j = h'(a_j) sum_k w_kj delta_k`` (through dropout's mask when it is on).
        """
        grads = {}
        for l in range(self.n_layers, 0, -1):
            dz, grads[f"W{l}"], db = self.linears[l].backward(delta)
            if f"b{l}" in self.params:
                grads[f"b{l}"] = db
            if l > 1:
                delta = self.h[l - 1].backward(self.dropouts[l - 1].backward(dz))
                if self.batchnorm:
                    delta, grads[f"gamma{l - 1}"], grads[f"beta{l - 1}"] = self.batchnorms[l - 1].backward(delta)
        return grads

    def penalty(self) -> float:
        """Regularization term ``0.5 * l2 * sum W**2 + l1 * sum |W|`` over the weight matrices W_1..W_L."""
        total = 0.0
        for l in range(1, self.n_layers + 1):
            W = self.params[f"W{l}"]
            total += 0.5 * self.l2 * np.sum(W * W) if self.l2 else 0.0
            total += self.l1 * np.sum(np.abs(W)) if self.l1 else 0.0
        return float(total)

    def loss_and_grads(self, X, y):
        """One training pass (dropout on) over checked ``(X, y)``: forward, the loss and its delta, backward.

        Returns ``(data loss, grads)``: the data loss is the batch mean of the per-sample loss (the penalty
        is ``penalty()``); ``grads`` are the gradients of the whole objective, ``l2 * W + l1 * sign(W)``
        added to each ``dE/dW_l``. ``loss(X, y)`` is this behind the input checks, penalty added to the loss.
        """
        data_loss, delta = LOSSES[self.output](self.forward(X, train=True), y)
        grads = self.backward(delta)
        for l in range(1, self.n_layers + 1):
            W, dW = self.params[f"W{l}"], grads[f"W{l}"]
            if self.l2:
                dW += self.l2 * W
            if self.l1:
                dW += self.l1 * np.sign(W)
        return float(data_loss), grads

    # -- the public edge: inputs checked once, then the maths above -------------------------------
    def check_data(self, X: ArrayLike, y: ArrayLike | None = None, x_name: str = "X",
                   y_name: str = "y") -> tuple[np.ndarray, np.ndarray | None]:
        """``(X, y)`` checked and converted for this model (``y`` may be None); raises ValueError/TypeError
        naming the argument. X: (N, D) finite reals; y: labels (N,) for softmax/sigmoid, targets (N, C)."""
        X = check_X(X, self.sizes[0], name=x_name, dtype=self.dtype)
        if y is None:
            return X, None
        n = X.shape[0]
        if self.output == "identity":
            return X, check_targets(y, n, self.sizes[-1], name=y_name, dtype=self.dtype)
        return X, check_labels(y, n, 2 if self.output == "sigmoid" else self.sizes[-1], name=y_name)

    def loss(self, X: ArrayLike, y: ArrayLike | None = None) -> np.ndarray | tuple[float, dict[str, np.ndarray]]:
        """Test mode (``y`` None): scores (N, C). Training mode: ``(loss, grads)``.

        Training mode turns dropout on; the loss includes the penalties and the gradients include
        their derivatives ``l2 * W + l1 * sign(W)``.
        """
        X, y = self.check_data(X, y)
        if y is None:
            return self.forward(X, train=False)
        if self.batchnorm and X.shape[0] < 2:
            raise ValueError(f"X: batchnorm needs at least 2 samples in training mode (a batch mean and variance), "
                             f"got shape {X.shape}")
        data_loss, grads = self.loss_and_grads(X, y)
        return data_loss + self.penalty(), grads

    def hidden(self, X: ArrayLike) -> list[np.ndarray]:
        """``[z_1, ..., z_{L-1}]``: every hidden layer's outputs ``z_l = h(a_l)`` (N, H_l) in test mode (no
        dropout), from ONE forward pass (each layer's ``Linear`` keeps its input z_{l-1})."""
        X, _ = self.check_data(X)
        self.forward(X, train=False)
        return [self.linears[l].z for l in range(2, self.n_layers + 1)]

    def evaluate(self, X: ArrayLike, y: ArrayLike) -> tuple[float, float]:
        """``(data loss, accuracy)`` in test mode (no dropout); accuracy is NaN for an identity output.

        The loss is the DATA loss, the mean per-sample loss without penalties (what estimates how well
        the network generalizes); the training objective is ``data loss + model.penalty()``. Large sets
        are evaluated in chunks of ``EVAL_CHUNK`` rows (which bounds the memory).
        """
        X, y = self.check_data(X, y)
        parts = []
        for i in range(0, X.shape[0], EVAL_CHUNK):
            scores, y_part = self.forward(X[i:i + EVAL_CHUNK]), y[i:i + EVAL_CHUNK]
            acc = np.nan if self.output == "identity" else float(np.mean(self.labels(scores) == y_part))
            parts.append((float(LOSSES[self.output](scores, y_part)[0]), acc, len(y_part)))
        if len(parts) == 1:
            return parts[0][:2]
        return tuple(float(sum(p[j] * p[2] for p in parts) / X.shape[0]) for j in (0, 1))

    # -- predictions ----------------------------------------------------------------------------
    def predict_proba(self, X: ArrayLike) -> np.ndarray:
        """Output nonlinearity applied to the scores: softmax probabilities (N, C), sigmoid (N, 1) or identity."""
        scores = self.loss(X)
        if self.output == "softmax":
            return softmax(scores)
        return sigmoid(scores) if self.output == "sigmoid" else scores

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Class labels (N,) for softmax and sigmoid outputs; the outputs (N, C) for an identity output."""
        scores = self.loss(X)
        return scores if self.output == "identity" else self.labels(scores)

    def labels(self, scores: np.ndarray) -> np.ndarray:
        """Class labels (N,) of scores (N, C): argmax for softmax, ``score > 0`` (p > 1/2) for sigmoid."""
        return (scores[:, 0] > 0).astype(np.int64) if self.output == "sigmoid" else scores.argmax(axis=1)

    # -- weights --------------------------------------------------------------------------------
    def get_params(self) -> dict[str, np.ndarray]:
        """A copy of the parameters (to restore later with ``set_params``); BatchNorm's running statistics
        are not parameters: see ``running_stats``."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_params(self, params: dict[str, ArrayLike]) -> None:
        """Replace the parameters by copies of ``params``: the same keys, shapes, finite real values."""
        if not hasattr(params, "keys"):
            raise TypeError(f"params: expected a dict like model.params, got {type(params).__name__}")
        unknown = sorted(set(params) - set(self.params), key=str)
        if unknown:
            raise ValueError(f"params: unknown keys {unknown}, expected {list(self.params)}")
        new = {}
        for k, v in self.params.items():
            if k not in params or np.shape(params[k]) != v.shape:
                raise ValueError(f"params[{k!r}]: expected an array of shape {v.shape}, "
                                 f"got {None if k not in params else np.shape(params[k])}")
            p = np.asarray(params[k])
            if p.dtype.kind not in "biuf":
                raise TypeError(f"params[{k!r}]: expected real numbers, got dtype {p.dtype}")
            new[k] = np.array(p, dtype=self.dtype)
            if not np.all(np.isfinite(new[k])):
                raise ValueError(f"params[{k!r}]: expected finite values, found NaN or infinity")
        self.params = new

    def running_stats(self) -> dict[str, np.ndarray]:
        """Copies of the BatchNorm running statistics, ``{"running_mean1": (H1,), "running_var1": (H1,), ...}``
        (empty without batchnorm); restore them with ``set_running_stats``."""
        stats = {}
        for l, bn in self.batchnorms.items():
            stats[f"running_mean{l}"], stats[f"running_var{l}"] = bn.running_mean.copy(), bn.running_var.copy()
        return stats

    def set_running_stats(self, stats: dict[str, ArrayLike]) -> None:
        """Replace the BatchNorm running statistics by copies of ``stats`` (the keys of ``running_stats()``)."""
        expected = self.running_stats()
        if not hasattr(stats, "keys") or set(stats) != set(expected):
            raise ValueError(f"stats: expected a dict with the keys {sorted(expected)}, got "
                             f"{sorted(stats) if hasattr(stats, 'keys') else type(stats).__name__}")
        for k, v in expected.items():
            new = np.asarray(stats[k])
            if new.shape != v.shape or new.dtype.kind not in "biuf" or not np.all(np.isfinite(new)):
                raise ValueError(f"stats[{k!r}]: expected finite real numbers of shape {v.shape}")
            if k.startswith("running_var") and np.any(new < 0):
                raise ValueError(f"stats[{k!r}]: expected variances >= 0")
        for l, bn in self.batchnorms.items():
            bn.running_mean = np.array(stats[f"running_mean{l}"], dtype=self.dtype)
            bn.running_var = np.array(stats[f"running_var{l}"], dtype=self.dtype)

    def config(self) -> dict:
        """The constructor arguments that rebuild this architecture (all but seed and dtype), as a new dict."""
        return dict(sizes=list(self.sizes), activation=self.activation, output=self.output, l2=self.l2,
                    l1=self.l1, dropout=self.dropout, maxout_k=self.maxout_k, batchnorm=self.batchnorm)

    def save(self, path: str | Path) -> Path:
        """Save architecture, dtype and weights to ``path`` (".npz" is appended when missing); returns the path.

        The settings are stored as JSON with plain types; load with ``MLP.load(path)``.
        """
        return save_model(self, path)

    @classmethod
    def load(cls, path: str | Path, dtype: DTypeLike | None = None) -> "MLP":
        """An MLP rebuilt from a file written by ``save`` ("model" finds "model.npz"), in the saved dtype
        (or ``dtype`` when given)."""
        return load_model(cls, path, dtype)
