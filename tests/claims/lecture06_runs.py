"""Many small networks of lecture 06 trained side by side, for the claims that need dozens of runs.

``stacked_fit`` trains S full-batch MLPs at once: the weights of run s are ``W[l][s]`` (an extra leading axis), each
run starts from ``nnedu.MLP(sizes, activation, seed=seeds[s])``'s initial weights and takes exactly the steps of
``nnedu.fit(model, X, y, batch_size=len(X), lr=lr, momentum=momentum)``: softmax cross-entropy averaged over the
batch, ``l2 * W`` added to each weight gradient, ``v <- mu v - lr g; w <- w + v``. (With full batches the shuffling
of ``fit`` only reorders the sum.) ``test_stacked_fit_is_nnedu_fit`` checks this against nnedu; the arithmetic may
differ in the last bits, so the claims compare statistics over many runs, never one run's exact numbers.
"""
import numpy as np

import nnedu


def _h(a, activation):
    return np.maximum(a, 0.0) if activation == "relu" else np.tanh(a)


def _dh(a, z, activation):
    return (a > 0).astype(a.dtype) if activation == "relu" else 1.0 - z * z


class Stack:
    """S networks of the same sizes; ``X`` of a call is (N, D) shared by all runs or (S, N, D) one per run."""

    def __init__(self, sizes, seeds, activation="tanh", l2=0.0):
        nets = [nnedu.MLP(sizes, activation=activation, seed=int(s)) for s in seeds]
        L = len(sizes) - 1
        self.W = [np.stack([n.params[f"W{l}"] for n in nets]) for l in range(1, L + 1)]
        self.b = [np.stack([n.params[f"b{l}"] for n in nets])[:, None, :] for l in range(1, L + 1)]
        self.vW, self.vb = [np.zeros_like(W) for W in self.W], [np.zeros_like(b) for b in self.b]
        self.activation, self.l2 = activation, l2

    def take(self, runs):
        """Keep only the runs ``runs`` (indices), weights and momentum, to train those further."""
        for arrays in (self.W, self.b, self.vW, self.vb):
            arrays[:] = [a[runs] for a in arrays]
        return self

    def forward(self, X):
        """Scores (S, N, C), the input z of every layer and the activations a of every hidden layer."""
        zs, hidden_a = [X], []
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            a = zs[-1] @ W + b
            if l == len(self.W) - 1:
                return a, zs, hidden_a
            hidden_a.append(a)
            zs.append(_h(a, self.activation))
        raise AssertionError("unreachable")

    def first_layer(self, X):
        """Hidden activations a_j of layer 1, (S, N, H)."""
        return X @ self.W[0] + self.b[0]

    def error(self, X, y):
        """Error rate of every run, (S,)."""
        return (self.forward(X)[0].argmax(-1) != y).mean(-1)

    def fit(self, X, y, epochs, lr, momentum=0.9, callback=None):
        """Full-batch gradient descent with momentum (kept between calls, like one long run); ``callback(epoch)``
        after each epoch. Returns self."""
        Y = np.eye(self.W[-1].shape[-1])[y]
        vW, vb = self.vW, self.vb
        n = X.shape[-2]
        for epoch in range(1, epochs + 1):
            s, zs, hidden_a = self.forward(X)
            p = np.exp(s - s.max(-1, keepdims=True))
            delta = (p / p.sum(-1, keepdims=True) - Y) / n          # dE/ds of the mean softmax loss
            for l in range(len(self.W) - 1, -1, -1):
                gW = np.swapaxes(zs[l], -1, -2) @ delta
                if self.l2:
                    gW += self.l2 * self.W[l]
                gb = delta.sum(-2, keepdims=True)
                if l > 0:                                            # delta of the layer below, before W changes
                    delta = (delta @ np.swapaxes(self.W[l], -1, -2)) * _dh(hidden_a[l - 1], zs[l], self.activation)
                for w, v, g in ((self.W[l], vW[l], gW), (self.b[l], vb[l], gb)):
                    v *= momentum
                    v -= lr * g
                    w += v
            if callback is not None:
                callback(epoch)
        return self
