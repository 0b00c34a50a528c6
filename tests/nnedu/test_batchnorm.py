"""BatchNorm: the layer's backward against numerical gradients, the MLP with batchnorm=True (parameters,
running statistics in test mode, early stopping, save/load) and its bad input. Parity with PyTorch's
BatchNorm1d is in test_torch_parity.py."""
import numpy as np
import pytest

import nnedu
from nnedu import pretrained
from nnedu.gradcheck import check_model_gradients, numerical_gradient, rel_error
from nnedu.layers import BatchNorm

rng = np.random.default_rng(0)


@pytest.mark.parametrize("train", [True, False])
def test_batchnorm_backward_matches_numerical(train):
    N, H = 7, 4
    a, dout = rng.standard_normal((N, H)) * 2 + 1, rng.standard_normal((N, H))
    gamma, beta = rng.uniform(0.5, 2, H), rng.standard_normal(H)
    layer = BatchNorm(H)
    layer.running_mean, layer.running_var = rng.standard_normal(H), rng.uniform(0.5, 2, H)
    stats = layer.running_mean.copy(), layer.running_var.copy()

    def f():  # the same layer state for every evaluation
        bn = BatchNorm(H)
        bn.running_mean, bn.running_var = stats[0].copy(), stats[1].copy()
        return float(np.sum(bn.forward(a, gamma, beta, train=train) * dout))

    layer.forward(a, gamma, beta, train=train)
    da, dgamma, dbeta = layer.backward(dout)
    for analytic, x in [(da, a), (dgamma, gamma), (dbeta, beta)]:
        assert rel_error(analytic, numerical_gradient(f, x)) < 1e-8


def test_batchnorm_normalizes_in_training_and_uses_running_statistics_in_test_mode():
    a = rng.standard_normal((50, 3)) * [1, 5, 0.1] + [2, -3, 7]
    bn = BatchNorm(3)
    out = bn.forward(a, np.ones(3), np.zeros(3), train=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), a.var(axis=0) / (a.var(axis=0) + 1e-5))
    np.testing.assert_allclose(bn.running_mean, 0.1 * a.mean(axis=0))
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * a.var(axis=0, ddof=1))
    for _ in range(200):   # the running statistics converge to the data's
        bn.forward(a, np.ones(3), np.zeros(3), train=True)
    test = bn.forward(a[:2], np.full(3, 2.0), np.ones(3), train=False)
    expected = 2.0 * (a[:2] - a.mean(axis=0)) / np.sqrt(a.var(axis=0, ddof=1) + 1e-5) + 1.0
    np.testing.assert_allclose(test, expected, rtol=1e-6)   # 0.9^200 of the start is left


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "maxout"])
def test_batchnorm_mlp_gradient_check(activation):
    m = nnedu.MLP([4, 6, 5, 3], activation=activation, batchnorm=True, l2=0.1, seed=1)
    assert sorted(m.params) == ["W1", "W2", "W3", "b3", "beta1", "beta2", "gamma1", "gamma2"]
    assert m.params["gamma1"].shape == m.params["beta1"].shape == (6 * (2 if activation == "maxout" else 1),)
    X, y = rng.standard_normal((8, 4)), rng.integers(0, 3, 8)
    before = m.running_stats()
    errors = check_model_gradients(m, X, y)
    assert max(errors.values()) < 1e-7, errors
    after = m.running_stats()
    assert all(np.array_equal(before[k], after[k]) for k in before)   # the check leaves the model as it was


def test_training_mode_updates_running_statistics_and_test_mode_uses_them():
    m = nnedu.MLP([3, 5, 2], batchnorm=True, seed=0)
    X, y = rng.standard_normal((20, 3)) + 4, rng.integers(0, 2, 20)
    scores_before = m.loss(X)
    m.loss(X, y)
    assert not np.allclose(m.running_stats()["running_mean1"], 0)
    assert not np.allclose(m.loss(X), scores_before)
    np.testing.assert_allclose(m.loss(X[:1]), m.loss(X)[:1], rtol=1e-12)   # test mode: each sample on its own
    assert m.loss(X[:1]).shape == (1, 2)


