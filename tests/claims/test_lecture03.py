"""Lecture 03 (gradient descent): its headline sentences, re-run over seeds, samples and splits.

Sections 1-4 (section 5, Adam and RMSProp, is in test_lecture03_adam.py). The notebook reads seed 0; here every
experiment is repeated with seeds 0-4 (initial weights and mini-batch order). The training loops are the
notebook's own (``train_sgd`` and ``dead_units`` are executed from its cells); each test prints the spread it saw.
"""
import functools

import numpy as np
import pytest
from claimkit import SEEDS, _cells, claim

import nnedu

NB = "lectures/03_gradient_descent.ipynb"
RATES = {"too low": 0.01, "good": 1.0, "too high": 5.0, "way too high": 30.0}
GRID = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]


def uses(cell_id, snippet):
    """Guard against drift: the notebook cell still runs the experiment with these settings."""
    assert snippet in _cells(NB)[cell_id], f"{NB} [{cell_id}] no longer contains {snippet!r}: update this test"


@functools.lru_cache(maxsize=None)
def notebook():
    """The notebook's imports, spiral (X, y), ``dead_units``, ``train_sgd`` and section 5's definitions
    (``OPTIMIZERS``, ``spiral_data``, ``digits_data``, ``run``), executed from its cells."""
    ns = {}
    for cell_id in ("cell-02", "cell-08", "cell-10"):
        exec(_cells(NB)[cell_id], ns)
    compare_cell = _cells(NB)["adam-compare"]
    uses("adam-compare", "grids = {")
    exec(compare_cell[:compare_cell.index("grids = {")], ns)   # OPTIMIZERS, spiral_data, digits_data, run, compare
    return ns


@functools.lru_cache(maxsize=None)
def regimes(seed):
    """Section 2: one network per learning rate, 100 epochs of mini-batches of 32, as in the notebook."""
    uses("cell-12", 'rates = {"too low": 0.01, "good": 1.0, "too high": 5.0, "way too high": 30.0}')
    uses("cell-12", "lr=lr, batch_size=32,\n                            epochs=100, seed=seed)")
    nb = notebook()
    return {name: nb["train_sgd"](nnedu.MLP([2, 100, 3], activation="relu", seed=seed), nb["X"], nb["y"], lr=lr,
                                  batch_size=32, epochs=100, seed=seed) for name, lr in RATES.items()}


@claim(NB, "cell-09", "close to $\\ln 3 = 1.0986$ (within about 0.2, whatever the seed)")
def test_initial_loss_near_ln3():
    nb = notebook()
    start = [nnedu.MLP([2, 100, 3], activation="relu", seed=s).evaluate(nb["X"], nb["y"])[0] for s in range(20)]
    print("initial losses, seeds 0-19:", np.round(start, 3))
    assert np.all(np.abs(np.array(start) - np.log(3)) < 0.25)


@claim(NB, "4b4347bd", "the loss goes down every epoch, but slowly, and more and more slowly")
@claim(NB, "4b4347bd", "No unit dies.")
@claim(NB, "4b4347bd", "the lowest curve, and every unit stays alive")
@claim(NB, "4b4347bd", "the loss falls below its start within a few epochs")
@claim(NB, "4b4347bd", "then jumps up and down and **stalls at a worse loss**")
@claim(NB, "4b4347bd", "the loss jumps **above** where it started and never comes back below it")
@claim(NB, "4b4347bd", "Averaged over the last 10 epochs, the slow, steady curve is already below the too-high one")
@claim(NB, "4b4347bd", "Other seeds (initial weights and mini-batch order) give the same picture")
@claim(NB, "summary", "On a ReLU network the loss-vs-epoch curves show four regimes (in each of five seeds)")
@claim(NB, "summary", "while most of its ReLUs die), way too high (every ReLU dies within the first epochs")
def test_four_regimes():
    rows = []
    for seed in SEEDS:
        logs = regimes(seed)
        loss = {name: np.array(log["epoch"]) for name, log in logs.items()}
        dead = {name: np.array(log["dead"]) for name, log in logs.items()}
        last = {name: curve[-10:].mean() for name, curve in loss.items()}
        rows.append((seed, *(round(last[n], 3) for n in RATES), int(dead["too high"][-1]),
                     int(np.argmax(dead["way too high"] == 100))))
        low = np.diff(loss["too low"])
        assert np.all(low < 0) and low[-10:].mean() > low[:10].mean() / 10 and last["too low"] > 0.5
        assert dead["too low"].max() == 0 and dead["good"].max() == 0
        assert min(last, key=last.get) == "good"
        assert loss["too high"][1:7].min() < loss["too high"][0] and last["too high"] > last["too low"]
        assert np.abs(np.diff(loss["too high"][-10:])).max() > 0.05 and dead["too high"][-1] >= 85
        assert loss["way too high"][1:].min() > loss["way too high"][0] and dead["way too high"][2] == 100
    print("seed, loss over the last 10 epochs (too low, good, too high, way too high), dead units at eta = 5,"
          " epoch from which all units are dead at eta = 30:", *rows, sep="\n  ")


