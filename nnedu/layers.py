"""Layers of a multi-layer perceptron, each with its forward and backward pass side by side.

Notation of the lecture: a layer receives the outputs ``z`` of the layer below, forms the
activations ``a_j = sum_i w_ji z_i + w_j0`` (``Linear``) and passes them through a nonlinearity
``z_j = h(a_j)`` (``Sigmoid``, ``Tanh``, ...). Backpropagation carries the errors
``delta_j = dE/da_j`` (and ``dE/dz_j``) from the top of the network down.

Every layer keeps what its backward pass needs from the last forward pass (its cache), so
``forward`` then ``backward`` must be called in that order. Rows are samples: ``z`` has shape
``(N, D)``; weights are stored as ``W`` of shape ``(D, H)`` so that ``a = z @ W + b``, which is
the matrix form of ``a_j = sum_i w_ji z_i + w_j0``.
"""
import numpy as np

from .checks import check_int, check_probability


def sigmoid(a):
    """``1 / (1 + exp(-a))``, written so that exp is only ever taken of a non-positive number (no overflow)."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class Linear:
    """Affine layer: ``a = z @ W + b``, i.e. ``a_j = sum_i w_ji z_i + w_j0``.

    forward(z, W, b): z (N, D), W (D, H), b (H,) -> a (N, H); b = 0 for a layer without bias (one followed by
        ``BatchNorm``, whose beta is the bias)
    backward(delta): delta = dE/da (N, H) -> (dE/dz (N, D), dE/dW (D, H), dE/db (H,)),
        with dE/dz_i = sum_j w_ji delta_j and dE/dw_ji = delta_j z_i summed over the batch.
    """

    def forward(self, z, W, b):
        self.z, self.W = z, W
        return z @ W + b

    def backward(self, delta):
        return delta @ self.W.T, self.z.T @ delta, delta.sum(axis=0)

    @staticmethod
    def init(fan_in, fan_out, activation, rng, dtype=np.float64):
        """Initial ``(W, b)``: zero biases, Gaussian weights with std sqrt(gain / fan_in).

        gain = 2 for the ReLU family (He et al., 2015: keeps the variance of activations
        constant through layers that zero half their inputs), 1 for tanh, sigmoid and identity
        (Glorot-style ``1/fan_in``, LeCun's choice for symmetric squashing functions).
        """
        gain = 2.0 if activation in ("relu", "leaky_relu", "elu", "maxout") else 1.0
        W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(gain / fan_in)
        return W.astype(dtype), np.zeros(fan_out, dtype=dtype)


class InputLinear(Linear):
    """The first layer's ``Linear``: its inputs z = x are data, so its backward pass skips dE/dz (returns None
    in its place) and saves the largest matrix product of many networks' backward pass."""

    def backward(self, delta):
        return None, self.z.T @ delta, delta.sum(axis=0)


class Sigmoid:
    """Logistic sigmoid: ``h(a) = 1 / (1 + exp(-a))``, ``h'(a) = h(a) (1 - h(a))``.

    Saturates for large |a|: h' <= 1/4 everywhere and tends to 0, so gradients shrink.
    """

    def forward(self, a):
        self.z = sigmoid(a)
        return self.z

    def backward(self, dz):
        return dz * self.z * (1.0 - self.z)


class Tanh:
    """Hyperbolic tangent: ``h(a) = tanh(a)``, ``h'(a) = 1 - tanh(a)^2`` (the lecture's example)."""

    def forward(self, a):
        self.z = np.tanh(a)
        return self.z

    def backward(self, dz):
        return dz * (1.0 - self.z ** 2)


class ReLU:
    """Rectified linear unit: ``h(a) = max(0, a)``, ``h'(a) = 1 if a > 0 else 0``."""

    def forward(self, a):
        self.a = a
        return np.maximum(a, 0)

    def backward(self, dz):
        return dz * (self.a > 0)


class LeakyReLU:
    """Leaky ReLU: ``h(a) = max(slope * a, a)`` with slope 0.1 as on the slide; ``h'(a) = 1 or slope``."""

    def __init__(self, slope=0.1):
        self.slope = slope

    def forward(self, a):
        self.a = a
        return np.where(a > 0, a, self.slope * a)

    def backward(self, dz):
        return dz * np.where(self.a > 0, 1.0, self.slope).astype(dz.dtype)


class ELU:
    """Exponential linear unit: ``h(a) = a if a > 0 else alpha (exp(a) - 1)``;
    ``h'(a) = 1 if a > 0 else h(a) + alpha``. alpha = 1."""

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, a):
        self.a = a
        self.z = np.where(a > 0, a, self.alpha * np.expm1(np.minimum(a, 0)))
        return self.z

    def backward(self, dz):
        return dz * np.where(self.a > 0, 1.0, self.z + self.alpha).astype(dz.dtype)


