"""Claims of lecture 01 (neural networks), re-run over other seeds and data sets than the notebook's.

The error-signal measurements run the notebook's own ``error_signals`` (executed from its cell); the fits
repeat the notebook's settings, which each test first checks are still the ones its cell uses.
"""
import numpy as np
import pytest
from claimkit import SEEDS, _cells, claim

import nnedu

NB = "lectures/01_neural_networks.ipynb"


def uses(cell_id, snippet):
    """Guard against drift: the notebook cell still runs the experiment with these settings."""
    assert snippet in _cells(NB)[cell_id], f"{NB} [{cell_id}] no longer contains {snippet!r}: update this test"


@pytest.fixture(scope="module")
def error_signals():
    ns = {}
    for cell_id in ("cell-002", "a58caf7f"):    # imports; UNITS and error_signals (and the notebook's own run)
        exec(_cells(NB)[cell_id], ns)
    return ns["error_signals"]


@claim(NB, "15340f42", "At $a = 5$ the sigmoid's slope is about 40 times smaller than at $a = 0$, tanh's about "
       "5500 times")
def test_saturated_slopes():
    a = np.array([[0.0, 5.0]])
    ratio = {}
    for name in ("sigmoid", "tanh"):
        layer = nnedu.layers.make_activation(name)
        layer.forward(a)
        slope = layer.backward(np.ones_like(a))[0]
        ratio[name] = slope[0] / slope[1]
    print(ratio)
    assert 35 < ratio["sigmoid"] < 45 and 5000 < ratio["tanh"] < 6000


@claim(NB, "f8ccf5b3", "the sigmoid network's error signal shrinks about 4-fold per layer")
@claim(NB, "f8ccf5b3", "the first hidden layer gets about a millionth of the last one's signal")
@claim(NB, "f8ccf5b3", "a single layer can shrink it less than 4-fold")
@claim(NB, "f8ccf5b3", "Multiply the weights by 8 and the signal barely shrinks, and in most networks even grows "
       "in some layers")
@claim(NB, "f8ccf5b3", "the units' mean slope falls from about 0.24 to below 0.1")
@claim(NB, "f8ccf5b3", "it loses only about 6% per layer, and layer 1 still gets about half of layer 10's signal")
@claim(NB, "5613e4ac", "It keeps the tanh network's error signal steady")
@claim(NB, "89cfded5", "`nnedu`'s fan-in-scaled initial weights keep a tanh network's signal steady")
def test_error_signal_through_ten_layers(error_signals):
    runs = {}   # (activation, scale) -> rows (layer 1 / layer 10, geometric mean factor, largest factor, mean slope)
    for data_seed in (1, 2, 3):                                   # other spiral data sets than the notebook's
        X, y = nnedu.data.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=data_seed)
        for seed in range(10, 20):                                # other networks than the notebook's 0..4
            for act, scale in [("sigmoid", 1), ("sigmoid", 8), ("tanh", 1)]:
                net = nnedu.MLP([2] + [32] * 10 + [3], activation=act, seed=seed)
                _, size, slope, _ = error_signals(net, X, y, scale)
                factor = size[:-1] / size[1:]
                runs.setdefault((act, scale), []).append(
                    (size[0] / size[-1], np.exp(np.mean(np.log(factor))), factor.max(), slope))
    for key, rows in runs.items():
        rows = runs[key] = np.array(rows).T
        print(key, "layer 1 / layer 10: %.2g..%.2g" % (rows[0].min(), rows[0].max()),
              "per layer: %.3f..%.3f (median %.3f)" % (rows[1].min(), rows[1].max(), np.median(rows[1])),
              "largest: %.2f..%.2f" % (rows[2].min(), rows[2].max()),
              "slope: %.3f..%.3f" % (rows[3].min(), rows[3].max()))
    s1, s8, t1 = runs["sigmoid", 1], runs["sigmoid", 8], runs["tanh", 1]
    assert np.all((0.18 < s1[1]) & (s1[1] < 0.3))                 # about 4-fold per layer, every run
    assert np.all((1e-7 < s1[0]) & (s1[0] < 1e-5))                # about a millionth
    assert np.mean(s1[2] > 0.25) >= 0.5                           # a layer that shrinks it less: in most networks
    assert np.all(s8[0] > 1e-2) and np.mean(s8[2] > 1) >= 0.8     # barely shrinks; grows in some layer: most runs
    assert np.all(s1[3] > 0.22) and np.all(s8[3] < 0.1)           # mean slope about 0.24, below 0.1
    assert np.all(t1[1] > 0.85) and 0.92 < np.median(t1[1]) < 0.96  # tanh: about 6% per layer
    assert np.all(t1[0] > 0.2) and 0.4 < np.median(t1[0]) < 0.7   # about half reaches layer 1


