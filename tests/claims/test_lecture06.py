"""Claims of lecture 06 (training in practice), re-run over seeds, fold splits and draws of the data.

The notebook shows one seed (and one split) of each experiment; each test here repeats it and asserts that the
sentence it names holds in every run, or in the fraction it states, printing what it measured. The full-batch
experiments train dozens of networks side by side (``lecture06_runs.Stack``, checked against ``nnedu.fit`` first).
"""
import numpy as np
from claimkit import claim
from lecture06_runs import Stack

import nnedu

NB = "lectures/06_training_in_practice.ipynb"


def spiral():
    X, y = nnedu.data.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0)
    return nnedu.data.Standardizer().fit_transform(X), y


def moons(seed=0):
    return nnedu.data.moons(n_samples=90, noise=0.35, seed=seed)


MOONS_TEST = nnedu.data.moons(n_samples=2000, noise=0.35, seed=100)
MOONS_FIT = dict(epochs=500, lr=0.4)  # train_moons of the notebook: full batch, momentum 0.9


def test_stacked_fit_is_nnedu_fit():
    """The side-by-side trainer takes nnedu.fit's steps: ReLU spiral, 2-layer tanh and L2 moons."""
    X, y = spiral()
    Xm, ym = moons()
    Xm = nnedu.data.Standardizer().fit_transform(Xm)
    cases = [([2, 4, 3], "relu", 0.0, (X, y), 0.2), ([2, 6, 6, 2], "tanh", 0.0, (Xm, ym), 0.4),
             ([2, 20, 2], "tanh", 0.003, (Xm, ym), 0.4)]
    for sizes, act, l2, (X_, y_), lr in cases:
        net = nnedu.MLP(sizes, activation=act, l2=l2, seed=3)
        nnedu.fit(net, X_, y_, epochs=150, batch_size=len(X_), lr=lr, momentum=0.9, seed=3, progress=False)
        stack = Stack(sizes, [3], act, l2=l2).fit(X_, y_, 150, lr)
        for l in range(len(sizes) - 1):
            np.testing.assert_allclose(stack.W[l][0], net.params[f"W{l + 1}"], rtol=0, atol=1e-9)


# -- section 1: restarts -------------------------------------------------------------------------------------------
@claim(NB, "be212136", "the final training errors differ by a factor of more than three")
@claim(NB, "9aa95387", "no run that was above 10% after 1500 epochs moved by more than 3 points")
@claim(NB, "d27f5a4d", "a dead unit explains the worst run, not the spread")
@claim(NB, "dying-explained", "No single large step threw this unit out")
def test_restarts_spread_stuck_runs_and_dying_units():
    """30 restarts (seeds 0-29, in groups of 10 as in the notebook) of the 4-unit ReLU spiral network."""
    X, y = spiral()
    stack = Stack([2, 4, 3], range(30), "relu")
    active = [(stack.first_layer(X) > 0).mean(axis=1)]                 # (runs, units) per epoch, epoch 0 first
    stack.fit(X, y, 100, lr=0.2, callback=lambda e: active.append((stack.first_layer(X) > 0).mean(axis=1)))
    stack.fit(X, y, 1400, lr=0.2)
    err = stack.error(X, y)
    dead = (stack.first_layer(X) <= 0).all(axis=1).sum(axis=1)
    for g in range(3):
        e, alive = err[10 * g:10 * g + 10], dead[10 * g:10 * g + 10] == 0
        print(f"seeds {10 * g}-{10 * g + 9}: errors (%) {np.round(100 * e, 1).tolist()}, dead units "
              f"{dead[10 * g:10 * g + 10].tolist()}")
        assert e.max() > 3 * e.min()
        assert e[alive].max() > 3 * e[alive].min() and e[alive].max() - e[alive].min() > 0.08

    # the runs that look stuck (above 10%) trained five times longer, momentum carried on
    high = np.flatnonzero(err > 0.10)
    stack.take(high).fit(X, y, 6000, lr=0.2)
    moved = 100 * (stack.error(X, y) - err[high])
    print(f"runs above 10% after 1500 epochs: seeds {high.tolist()}; change by epoch 7500 (points): "
          f"{np.round(moved, 1).tolist()}")
    assert len(high) >= 5 and np.abs(moved).max() <= 3

    # every unit that died did so gradually, early, with no big jump in its share of active points
    active = 100 * np.array(active)                                     # (epochs 0..100, runs, units) in %
    died = [(r, j) for r in range(30) for j in range(4) if active[-1, r, j] == 0]
    drop = -min(np.diff(active[:, r, j]).min() for r, j in died)
    print(f"units dead by epoch 100: {len(died)}, in runs {sorted({r for r, _ in died})}; largest drop of a dying "
          f"unit's share of active points in one epoch: {drop:.0f} points")
    assert died
    for r, j in died:
        share = active[:, r, j]
        assert share[0] > 30 and np.diff(share).min() > -25 and (share[1:] > 5).sum() >= 3


