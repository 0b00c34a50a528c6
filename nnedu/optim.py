"""Stochastic gradient descent, optionally with momentum."""
import numpy as np

from .checks import check_nonnegative, check_positive


class SGD:
    """``v <- mu v - eta dL/dw;  w <- w + v`` (plain gradient descent ``w <- w - eta dL/dw`` when mu = 0).

    lr: the learning rate eta > 0; momentum: mu in [0, 1). Updates the arrays of ``params`` in place.
    (SciPy's BLAS axpy would save a pass over memory, but it brings a second OpenBLAS thread pool
    that fights numpy's for the cores and makes a step several times slower.)
    """

    def __init__(self, lr=0.1, momentum=0.0):
        self.lr = check_positive(lr, "lr")
        self.momentum = check_nonnegative(momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.velocity = {}

    def step(self, params, grads):
        for k, g in grads.items():
            if not self.momentum:
                params[k] -= self.lr * g                    # w <- w - eta g
                continue
            v = self.velocity.get(k)
            if v is None:
                v = self.velocity[k] = np.zeros_like(params[k])
            v *= self.momentum                              # v <- mu v - eta g
            v -= self.lr * g
            params[k] += v                                  # w <- w + v
