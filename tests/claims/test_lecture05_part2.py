"""Lecture 05 (initialization and training health), sections 4-6: the update-to-weight ratio, babysitting and
batch normalization, re-run over seeds and splits (see lecture05.py). Each test prints the spread it saw."""
import numpy as np
from claimkit import SEEDS, claim
from lecture05 import INITS, MANY, NB, RATIO_NET, deep_net, digits, probe

import nnedu
from nnedu import diagnostics


# -- 4. update-to-weight ratio -------------------------------------------------------------------------------
@claim(NB, "12105f54", "every layer's ratio stays below $10^{-3.5}$")
@claim(NB, "12105f54", "median over the layers in epochs 1 to 3 between $10^{-3.5}$ and $10^{-2.5}$): the rule of "
                       "thumb, and the best of the three runs on the validation set")
@claim(NB, "12105f54", "ratios above $10^{-2.6}$ throughout, mostly above $10^{-2}$")
@claim(NB, "12105f54", "the validation accuracy stays below 0.8")
def test_update_to_weight_ratio():
    rows = []
    for seed in SEEDS:
        X_tr, y_tr, X_val, y_val = digits(seed)[:4]
        r, acc = {}, {}
        for lr in [0.001, 0.1, 1.0]:
            model = nnedu.MLP(RATIO_NET, activation="tanh", seed=seed)
            rec = diagnostics.Recorder(X_tr[:256], y_tr[:256], lr=lr)
            rec.record(model, epoch=0)
            h = nnedu.fit(model, X_tr, y_tr, X_val, y_val, epochs=10, batch_size=32, lr=lr, seed=seed,
                          progress=False, callbacks=[rec], eval_train=False)
            r[lr], acc[lr] = np.log10(rec["update_ratio"]), h.val_acc[-1]
        first = {lr: np.median(v[1:4]) for lr, v in r.items()}
        rows.append((seed, {lr: round(v, 2) for lr, v in first.items()}, round(r[1.0].min(), 2),
                     {lr: round(v, 3) for lr, v in acc.items()}))
        assert r[0.001].max() < -3.5
        assert -3.5 < first[0.1] < -2.5 and np.median(r[0.1][-1]) < -3
        assert first[1.0] > -2 and r[1.0].min() > -2.6
        assert acc[0.1] > 0.93 and acc[0.1] > max(acc[0.001], acc[1.0]) and acc[1.0] < 0.8
    print("(seed, median log10 ratio epochs 1-3, lowest for lr 1.0, validation accuracy)", rows)


# -- 5. babysitting ------------------------------------------------------------------------------------------
@claim(NB, "4226b6d9", "The healthy network memorises the 20 digits in every seed. The too-small one is still far "
                       "from it after 100 epochs (loss above 1.5, fewer than half of the 20 digits right)")
def test_overfit_a_tiny_subset():
    rows = []
    for seed in SEEDS:
        X_tr, y_tr = digits(seed)[:2]
        good = nnedu.fit(nnedu.MLP(RATIO_NET, activation="tanh", seed=seed), X_tr[:20], y_tr[:20], epochs=100,
                         batch_size=20, lr=0.1, progress=False)
        bad = nnedu.fit(deep_net("too small", seed), X_tr[:20], y_tr[:20], epochs=100, batch_size=20, lr=0.1,
                        progress=False)
        rows.append((seed, round(good.train_loss[-1], 3), round(bad.train_loss[-1], 3), bad.train_acc[-1]))
        assert good.train_acc[-1] == 1.0 and good.train_loss[-1] < 0.05
        assert bad.train_loss[-1] > 1.5 and bad.train_acc[-1] < 0.5
    print("(seed, healthy loss, too-small loss, too-small accuracy)", rows)


@claim(NB, "1990e26c", "The loss is lowest at a learning rate between 0.2 and 0.8 in all three seeds.")
@claim(NB, "1990e26c", "here between about 0.03 and 0.2")
def test_range_test():
    best = []
    for seed in SEEDS:
        X_tr, y_tr = digits(seed)[:2]
        lrs, losses = diagnostics.lr_range_test(nnedu.MLP(RATIO_NET, activation="tanh", seed=seed), X_tr, y_tr,
                                                lr_min=1e-4, lr_max=10.0, steps=100, batch_size=32, seed=seed)
        smooth = np.convolve(losses, np.ones(5) / 5, mode="valid")
        best.append(lrs[smooth.argmin() + 2])
    print("lowest smoothed loss at", np.round(best, 3))
    assert all(0.2 < v < 0.8 for v in best) and 0.02 < min(best) / 10 and max(best) / 3 < 0.3


