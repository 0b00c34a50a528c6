"""Lecture 03, section 5 (RMSProp and Adam against SGD with momentum): its headline sentences on other seeds.

The notebook tunes each optimizer on seeds 0-2 and reports the spiral's seeds 0-9 and the digits' splits 0-4; here
the same runs (the notebook's own ``run``, executed from its cell) at the notebook's tuned rates are repeated on
other networks, mini-batch orders, spiral test samples (seeds 10-29) and digits splits (5-12). Each test prints what
it saw.
"""
import numpy as np
from claimkit import SEEDS, claim
from test_lecture03 import NB, notebook, uses

import nnedu


@claim(NB, "adam-intro", "In the first step $\\hat m = g$ and $\\hat v = g^2$, so every weight moves by")
def test_adams_first_step_is_eta():
    nb = notebook()
    moved = []
    for seed in SEEDS:
        net = nnedu.MLP([2, 100, 3], activation="relu", seed=seed)
        start = {k: w.copy() for k, w in net.params.items()}
        Xb, yb = next(iter(nnedu.data.minibatches(nb["X"], nb["y"], 32, rng=seed)))
        _, grads = net.loss(Xb, yb)
        nnedu.Adam(lr=0.01).step(net.params, grads)
        for k in start:
            big = np.abs(grads[k]) > 1e-5
            moved.append(np.abs(net.params[k] - start[k])[big] / 0.01)
    moved = np.concatenate(moved)
    print(f"first Adam step / eta over 5 seeds: {moved.min():.6f} to {moved.max():.6f} ({moved.size} weights)")
    assert np.allclose(moved, 1, rtol=1e-3)


TUNED = {"spiral": {"SGD + momentum": 0.3, "RMSProp": 0.03, "Adam": 0.1},
         "digits": {"SGD + momentum": 0.1, "Adam": 0.01}}


def at_tuned(data_name, seeds):
    """Section 5's runs at the notebook's tuned rates (which its check cell asserts), for other seeds."""
    uses("check-adam-compare", 'TUNED = {"spiral": {"SGD + momentum": 0.3, "RMSProp": 0.03, "Adam": 0.1, ')
    uses("check-adam-compare", '"digits": {"SGD + momentum": 0.1, "Adam": 0.01, ')
    uses("adam-compare", 'data_sets = {"spiral": (spiral_data, 30, 10, list(OPTIMIZERS)),')
    uses("adam-compare", '"digits": (digits_data, 10, 5, ["SGD + momentum", "Adam"])}')
    nb = notebook()
    data, epochs = {"spiral": (nb["spiral_data"], 30), "digits": (nb["digits_data"], 10)}[data_name]
    rates = dict(TUNED[data_name], default=0.001)
    runs = {name: [nb["run"](data, s, "Adam" if name == "default" else name, lr, epochs) for s in seeds]
            for name, lr in rates.items()}
    final = {name: np.array([r[1:] for r in rs]) for name, rs in runs.items()}
    first_epoch = {name: np.array([r[0].train_loss[0] for r in rs]) for name, rs in runs.items()}
    for name, res in final.items():
        print(f"  {name:15s} eta {rates[name]:<6g} training loss {np.round(res[:, 0], 4)}  "
              f"test error % {np.round(res[:, 1], 1)}")
    return final, first_epoch


@claim(NB, "adam-conclusion", "Adam ends 30 epochs with a lower training loss than SGD with momentum in most seeds")
@claim(NB, "adam-conclusion", "and usually with a lower test error")
@claim(NB, "adam-conclusion", "RMSProp's medians land in between")
@claim(NB, "adam-conclusion", "now and then on the spiral (Adam too, in other seeds); no run of SGD with momentum did.")
@claim(NB, "adam-conclusion", "and on the spiral far behind in test error too")
@claim(NB, "summary", "Adam fit the spiral better than SGD with momentum")
@claim(NB, "summary", "The adaptive methods occasionally jump to a much worse loss")
def test_adam_on_the_spiral():
    print("spiral, seeds 10-29 (other networks, batch orders and test samples than the notebook's 0-9):")
    final, _ = at_tuned("spiral", range(10, 30))
    adam, sgd = final["Adam"], final["SGD + momentum"]
    median = {name: np.median(res, axis=0) for name, res in final.items()}
    jumps = {name: int(np.sum(res[:, 0] > 3 * median[name][0])) for name, res in final.items()}
    print("  Adam below SGD + momentum in", np.sum(adam[:, 0] < sgd[:, 0]), "of 20 seeds (training loss),",
          np.sum(adam[:, 1] < sgd[:, 1]), "(test error); runs ending above 3 times their median loss:", jumps)
    assert np.sum(adam[:, 0] < sgd[:, 0]) >= 14 and np.sum(adam[:, 1] < sgd[:, 1]) >= 12              # most, usually
    assert np.all(median["Adam"] < median["RMSProp"]) and np.all(median["RMSProp"] < median["SGD + momentum"])
    assert jumps["SGD + momentum"] == 0 and jumps["Adam"] >= 1 and jumps["RMSProp"] >= 1
    assert final["default"][:, 0].min() > 5 * median["Adam"][0]                        # far behind: training loss
    assert final["default"][:, 1].min() > 10 * median["Adam"][1]                       # and test error


