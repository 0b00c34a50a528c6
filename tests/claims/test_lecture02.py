"""Claims of lecture 02 (loss functions and regularization), re-run over other seeds and splits than the notebook's.

The loss-surface claim runs the notebook's own cells (``loss_at``, the slice and the chord search) on other
networks and data sets; the digits runs repeat the notebook's settings, which each test first checks are still
the ones its cell uses.
"""
import numpy as np
from claimkit import SEEDS, _cells, claim

import nnedu

NB = "lectures/02_loss_functions.ipynb"


def uses(cell_id, snippet):
    """Guard against drift: the notebook cell still runs the experiment with these settings."""
    assert snippet in _cells(NB)[cell_id], f"{NB} [{cell_id}] no longer contains {snippet!r}: update this test"


@claim(NB, "cell-007", "it is not even **convex** along the one weight")
@claim(NB, "cell-009", "gives a different weight vector with exactly the same loss")
def test_loss_along_one_weight_is_not_convex():
    uses("cell-004", "epochs=200, batch_size=200, lr=0.5, momentum=0.9")
    rises = []
    for seed in SEEDS:
        ns = {}
        exec(_cells(NB)["cell-002"], ns)
        Xm, ym = nnedu.data.moons(n_samples=200, noise=0.2, seed=seed + 1)       # other data sets
        net = nnedu.MLP([2, 4, 2], activation="tanh", seed=seed)
        nnedu.fit(net, Xm, ym, epochs=200, batch_size=200, lr=0.5, momentum=0.9, progress=False)
        ns.update(Xm=Xm, ym=ym, net=net, trained=net.get_params())
        exec(_cells(NB)["cell-006"], ns)       # loss_at, the slice and the surface
        exec(_cells(NB)["chord"], ns)          # the chord the loss rises above most
        rises.append(ns["rise_above_chord"](ns["i"], ns["d"]))
        # relabelling hidden units: a different weight vector, the same loss (a random permutation this time)
        perm = np.random.default_rng(seed).permutation(4)
        trained = ns["trained"]
        net.set_params(trained)
        loss_a = net.evaluate(Xm, ym)[0]
        net.set_params(dict(trained, W1=trained["W1"][:, perm], b1=trained["b1"][perm], W2=trained["W2"][perm, :]))
        assert abs(net.evaluate(Xm, ym)[0] - loss_a) < 1e-12
    print("largest rise of the loss above a chord, per run:", np.round(rises, 3))
    assert min(rises) > 0.1


@claim(NB, "cell-031", r"L1 reaches zero in $w_0 / (\eta\lambda_1)$ steps")
@claim(NB, "cell-031", "L2 decays geometrically and never gets there")
def test_pure_penalty_steps():
    for w0, eta, lam in [(0.3, 0.1, 0.3), (0.9, 0.1, 0.3), (-0.5, 0.05, 1.0), (0.05, 0.1, 0.1), (2.0, 0.2, 0.5)]:
        w1, w2 = [w0], [w0]
        for _ in range(400):
            w1.append(w1[-1] - eta * lam * np.sign(w1[-1]))
            w2.append(w2[-1] - eta * lam * w2[-1])
        w1, w2 = np.abs(w1), np.abs(w2)
        steps = int(round(abs(w0) / (eta * lam)))
        assert w1[steps] < 1e-9 and np.all(w1[steps:] <= eta * lam + 1e-12)
        assert np.all(w2 > 0) and np.all(np.diff(w2) < 0)


@claim(NB, "aba7bcb6", "Both penalties **cost test accuracy** here")
@claim(NB, "902cd7e7", "L2 pulls the whole distribution in (no weight stays large)")
@claim(NB, "902cd7e7", "L1 piles most weights up at (almost exactly) zero and leaves a few large ones, larger "
       "than any weight L2 leaves")
@claim(NB, "cell-033", "Some border pixels are 0 in every training image: their weights get no gradient from the data")
def test_penalties_on_digits():
    uses("cell-034", "epochs=40, batch_size=64, lr=0.1, momentum=0.9")
    uses("cell-034", '("L2, l2 = 0.01", {"l2": 0.01}), ("L1, l1 = 0.001", {"l1": 0.001})')
    X, y = nnedu.data.digits()
    rows = []
    for seed in SEEDS:
        X_tr, y_tr, X_te, y_te = nnedu.data.split(X, y, test=0.5, seed=seed + 1)    # other splits
        blank = X_tr.max(axis=0) == 0
        acc, w = {}, {}
        for name, penalty in [("none", {}), ("l2", {"l2": 0.01}), ("l1", {"l1": 0.001})]:
            model = nnedu.MLP([64, 32, 10], activation="tanh", seed=seed, **penalty)
            W_init = model.params["W1"].copy()
            nnedu.fit(model, X_tr, y_tr, epochs=40, batch_size=64, lr=0.1, momentum=0.9, seed=seed, progress=False)
            acc[name], w[name] = nnedu.accuracy(model, X_te, y_te), model.params["W1"].ravel()
            if name == "none":
                assert blank.sum() > 0 and np.array_equal(model.params["W1"][blank], W_init[blank])
        rows.append((acc["none"], acc["l2"], acc["l1"], w["l2"].std() / w["none"].std(),
                     np.abs(w["l2"]).max() / np.abs(w["none"]).max(), np.mean(np.abs(w["l1"]) < 0.01),
                     np.mean(np.abs(w["l1"]) > np.abs(w["l2"]).max())))
    rows = np.array(rows).T
    names = ["acc none", "acc L2", "acc L1", "L2 std / none", "L2 max / none", "L1 |w| < 0.01", "L1 above L2 max"]
    for name, row in zip(names, rows):
        print(f"{name:16s}", np.round(row, 3))
    assert np.all(rows[0] > np.maximum(rows[1], rows[2]))            # both penalties cost accuracy, every run
    assert np.all(rows[3] < 0.6) and np.all(rows[4] < 0.7)           # L2: narrower, no weight stays large
    assert np.all(rows[5] > 0.5)                                     # L1: most weights at (almost) zero
    assert np.all((0 < rows[6]) & (rows[6] < 0.1))                   # a few larger than any L2 weight


@claim(NB, "cell-041", "The mean activation is preserved in expectation")
@claim(NB, "cell-043", "test mode, used by `model.loss(X)`, `predict` and `evaluate`, is deterministic")
def test_inverted_dropout():
    for seed in SEEDS:
        rng = np.random.default_rng(100 + seed)
        z = rng.uniform(0, 1, size=(2000, 100))
        for p in (0.2, 0.5, 0.8):
            layer = nnedu.layers.Dropout(p=p, rng=np.random.default_rng(seed))
            out = layer.forward(z, train=True)
            assert abs(out.mean() - z.mean()) < 0.01 and abs(layer.mask.mean() - (1 - p)) < 0.01
            assert np.array_equal(layer.forward(z, train=False), z)
        X, _ = nnedu.data.spiral(n_per_class=50, n_classes=3, seed=seed)
        net = nnedu.MLP([2, 20, 3], dropout=0.5, seed=seed)
        assert not np.allclose(net.forward(X, train=True), net.forward(X, train=True))
        assert np.array_equal(net.loss(X), net.forward(X, train=False))
