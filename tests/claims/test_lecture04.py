"""Claims of lecture 04 (backpropagation), section 6.1: why the digits are standardized, and how well the network
learns them, re-run over other splits and seeds than the notebook's (split seed 0, network seeds 0-2).

The learning-rate comparison runs the notebook's own ``loss_after_10_epochs`` (executed from its cell) on the
splits of seeds 1-4 and 0; each test prints the numbers it saw.
"""
import functools

import numpy as np
from claimkit import SEEDS, _cells, claim

import nnedu

NB = "lectures/04_backpropagation.ipynb"
WHY = "b93d03cd"        # "Why standardize?"
RESULT = "48686601"     # the conclusion of the comparison
SUMMARY = "cell-63"


def uses(cell_id, snippet):
    """Guard against drift: the notebook cell still runs the experiment with these settings."""
    assert snippet in _cells(NB)[cell_id], f"{NB} [{cell_id}] no longer contains {snippet!r}: update this test"


@functools.lru_cache(maxsize=None)
def split(seed):
    """The notebook's split of the digits (training, validation, test; as in cell-58) with another seed."""
    uses("cell-56", "val=0.15, test=0.25, seed=0")
    X_all, y_all = nnedu.data.digits()
    X_tr, y_tr, X_va, y_va, X_te, y_te = nnedu.data.train_val_test(X_all, y_all, val=0.15, test=0.25, seed=seed)
    scaler = nnedu.data.Standardizer().fit(X_tr)
    return X_tr, y_tr, scaler.transform(X_tr), (X_va, y_va, X_te, y_te, scaler)


def condition_number(X, varying):
    X1 = np.c_[X[:, varying], np.ones(len(X))]
    curvatures = np.linalg.eigvalsh(X1.T @ X1 / len(X))
    return curvatures.max() / curvatures.min()


@claim(NB, WHY, "all positive, with means up to about 0.8 and spreads from almost 0\nto 0.4")
@claim(NB, RESULT, "Standardizing shrinks the condition number by a factor of more than $10^4$")
def test_raw_pixels_and_condition_numbers():
    for seed in SEEDS:
        X_tr, _, X_tr_s, _ = split(seed)
        varying = X_tr.std(axis=0) > 0
        mean, std = X_tr.mean(axis=0), X_tr.std(axis=0)
        ratio = condition_number(X_tr, varying) / condition_number(X_tr_s, varying)
        print(f"split {seed}: largest mean {mean.max():.2f}, spreads {std[varying].min():.3f}..{std.max():.2f}, "
              f"condition number ratio {ratio:.1e}")
        assert X_tr.min() >= 0 and 0.7 < mean.max() < 0.85 and std[varying].min() < 0.02 and 0.38 < std.max() < 0.45
        assert ratio > 1e4


@claim(NB, WHY, "a step on one sample can only make all of the unit's weights grow or all shrink")
@claim(NB, WHY, "A mini-batch of 32 adds such steps with different signs of $\\delta_j$, so its weights can move apart")
def test_one_sample_moves_a_units_weights_together_a_batch_does_not():
    for seed in SEEDS:
        X_tr, y_tr, _, _ = split(seed)
        net = nnedu.MLP([64, 64, 10], activation="tanh", seed=seed)
        rows = np.random.default_rng(seed).permutation(len(y_tr))
        one = rows[:1]
        _, grads = net.loss(X_tr[one], y_tr[one])
        pixels = X_tr[one[0]] > 0
        signs = np.sign(grads["W1"][pixels])                  # (pixels that are on, units)
        assert np.all((signs == signs[0]) | (signs == 0))    # every unit: one sign over all its inputs
        batch = rows[:32]
        _, grads = net.loss(X_tr[batch], y_tr[batch])
        g = grads["W1"][X_tr[batch].max(axis=0) > 0]
        mixed = np.mean((g > 0).any(axis=0) & (g < 0).any(axis=0))
        print(f"seed {seed}: units whose weights move in both directions in one batch step: {100 * mixed:.0f}%")
        assert mixed > 0.5


