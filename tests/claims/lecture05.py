"""Lecture 05's experiments as its claims re-run them (tests/claims/test_lecture05*.py): the digits split and
standardized as in the notebook, its deep networks, and cached snapshots and training runs shared by several claims.

The notebook reads one seed (and the digits split of seed 0); the claims repeat every experiment with other initial
weights, other mini-batch orders and, for the digits, other training/validation/test splits (run i uses split seed i).
"""
import functools

import numpy as np

import nnedu
from nnedu import diagnostics

NB = "lectures/05_initialization_and_training_health.ipynb"
DEEP = [64] + [100] * 8 + [10]
INITS = {"too small": 0.01, "too large": 1.0, "fan-in": None}
RATIO_NET = [64] + [100] * 6 + [10]
MANY = range(8)  # for the cheap claims (one forward and backward pass each)


@functools.lru_cache(maxsize=None)
def digits(split_seed):
    """The notebook's data: digits split 60/15/25 (train/validation/test) and standardized on the training set."""
    X, y = nnedu.data.digits()
    X_tr, y_tr, X_val, y_val, X_te, y_te = nnedu.data.train_val_test(X, y, val=0.15, test=0.25, seed=split_seed)
    scaler = nnedu.data.Standardizer().fit(X_tr)
    return scaler.transform(X_tr), y_tr, scaler.transform(X_val), y_val, scaler.transform(X_te), y_te


def probe(split_seed):
    X_tr, y_tr = digits(split_seed)[:2]
    return X_tr[:500], y_tr[:500]


def deep_net(init, seed=0, sizes=DEEP, activation="tanh", batchnorm=False):
    """As in the notebook: nnedu's fan-in scaled weights, or every weight drawn with std INITS[init]."""
    model = nnedu.MLP(sizes, activation=activation, seed=seed, batchnorm=batchnorm)
    sigma = INITS[init]
    if sigma is not None:
        rng = np.random.default_rng(seed)
        for l in range(1, model.n_layers + 1):
            model.params[f"W{l}"] = sigma * rng.standard_normal(model.params[f"W{l}"].shape)
    return model


@functools.lru_cache(maxsize=None)
def snapshot(init, seed, activation="tanh"):
    return diagnostics.snapshot(deep_net(init, seed, activation=activation), *probe(seed))


def distinct_units(W):
    return sum(all(np.abs(W[:, j] - W[:, i]).max() > 1e-6 for i in range(j)) for j in range(W.shape[1]))


@functools.lru_cache(maxsize=None)
def deep_run(init, seed, batchnorm=False):
    """Section 2's training run (and section 6.3's with batch normalization): the loss before training, the
    training loss of each epoch (the mean of its batch losses) and the validation accuracy after each epoch."""
    X_tr, y_tr, X_val, y_val = digits(seed)[:4]
    model = deep_net(init, seed, batchnorm=batchnorm)
    initial = model.evaluate(X_tr, y_tr)[0]
    h = nnedu.fit(model, X_tr, y_tr, X_val, y_val, epochs=10, batch_size=32, lr=0.05, seed=seed, progress=False,
                  eval_train=False)
    return initial, h.train_loss, h.val_acc
