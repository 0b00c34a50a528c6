"""nnedu.diagnostics: per-layer statistics of a forward/backward pass behave as the lecture says they do."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnedu
from nnedu import diagnostics


def deep_net(activation, scale=None, bias=0.0, sizes=(20, 50, 50, 50, 50, 3), seed=0):
    """A deep MLP; ``scale`` replaces the weights by N(0, scale^2) draws, ``bias`` sets every hidden bias."""
    model = nnedu.MLP(list(sizes), activation=activation, seed=seed)
    rng = np.random.default_rng(seed)
    for l in range(1, model.n_layers + 1):
        if scale is not None:
            model.params[f"W{l}"] = rng.standard_normal(model.params[f"W{l}"].shape) * scale
        if l < model.n_layers:
            model.params[f"b{l}"] = np.full_like(model.params[f"b{l}"], bias)
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((200, 20))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
    return X, y


# -- the elementary counts, by hand ------------------------------------------------------------------
def test_saturated_fraction_by_hand():
    z = np.array([[0.0, 0.5, 0.98], [-0.99, 0.969, -0.2]])
    assert diagnostics.saturated_fraction(z, "tanh") == pytest.approx(2 / 6)
    assert diagnostics.saturated_fraction(z, "tanh", threshold=0.9) == pytest.approx(3 / 6)
    s = np.array([0.001, 0.5, 0.99, 0.2])           # |2s - 1| = 0.998, 0, 0.98, 0.6
    assert diagnostics.saturated_fraction(s, "sigmoid") == pytest.approx(2 / 4)
    assert np.isnan(diagnostics.saturated_fraction(z, "relu"))


def test_dead_fraction_by_hand():
    z = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    assert diagnostics.dead_fraction(z, "relu") == pytest.approx(1 / 3)   # only unit 0 is 0 for every example
    assert np.isnan(diagnostics.dead_fraction(z, "tanh"))
    with pytest.raises(ValueError, match="z"):
        diagnostics.dead_fraction(np.zeros(3), "relu")


@pytest.mark.parametrize("threshold", [0, 1, 1.5, "0.9"])
def test_bad_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        diagnostics.saturated_fraction(np.zeros(3), "tanh", threshold=threshold)


# -- snapshots of real networks -------------------------------------------------------------------------
def test_snapshot_shapes_and_hand_numbers(data):
    X, y = data
    model = nnedu.MLP([20, 30, 10, 3], activation="tanh", seed=0)
    before = model.get_params()
    snap = diagnostics.snapshot(model, X, y, lr=0.1)
    for k, v in before.items():                      # the model is not changed
        np.testing.assert_array_equal(model.params[k], v)
    assert snap.n_layers == 3
    assert [z.shape for z in snap.activations] == [(200, 30), (200, 10)]
    assert [g.shape for g in snap.weight_grads] == [(20, 30), (30, 10), (10, 3)]
    for name in diagnostics.HIDDEN_STATS:
        assert getattr(snap, name).shape == (2,)
    for name in diagnostics.LAYER_STATS:
        assert getattr(snap, name).shape == (3,)

    # every number against a direct computation
    z1 = np.tanh(X @ model.params["W1"] + model.params["b1"])
    z2 = np.tanh(z1 @ model.params["W2"] + model.params["b2"])
    np.testing.assert_allclose(snap.activations[0], z1, rtol=1e-12)
    np.testing.assert_allclose(snap.act_std, [z1.std(), z2.std()], rtol=1e-12)
    np.testing.assert_allclose(snap.act_mean, [z1.mean(), z2.mean()], rtol=1e-10, atol=1e-15)
    loss, grads = model.loss(X, y)
    assert snap.loss == pytest.approx(loss)
    for l in (1, 2, 3):
        W, dW, db = model.params[f"W{l}"], grads[f"W{l}"], grads[f"b{l}"]
        assert snap.learning_speed[l - 1] == pytest.approx(np.sqrt(np.sum(db ** 2)))
        assert snap.grad_W_std[l - 1] == pytest.approx(dW.std())
        assert snap.update_ratio[l - 1] == pytest.approx(0.1 * np.sqrt(np.sum(dW ** 2)) / np.sqrt(np.sum(W ** 2)))
    assert np.all(np.isnan(snap.dead))
    assert "update ratio" in snap.table() and len(snap.table().splitlines()) == 4


def test_update_ratio_hand_numbers():
    """A 1-1-1 identity-output net whose weights and gradients can be written down."""
    model = nnedu.MLP([1, 1, 1], activation="relu", output="identity", seed=0)
    model.params = {"W1": np.array([[2.0]]), "b1": np.array([0.0]), "W2": np.array([[4.0]]), "b2": np.array([0.0])}
    X, t = np.array([[1.0]]), np.array([[0.0]])
    # a1 = 2, z1 = 2, score = 8; delta2 = 8 - 0 = 8; dW2 = z1 * delta2 = 16; delta1 = 1 * 4 * 8 = 32; dW1 = 32
    snap = diagnostics.snapshot(model, X, t, lr=0.01)
    np.testing.assert_allclose(snap.learning_speed, [32.0, 8.0])
    np.testing.assert_allclose(snap.update_ratio, [0.01 * 32 / 2, 0.01 * 16 / 4])
    np.testing.assert_allclose(snap.dead, [0.0])
    assert np.all(np.isnan(diagnostics.snapshot(model, X, t).update_ratio))   # no lr: no ratio
    with pytest.raises(ValueError, match="lr"):
        diagnostics.snapshot(model, X, t, lr=-1.0)


def test_huge_weights_saturate_tanh_and_fan_in_does_not(data):
    X, y = data
    huge = diagnostics.snapshot(deep_net("tanh", scale=3.0), X, y)
    assert np.all(huge.saturated > 0.8), huge.saturated
    fan_in = diagnostics.snapshot(deep_net("tanh"), X, y)
    assert np.all(fan_in.saturated < 0.05), fan_in.saturated
    sig = diagnostics.snapshot(deep_net("sigmoid", scale=3.0), X, y)
    assert np.all(sig.saturated > 0.5), sig.saturated


def test_tiny_weights_make_gradients_vanish_towards_the_input(data):
    X, y = data
    tiny = diagnostics.snapshot(deep_net("tanh", scale=0.01), X, y)
    speed = tiny.learning_speed[:-1]
    assert np.all(np.diff(np.log10(speed)) > 0.5)          # each layer down: > 3x slower
    assert speed[0] < 1e-3 * speed[-1]                     # 0.01 * sqrt(50) = 0.07 per layer
    assert tiny.act_std[-1] < 1e-3 * tiny.act_std[0]         # and the signal dies going up
    fan_in = diagnostics.snapshot(deep_net("tanh"), X, y)
    assert fan_in.learning_speed[:-1].max() < 3 * fan_in.learning_speed[:-1].min()


def test_negative_biases_kill_relus(data):
    X, y = data
    healthy = diagnostics.snapshot(deep_net("relu"), X, y)
    dead = diagnostics.snapshot(deep_net("relu", bias=-3.0), X, y)
    assert healthy.dead[0] < 0.1
    assert dead.dead[0] > 0.1 and np.all(dead.dead[1:] == 1.0), dead.dead
    assert np.all(np.isnan(dead.saturated))
    assert np.all(dead.learning_speed[:-1] == 0)            # nothing gets through a dead layer


def test_dead_units_get_no_gradient(data):
    X, y = data
    model = deep_net("relu", bias=-4.0, sizes=(20, 50, 3))
    snap = diagnostics.snapshot(model, X, y)
    dead_units = np.all(snap.activations[0] <= 0, axis=0)
    assert 0 < dead_units.sum() < 50 and snap.dead[0] == dead_units.mean()
    loss, grads = model.loss(X, y)
    assert np.all(grads["b1"][dead_units] == 0) and np.all(grads["W1"][:, dead_units] == 0)
    assert np.all(grads["b1"][~dead_units] != 0)


def test_layer_numbering_matches_params(data):
    """activations[l-1] is z_l = h(z_{l-1} W_l + b_l): check it through a perturbation of W_3 only."""
    X, y = data
    model = deep_net("tanh")
    a = diagnostics.snapshot(model, X, y)
    model.params["W3"] = model.params["W3"] * 2
    b = diagnostics.snapshot(model, X, y)
    np.testing.assert_array_equal(a.activations[1], b.activations[1])
    assert not np.allclose(a.activations[2], b.activations[2])


# -- the per-epoch record -------------------------------------------------------------------------------
def test_recorder_through_fit(data):
    X, y = data
    model = nnedu.MLP([20, 16, 16, 3], activation="tanh", seed=0)
    rec = diagnostics.Recorder(X[:50], y[:50], lr=0.1)
    rec.record(model, epoch=0)
    nnedu.fit(model, X, y, epochs=4, batch_size=50, lr=0.1, progress=False, callbacks=[rec])
    assert rec.epochs == [0, 1, 2, 3, 4] and len(rec) == 5
    assert rec["update_ratio"].shape == (5, 3) and rec["saturated"].shape == (5, 2)
    # the last record is the snapshot of the trained model
    final = diagnostics.snapshot(model, X[:50], y[:50], lr=0.1)
    np.testing.assert_allclose(rec["update_ratio"][-1], final.update_ratio)
    assert rec.loss[-1] < rec.loss[0]
    with pytest.raises(KeyError, match="update_ratio"):
        rec["nope"]


def test_recording_does_not_change_training(data):
    """Same weights after fit with and without a Recorder, dropout on (its masks come from a random stream)."""
    X, y = data
    runs = []
    for callbacks in ([], [diagnostics.Recorder(X[:40], y[:40], lr=0.1)]):
        model = nnedu.MLP([20, 16, 16, 3], activation="relu", dropout=0.3, seed=0)
        nnedu.fit(model, X, y, epochs=3, batch_size=50, lr=0.1, progress=False, callbacks=callbacks)
        runs.append(model.get_params())
    for k in runs[0]:
        np.testing.assert_array_equal(runs[0][k], runs[1][k])


def test_recorder_every(data):
    X, y = data
    model = nnedu.MLP([20, 8, 3], activation="relu", seed=0)
    rec = diagnostics.Recorder(X, y, lr=0.1, every=2)
    nnedu.fit(model, X, y, epochs=5, batch_size=100, lr=0.1, progress=False, callbacks=[rec])
    assert rec.epochs == [2, 4]
    with pytest.raises(ValueError, match="every"):
        diagnostics.Recorder(X, y, every=0)


# -- learning-rate range test and histograms ------------------------------------------------------------
def test_lr_range_test(data):
    X, y = data
    model = nnedu.MLP([20, 32, 3], activation="tanh", seed=0)
    before = model.get_params()
    lrs, losses = diagnostics.lr_range_test(model, X, y, lr_min=1e-3, lr_max=100.0, steps=60, batch_size=20)
    for k, v in before.items():
        np.testing.assert_array_equal(model.params[k], v)       # a copy was trained
    assert lrs[0] == pytest.approx(1e-3) and np.all(np.diff(lrs) > 0)
    assert np.allclose(np.diff(np.log(lrs)), np.log(1e5) / 59)  # geometric steps
    assert losses.min() < 0.8 * losses[0]                       # the loss falls at moderate rates ...
    assert len(lrs) < 60                                         # ... and the run stops once it blows up
    assert not np.isfinite(losses[-1]) or losses[-1] > 4 * losses.min()
    with pytest.raises(ValueError, match="lr_min"):
        diagnostics.lr_range_test(model, X, y, lr_min=1.0, lr_max=0.1)
    with pytest.raises(ValueError, match="steps"):
        diagnostics.lr_range_test(model, X, y, steps=1)


def test_layer_histograms():
    edges, counts = diagnostics.layer_histograms([np.array([0.0, 0.1, 0.9]), np.array([1.0, 1.0])], bins=2)
    np.testing.assert_allclose(edges, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(counts, [[2, 1], [0, 2]])
    edges, counts = diagnostics.layer_histograms([np.array([1e-3, -1e-3, 0.0, 10.0])], bins=4, log10_abs=True)
    np.testing.assert_allclose(edges[[0, -1]], [-3, 1])
    assert counts.sum() == 3                                   # the exact zero is dropped


def test_plot_layer_histograms(data):
    X, y = data
    snap = diagnostics.snapshot(deep_net("tanh"), X, y)
    fig, ax = plt.subplots()
    diagnostics.plot_layer_histograms(snap.activations, ax=ax, range=(-1, 1), title="activations")
    assert len(ax.patches) == 4 and ax.get_title() == "activations"
    diagnostics.plot_layer_histograms(snap.weight_grads, ax=ax, log10_abs=True)
    assert ax.get_xlabel() == "log10 |value|"
    plt.close(fig)