@functools.lru_cache(maxsize=None)
def rate_comparison(seed):
    """The notebook's comparison (cell rates-table) on the split of ``seed``: mean loss after 10 epochs per rate."""
    uses("rates-table", "rates = [0.1, 0.3, 1.0, 3.0, 10.0]")
    uses("rates-table", "for s in range(3)")
    X_tr, y_tr, X_tr_s, _ = split(seed)
    ns = {"np": np, "nnedu": nnedu, "y_tr": y_tr}
    cell = _cells(NB)["rates-table"]
    exec(cell[:cell.index("rates = ")], ns)                  # loss_after_10_epochs
    rates = [0.1, 0.3, 1.0, 3.0, 10.0]
    return rates, {name: np.array([np.mean([ns["loss_after_10_epochs"](X, lr, s) for s in range(3)]) for lr in rates])
                   for name, X in [("raw", X_tr), ("standardized", X_tr_s)]}


@claim(NB, RESULT, "the standardized inputs' best learning rate is higher than the raw inputs'")
@claim(NB, RESULT, "at their best rates the standardized\ninputs reach a training loss more than 10 times smaller")
def test_standardized_inputs_win_each_at_its_best_rate():
    for seed in SEEDS:
        rates, losses = rate_comparison(seed)
        best = {name: int(np.argmin(m)) for name, m in losses.items()}
        ratio = losses["raw"][best["raw"]] / losses["standardized"][best["standardized"]]
        print(f"split {seed}: best rate raw {rates[best['raw']]} (loss {losses['raw'][best['raw']]:.3f}), "
              f"standardized {rates[best['standardized']]} (loss {losses['standardized'][best['standardized']]:.4f}), "
              f"ratio {ratio:.0f}")
        assert rates[best["standardized"]] > rates[best["raw"]] and ratio > 10


@claim(NB, SUMMARY, "it\n  recognises about 97% of the test digits")
def test_digits_network_recognises_about_98_percent():
    uses("cell-58", "epochs=30, batch_size=32, lr=0.1")
    accs = []
    for seed in SEEDS:
        _, y_tr, X_tr_s, (X_va, y_va, X_te, y_te, scaler) = split(seed)
        net = nnedu.MLP([64, 64, 10], activation="tanh", output="softmax", seed=seed)
        nnedu.fit(net, X_tr_s, y_tr, epochs=30, batch_size=32, lr=0.1, seed=seed, progress=False)
        accs.append(net.evaluate(scaler.transform(X_te), y_te)[1])
    print("test accuracy per split and seed (%):", np.round(100 * np.array(accs), 1).tolist())
    assert 0.955 <= min(accs) and max(accs) <= 0.99 and 0.965 <= np.mean(accs) <= 0.98


@claim(NB, "autodiff-torch", "The two agree to the last bits of floating-point rounding")
@claim(NB, "autodiff-compare-text", "The nodes $a_1, a_2$ get the hidden errors $\\delta_j$ of step 2")
def test_graph_gradients_equal_nnedus_backprop_on_other_slide_networks():
    """Section 7 on random networks of the slide's shape (2-2-1, tanh, no biases) and random samples, built as the
    notebook builds it: every weight's grad equals nnedu's within a few units in the last place."""
    from nnedu import autodiff
    uses("autodiff-forward", 'w1_v = autodiff.values(v1, "w")')
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        v1, v2, xs, ts = rng.normal(size=(2, 2)), rng.normal(size=(1, 2)), rng.normal(size=2), rng.normal(size=1)
        w1_v, w2_v, x_v = autodiff.values(v1, "w"), autodiff.values(v2[0], "wk"), autodiff.values(xs, "x")
        a_v = w1_v @ x_v
        E_v = 0.5 * (w2_v @ np.tanh(a_v) - ts[0]) ** 2
        E_v.backward()
        tiny = nnedu.MLP([2, 2, 1], activation="tanh", output="identity")
        tiny.set_params({"W1": v1.T, "b1": np.zeros(2), "W2": v2.T, "b2": np.zeros(1)})
        _, g = tiny.loss_and_grads(xs[None, :], ts[None, :])
        z = np.tanh(v1 @ xs)
        delta_j = (1 - z ** 2) * (v2[0] * (v2[0] @ z - ts[0]))
        diff = max(np.abs(autodiff.grads(w1_v) - g["W1"].T).max(), np.abs(autodiff.grads(w2_v) - g["W2"][:, 0]).max())
        scale = max(np.abs(g["W1"]).max(), np.abs(g["W2"]).max())
        print(f"seed {seed}: largest difference {diff:.1e} (largest gradient {scale:.2f})")
        assert diff <= 8 * np.finfo(float).eps * scale
        np.testing.assert_allclose(autodiff.grads(a_v), delta_j, rtol=1e-13, atol=1e-15)