@claim(NB, "ade7396a", "Larger steps kill more units")
@claim(NB, "ade7396a", "With 20 units the network can afford to lose a few, so its training error stays low")
def test_larger_steps_kill_more_units():
    """20 ReLU units, 200 full-batch epochs, learning rates 0.05, 0.3, 1; seeds 0-29 in groups of 10."""
    X, y = spiral()
    dead, err = {}, {}
    for lr in (0.05, 0.3, 1.0):
        stack = Stack([2, 20, 3], range(30), "relu").fit(X, y, 200, lr=lr)
        dead[lr] = (stack.first_layer(X) <= 0).all(axis=1).sum(axis=1).reshape(3, 10).sum(axis=1)
        err[lr] = stack.error(X, y).reshape(3, 10).mean(axis=1)
        print(f"lr {lr}: dead units per group of 10 runs {dead[lr].tolist()}, mean training error (%) "
              f"{np.round(100 * err[lr], 1).tolist()}")
    assert (dead[0.05] <= dead[0.3]).all() and (dead[0.3] <= dead[1.0]).all() and (dead[1.0] > dead[0.05]).all()
    assert (err[1.0] < 0.03).all()


# -- section 2: over-training and early stopping ---------------------------------------------------------------------
def _mislabel(y, fraction, rng):
    y, wrong = y.copy(), rng.random(len(y)) < fraction
    y[wrong] = (y[wrong] + rng.integers(1, 10, size=wrong.sum())) % 10
    return y


def _early_stop_epoch(val_loss, patience=10):
    best, best_epoch = np.inf, 0
    for epoch, loss in enumerate(val_loss, 1):
        if loss < best:
            best, best_epoch = loss, epoch
        if epoch - best_epoch >= patience:
            break
    return best_epoch


@claim(NB, "995224aa", "Here more epochs cost only time")
@claim(NB, "995224aa", "the validation error climbs")
@claim(NB, "cc7e83aa", "with wrong labels, early stopping lowered the test error by at least 6 points every time; "
                       "with correct labels it changed it by less than 1 point")