def spiral_decay(seed):
    """Training losses of the three schedules on the spiral; the decayed run continues the constant-0.5 run from
    its weights after epoch 30, as the notebook's two calls of ``fit`` do."""
    X, y = nnedu.data.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=seed)
    out, at_30 = {}, {}

    def keep(model, history, epoch):
        if epoch == 30:
            at_30.update(model.get_params())

    for name, lr in [("constant 0.5", 0.5), ("constant 0.05", 0.05)]:
        model = nnedu.MLP([2, 50, 50, 3], activation="tanh", seed=seed)
        out[name] = np.array(nnedu.fit(model, X, y, epochs=60, batch_size=10, lr=lr, seed=seed, progress=False,
                                       callbacks=[keep] if lr == 0.5 else None).train_loss)
    decayed = nnedu.MLP([2, 50, 50, 3], activation="tanh", seed=seed)
    decayed.set_params(at_30)
    second = nnedu.fit(decayed, X, y, epochs=30, batch_size=10, lr=0.05, seed=seed + 100, progress=False)
    out["0.5, then 0.05"] = np.concatenate([out["constant 0.5"][:30], second.train_loss])
    return out


@claim(NB, "67d11468", "In all three seeds the decayed run has the lowest mean loss over the last 10 epochs, and its "
                       "loss jitters at least 5 times less (standard deviation over those epochs) than that of the "
                       "constant 0.5 run.")
def test_step_decay():
    rows = []
    for seed in SEEDS:
        runs = spiral_decay(seed)
        mean = {k: v[-10:].mean() for k, v in runs.items()}
        std = {k: v[-10:].std() for k, v in runs.items()}
        jitter = std["constant 0.5"] / std["0.5, then 0.05"]
        rows.append((seed, {k: round(v, 3) for k, v in mean.items()}, round(jitter)))
        assert mean["0.5, then 0.05"] < min(mean["constant 0.5"], mean["constant 0.05"])
        assert 5 * std["0.5, then 0.05"] < std["constant 0.5"]
    print("(seed, mean loss of the last 10 epochs, jitter ratio)", rows)


# -- 6. batch normalization ----------------------------------------------------------------------------------
@claim(NB, "bn-derivation", "the $\\partial E/\\partial a_n$ of a batch sum to exactly zero")
@claim(NB, "bn-gradcheck-intro", "relative errors around $10^{-10}$ or below are rounding")
def test_batchnorm_backward_is_the_derived_formula():
    worst = 0.0
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        N, H = 3 + seed, 4
        a, gamma, beta = 3 * rng.normal(size=(N, H)) + 1, rng.normal(size=H), rng.normal(size=H)
        g = rng.normal(size=(N, H))
        bn = nnedu.layers.BatchNorm(H)
        bn.forward(a, gamma, beta, train=True)
        da, dgamma, dbeta = bn.backward(g)
        s = 1 / np.sqrt(a.var(axis=0) + 1e-5)
        a_hat = (a - a.mean(axis=0)) * s
        formula = gamma * s / N * (N * g - g.sum(axis=0) - a_hat * (g * a_hat).sum(axis=0))
        assert np.allclose(da, formula, rtol=1e-12, atol=1e-14)
        assert np.allclose(da.sum(axis=0), 0, atol=1e-12)
        E = lambda: float(np.sum(bn.forward(a, gamma, beta, train=True) * g))  # noqa: E731
        for analytic, x in [(da, a), (dgamma, gamma), (dbeta, beta)]:
            worst = max(worst, nnedu.rel_error(analytic, nnedu.numerical_gradient(E, x)))
    print(f"largest relative error {worst:.1e}")
    assert worst < 1e-8


@claim(NB, "bn-modes-outro", "The running statistics have settled near the true mean 5 and variance 4")
def test_running_statistics():
    rows = []
    for seed in range(10):
        rng = np.random.default_rng(seed)
        bn = nnedu.layers.BatchNorm(1)
        for _ in range(200):
            bn.forward(5 + 2 * rng.standard_normal((32, 1)), np.ones(1), np.zeros(1), train=True)
        rows.append((round(bn.running_mean[0], 2), round(bn.running_var[0], 2)))
    print("(running mean, running variance)", rows)
    assert all(abs(m - 5) < 0.3 and abs(v - 4) < 0.8 for m, v in rows)


@claim(NB, "bn-speed-outro", "under every initialization the eight layers stay within a factor 4 of each other")
@claim(NB, "bn-speed-outro", "The three levels still differ, tenfold from one initialization to the next")
@claim(NB, "bn-speed-outro", "at the same learning rate they differ tenfold from one initialization to the next")
def test_batchnorm_steadies_the_gradients():
    rows = []
    for seed in MANY:
        snaps = {init: diagnostics.snapshot(deep_net(init, seed, batchnorm=True), *probe(seed), lr=0.05)
                 for init in INITS}
        speed = {init: s.learning_speed[:-1] for init, s in snaps.items()}
        ratio = {init: np.median(np.log10(s.update_ratio[:-1])) for init, s in snaps.items()}
        level = {init: np.exp(np.mean(np.log(v))) for init, v in speed.items()}
        rows.append((seed, {k: round(v.max() / v.min(), 2) for k, v in speed.items()},
                     {k: round(v, 2) for k, v in ratio.items()}))
        assert all(v.max() < 4 * v.min() for v in speed.values())
        assert 5 < level["fan-in"] / level["too small"] < 20 and 5 < level["too large"] / level["fan-in"] < 20
        assert 0.7 < ratio["too small"] - ratio["fan-in"] < 1.3 and 0.7 < ratio["fan-in"] - ratio["too large"] < 1.3
    print("(seed, fastest/slowest layer, median log10 update ratio)", rows)
