"""The multi-layer perceptron: the lecture's pieces (layers, losses, penalties) assembled.

Contract (other parts of the course rely on it)::

    model = MLP([D, H1, ..., C], activation="tanh", output="softmax",
                l2=0.0, l1=0.0, dropout=0.0, seed=0, dtype=np.float64)
    model.params                    # "W1" (D, H1), "b1" (H1,), "W2", ... so that a = z @ W + b
    scores = model.loss(X)          # test mode: (N, C) scores before the output nonlinearity
    loss, grads = model.loss(X, y)  # training mode (dropout on): grads has the keys and shapes of params
    labels = model.predict(X)

With ``activation="maxout"`` each hidden layer l has ``k * H_l`` linear units (``W_l`` has shape
(H_{l-1}, k * H_l)) whose groups of k consecutive columns are max-pooled to H_l outputs.
"""
import numpy as np

from .checks import check_X, check_labels, check_nonnegative, check_targets
from .layers import Dropout, Linear, make_activation
from .losses import LOSSES, sigmoid, softmax

OUTPUTS = tuple(LOSSES)


class MLP:
    """A fully connected network ``z_0 = x, a_l = z_{l-1} W_l + b_l, z_l = h(a_l)``, last layer linear.

    Loss = mean over the batch of the per-sample loss + ``0.5 * l2 * sum W**2 + l1 * sum |W|``
    (weights only, never biases).
    output: "softmax" (y int labels 0..C-1), "sigmoid" (C = 1, y in {0, 1}),
            "identity" (y float targets (N, C), squared error 1/2 sum_k (y_k - t_k)^2 per sample).
    dropout: probability of DROPPING each hidden unit in training (inverted dropout; off at test time).
    """

    def __init__(self, sizes, activation="tanh", output="softmax", l2=0.0, l1=0.0, dropout=0.0,
                 seed=0, dtype=np.float64, maxout_k=2):
        sizes = list(sizes) if isinstance(sizes, (list, tuple)) else sizes
        if (not isinstance(sizes, list) or len(sizes) < 2
                or not all(isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in sizes)):
            raise ValueError(f"sizes: expected a list of at least two positive integers [D, H1, ..., C], got {sizes!r}")
        make_activation(activation)  # validates the name
        if output not in LOSSES:
            raise ValueError(f"output: expected one of {list(OUTPUTS)}, got {output!r}")
        if output == "sigmoid" and sizes[-1] != 1:
            raise ValueError(f"sizes: a sigmoid output needs C = 1 output unit, got C = {sizes[-1]}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError(f"sizes: a softmax output needs C >= 2 classes, got C = {sizes[-1]}")
        if np.dtype(dtype) not in (np.float32, np.float64):
            raise TypeError(f"dtype: expected np.float32 or np.float64, got {dtype!r}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout: expected a drop probability p in [0, 1), got {dropout!r}")
        self.sizes, self.activation, self.output = [int(s) for s in sizes], activation, output
        self.l2, self.l1 = check_nonnegative(l2, "l2"), check_nonnegative(l1, "l1")
        self.dropout, self.seed, self.dtype, self.maxout_k = dropout, seed, np.dtype(dtype), maxout_k
        self.n_layers = len(sizes) - 1

        rng = np.random.default_rng(seed)
        self.params = {}
        for l in range(1, self.n_layers + 1):
            fan_in, fan_out = self.sizes[l - 1], self.sizes[l]
            if activation == "maxout" and l < self.n_layers:
                fan_out *= maxout_k
            W, b = Linear.init(fan_in, fan_out, activation if l < self.n_layers else "identity", rng, dtype)
            self.params[f"W{l}"], self.params[f"b{l}"] = W, b

        self.linears = [Linear() for _ in range(self.n_layers)]
        self.hidden = [make_activation(activation, maxout_k) for _ in range(self.n_layers - 1)]
        drop_rng = np.random.default_rng([seed, 1])  # masks: seeded, independent of the init stream
        self.dropouts = [Dropout(dropout, drop_rng) for _ in range(self.n_layers - 1)]

    def __repr__(self):
        return (f"MLP({self.sizes}, activation={self.activation!r}, output={self.output!r}, l2={self.l2}, "
                f"l1={self.l1}, dropout={self.dropout}, dtype={self.dtype.name})")

    # -- forward and backward -------------------------------------------------------------------
    def forward(self, X, train=False):
        """Scores (N, C) of the final layer before the output nonlinearity."""
        z = X
        for l in range(self.n_layers):
            a = self.linears[l].forward(z, self.params[f"W{l + 1}"], self.params[f"b{l + 1}"])
            if l == self.n_layers - 1:
                return a
            z = self.dropouts[l].forward(self.hidden[l].forward(a), train=train)

    def backward(self, delta):
        """Backpropagate the output error ``delta = dE/dscores`` and return the data-term gradients.

        For each layer from the top: dE/dW = z^T delta, then the error of the layer below
        ``delta_j = h'(a_j) sum_k w_kj delta_k`` (through dropout's mask when it is on).
        """
        grads = {}
        for l in reversed(range(self.n_layers)):
            dz, grads[f"W{l + 1}"], grads[f"b{l + 1}"] = self.linears[l].backward(delta, need_dz=l > 0)
            if l > 0:
                delta = self.hidden[l - 1].backward(self.dropouts[l - 1].backward(dz))
        return grads

    def penalty(self):
        """Regularization term ``0.5 * l2 * sum W**2 + l1 * sum |W|`` over the weight matrices."""
        total = 0.0
        for l in range(1, self.n_layers + 1):
            W = self.params[f"W{l}"]
            if self.l2:
                total += 0.5 * self.l2 * np.sum(W * W)
            if self.l1:
                total += self.l1 * np.sum(np.abs(W))
        return total

    def loss(self, X, y=None):
        """Test mode (``y`` None): scores (N, C). Training mode: ``(loss, grads)``.

        Training mode turns dropout on; the loss includes the penalties and the gradients include
        their derivatives ``l2 * W + l1 * sign(W)``.
        """
        X = check_X(X, self.sizes[0], dtype=self.dtype)
        if y is None:
            return self.forward(X, train=False)
        y = self._check_y(y, X.shape[0])
        data_loss, delta = LOSSES[self.output](self.forward(X, train=True), y)
        grads = self.backward(delta)
        for l in range(1, self.n_layers + 1):
            W = self.params[f"W{l}"]
            if self.l2:
                grads[f"W{l}"] = grads[f"W{l}"] + self.l2 * W
            if self.l1:
                grads[f"W{l}"] = grads[f"W{l}"] + self.l1 * np.sign(W)
        return float(data_loss + self.penalty()), grads

    def evaluate(self, X, y):
        """``(loss, accuracy)`` in test mode (no dropout); accuracy is NaN for an identity output.

        The loss is the training objective (data loss + penalties), so ``fit``'s validation curves and
        early stopping monitor the same quantity that training minimises.
        """
        X = check_X(X, self.sizes[0], dtype=self.dtype)
        y = self._check_y(y, X.shape[0])
        scores = self.forward(X, train=False)
        data_loss, _ = LOSSES[self.output](scores, y)
        acc = np.nan if self.output == "identity" else float(np.mean(self._labels(scores) == y))
        return float(data_loss + self.penalty()), acc

    # -- predictions ----------------------------------------------------------------------------
    def predict_proba(self, X):
        """Output nonlinearity applied to the scores: softmax probabilities (N, C), sigmoid (N, 1) or identity."""
        scores = self.loss(X)
        if self.output == "softmax":
            return softmax(scores)
        return sigmoid(scores) if self.output == "sigmoid" else scores

    def predict(self, X):
        """Class labels (N,) for softmax and sigmoid outputs; the outputs (N, C) for an identity output."""
        scores = self.loss(X)
        return scores if self.output == "identity" else self._labels(scores)

    def _labels(self, scores):
        return (scores[:, 0] > 0).astype(np.int64) if self.output == "sigmoid" else scores.argmax(axis=1)

    def _check_y(self, y, n):
        if self.output == "identity":
            return check_targets(y, n, self.sizes[-1], dtype=self.dtype)
        return check_labels(y, n, 2 if self.output == "sigmoid" else self.sizes[-1])

    # -- weights --------------------------------------------------------------------------------
    def get_params(self):
        """A copy of the parameters (to restore later with ``set_params``)."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_params(self, params):
        """Replace the parameters by copies of ``params`` (same keys and shapes)."""
        for k, v in self.params.items():
            if k not in params or np.shape(params[k]) != v.shape:
                raise ValueError(f"params[{k!r}]: expected an array of shape {v.shape}, "
                                 f"got {None if k not in params else np.shape(params[k])}")
        self.params = {k: np.array(params[k], dtype=self.dtype) for k in self.params}

    def config(self):
        """The constructor arguments that rebuild this architecture (all but seed and dtype)."""
        return dict(sizes=self.sizes, activation=self.activation, output=self.output, l2=self.l2,
                    l1=self.l1, dropout=self.dropout, maxout_k=self.maxout_k)

    def save(self, path):
        """Save architecture and weights to an ``.npz`` file (load with ``MLP.load``)."""
        np.savez(path, __config__=np.array(repr(self.config())), **self.params)

    @classmethod
    def load(cls, path, dtype=np.float64):
        """An MLP rebuilt from a file written by ``save``."""
        import ast
        with np.load(path, allow_pickle=False) as f:
            config = ast.literal_eval(str(f["__config__"]))
            model = cls(dtype=dtype, **config)
            model.set_params({k: f[k] for k in f.files if k != "__config__"})
        return model