def test_wrong_labels_make_over_training_visible():
    """Splits, initial weights and wrong labels from seeds 1-5 (the notebook uses 0): 64-200-10 tanh, 100 epochs."""
    X_all, y_all = nnedu.data.digits()
    for seed in range(1, 6):
        X_rest, y_rest, X_val, y_val, X_te, y_te = nnedu.data.train_val_test(X_all, y_all, val=0.25, test=0.25,
                                                                             seed=seed)
        scaler = nnedu.data.Standardizer().fit(X_rest[:200])
        X_tr, X_val, X_te = (scaler.transform(A) for A in (X_rest[:200], X_val, X_te))
        rng = np.random.default_rng(seed)
        noisy = (_mislabel(y_rest[:200], 0.2, rng), _mislabel(y_val, 0.2, rng))
        line = []
        for name, (y_tr, y_v) in [("correct", (y_rest[:200], y_val)), ("wrong", noisy)]:
            test_err = []
            h = nnedu.fit(nnedu.MLP([64, 200, 10], activation="tanh", seed=seed), X_tr, y_tr, X_val, y_v, epochs=100,
                          batch_size=32, lr=0.1, seed=seed, progress=False,
                          callbacks=lambda m, h, e: test_err.append(1 - nnedu.accuracy(m, X_te, y_te)))
            val_err = 100 * (1 - np.array(h.val_acc))
            gain = 100 * (test_err[-1] - test_err[_early_stop_epoch(h.val_loss) - 1])
            line.append(f"{name} labels: validation loss x{h.val_loss[-1] / min(h.val_loss):.2f} after its minimum, "
                        f"validation error {val_err.min():.1f}% -> {val_err[-1]:.1f}%, early stopping gains "
                        f"{gain:.1f} points of test error")
            if name == "correct":
                assert h.val_loss[-1] < 1.05 * min(h.val_loss) and abs(gain) < 1
            else:
                assert val_err[-1] > val_err.min() + 5 and gain >= 6
        print(f"seed {seed}: " + "; ".join(line))


# -- sections 3-5: cross-validation, capacity, regularization (90 noisy moons) -----------------------------------------
def cross_validation(X, y, sizes, fold_seeds, l2=0.0):
    """Per fold seed: mean (training, held-out) error over the 3 stratified folds, networks seeded by fold index."""
    Xs_tr, ys_tr, Xs_va, ys_va, init = [], [], [], [], []
    for fold_seed in fold_seeds:
        for f, (i_tr, i_va) in enumerate(nnedu.data.kfold(len(X), k=3, seed=fold_seed, y=y)):
            scaler = nnedu.data.Standardizer().fit(X[i_tr])
            Xs_tr.append(scaler.transform(X[i_tr]))
            Xs_va.append(scaler.transform(X[i_va]))
            ys_tr.append(y[i_tr])
            ys_va.append(y[i_va])
            init.append(f)
    Xs_tr, ys_tr, Xs_va, ys_va = map(np.array, (Xs_tr, ys_tr, Xs_va, ys_va))
    stack = Stack(sizes, init, "tanh", l2=l2).fit(Xs_tr, ys_tr, **MOONS_FIT)
    per_fold = np.stack([stack.error(Xs_tr, ys_tr), stack.error(Xs_va, ys_va)])
    return per_fold.reshape(2, len(fold_seeds), 3).mean(axis=2)        # (training / held-out, fold seed)


def test_error_on_all_points(X, y, sizes, seeds, l2=0.0):
    """Mean training and test error of networks trained on all of (X, y) with these seeds."""
    scaler = nnedu.data.Standardizer().fit(X)
    Xs = scaler.transform(X)
    stack = Stack(sizes, seeds, "tanh", l2=l2).fit(Xs, y, **MOONS_FIT)
    Xt, yt = MOONS_TEST
    return stack.error(Xs, y), stack.error(scaler.transform(Xt), yt)


test_error_on_all_points.__test__ = False   # a helper, not a test


HIDDEN = [1, 3, 6, 20, 100]


@claim(NB, "cv-explained", "The training error falls steadily as $H$ grows")
@claim(NB, "cv-explained", "The cross-validation error drops from $H = 1$ (17.4%: the network under-fits) to $H = 3$")
@claim(NB, "cv-explained", "Cross-validation on 90 points cannot tell the sizes from 3 up apart")
def test_repeated_cross_validation_over_hidden_units():
    """The notebook's 90 moons, 3 groups of 3 fold splits (fold seeds 0-8; the notebook uses 0-2)."""
    X, y = moons()
    cv = {H: cross_validation(X, y, [2, H, 2], range(9)) for H in HIDDEN}
    for g in range(3):
        tr = {H: cv[H][0, 3 * g:3 * g + 3].mean() for H in HIDDEN}
        va = {H: cv[H][1, 3 * g:3 * g + 3] for H in HIDDEN}
        band = max(va[H].mean() for H in HIDDEN[1:]) - min(va[H].mean() for H in HIDDEN[1:])
        disagreement = max(np.ptp(va[H]) for H in HIDDEN[1:])
        print(f"fold seeds {3 * g}-{3 * g + 2}: training (%) {[round(100 * tr[H], 1) for H in HIDDEN]}, "
              f"CV mean (%) {[round(100 * va[H].mean(), 1) for H in HIDDEN]}, band of H >= 3: {100 * band:.1f}, "
              f"largest disagreement between splits: {100 * disagreement:.1f}")
        assert all(tr[a] > tr[b] for a, b in zip(HIDDEN, HIDDEN[1:]))
        assert va[1].mean() > va[3].mean()
        assert band < disagreement


