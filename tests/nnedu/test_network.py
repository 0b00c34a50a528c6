"""The MLP contract: parameters, loss/grads, gradient checks of the whole network, bad input."""
import numpy as np
import pytest

import nnedu
from nnedu.gradcheck import check_model_gradients

ACTIVATIONS = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout"]
rng = np.random.default_rng(0)
X = rng.standard_normal((8, 4))
y = np.array([0, 1, 2, 0, 1, 2, 2, 1])


def test_params_contract():
    m = nnedu.MLP([4, 5, 6, 3], seed=0)
    assert sorted(m.params) == ["W1", "W2", "W3", "b1", "b2", "b3"]
    assert m.params["W1"].shape == (4, 5) and m.params["b1"].shape == (5,) and m.params["W3"].shape == (6, 3)
    assert m.loss(X).shape == (8, 3)
    loss, grads = m.loss(X, y)
    assert isinstance(loss, float)
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in m.params.items()}
    np.testing.assert_array_equal(m.predict(X), m.loss(X).argmax(axis=1))
    np.testing.assert_allclose(m.predict_proba(X).sum(axis=1), 1.0)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("reg", [dict(), dict(l2=0.3), dict(l1=0.2), dict(l2=0.1, l1=0.1)])
def test_whole_mlp_gradient_check(activation, reg):
    m = nnedu.MLP([4, 5, 3, 3], activation=activation, seed=1, **reg)
    errors = check_model_gradients(m, X, y)
    # ReLU, leaky ReLU and maxout have kinks: a finite difference step that crosses one is off by O(h);
    # with these seeds none is crossed and every error is at rounding level. 1e-5 is the documented bound.
    tol = 1e-5 if activation in ("relu", "leaky_relu", "maxout") or "l1" in reg else 1e-7
    assert max(errors.values()) < tol, errors


@pytest.mark.parametrize("output", ["sigmoid", "identity"])
def test_other_outputs_gradient_check(output):
    C = 1 if output == "sigmoid" else 2
    target = rng.integers(0, 2, 8) if output == "sigmoid" else rng.standard_normal((8, 2))
    m = nnedu.MLP([4, 6, C], activation="tanh", output=output, l2=0.05, seed=2)
    assert max(check_model_gradients(m, X, target).values()) < 1e-7


def test_penalties_are_on_weights_only():
    m = nnedu.MLP([4, 5, 3], l2=0.5, l1=0.25, seed=0)
    m.params["b1"] += 3.0
    W = [m.params["W1"], m.params["W2"]]
    expected = sum(0.5 * 0.5 * np.sum(w ** 2) + 0.25 * np.sum(np.abs(w)) for w in W)
    assert m.penalty() == pytest.approx(expected)
    plain = nnedu.MLP([4, 5, 3], seed=0)
    plain.set_params(m.params)
    assert m.loss(X, y)[0] == pytest.approx(plain.loss(X, y)[0] + expected)


def test_maxout_shapes():
    m = nnedu.MLP([4, 5, 3], activation="maxout", seed=0)
    assert m.params["W1"].shape == (4, 10) and m.params["W2"].shape == (5, 3)


def test_float32_model_stays_float32():
    m = nnedu.MLP([4, 5, 3], dtype=np.float32)
    loss, grads = m.loss(X, y)
    assert all(g.dtype == np.float32 for g in grads.values()) and m.loss(X).dtype == np.float32


def test_dropout_only_in_training_mode():
    m = nnedu.MLP([4, 50, 3], dropout=0.5, seed=0)
    np.testing.assert_array_equal(m.loss(X), m.loss(X))     # test mode: deterministic
    assert m.loss(X, y)[0] != m.loss(X, y)[0]                # training mode: a new mask each call


def test_save_and_load_roundtrip(tmp_path):
    m = nnedu.MLP([4, 7, 3], activation="relu", l2=0.01, seed=3)
    m.save(tmp_path / "m.npz")
    m2 = nnedu.MLP.load(tmp_path / "m.npz")
    assert (m2.sizes, m2.activation, m2.l2) == ([4, 7, 3], "relu", 0.01)
    np.testing.assert_array_equal(m2.loss(X), m.loss(X))


def test_saved_settings_are_json_and_a_python_literal_is_refused(tmp_path):
    import json

    from nnedu.pretrained import WEIGHTS_FILE
    with np.load(WEIGHTS_FILE) as f:                      # the shipped weights too
        assert json.loads(str(f["__config__"]))["sizes"] == [64, 128, 64, 5]
    path = nnedu.MLP([3, 4, 2]).save(tmp_path / "m")
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files}
    arrays["__config__"] = np.array(str(json.loads(str(arrays["__config__"]))))   # {'sizes': ...}: not JSON
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(ValueError, match="settings that are not a JSON object"):
        nnedu.MLP.load(tmp_path / "old.npz")


def test_same_seed_same_weights_different_seed_different():
    a, b, c = nnedu.MLP([4, 5, 3], seed=7), nnedu.MLP([4, 5, 3], seed=7), nnedu.MLP([4, 5, 3], seed=8)
    np.testing.assert_array_equal(a.params["W1"], b.params["W1"])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_hidden_returns_each_hidden_layers_output_from_one_forward_pass():
    X = np.random.default_rng(1).standard_normal((6, 4))
    m = nnedu.MLP([4, 5, 7, 3], activation="tanh", dropout=0.5, seed=2)
    z1 = np.tanh(X @ m.params["W1"] + m.params["b1"])
    z2 = np.tanh(z1 @ m.params["W2"] + m.params["b2"])
    calls = []
    forward = m.forward
    m.forward = lambda *args, **kw: calls.append(1) or forward(*args, **kw)
    zs = m.hidden(X)
    assert len(calls) == 1 and len(zs) == 2                       # one pass, one entry per hidden layer
    np.testing.assert_allclose(zs[0], z1)
    np.testing.assert_allclose(zs[1], z2)
    np.testing.assert_array_equal(zs[1] @ m.params["W3"] + m.params["b3"], forward(X))   # test mode: no dropout
    with pytest.raises(ValueError, match="X: expected 4 features"):
        m.hidden(X[:, :3])


def test_forward_has_no_layer_flag():
    m, X = nnedu.MLP([4, 5, 3]), np.zeros((2, 4))
    with pytest.raises(TypeError):
        m.forward(X, upto=1)


def test_layers_are_numbered_from_1_to_L():
    m = nnedu.MLP([4, 5, 7, 3])
    assert sorted(m.linears) == [1, 2, 3] and sorted(m.h) == sorted(m.dropouts) == [1, 2]


def test_evaluate_returns_the_data_loss_without_penalty():
    X, y = np.random.default_rng(0).standard_normal((8, 4)), np.arange(8) % 3
    m = nnedu.MLP([4, 5, 3], l2=0.5, seed=0)
    data_loss = nnedu.losses.softmax_cross_entropy(m.loss(X), y)[0]
    assert m.evaluate(X, y)[0] == pytest.approx(data_loss)
    assert m.loss(X, y)[0] == pytest.approx(data_loss + m.penalty())
