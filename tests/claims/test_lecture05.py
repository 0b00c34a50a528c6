"""Lecture 05 (initialization and training health): its headline sentences, re-run over seeds and splits.

The notebook reads one seed (and the digits split of seed 0); here every experiment is repeated with other
initial weights, other mini-batch orders and, for the digits, other training/validation/test splits (run i uses
split seed i). Each test prints the spread it saw.
"""
import functools

import numpy as np
from claimkit import SEEDS, claim

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
    X_tr, y_tr, X_val, y_val, X_te, y_te = nnedu.data.split(X, y, val=0.15, test=0.25, seed=split_seed)
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


# -- 1. symmetry --------------------------------------------------------------------------------------------
@claim(NB, "de1fb483", "With tanh units and all-zero weights, $W_1$ is still exactly zero after training and the "
                       "network predicts one class everywhere")
@claim(NB, "de1fb483", "With sigmoid units and zero weights, or with all-equal weights, $W_1$ moved but stayed one "
                       "unit copied 64 times")
@claim(NB, "de1fb483", "Only the random start uses its 64 units.")
def test_equal_weights_stay_one_unit():
    rows = []
    for seed in SEEDS:
        X, y = nnedu.data.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=seed)
        for name, activation, c in [("tanh zero", "tanh", 0.0), ("sigmoid zero", "sigmoid", 0.0),
                                    ("tanh 0.5", "tanh", 0.5), ("random", "tanh", None)]:
            model = nnedu.MLP([2, 64, 3], activation=activation, seed=seed)
            if c is not None:
                for key, value in model.params.items():
                    value[...] = 0.0 if key.startswith("b") else c
            nnedu.fit(model, X, y, epochs=100, batch_size=32, lr=0.1, momentum=0.9, seed=seed, progress=False)
            W1, acc = model.params["W1"], nnedu.accuracy(model, X, y)
            rows.append((seed, name, distinct_units(W1), round(acc, 2)))
            if name == "tanh zero":
                assert np.all(W1 == 0) and len(np.unique(model.predict(X))) == 1, (seed, name)
            elif name == "random":
                assert distinct_units(W1) == 64 and acc > 0.93, (seed, name, acc)
            else:
                assert distinct_units(W1) == 1 and np.abs(W1).max() > 0.1 and acc < 0.65, (seed, name, acc)
    print(rows)


# -- 2. the deep tanh network under three initializations ----------------------------------------------------
@claim(NB, "6413b31c", "too small shrinks the standard deviation about tenfold per layer")
@claim(NB, "6413b31c", "too large leaves more than 70% of the units of every layer saturated")
@claim(NB, "6413b31c", "fan-in scaling leaves fewer than 5% saturated in every layer and layer 8's standard "
                       "deviation above 0.2")
def test_activation_statistics():
    shrink = np.array([snapshot("too small", s).act_std[1:] / snapshot("too small", s).act_std[:-1] for s in MANY])
    sat_large = np.array([snapshot("too large", s).saturated for s in MANY])
    sat_fan = np.array([snapshot("fan-in", s).saturated for s in MANY])
    std8 = np.array([snapshot("fan-in", s).act_std[-1] for s in MANY])
    print(f"shrink {shrink.min():.3f}..{shrink.max():.3f}; saturated too large {sat_large.min():.2f}.."
          f"{sat_large.max():.2f}, fan-in at most {sat_fan.max():.3f}; "
          f"std z_8 fan-in {std8.min():.3f}..{std8.max():.3f}")
    assert np.all((0.05 < shrink) & (shrink < 0.2))
    assert sat_large.min() > 0.7 and sat_fan.max() < 0.05 and std8.min() > 0.2


@claim(NB, "53a5a932", "the gradient **vanishes** towards the input, about tenfold per layer; layer 1 learns more "
                       "than a million times more slowly than layer 8")
@claim(NB, "53a5a932", "layer 1's speed is more than 100 times layer 8's")
@claim(NB, "53a5a932", "all eight layers stay within a factor 3 of each other, against factors of a million and "
                       "of several hundred for the other two")
