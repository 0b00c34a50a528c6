"""Stochastic gradient descent, optionally with momentum."""
import numpy as np

from .checks import check_nonnegative, check_positive


class SGD:
    """``v <- mu v - eta dL/dw;  w <- w + v`` (plain gradient descent ``w <- w - eta dL/dw`` when mu = 0).

    lr: the learning rate eta > 0; momentum: mu in [0, 1). Updates the arrays of ``params`` in place.
    """

    def __init__(self, lr=0.1, momentum=0.0):
        self.lr = check_positive(lr, "lr")
        self.momentum = check_nonnegative(momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.velocity = {}

    def step(self, params, grads):
        for k, g in grads.items():
            if self.momentum:
                v = self.velocity.get(k)
                v = -self.lr * g if v is None else self.momentum * v - self.lr * g
                self.velocity[k] = v
                params[k] += v
            else:
                params[k] -= self.lr * g