@claim(NB, "cv-explained", "100 units were never the best size on the test set")
@claim(NB, "23808da2", "the training accuracy rises with the number of neurons (91.1%, 93.7%, 94.8%) while the test "
                       "accuracy does not")
@claim(NB, "830866e7", "The large, well-regularized network generalizes better than the small one, for every seed, "
                       "and better than any size without regularization in section 3")
def test_capacity_on_the_test_set():
    """Trained on all 90 points, seeds 0-4, for the notebook's draw of the moons and 4 other draws; on the notebook's
    draw also H = 100 with the cross-validated lambda = 0.003."""
    worse = []
    for draw in range(5):
        X, y = moons(draw)
        res = {H: test_error_on_all_points(X, y, [2, H, 2], range(5)) for H in HIDDEN}
        train = {H: res[H][0].mean() for H in res}
        test = {H: res[H][1].mean() for H in res}
        worse.append(test[100] - min(test[H] for H in HIDDEN[:-1]))
        print(f"draw {draw}: training error (%) {[round(100 * train[H], 1) for H in res]}, test error (%) "
              f"{[round(100 * test[H], 1) for H in res]} for H = {HIDDEN}")
        assert train[3] > max(train[6], train[20]) and test[20] > test[3] - 0.01
        if draw == 0:
            large = test_error_on_all_points(X, y, [2, 100, 2], range(5), l2=0.003)[1]
            print(f"draw 0, H = 100 with lambda 0.003: test error (%) {np.round(100 * large, 1).tolist()}, without L2 "
                  f"the best seed of any size: {100 * min(res[H][1].min() for H in HIDDEN):.1f}")
            assert large.max() < min(res[H][1].min() for H in HIDDEN)
    print(f"H = 100 worse than the best smaller size by {np.round(100 * np.array(worse), 1).tolist()} points")
    assert min(worse) > 0


@claim(NB, "5ea4db40", "with 2 layers the cross-validation error is no lower than with one")
@claim(NB, "5ea4db40", "and neither is the test error")
def test_a_second_layer_does_not_help():
    """6 tanh units per layer: the notebook's moons in 3 groups of 3 fold splits; test error over 5 draws."""
    X, y = moons()
    cv = {L: cross_validation(X, y, [2] + [6] * L + [2], range(9))[1].reshape(3, 3).mean(axis=1) for L in (1, 2)}
    print(f"CV error (%) per group of 3 fold splits: 1 layer {np.round(100 * cv[1], 1).tolist()}, "
          f"2 layers {np.round(100 * cv[2], 1).tolist()}")
    assert (cv[2] >= cv[1]).all()
    for draw in range(5):
        X, y = moons(draw)
        test = {L: test_error_on_all_points(X, y, [2] + [6] * L + [2], range(5))[1].mean() for L in (1, 2)}
        print(f"draw {draw}: test error (%) 1 layer {100 * test[1]:.1f}, 2 layers {100 * test[2]:.1f}")
        assert test[2] > test[1] - 0.005


