"""Stochastic gradient descent, optionally with momentum."""
import numpy as np

from .checks import check_nonnegative, check_positive


class SGD:
    """``v <- mu v - eta dL/dw;  w <- w + v`` (plain gradient descent ``w <- w - eta dL/dw`` when mu = 0).

    lr: the learning rate eta > 0; momentum: mu in [0, 1). ``step`` updates the arrays of ``params``
    in place (``eta * g`` goes into a buffer kept per parameter, so a step allocates nothing).
    """

    def __init__(self, lr=0.1, momentum=0.0):
        self.lr = float(check_positive(lr, "lr"))
        self.momentum = check_nonnegative(momentum, "momentum")
        if self.momentum >= 1:
            raise ValueError(f"momentum: expected a number in [0, 1), got {momentum!r}")
        self.velocity, self.buffer = {}, {}

    def step(self, params, grads):
        for k, g in grads.items():
            w = params[k]
            if self.buffer.get(k) is None or self.buffer[k].shape != w.shape or self.buffer[k].dtype != w.dtype:
                self.buffer[k] = np.empty_like(w)
            step = np.multiply(g, self.lr, out=self.buffer[k])     # eta g
            if not self.momentum:
                w -= step                                           # w <- w - eta g
                continue
            v = self.velocity.get(k)
            if v is None:
                v = self.velocity[k] = np.zeros_like(w)
            v *= self.momentum                                      # v <- mu v - eta g
            v -= step
            w += v                                                  # w <- w + v
