"""Lecture 05 (initialization and training health), sections 1-3 and the training runs of sections 2 and 6.3:
its headline sentences re-run over seeds and splits (see lecture05.py). Each test prints the spread it saw."""
import numpy as np
from claimkit import SEEDS, claim
from lecture05 import INITS, MANY, NB, deep_run, digits, distinct_units, probe, snapshot

import nnedu
from nnedu import diagnostics


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