@claim(NB, "8f162226", "Other fold splits mostly pick a $\\lambda$ between 0.001 and 0.01 too")
def test_cross_validation_of_the_l2_strength():
    """H = 100 on the notebook's moons, fold seeds 0-5 (the notebook uses 0)."""
    X, y = moons()
    grid = [0.0, 0.001, 0.003, 0.01, 0.1]
    cv = np.array([cross_validation(X, y, [2, 100, 2], range(6), l2=lam)[1] for lam in grid])   # (lambda, fold seed)
    chosen = [grid[i] for i in cv.argmin(axis=0)]
    print(f"CV error (%) per lambda {grid} (rows) and fold seed (columns):\n{np.round(100 * cv, 1)}\n"
          f"chosen: {chosen}; lowest mean: lambda = {grid[cv.mean(axis=1).argmin()]}")
    assert sum(0.001 <= lam <= 0.01 for lam in chosen) >= 4 and grid[cv.mean(axis=1).argmin()] == 0.003


# -- section 5b: random vs grid search --------------------------------------------------------------------------------
@claim(NB, "search-explained", "random search found the better setting in more than 9 runs out of 10")
def test_random_search_beats_the_grid():
    """9 trainings each way; random draws 1-10 (the notebook shows 0) on two splits of the digits (0 and 1)."""
    X_all, y_all = nnedu.data.digits()
    wins = []
    for split_seed in (0, 1):
        X_rest, y_rest, X_val, y_val, _, _ = nnedu.data.train_val_test(X_all, y_all, val=0.25, test=0.25,
                                                                       seed=split_seed)
        scaler = nnedu.data.Standardizer().fit(X_rest[:500])
        X_tr, X_val = scaler.transform(X_rest[:500]), scaler.transform(X_val)

        def validation_error(lr, hidden):
            model = nnedu.MLP([64, hidden, 10], activation="tanh", seed=0)
            nnedu.fit(model, X_tr, y_rest[:500], epochs=5, batch_size=32, lr=lr, seed=0, progress=False,
                      eval_train=False)
            return 1 - nnedu.accuracy(model, X_val, y_val)

        grid = min(validation_error(10 ** a, round(2 ** b)) for a in np.linspace(-3, 0.5, 3)
                   for b in np.linspace(3, 8, 3))
        for draw in range(1, 11):
            rng = np.random.default_rng(draw)
            best = min(validation_error(10 ** rng.uniform(-3, 0.5), round(2 ** rng.uniform(3, 8))) for _ in range(9))
            wins.append(best < grid)
        print(f"split {split_seed}: grid's best validation error {100 * grid:.1f}%; random search better in "
              f"{sum(wins[-10:])} of 10 draws")
    assert sum(wins) / len(wins) > 0.9


# -- section 7: hidden units as features ------------------------------------------------------------------------------
@claim(NB, "62bb8fb6", "on the hidden features the very same linear classifier separates the classes almost perfectly, "
                       "and it holds on new points")
def test_hidden_features_make_the_spiral_linearly_separable():
    """Spiral networks with 50 tanh units, seeds 0-4; new points from spiral seeds 1-5."""
    from sklearn.linear_model import LogisticRegression
    X_raw, y = nnedu.data.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=0)
    scaler = nnedu.data.Standardizer().fit(X_raw)
    X = scaler.transform(X_raw)
    raw = LogisticRegression(max_iter=5000).fit(X, y).score(X, y)
    for seed in range(5):
        net = nnedu.MLP([2, 50, 3], activation="tanh", seed=seed)
        nnedu.fit(net, X, y, epochs=500, batch_size=len(X), lr=0.5, momentum=0.9, seed=seed, progress=False,
                  eval_train=False)
        X_new_raw, y_new = nnedu.data.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=seed + 1)
        Z, Z_new = net.hidden(X)[0], net.hidden(scaler.transform(X_new_raw))[0]
        clf = LogisticRegression(max_iter=5000).fit(Z, y)
        train, new = clf.score(Z, y), clf.score(Z_new, y_new)
        print(f"seed {seed}: linear classifier on raw inputs {100 * raw:.0f}%, on hidden features {100 * train:.0f}% "
              f"(training), {100 * new:.0f}% (new points)")
        assert raw < 0.65 and train > 0.95 and new > 0.9