def test_learning_speed_per_layer():
    speeds = {init: np.array([snapshot(init, s).learning_speed[:-1] for s in MANY]) for init in INITS}
    small, large, fan = speeds["too small"], speeds["too large"], speeds["fan-in"]
    steps = small[:, 1:] / small[:, :-1]
    print(f"too small: per layer x{steps.min():.1f}..{steps.max():.1f}, layer 1/8 at most "
          f"{np.max(small[:, 0] / small[:, 7]):.1e}; "
          f"too large: layer 1/8 from {np.min(large[:, 0] / large[:, 7]):.0f}; "
          f"fan-in: fastest/slowest up to {np.max(fan.max(axis=1) / fan.min(axis=1)):.2f}")
    assert np.all((6 < steps) & (steps < 15)) and np.all(small[:, 0] < 1e-6 * small[:, 7])
    assert np.all(large[:, 0] > 100 * large[:, 7])
    assert np.all(fan.max(axis=1) < 3 * fan.min(axis=1))


@claim(NB, "08f34b85", "the weight gradients are around $10^{-10}$ in every layer")
@claim(NB, "08f34b85", "Too large: the layers' curves lie far apart, the first layers' gradients being the largest.")
@claim(NB, "08f34b85", "Fan-in: the layers overlap")
def test_weight_gradient_histograms():
    small = np.array([snapshot("too small", s).grad_W_std for s in MANY])
    large = np.array([snapshot("too large", s).grad_W_std[:-1] for s in MANY])
    fan = np.array([snapshot("fan-in", s).grad_W_std[:-1] for s in MANY])
    print(f"too small: std of dL/dW {small.min():.1e}..{small.max():.1e}; too large layer 1 / layer 8 "
          f"{np.min(large[:, 0] / large[:, -1]):.0f}..{np.max(large[:, 0] / large[:, -1]):.0f}; "
          f"fan-in max/min over layers up to {np.max(fan.max(axis=1) / fan.min(axis=1)):.2f}")
    assert np.all((1e-11 < small) & (small < 1e-9))
    assert np.all(np.diff(large, axis=1) < 0) and np.all(large[:, 0] > 30 * large[:, -1])
    assert np.all(fan.max(axis=1) < 2 * fan.min(axis=1))


@claim(NB, "sigmoid-outro", "there the error still shrinks about fourfold per layer, and layer 1 learns tens of "
                            "thousands of times more slowly than layer 8")
def test_fan_in_does_not_rescue_sigmoid():
    speed = np.array([snapshot("fan-in", s, "sigmoid").learning_speed[:-1] for s in MANY])
    per_layer = speed[:, :-1] / speed[:, 1:]
    total = speed[:, 0] / speed[:, 7]
    print(f"sigmoid: per layer x{per_layer.min():.2f}..{per_layer.max():.2f}, layer 1 / layer 8 "
          f"{total.min():.1e}..{total.max():.1e}")
    assert np.all((0.15 < per_layer) & (per_layer < 0.35))
    assert np.all((1e-6 < total) & (total < 1e-4))


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


@claim(NB, "ccd44762", "Too small does not learn at all in 10 epochs: the loss stays at $\\ln 10 \\approx 2.30$")
@claim(NB, "ccd44762", "Too large learns, slowly and erratically, from a huge initial loss")
@claim(NB, "ccd44762", "after 10 epochs is still below 60% validation accuracy. Fan-in scaling reaches over 93%.")
@claim(NB, "bn-train-outro", "Batch normalization turns both failures into networks that learn: above 80% validation "
                             "accuracy after 10 epochs in every seed, where the same networks without it stay at 10% "
                             "(too small) or below 60% (too large).")
@claim(NB, "bn-train-outro", "They still trail the well-initialized network without batch normalization in every "
                             "seed")