@claim(NB, "eta30-explained", "the scores grow to thousands and the batch loss to hundreds")
@claim(NB, "eta30-explained", "the network predicts one class for everything (accuracy 1/3)")
@claim(NB, "eta30-explained", "So the scores swing around but stay of the order of $\\eta$, and so does the loss")
@claim(NB, "eta30-explained", "it jumps around a value of about 10")
@claim(NB, "summary", "The softmax loss stays finite even then")
def test_way_too_high_breaks_the_network():
    nb, lr = notebook(), RATES["way too high"]
    X, y = nb["X"], nb["y"]
    rows = []
    for seed in SEEDS:
        net = nnedu.MLP([2, 100, 3], activation="relu", seed=seed)
        opt, rng = nnedu.SGD(lr), np.random.default_rng(seed)
        early_loss, early_score, epoch_loss, late_score, all_dead = 0.0, 0.0, [], 0.0, None
        for epoch in range(1, 101):
            for Xb, yb in nnedu.data.minibatches(X, y, 32, rng=rng):
                loss, grads = net.loss(Xb, yb)
                opt.step(net.params, grads)
                if epoch <= 2:
                    early_loss, early_score = max(early_loss, loss), max(early_score, np.abs(net.loss(X)).max())
            if all_dead is None and nb["dead_units"](net, X) == 100:
                all_dead = epoch
            if epoch >= 2:
                epoch_loss.append(net.evaluate(X, y)[0])
                late_score = max(late_score, np.abs(net.loss(X)).max())
                assert len(np.unique(net.loss(X), axis=0)) == 1                   # one score vector for all
                assert nnedu.accuracy(net, X, y) == pytest.approx(1 / 3)
        rows.append((seed, all_dead, round(early_score), round(early_loss), round(late_score, 1),
                     round(min(epoch_loss), 2), round(max(epoch_loss), 1), round(np.mean(epoch_loss), 1)))
        assert all_dead <= 2 and early_score > 1000 and early_loss > 100
        assert late_score < lr and np.all(np.isfinite(epoch_loss)) and 7 < np.mean(epoch_loss) < 13
    print("seed, epoch all dead, largest score and batch loss in epochs 1-2, largest score from epoch 2,"
          " loss per epoch from epoch 2 (min, max, mean):", *rows, sep="\n  ")


@claim(NB, "f654358d", "the weights grow geometrically until the loss overflows to `inf`")
@claim(NB, "cell-19", "it is multiplied by roughly the same factor at every update")
def test_squared_error_diverges_geometrically():
    uses("cell-18", 'nnedu.MLP([1, 50, 1], activation="tanh", output="identity", seed=0)')
    uses("cell-20", "lr=1.0, batch_size=20, epochs=50")
    nb = notebook()
    x = np.linspace(-3, 3, 200)[:, None]
    rows = []
    for seed in SEEDS:
        calm = nnedu.MLP([1, 50, 1], activation="tanh", output="identity", seed=seed)
        nnedu.fit(calm, x, np.sin(x), epochs=50, batch_size=20, lr=0.1, seed=seed, progress=False)
        log = nb["train_sgd"](nnedu.MLP([1, 50, 1], activation="tanh", output="identity", seed=seed), x, np.sin(x),
                              lr=1.0, batch_size=20, epochs=50, seed=seed)
        losses = np.array(log["update"])
        assert np.isinf(losses[-1])
        u, log_loss = np.arange(20, len(losses) - 1), np.log10(losses[20:-1])
        straight = np.corrcoef(u, log_loss)[0, 1]
        rows.append((seed, len(losses), round(np.polyfit(u, log_loss, 1)[0], 2), round(straight, 5)))
        assert straight > 0.99
    print("seed, updates until inf, log10 factor per update, straightness:", *rows, sep="\n  ")


def failed(log):
    """The notebook's rule: a run fails when it overflows, ends above its starting loss or with every unit dead."""
    return len(log["epoch"]) < 21 or log["epoch"][-1] > log["epoch"][0] or log["dead"][-1] == 100


