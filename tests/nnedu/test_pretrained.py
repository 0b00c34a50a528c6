"""The shipped pretrained source network (nnedu.pretrained) and the transfer-learning helpers."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nnedu
from nnedu import pretrained as pre

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def source():
    return pre.load_source_model()


@pytest.fixture(scope="module")
def target_small():
    X, y = pre.target_task()
    X_tr, y_tr, X_te, y_te = nnedu.data.split(X, y, test=0.4, seed=0)
    rng = np.random.default_rng(0)
    idx = np.concatenate([rng.choice(np.flatnonzero(y_tr == c), 10, replace=False) for c in range(5)])
    return X_tr[idx], y_tr[idx], X_te, y_te


def test_weights_file_is_small_package_data():
    assert pre.WEIGHTS_FILE.exists()
    assert pre.WEIGHTS_FILE.parent == Path(pre.__file__).resolve().parent / "weights"
    assert pre.WEIGHTS_FILE.stat().st_size < 200 * 1024


def test_load_source_model_reaches_reported_accuracy(source):
    info = pre.source_info()
    assert isinstance(source, nnedu.MLP)
    assert source.sizes == [64, 128, 64, 5] and source.dtype == np.float64
    assert info["classes"] == [0, 1, 2, 3, 4] and "rebuild" in info and "task" in info
    X_tr, y_tr, X_te, y_te = pre.source_split()
    acc = nnedu.accuracy(source, X_te, y_te)
    assert abs(acc - info["source_test_accuracy"]) <= 0.005, (acc, info["source_test_accuracy"])
    assert acc > 0.9
    assert pre.load_source_model(dtype=np.float32).dtype == np.float32


def test_source_and_target_tasks_are_disjoint():
    X_tr, y_tr, X_te, y_te = pre.source_split()
    X, y = pre.target_task()
    assert X.shape[1] == X_tr.shape[1] == 64 and X.min() >= 0 and X.max() <= 1
    assert set(np.unique(y)) == set(range(5)) == set(np.unique(y_tr))
    src_rows = {r.tobytes() for r in np.vstack([X_tr, X_te])}
    assert not any(r.tobytes() in src_rows for r in X)   # different images (digits 5-9 vs 0-4)


def test_shift_augment():
    X = np.zeros((1, 64))
    X[0, 3 * 8 + 4] = 1.0                          # one pixel at row 3, column 4
    Xa, ya = pre.shift_augment(X, np.array([2]))
    assert Xa.shape == (9, 64) and np.all(ya == 2)
    np.testing.assert_array_equal(Xa[0], X[0])
    positions = {tuple(np.argwhere(x.reshape(8, 8) == 1)[0]) for x in Xa}
    assert positions == {(r, c) for r in (2, 3, 4) for c in (3, 4, 5)}
    with pytest.raises(ValueError, match="max_shift"):
        pre.shift_augment(X, np.array([2]), max_shift=8)


def test_hidden_features_match_a_manual_forward_pass(source):
    X = pre.target_task()[0][:7]
    p = source.params
    z1 = np.tanh(X @ p["W1"] + p["b1"])
    z2 = np.tanh(z1 @ p["W2"] + p["b2"])
    np.testing.assert_allclose(pre.hidden_features(source, X, layer=1), z1)
    np.testing.assert_allclose(pre.hidden_features(source, X), z2)
    np.testing.assert_allclose(pre.hidden_features(source, X, layer=-2), z1)
    np.testing.assert_allclose(z2 @ p["W3"] + p["b3"], source.loss(X))


def test_new_head_copies_hidden_layers(source):
    before = source.get_params()
    m = pre.new_head(source, n_classes=3, seed=1)
    assert m.sizes == [64, 128, 64, 3] and m.activation == source.activation
    for k in ("W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(m.params[k], source.params[k])
        assert m.params[k] is not source.params[k]      # copies, not views
    assert m.params["W3"].shape == (64, 3) and m.params["b3"].shape == (3,)
    assert m.predict(pre.target_task()[0][:5]).shape == (5,)
    m.params["W1"] += 1.0
    for k, v in before.items():                            # the source network is untouched
        np.testing.assert_array_equal(source.params[k], v)
    np.testing.assert_array_equal(pre.new_head(source, 3, seed=1).params["W3"],
                                  pre.new_head(source, 3, seed=1).params["W3"])


def test_fit_last_layer_freezes_hidden_layers_and_learns(source, target_small):
    X_s, y_s, X_te, y_te = target_small
    m = pre.new_head(source, 5, seed=0)
    frozen = {k: m.params[k].copy() for k in ("W1", "b1", "W2", "b2")}
    W3 = m.params["W3"].copy()
    history = pre.fit_last_layer(m, X_s, y_s, epochs=50, batch_size=len(y_s), lr=0.5, seed=0, progress=False)
    for k, v in frozen.items():
        np.testing.assert_array_equal(m.params[k], v)
    assert not np.allclose(m.params["W3"], W3)
    assert len(history.train_loss) == 50 and history.train_loss[-1] < history.train_loss[0]
    assert nnedu.accuracy(m, X_te, y_te) > 0.5            # chance is 0.2


def test_fit_last_layer_equals_training_only_the_last_layer(source, target_small):
    """Same math as backpropagating through the frozen network and updating only W3, b3."""
    X_s, y_s = target_small[0][:20], target_small[1][:20]
    m1, m2 = pre.new_head(source, 5, seed=0), pre.new_head(source, 5, seed=0)
    pre.fit_last_layer(m1, X_s, y_s, epochs=5, batch_size=20, lr=0.3, seed=0, progress=False)
    for _ in range(5):
        _, grads = m2.loss(X_s, y_s)
        m2.params["W3"] -= 0.3 * grads["W3"]
        m2.params["b3"] -= 0.3 * grads["b3"]
    np.testing.assert_allclose(m1.params["W3"], m2.params["W3"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m1.params["b3"], m2.params["b3"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("bad, error", [(1, ValueError), (0, ValueError), (2.5, TypeError), (True, TypeError)])
def test_new_head_bad_n_classes(source, bad, error):
    with pytest.raises(error, match=r"n_classes: expected an integer >= 2 \(a softmax output\)"):
        pre.new_head(source, bad)


def test_bad_inputs(source):
    with pytest.raises(ValueError, match="layer"):
        pre.hidden_features(source, np.zeros((2, 64)), layer=3)
    with pytest.raises(ValueError, match="layer"):
        pre.hidden_features(source, np.zeros((2, 64)), layer=0)
    with pytest.raises(ValueError, match="X"):
        pre.hidden_features(source, np.zeros((2, 10)))
    with pytest.raises(ValueError, match="model"):
        pre.new_head(nnedu.MLP([64, 5]), 5)
    with pytest.raises(TypeError, match="model"):
        pre.fit_last_layer("not a model", np.zeros((2, 64)), np.zeros(2, dtype=int))
    with pytest.raises(ValueError, match="y"):
        pre.fit_last_layer(pre.new_head(source, 5), np.zeros((2, 64)), np.array([0, 7]), progress=False)
    with pytest.raises(FileNotFoundError, match="path"):
        pre.load_source_model(path=ROOT / "no_such_file.npz")


def test_script_is_deterministic_reduced_run(tmp_path):
    """Two short runs of the script write the same weights (the full run takes a few seconds more)."""
    outs = []
    for i in range(2):
        out = tmp_path / f"w{i}.npz"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "pretrain_source.py"), "--epochs", "1", "--quiet",
                        "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
        outs.append(out)
    a, b = pre.load_source_model(path=outs[0]), pre.load_source_model(path=outs[1])
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    info = pre.source_info(outs[0])
    assert info["training"]["epochs"] == 1 and "--epochs 1" in info["rebuild"]