def test_fit_with_batchnorm_trains_and_early_stopping_restores_the_running_statistics():
    X, y = nnedu.data.spiral(60, 3, seed=0)
    X_tr, y_tr, X_va, y_va = nnedu.data.split(X, y, test=0.3, seed=0)
    m = nnedu.MLP([2, 30, 30, 3], activation="relu", batchnorm=True, seed=0)
    snapshots = {}
    history = nnedu.fit(m, X_tr, y_tr, X_va, y_va, epochs=40, batch_size=16, lr=0.1, momentum=0.9, patience=5,
                        progress=False, callbacks=lambda model, h, e: snapshots.__setitem__(e, model.running_stats()))
    assert history.train_acc[history.best_epoch - 1] > 0.8
    assert history.restored_best and history.stopped_epoch > history.best_epoch
    best = snapshots[history.best_epoch]
    assert all(np.array_equal(best[k], v) for k, v in m.running_stats().items())
    assert m.evaluate(X_va, y_va)[0] == pytest.approx(history.val_loss[history.best_epoch - 1])


def test_save_and_load_keep_the_running_statistics(tmp_path):
    m = nnedu.MLP([3, 4, 2], batchnorm=True, dtype=np.float32, seed=0)
    X, y = rng.standard_normal((10, 3)), rng.integers(0, 2, 10)
    m.loss(X, y)
    path = m.save(tmp_path / "bn")
    loaded = nnedu.MLP.load(path)
    assert loaded.batchnorm and loaded.dtype == np.float32 and "batchnorm=True" in repr(loaded)
    np.testing.assert_array_equal(loaded.loss(X), m.loss(X))
    assert loaded.running_stats()["running_var1"].dtype == np.float32


def test_new_head_keeps_batchnorm_layers():
    source = nnedu.MLP([3, 4, 4, 2], batchnorm=True, seed=0)
    source.loss(rng.standard_normal((10, 3)), rng.integers(0, 2, 10))
    head = pretrained.new_head(source, n_classes=5)
    X = rng.standard_normal((6, 3))
    np.testing.assert_array_equal(pretrained.hidden_features(head, X),
                                  pretrained.hidden_features(source, X))


def test_diagnostics_snapshot_leaves_the_running_statistics_alone():
    m = nnedu.MLP([3, 6, 6, 2], batchnorm=True, seed=0)
    X, y = rng.standard_normal((16, 3)), rng.integers(0, 2, 16)
    before = m.running_stats()
    snap = nnedu.diagnostics.snapshot(m, X, y, lr=0.1)
    assert np.all(snap.learning_speed > 0)          # ||dL/dbeta_l|| for the layers with batchnorm
    assert all(np.array_equal(before[k], v) for k, v in m.running_stats().items())


def test_batchnorm_bad_input():
    with pytest.raises(TypeError, match="batchnorm: expected True or False"):
        nnedu.MLP([3, 4, 2], batchnorm="yes")
    m = nnedu.MLP([3, 4, 2], batchnorm=True)
    with pytest.raises(ValueError, match="batchnorm needs at least 2 samples"):
        m.loss(np.zeros((1, 3)), [0])
    X, y = rng.standard_normal((33, 3)), rng.integers(0, 2, 33)
    with pytest.raises(ValueError, match="batch_size: batchnorm needs at least 2 samples in every mini-batch"):
        nnedu.fit(m, X, y, batch_size=32, epochs=1, progress=False)
    with pytest.raises(ValueError, match="batch_size: batchnorm"):
        nnedu.fit(m, X, y, batch_size=1, epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"stats: expected a dict with the keys \['running_mean1', 'running_var1'\]"):
        m.set_running_stats({"running_mean1": np.zeros(4)})
    with pytest.raises(ValueError, match=r"stats\['running_var1'\]: expected variances >= 0"):
        m.set_running_stats({"running_mean1": np.zeros(4), "running_var1": -np.ones(4)})
    with pytest.raises(ValueError, match=r"stats\['running_mean1'\]: expected finite real numbers of shape \(4,\)"):
        m.set_running_stats({"running_mean1": np.zeros(3), "running_var1": np.ones(4)})