class Maxout:
    """Maxout with k pieces: ``h_j = max(a_{j,1}, ..., a_{j,k})``.

    forward(a): a (N, H*k), unit j's pieces at columns j*k ... j*k + k-1 -> z (N, H)
    backward(dz): the error goes to the piece that won the max, 0 to the others.
    """

    def __init__(self, k=2):
        self.k = check_int(k, "k", what="a positive integer number of pieces")

    def forward(self, a):
        N, Hk = a.shape
        pieces = a.reshape(N, Hk // self.k, self.k)
        self.argmax = pieces.argmax(axis=2)
        self.shape = a.shape
        return np.take_along_axis(pieces, self.argmax[..., None], axis=2)[..., 0]

    def backward(self, dz):
        N, H = dz.shape
        da = np.zeros((N, H, self.k), dtype=dz.dtype)
        np.put_along_axis(da, self.argmax[..., None], dz[..., None], axis=2)
        return da.reshape(self.shape)


class Dropout:
    """Inverted dropout. ``p`` is the probability of DROPPING a unit (PyTorch's convention;
    the dropout paper, Srivastava et al. 2014, uses p for the probability of KEEPING one).

    Training: ``z_out = z * r / (1 - p)`` with ``r_j ~ Bernoulli(1 - p)``, so the expected output
    equals the input and nothing needs rescaling at test time. Test: ``z_out = z``.
    backward(dz) = dz * r / (1 - p). After a training forward, ``mask`` is r (True for a kept unit)
    and ``scaled_mask`` is r / (1 - p); both are None in test mode.
    """

    def __init__(self, p, rng=None):
        self.p = check_probability(p, "dropout")
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.scaled_mask = None

    @property
    def mask(self):
        return None if self.scaled_mask is None else self.scaled_mask > 0

    def forward(self, z, train=True, mask=None):
        """``mask`` (same shape as z, 0/1 or bool) fixes which units are kept; by default r is drawn."""
        if not train or self.p == 0.0:
            self.scaled_mask = None
            return z
        if mask is None:
            mask = self.rng.random(z.shape, dtype=np.float32)       # u ~ U[0, 1)
            np.greater_equal(mask, self.p, out=mask)                  # r = [u >= p] as 1.0 / 0.0
        self.scaled_mask = np.multiply(mask, 1.0 / (1.0 - self.p), dtype=z.dtype)
        return z * self.scaled_mask

    def backward(self, dz):
        return dz if self.scaled_mask is None else dz * self.scaled_mask


class BatchNorm:
    """Batch normalization (Ioffe and Szegedy, 2015): each unit's activation normalized over the batch.

    Training, for every column j of a batch a (N, H), with the batch mean mu_j and variance
    var_j = mean_n (a_nj - mu_j)^2::

        a_hat = (a - mu) / sqrt(var + eps),    out = gamma * a_hat + beta

    and running statistics for test time, with PyTorch's convention (momentum = 0.1 weighs the NEW batch;
    the running variance is the unbiased one, var * N / (N - 1), so N >= 2)::

        running_mean <- (1 - momentum) running_mean + momentum mu
        running_var  <- (1 - momentum) running_var + momentum var N / (N - 1)

    Test mode: the same normalization with running_mean and running_var in place of mu and var (then each
    unit is a fixed affine map). gamma (H,) and beta (H,) are learnable (start at 1 and 0).

    forward(a, gamma, beta, train): a (N, H) -> out (N, H)
    backward(dout): dout = dE/dout (N, H) -> (dE/da (N, H), dE/dgamma (H,), dE/dbeta (H,)), with
        dE/dbeta = sum_n dout,   dE/dgamma = sum_n dout * a_hat,
        dE/da = gamma / (N sqrt(var + eps)) * (N dout - dE/dbeta - a_hat * dE/dgamma)   (training: mu and
        var depend on every a_n), or dout * gamma / sqrt(running_var + eps) (test mode: they are constants).
    """

    def __init__(self, n_units, momentum=0.1, eps=1e-5, dtype=np.float64):
        self.momentum, self.eps = momentum, eps
        self.running_mean = np.zeros(n_units, dtype=dtype)
        self.running_var = np.ones(n_units, dtype=dtype)

    def forward(self, a, gamma, beta, train=True):
        if train:
            N = a.shape[0]
            mu, var = a.mean(axis=0), a.var(axis=0)
            self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * mu
            self.running_var = (1 - self.momentum) * self.running_var + self.momentum * var * N / (N - 1)
        else:
            mu, var = self.running_mean, self.running_var
        self.train, self.gamma = train, gamma
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.a_hat = (a - mu) * self.inv_std
        return gamma * self.a_hat + beta

    def backward(self, dout):
        dbeta = dout.sum(axis=0)
        dgamma = (dout * self.a_hat).sum(axis=0)
        if not self.train:
            return dout * self.gamma * self.inv_std, dgamma, dbeta
        N = dout.shape[0]
        da = self.gamma * self.inv_std / N * (N * dout - dbeta - self.a_hat * dgamma)
        return da, dgamma, dbeta


ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "maxout": Maxout,
}


def make_activation(name, maxout_k=2):
    """The activation layer called ``name`` (one of ``ACTIVATIONS``); ``maxout_k`` pieces for "maxout"."""
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {name!r}")
    return Maxout(maxout_k) if name == "maxout" else ACTIVATIONS[name]()