@functools.lru_cache(maxsize=None)
def batch_tuning(seed):
    """Section 3's grid for B = 300 and B = 32 (up until a run fails); B = 1 at 0.1 and from 1.0 up to a failure."""
    uses("cell-24", "grid = [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]")
    uses("cell-24", 'log["epoch"][-1] > log["epoch"][0] or log["dead"][-1] == 100:')
    nb = notebook()
    X, y = nb["X"], nb["y"]

    def train(lr, B):
        return nb["train_sgd"](nnedu.MLP([2, 100, 3], activation="relu", seed=seed), X, y, lr=lr, batch_size=B,
                               epochs=20, seed=seed)

    out = {}
    for B in (300, 32):
        out[B] = {}
        for lr in GRID:
            out[B][lr] = log = train(lr, B)
            if failed(log):
                break
    # B = 1: its tuned 0.1 in full; from 1.0 up, the notebook's runs until one fails, each stopped early once every
    # hidden unit is dead (units of the one hidden layer never come back: that run has failed, and its loss stays at
    # ln 3 or above, worse than the run at 0.1).
    out[1] = {0.1: train(0.1, 1)}
    for lr in (1.0, 3.0, 10.0, 30.0):
        net, opt = nnedu.MLP([2, 100, 3], activation="relu", seed=seed), nnedu.SGD(lr)
        rng = np.random.default_rng(seed)
        start = net.evaluate(X, y)[0]
        for epoch in range(1, 21):
            for Xb, yb in nnedu.data.minibatches(X, y, 1, rng=rng):
                opt.step(net.params, net.loss(Xb, yb)[1])
            if nb["dead_units"](net, X) == 100:
                break
        loss = net.evaluate(X, y)[0]
        out[1][lr] = {"all dead at epoch": epoch if nb["dead_units"](net, X) == 100 else None, "loss": loss}
        if out[1][lr]["all dead at epoch"] or loss > start:
            break
    return out


@claim(NB, "46fe747f", "The best $\\eta$ grows with the batch size")
@claim(NB, "46fe747f", "far less than the linear scaling rule's 300-fold: every batch size fails by $\\eta = 10$")
@claim(NB, "46fe747f", "Even at its own best $\\eta$ the full batch ends far behind the small batches after 20 epochs")
@claim(NB, "fullbatch-spike-intro", "The ranking holds.")
@claim(NB, "7b0692d6", "the small batches win even with every batch size at its own best learning rate")
@claim(NB, "7b0692d6", "already gets right) and 2 or so (one it gets wrong)")
@claim(NB, "7b0692d6", "so an epoch of 300 single-sample updates costs many times more than one update on 300 samples")
def test_batch_sizes_at_their_best_rates():
    rows, noise = [], []
    for seed in SEEDS:
        runs = batch_tuning(seed)
        best, loss, fail = {}, {}, {}
        for B in (300, 32):
            finals = {lr: log["epoch"][-1] for lr, log in runs[B].items()}
            best[B] = min(finals, key=finals.get)
            loss[B], fail[B] = finals[best[B]], max(finals)
            assert failed(runs[B][fail[B]]) and fail[B] <= 10
        # B = 1: every rate from 1.0 up to its first failure is worse than 0.1, so its best is below 1.0
        fail[1] = max(runs[1])
        loss[1] = runs[1][0.1]["epoch"][-1]
        assert fail[1] <= 10 and all(run["loss"] > loss[1] for lr, run in runs[1].items() if lr >= 1)
        rows.append((seed, best[300], best[32], round(loss[300], 3), round(loss[32], 3), round(loss[1], 3),
                     fail[300], fail[32], fail[1], runs[300][fail[300]]["dead"][-1], runs[32][fail[32]]["dead"][-1],
                     runs[1][fail[1]]["all dead at epoch"]))
        assert 1.0 <= best[32] <= best[300] <= 3.0                  # B = 1's best is below 1.0 (it fails there)
        assert loss[1] < loss[32] < loss[300] / 2
        at_tuned = {B: runs[B][lr]["epoch"][-1] for B, lr in ((300, 3.0), (32, 1.0), (1, 0.1))}  # the notebook's eta
        assert at_tuned[1] < at_tuned[32] < at_tuned[300]
        last_epoch = np.array(runs[1][0.1]["update"][-300:])          # one-sample losses
        cost = (runs[1][0.1]["seconds"][-1] / 20) / (runs[300][3.0]["seconds"][-1] / 20)
        noise.append((seed, round(last_epoch.min(), 4), round(last_epoch.max(), 2), round(cost)))
        assert last_epoch.min() < 0.01 and last_epoch.max() > 1.5 and cost > 5
    print("seed, best eta (B = 300, 32), loss there (B = 300, 32; B = 1 at 0.1), first failing eta (B = 300, 32, 1),"
          " dead units there (B = 300, 32), epoch by which all B = 1 units were dead:", *rows, sep="\n  ")
    print("seed, one-sample losses in the last epoch at eta = 0.1 (min, max), cost of a B = 1 epoch / a B = 300 epoch:",
          *noise, sep="\n  ")


