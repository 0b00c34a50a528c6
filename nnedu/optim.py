"""Optimizers: stochastic gradient descent (optionally with momentum), RMSProp and Adam.

Each has ``step(params, grads)``, which updates the arrays of ``params`` in place from ``grads`` (same keys)."""
import numpy as np

from .checks import check_nonnegative, check_positive


class SGD:
    """``v <- mu v - eta dL/dw;  w <- w + v`` (plain gradient descent ``w <- w - eta dL/dw`` when mu = 0).

    lr: the learning rate eta > 0; momentum: mu in [0, 1). ``step`` updates the arrays of ``params`` in place.
    """

    def __init__(self, lr: float = 0.1, momentum: float = 0.0):
        self.lr = float(check_positive(lr, "lr"))
        self.momentum = check_nonnegative(momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.velocity = {}

    def step(self, params, grads):
        for k, dW in grads.items():
            if self.momentum:
                v = self.velocity[k] = self.momentum * self.velocity.get(k, 0.0) - self.lr * dW
                params[k] += v
            else:
                params[k] -= self.lr * dW


class Adam:
    """Adam (Kingma and Ba, 2015): a running mean of the gradients and of their squares, bias-corrected.

    At step t = 1, 2, ..., for every parameter w with gradient g = dL/dw::

        m <- beta1 m + (1 - beta1) g              (first moment: momentum)
        v <- beta2 v + (1 - beta2) g^2            (second moment: the gradient's typical size)
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)   (m and v start at 0: undo that bias)
        w <- w - eta m_hat / (sqrt(v_hat) + eps)

    Each weight gets its own step size: about eta where its gradient is consistent, whatever its scale.
    Defaults as in the paper and ``torch.optim.Adam`` (lr = 0.001, betas = (0.9, 0.999), eps = 1e-8;
    no weight decay: the L2 penalty of ``MLP(l2=...)`` is part of the gradient instead). ``step`` updates
    the arrays of ``params`` in place.
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = float(check_positive(lr, "lr"))
        self.beta1, self.beta2 = _check_decay(beta1, "beta1"), _check_decay(beta2, "beta2")
        self.eps = check_nonnegative(eps, "eps")
        self.t, self.m, self.v = 0, {}, {}

    def step(self, params, grads):
        self.t += 1
        for k, g in grads.items():
            m = self.m[k] = self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * g
            v = self.v[k] = self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * g ** 2
            m_hat = m / (1 - self.beta1 ** self.t)
            v_hat = v / (1 - self.beta2 ** self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class RMSProp:
    """RMSProp (Hinton's lecture 6e, 2012): divide each gradient by a running root mean square of its past values.

    For every parameter w with gradient g = dL/dw::

        s <- alpha s + (1 - alpha) g^2
        w <- w - eta g / (sqrt(s) + eps)

    Defaults as in ``torch.optim.RMSprop`` (lr = 0.01, alpha = 0.99, eps = 1e-8; no momentum, not centred,
    no weight decay). ``step`` updates the arrays of ``params`` in place.
    """

    def __init__(self, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8):
        self.lr = float(check_positive(lr, "lr"))
        self.alpha = _check_decay(alpha, "alpha")
        self.eps = check_nonnegative(eps, "eps")
        self.s = {}

    def step(self, params, grads):
        for k, g in grads.items():
            s = self.s[k] = self.alpha * self.s.get(k, 0.0) + (1 - self.alpha) * g ** 2
            params[k] -= self.lr * g / (np.sqrt(s) + self.eps)


def _check_decay(value, name):
    """A decay rate in [0, 1), returned as a float."""
    value = check_nonnegative(value, name)
    if value >= 1:
        raise ValueError(f"{name}: expected a number in [0, 1), got {value!r}")
    return value


OPTIMIZERS = {"sgd": SGD, "adam": Adam, "rmsprop": RMSProp}