@claim(NB, "cell-024", "three already bend the curve back at both ends; more units follow the target more closely")
@claim(NB, "cell-024", "from some random starts the 3-unit network stays stuck near the one-step fit")
@claim(NB, "89cfded5", r"more hidden units fit $\sin(x)$ better")
def test_more_hidden_units_fit_sin_better():
    uses("cell-023", "epochs=1000, batch_size=200, lr=0.05, momentum=0.9")
    x = np.linspace(-3, 3, 200)[:, None]
    losses = []
    for seed in [s + 1 for s in SEEDS]:                           # other random starts than the notebook's seed 0
        row = []
        for M in (1, 3, 10, 50):
            net = nnedu.MLP([1, M, 1], activation="tanh", output="identity", seed=seed)
            nnedu.fit(net, x, np.sin(x), epochs=1000, batch_size=200, lr=0.05, momentum=0.9, progress=False,
                      eval_train=False)
            row.append(net.loss(x, np.sin(x))[0])
        losses.append(row)
    losses = np.array(losses)
    print("final training loss, M = 1, 3, 10, 50, one row per seed:\n", np.array2string(losses, precision=5))
    assert np.all(losses[:, 2] < losses[:, 1]) and np.all(losses[:, 3] < losses[:, 2])   # 3 < 10 < 50 units
    assert np.mean(losses[:, 1] < 0.5 * losses[:, 0]) >= 0.8        # 3 units bend the curve: most runs
    # the stuck start is rare but real: seed 13 of the notebook's setting stays at the 1-unit fit
    net = nnedu.MLP([1, 3, 1], activation="tanh", output="identity", seed=13)
    nnedu.fit(net, x, np.sin(x), epochs=1000, batch_size=200, lr=0.05, momentum=0.9, progress=False,
              eval_train=False)
    assert net.loss(x, np.sin(x))[0] > 0.8 * losses[0, 0]


@claim(NB, "cell-028", "The linear model can only cut the plane into regions bounded by straight lines; the "
       "hidden layer bends them.")
@claim(NB, "89cfded5", "an MLP separates the spiral that softmax regression cannot")
def test_spiral_linear_vs_mlp():
    uses("cell-027", "epochs=300, batch_size=300, lr=1.0, momentum=0.9")
    accs = []
    for seed in SEEDS:
        X, y = nnedu.data.spiral(n_per_class=100, n_classes=3, noise=0.2, seed=seed + 1)   # other data sets
        linear, mlp = nnedu.MLP([2, 3], seed=seed), nnedu.MLP([2, 100, 3], activation="tanh", seed=seed)
        for net in (linear, mlp):
            nnedu.fit(net, X, y, epochs=300, batch_size=300, lr=1.0, momentum=0.9, progress=False, eval_train=False)
        accs.append((nnedu.accuracy(linear, X, y), nnedu.accuracy(mlp, X, y)))
    accs = np.array(accs)
    print("training accuracy (linear, MLP) per run:\n", accs)
    assert np.all(accs[:, 0] < 0.6) and np.all(accs[:, 1] > 0.95)


@claim(NB, "cell-036", r"gives a sawtooth with $2^L$ linear pieces")
@claim(NB, "cell-038", r"build the one-hidden-layer network with $2^L$ units that computes the same function")
def test_sawtooth():
    ns = {}
    for cell_id in ("cell-002", "cell-037", "cell-039"):    # sawtooth_net, shallow_sawtooth (and the notebook's run)
        exec(_cells(NB)[cell_id], ns)
    x = np.linspace(0, 1, 2 ** 12 + 1)[:, None]
    for L in range(1, 9):
        y = ns["sawtooth_net"](L).predict(x)[:, 0]
        assert 1 + np.count_nonzero(np.abs(np.diff(np.sign(np.diff(y)))) > 0) == 2 ** L
        assert np.array_equal(ns["shallow_sawtooth"](L).predict(x)[:, 0], y)