@claim(NB, "fullbatch-spike-explained", "The other seeds at $\\eta = 3$ have such spikes too")
@claim(NB, "fullbatch-spike-explained", "at $\\eta = 1$ the loss falls smoothly")
@claim(NB, "summary", "A rate tuned at the edge of stability can spike on another seed.")
def test_full_batch_spikes_at_eta_3():
    uses("fullbatch-spike", "batch_size=N, epochs=40, seed=seed)")
    nb = notebook()
    rows = []
    for seed in SEEDS:
        curve = {lr: np.array(nb["train_sgd"](nnedu.MLP([2, 100, 3], activation="relu", seed=seed), nb["X"], nb["y"],
                                              lr=lr, batch_size=300, epochs=40, seed=seed)["epoch"])
                 for lr in (1.0, 3.0)}
        rise = {lr: np.diff(c).max() for lr, c in curve.items()}
        rows.append((seed, round(rise[1.0], 4), round(rise[3.0], 3), round(curve[3.0][-1], 3),
                     round(curve[1.0][-1], 3)))
        assert rise[1.0] < 0.01 and rise[3.0] > 0.1
    print("seed, largest rise from one epoch to the next at eta = 1 and 3, loss after 40 epochs at 3 and 1:",
          *rows, sep="\n  ")


@claim(NB, "e9c4156d", "the count falls in proportion as $\\eta$ grows")
@claim(NB, "e9c4156d", "At a cautious learning rate even this 300-point problem takes thousands of epochs")
def test_epochs_to_reach_0_1_scale_as_one_over_eta():
    uses("20cc5b0d", "for lr in [0.1, 0.3, 1.0]:")
    nb = notebook()
    rows = []
    for seed in SEEDS:
        needed = {}
        for lr, most in ((0.1, 2000), (0.3, 3000), (1.0, 3000)):    # at 0.1: is the loss still above 0.1 after 2000?
            net, opt = nnedu.MLP([2, 100, 3], activation="relu", seed=seed), nnedu.SGD(lr)
            for epoch in range(most + 1):
                loss, grads = net.loss(nb["X"], nb["y"])
                if loss < 0.1:
                    break
                opt.step(net.params, grads)
            needed[lr] = epoch
        rows.append((seed, *needed.values(), round(0.3 * needed[0.3]), round(needed[1.0])))
        assert needed[0.1] == 2000 and 0.87 < 0.3 * needed[0.3] / needed[1.0] < 1.15
    print("seed, epochs to a loss below 0.1 at eta = 0.1 (2000: still above after 2000), 0.3, 1; eta x epochs at 0.3"
          " and 1:", *rows, sep="\n  ")


@claim(NB, "36090a42", "for each of five seeds, within a factor 1.5")
def test_momentum_matches_ten_times_the_rate():
    uses("cell-30", "nnedu.fit(net, X, y, epochs=60, batch_size=32, lr=lr, momentum=mu, progress=False)")
    nb = notebook()
    rows = []
    for seed in SEEDS:
        final = {(mu, lr): nnedu.fit(nnedu.MLP([2, 100, 3], activation="relu", seed=seed), nb["X"], nb["y"],
                                     epochs=60, batch_size=32, lr=lr, momentum=mu, seed=seed,
                                     progress=False).train_loss[-1]
                 for mu, lr in [(0.0, 0.1), (0.9, 0.1), (0.0, 1.0)]}
        rows.append((seed, *(round(v, 3) for v in final.values())))
        assert final[0.9, 0.1] < final[0.0, 0.1] / 2 and 1 / 1.5 < final[0.9, 0.1] / final[0.0, 1.0] < 1.5
    print("seed, loss after 60 epochs (mu 0 at 0.1, mu 0.9 at 0.1, mu 0 at 1):", *rows, sep="\n  ")