def test_training_the_deep_network_with_and_without_batchnorm():
    runs = {init: [deep_run(init, s) for s in SEEDS] for init in INITS}
    bn = {init: [deep_run(init, s, batchnorm=True) for s in SEEDS] for init in ["too small", "too large"]}
    for name, rs in list(runs.items()) + [(f"{k} + batch norm", v) for k, v in bn.items()]:
        print(f"{name}: initial loss {[round(r[0], 2) for r in rs]}, last epoch {[round(r[1][-1], 3) for r in rs]}, "
              f"validation accuracy {[round(r[2][-1], 3) for r in rs]}")
    assert all(abs(loss[-1] - np.log(10)) < 0.01 and acc[-1] < 0.15 for _, loss, acc in runs["too small"])
    assert all(initial > 5 and loss[-1] < initial and 0.2 < acc[-1] < 0.6 for initial, loss, acc in runs["too large"])
    assert all(acc[-1] > 0.93 for _, _, acc in runs["fan-in"])
    for init in bn:
        assert all(acc[-1] > 0.8 for _, _, acc in bn[init]), init
        assert all(b[2][-1] < f[2][-1] for b, f in zip(bn[init], runs["fan-in"])), init


# -- 3. dead ReLUs -------------------------------------------------------------------------------------------
@claim(NB, "41e8a8d1", "With negative biases, the deeper the layer, the more of it is dead")
@claim(NB, "41e8a8d1", "With biases of $-5$ the last hidden layer is entirely dead, so no error gets through it: the "
                       "speed of learning of every layer below is exactly zero")
@claim(NB, "41e8a8d1", "With zero biases at most a few units of the deep layers are off for all 500 probe digits.")
def test_negative_biases_kill_relus():
    dead = {}
    for bias in [0.0, -1.0, -5.0]:
        for seed in MANY:
            model = nnedu.MLP([64] + [100] * 4 + [10], activation="relu", seed=seed)
            for l in range(1, model.n_layers):
                model.params[f"b{l}"][:] = bias
            s = diagnostics.snapshot(model, *probe(seed))
            dead[bias, seed] = s.dead
            if bias < 0:
                assert np.all(np.diff(s.dead) >= 0) and s.dead[-1] > s.dead[0], (bias, seed, s.dead)
            if bias == -5.0:
                assert s.dead[-1] == 1.0 and s.learning_speed[:-1].max() == 0, (seed, s.dead)
            if bias == 0.0:
                assert s.dead.max() < 0.1, (seed, s.dead)
    print({k: np.round(100 * v).astype(int).tolist() for k, v in dead.items()})


@claim(NB, "7ad5eb52", "At learning rate 0.3 no unit ever dies. At 1.0, more than 10% of hidden layer 2 is dead "
                       "after 3 epochs in every seed, and 5 epochs at the calm rate 0.1 bring hardly any back")
@claim(NB, "7ad5eb52", "The first layer, whose inputs are standardized pixels, survives.")
def test_large_learning_rate_kills_relus():
    rows = []
    for lr in [0.3, 1.0]:
        for seed in SEEDS:
            X_tr, y_tr = digits(seed)[:2]
            model = nnedu.MLP([64, 100, 100, 10], activation="relu", seed=seed)
            rec = diagnostics.Recorder(X_tr, y_tr)
            rec.record(model, epoch=0)
            nnedu.fit(model, X_tr, y_tr, epochs=3, batch_size=32, lr=lr, seed=seed, progress=False, callbacks=[rec])
            calm = diagnostics.Recorder(X_tr, y_tr)
            nnedu.fit(model, X_tr, y_tr, epochs=5, batch_size=32, lr=0.1, seed=seed + 1, progress=False,
                      callbacks=[calm])
            d = np.concatenate([rec["dead"], calm["dead"]])
            rows.append((lr, seed, round(d[3, 1], 2), round(d[8, 1], 2)))
            assert d[:, 0].max() == 0, (lr, seed)
            if lr == 0.3:
                assert d.max() == 0, (lr, seed)
            else:
                assert d[3, 1] > 0.1 and d[8, 1] > 0.1 and d[8, 1] > d[3, 1] - 0.05, (seed, d[:, 1])
    print("(lr, seed, dead in layer 2 after 3 epochs, after 8)", rows)


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