@claim(NB, "adam-conclusion", "Adam is ahead in the first epochs, but tuned SGD with momentum catches up")
@claim(NB, "adam-conclusion", "ends the 10 epochs with a lower training loss in most splits")
@claim(NB, "adam-conclusion", "Both fit this easy, well-scaled problem almost perfectly.")
@claim(NB, "adam-conclusion", "On the test set Adam usually does a little better")
@claim(NB, "adam-conclusion", "a difference of the size of the spread between splits")
@claim(NB, "adam-conclusion", "At its default $\\eta = 0.001$ it ends far behind in training loss on both data sets")
@claim(NB, "summary", "on the digits SGD with momentum fit the training set better and the test errors were close")
def test_adam_on_the_digits():
    print("digits, splits 5-12 (other splits and networks than the notebook's 0-4):")
    final, first_epoch = at_tuned("digits", range(5, 13))
    adam, sgd = final["Adam"], final["SGD + momentum"]
    gain = sgd[:, 1] - adam[:, 1]
    print("  test error of SGD + momentum minus Adam's (points):", np.round(gain, 2))
    assert np.sum(sgd[:, 0] < adam[:, 0]) >= 6 and all(final[name][:, 0].max() < 0.01 for name in TUNED["digits"])
    assert np.all(first_epoch["Adam"] < first_epoch["SGD + momentum"])                 # ahead in epoch 1
    assert np.sum(gain > 0) >= 6 and gain.mean() > 0                                   # a little better, mostly
    assert np.abs(gain).max() <= np.ptp(sgd[:, 1]) + 1e-9 and np.abs(gain).max() < 2.5
    assert final["default"][:, 0].min() > 10 * max(final[name][:, 0].max() for name in TUNED["digits"])


@claim(NB, "adam-conclusion", "the best $\\eta$ of one data set is not the best of the other: 0.1 on the spiral")
@claim(NB, "adam-fair-intro", "Compared at one learning rate, either can be made to win")
def test_adams_best_rate_depends_on_the_data():
    nb = notebook()
    loss = {(data_name, lr): np.array([nb["run"](data, s, "Adam", lr, epochs)[1] for s in seeds])
            for data_name, data, epochs, seeds in (("spiral", nb["spiral_data"], 30, range(10, 15)),
                                                   ("digits", nb["digits_data"], 10, range(8, 13)))
            for lr in (0.01, 0.1)}
    for key, value in loss.items():
        print(key, np.round(value, 4))
    assert np.all(loss["spiral", 0.1] < loss["spiral", 0.01]) and np.all(loss["digits", 0.01] < loss["digits", 0.1])
    # one common rate: 0.01 favours Adam on the spiral, 0.1 favours SGD with momentum on the digits
    sgd = {"spiral": np.array([nb["run"](nb["spiral_data"], s, "SGD + momentum", 0.01, 30)[1] for s in range(10, 15)]),
           "digits": np.array([nb["run"](nb["digits_data"], s, "SGD + momentum", 0.1, 10)[1] for s in range(8, 13)])}
    print("SGD + momentum, spiral at 0.01 and digits at 0.1:", {k: np.round(v, 4) for k, v in sgd.items()})
    assert np.all(loss["spiral", 0.01] < sgd["spiral"]) and np.all(sgd["digits"] < loss["digits", 0.1])
