"""Loss functions of the output layer: each returns the batch-mean loss and dE/d(scores).

``scores`` are the activations of the final layer before the output nonlinearity, shape (N, C).
The error signal returned is the output delta of backpropagation, ``delta_k = dE/da_k``, which for
each of these three pairs of output nonlinearity and loss is (prediction - target) / N.
The targets must match the scores' rows (``MLP.check_data`` checks them); a shape that cannot match
raises ValueError.
"""
import numpy as np

from .layers import sigmoid  # the output nonlinearity of the binary loss, written once


def _check_rows(scores, y, shape, what):
    if np.shape(y) != shape:
        raise ValueError(f"y: expected {what} of shape {shape} to match scores {np.shape(scores)}, "
                         f"got shape {np.shape(y)}")


def softmax(scores):
    """Numerically stable softmax over the last axis: ``p_k = exp(s_k - max s) / sum_j exp(s_j - max s)``.

    Subtracting the max changes nothing mathematically (it cancels) but keeps exp from overflowing.
    """
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(scores):
    """``log p_k = s_k - max s - log sum_j exp(s_j - max s)``, finite even for huge scores."""
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_cross_entropy(scores, y):
    """Softmax loss: ``L_i = -log p_{i, y_i}`` with ``p = softmax(s)``, averaged over the batch.

    scores (N, C), y (N,) integer labels in 0..C-1 -> (loss, dE/dscores (N, C)),
    where ``dE/ds_k = (p_k - [k == y_i]) / N``.
    """
    N = scores.shape[0]
    _check_rows(scores, y, (N,), "integer labels")
    logp = log_softmax(scores)
    loss = -logp[np.arange(N), y].mean()
    delta = np.exp(logp)
    delta[np.arange(N), y] -= 1.0
    return loss, delta / N


def sigmoid_binary_cross_entropy(scores, y):
    """Binary cross-entropy of a sigmoid output: ``L_i = -[t log y + (1 - t) log(1 - y)]``, y = sigmoid(s).

    Written as ``max(s, 0) - s t + log(1 + exp(-|s|))`` so it is finite for any score.
    scores (N, 1) or (N,), y (N,) in {0, 1} -> (loss, dE/dscores of the scores' shape) with
    ``dE/ds = (sigmoid(s) - t) / N``.
    """
    s = np.reshape(scores, -1) if np.ndim(scores) == 2 and np.shape(scores)[1] == 1 else scores
    _check_rows(scores, y, s.shape, "labels in {0, 1}")
    t = np.asarray(y).astype(s.dtype)
    loss = (np.maximum(s, 0) - s * t + np.log1p(np.exp(-np.abs(s)))).mean()
    delta = (sigmoid(s) - t) / s.shape[0]
    return loss, delta.reshape(np.shape(scores))


def squared_error(scores, t):
    """Least squares with identity output: ``E_i = 1/2 sum_k (y_k - t_k)^2``, averaged over the batch.

    scores (N, C) are the outputs y_k themselves; t (N, C) (or (N,) when C = 1)
    -> (loss, ``delta_k = (y_k - t_k) / N``, shape (N, C)).
    """
    if np.ndim(t) == 1 and np.shape(scores)[1:] == (1,):
        t = np.reshape(t, (-1, 1))
    _check_rows(scores, t, np.shape(scores), "targets")
    diff = scores - t
    N = diff.shape[0]
    return 0.5 * (diff ** 2).reshape(N, -1).sum(axis=1).mean(), diff / N


LOSSES = {
    "softmax": softmax_cross_entropy,
    "sigmoid": sigmoid_binary_cross_entropy,
    "identity": squared_error,
}
