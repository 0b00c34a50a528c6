"""Bad input raises ValueError/TypeError naming the argument and what was expected."""
import numpy as np
import pytest

import nnedu

X = np.zeros((5, 3))
y = np.array([0, 1, 2, 0, 1])


@pytest.fixture
def model():
    return nnedu.MLP([3, 4, 3])


@pytest.mark.parametrize("bad, err, msg", [
    (np.zeros(3), ValueError, r"X: expected a 2-D array of shape \(N, D\), got shape \(3,\)"),
    (np.zeros((5, 4)), ValueError, r"X: expected 3 features"),
    (np.zeros((0, 3)), ValueError, r"X: expected at least one sample"),
    (np.array([[np.nan, 0, 0]]), ValueError, r"X: expected finite values"),
    (np.array([[np.inf, 0, 0]]), ValueError, r"X: expected finite values"),
    (np.array([["a", "b", "c"]]), TypeError, r"X: expected a numeric array"),
])
def test_bad_X(model, bad, err, msg):
    with pytest.raises(err, match=msg):
        model.loss(bad)


@pytest.mark.parametrize("bad, err, msg", [
    (np.array([0, 1, 2]), ValueError, r"y: expected 5 labels"),
    (np.array([0, 1, 3, 0, 1]), ValueError, r"y: expected labels in 0\.\.2"),
    (np.array([0, 1, -1, 0, 1]), ValueError, r"y: expected labels in 0\.\.2"),
    (np.array([0, 1, 0.5, 0, 1]), TypeError, r"y: expected integer class labels"),
])
def test_bad_labels(model, bad, err, msg):
    with pytest.raises(err, match=msg):
        model.loss(X, bad)


def test_float_labels_with_integer_values_are_accepted(model):
    assert np.isfinite(model.loss(X, y.astype(float))[0])


@pytest.mark.parametrize("kwargs, msg", [
    (dict(activation="swish"), "activation: expected one of"),
    (dict(output="hinge"), "output: expected one of"),
    (dict(dropout=1.0), r"dropout: expected a drop probability p in \[0, 1\)"),
    (dict(dropout=-0.1), r"dropout: expected a drop probability"),
    (dict(l2=-1.0), r"l2: expected a finite number >= 0"),
    (dict(l1=float("nan")), r"l1: expected a finite number >= 0"),
])
def test_bad_model_arguments(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        nnedu.MLP([3, 4, 3], **kwargs)


@pytest.mark.parametrize("sizes, error, msg", [
    ([3], ValueError, "sizes: expected a list of at least two positive integers"),
    ("3,4", ValueError, "sizes: expected a list of at least two positive integers"),
    ([3, 0, 2], ValueError, r"sizes\[1\]: expected a positive integer, got 0"),
    ([3, 2.5, 2], TypeError, r"sizes\[1\]: expected a positive integer, got 2.5"),
])
def test_bad_sizes(sizes, error, msg):
    with pytest.raises(error, match=msg):
        nnedu.MLP(sizes)


def test_output_size_must_fit_output():
    with pytest.raises(ValueError, match="sigmoid output needs C = 1"):
        nnedu.MLP([3, 4, 2], output="sigmoid")
    with pytest.raises(ValueError, match="y: expected labels in 0..1"):
        nnedu.MLP([3, 4, 1], output="sigmoid").loss(X, y)
    with pytest.raises(ValueError, match=r"y: expected targets of shape \(5, 3\)"):
        nnedu.MLP([3, 4, 3], output="identity").loss(X, np.zeros((5, 2)))


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(lr=0), ValueError, "lr: expected a positive number"),
    (dict(lr=-0.1), ValueError, "lr: expected a positive number"),
    (dict(batch_size=0), ValueError, "batch_size: expected a positive integer"),
    (dict(batch_size=2.5), TypeError, "batch_size: expected a positive integer"),
    (dict(epochs=0), ValueError, "epochs: expected a positive integer"),
    (dict(patience=0), ValueError, "patience: expected a positive integer"),
    (dict(momentum=1.0), ValueError, r"momentum: expected a number in \[0, 1\)"),
    (dict(X_val=X), ValueError, "X_val, y_val: expected both or neither"),
    (dict(seed=-1), ValueError, "seed: expected a non-negative integer or None"),
    (dict(seed="a"), ValueError, "seed: expected a non-negative integer or None"),
])
def test_bad_fit_arguments(model, kwargs, err, msg):
    with pytest.raises(err, match=msg):
        nnedu.fit(model, X, y, progress=False, **kwargs)


def test_empty_data_set(model):
    with pytest.raises(ValueError, match="X: expected at least one sample"):
        nnedu.fit(model, np.zeros((0, 3)), np.zeros(0, dtype=int), progress=False)


def test_bad_data_arguments():
    with pytest.raises(ValueError, match="k: expected 2 <= k <= n_samples"):
        nnedu.data.kfold(10, k=1)
    with pytest.raises(ValueError, match="n_per_class: expected a positive integer"):
        nnedu.data.spiral(n_per_class=0)
    with pytest.raises(ValueError, match="val, test: expected fractions"):
        nnedu.data.train_val_test(X, y, val=0.5, test=0.6)
    with pytest.raises(ValueError, match="val: expected a fraction > 0"):
        nnedu.data.train_val_test(X, y, val=0, test=0.25)
    with pytest.raises(TypeError, match="val"):
        nnedu.data.split(X, y, val=0.2)  # split never returns a validation part: train_val_test does


# -- the edges of issue 11: each works as a user expects or raises a clear error ------------------
def test_save_load_json_dtype_suffix_and_numpy_scalars(tmp_path):
    m = nnedu.MLP(np.array([3, 4, 3]), dropout=np.linspace(0, 0.5, 3)[1], l2=np.float32(0.01),
                  dtype=np.float32, seed=np.int64(3))
    written = m.save(tmp_path / "model")
    assert written == tmp_path / "model.npz"
    back = nnedu.MLP.load(tmp_path / "model")
    assert back.dtype == np.float32 and back.config() == m.config() and back.seed == 3
    assert nnedu.MLP.load(str(tmp_path / "model.npz"), dtype=np.float64).dtype == np.float64
    import json
    with np.load(written) as f:
        assert json.loads(str(f["__config__"]))["dtype"] == "float32"
    with pytest.raises(FileNotFoundError, match="path: no saved model"):
        nnedu.MLP.load(tmp_path / "missing")
    with pytest.raises(TypeError, match="path: expected a file name"):
        m.save(3)


def test_random_restarts_rank_by_restored_weights_and_check_seeds():
    rng = np.random.default_rng(0)
    Xr = rng.standard_normal((60, 2))
    t = Xr @ np.array([[1.0], [-2.0]])
    best, results = nnedu.random_restarts(lambda s: nnedu.MLP([2, 3, 1], output="identity", seed=s), Xr[:40],
                                          t[:40], seeds=[0, 1], epochs=20, X_val=Xr[40:], y_val=t[40:],
                                          patience=2, lr=0.5, progress=False)
    for r in results:
        assert r["train_error"] >= 0
    assert min(r["train_error"] for r in results) == pytest.approx(best.evaluate(Xr[:40], t[:40])[0])
    with pytest.raises(ValueError, match="seeds: expected at least one seed"):
        nnedu.random_restarts(lambda s: nnedu.MLP([3, 4, 3], seed=s), X, y, seeds=[], progress=False)
    _, res = nnedu.random_restarts(lambda s: nnedu.MLP([3, 4, 3], seed=s), X, y, seeds=[0, 1], seed=7,
                                   epochs=2, progress=False)
    assert len(res) == 2


def test_accuracy_with_a_column_of_labels_and_identity_outputs(model):
    Xr = np.random.default_rng(0).standard_normal((5, 3))
    assert nnedu.accuracy(model, Xr, y[:, None]) == nnedu.accuracy(model, Xr, y)
    with pytest.raises(ValueError, match="model: accuracy needs a softmax or sigmoid output"):
        nnedu.accuracy(nnedu.MLP([3, 2], output="identity"), Xr, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="y: expected 5 labels"):
        nnedu.accuracy(model, Xr, np.zeros((5, 2), dtype=int))


def test_losses_with_vector_targets_and_scores():
    s = np.array([[0.5], [1.0], [-1.0]])
    loss, d = nnedu.losses.squared_error(s, np.array([0.0, 1.0, 2.0]))
    assert d.shape == (3, 1) and loss == pytest.approx(0.5 * (0.25 + 0 + 9) / 3)
    l1, d1 = nnedu.losses.sigmoid_binary_cross_entropy(s[:, 0], np.array([1, 0, 1]))
    l2, d2 = nnedu.losses.sigmoid_binary_cross_entropy(s, np.array([1, 0, 1]))
    assert d1.shape == (3,) and d2.shape == (3, 1) and l1 == l2
    np.testing.assert_array_equal(d1, d2[:, 0])
    with pytest.raises(ValueError, match=r"y: expected targets of shape \(3, 2\)"):
        nnedu.losses.squared_error(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"y: expected integer labels of shape \(3,\)"):
        nnedu.losses.softmax_cross_entropy(np.zeros((3, 2)), np.zeros(4, dtype=int))


@pytest.mark.parametrize("bad", [np.zeros((2, 3), dtype=complex), np.zeros((2, 3), dtype="timedelta64[s]"),
                                 np.zeros((2, 3), dtype="datetime64[s]")])
def test_check_X_refuses_complex_and_time_arrays(model, bad):
    with pytest.raises(TypeError, match="X: expected a numeric array of real numbers"):
        model.loss(bad)


def test_huge_float_labels_are_reported_without_warnings(model):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"y: expected labels in 0\.\.2, got values from 0 to 1e\+30"):
            model.loss(X, np.array([0, 1, 1e30, 0, 1]))


def test_seed_none_draws_and_records_a_seed():
    a, b = nnedu.MLP([3, 4, 3], seed=None), nnedu.MLP([3, 4, 3], seed=None)
    assert isinstance(a.seed, int) and a.seed != b.seed
    again = nnedu.MLP([3, 4, 3], seed=a.seed)
    np.testing.assert_array_equal(again.params["W1"], a.params["W1"])
    with pytest.raises(ValueError, match="seed: expected a non-negative integer or None"):
        nnedu.MLP([3, 4, 3], seed=-1)


@pytest.mark.parametrize("k, error", [(0, ValueError), (1, ValueError), (2.0, TypeError), (True, TypeError),
                                      ("2", TypeError)])
def test_maxout_k_is_checked(k, error):
    with pytest.raises(error, match=r"maxout_k: expected an integer >= 2"):
        nnedu.MLP([3, 4, 3], activation="maxout", maxout_k=k)


def test_sizes_from_numpy_and_boolean_labels_for_a_sigmoid_output():
    m = nnedu.MLP(np.array([3, 4, 1]), output="sigmoid")
    assert m.sizes == [3, 4, 1] and all(type(s) is int for s in m.sizes)
    yb = np.array([True, False, True, True, False])
    assert np.isfinite(m.loss(X, yb)[0]) and m.loss(X, yb)[0] == m.loss(X, yb.astype(int))[0]
    assert 0 <= nnedu.accuracy(m, X, yb) <= 1


def test_bad_validation_labels_are_named_y_val(model):
    with pytest.raises(ValueError, match=r"y_val: expected labels in 0\.\.2"):
        nnedu.fit(model, X, y, X, np.array([0, 1, 7, 0, 1]), epochs=1, progress=False)
    with pytest.raises(ValueError, match="X_val: expected 3 features"):
        nnedu.fit(model, X, y, np.zeros((5, 2)), y, epochs=1, progress=False)


def test_gradient_check_of_a_float32_model_runs_in_float64():
    Xr, yr = np.random.default_rng(0).standard_normal((6, 3)), np.array([0, 1, 2, 0, 1, 2])
    m = nnedu.MLP([3, 5, 3], dtype=np.float32, seed=1)
    W1 = m.params["W1"].copy()
    errors = nnedu.check_model_gradients(m, Xr, yr)
    assert max(errors.values()) < 1e-7 and m.dtype == np.float32
    np.testing.assert_array_equal(m.params["W1"], W1)


def test_split_does_not_stratify_real_targets():
    Xr = np.random.default_rng(0).standard_normal((40, 2))
    t = Xr.sum(axis=1)
    X_tr, t_tr, X_te, t_te = nnedu.data.split(Xr, t)
    assert len(t_tr) == 30 and len(t_te) == 10
    with pytest.raises(ValueError, match="stratify: needs class labels"):
        nnedu.data.split(Xr, t, stratify=True)
    with pytest.raises(ValueError, match="stratify: cannot keep every class in every part"):
        nnedu.data.split(Xr, np.r_[np.zeros(39, dtype=int), 1])
    assert len(nnedu.data.split(Xr, np.r_[np.zeros(39, dtype=int), 1], stratify=False)) == 4


def test_set_params_refuses_nan_unknown_keys_and_config_is_a_copy(model):
    p = model.get_params()
    with pytest.raises(ValueError, match=r"params: unknown keys \['W9'\]"):
        model.set_params({**p, "W9": np.zeros(2)})
    with pytest.raises(ValueError, match=r"params\['W1'\]: expected finite values"):
        model.set_params({**p, "W1": np.full_like(p["W1"], np.nan)})
    with pytest.raises(TypeError, match="params: expected a dict"):
        model.set_params([1, 2])
    np.testing.assert_array_equal(model.params["W1"], p["W1"])      # unchanged after a refusal
    c = model.config()
    c["sizes"].append(99)
    assert model.sizes == [3, 4, 3]


def test_other_public_helpers_check_their_arguments():
    with pytest.raises(ValueError, match="noise: expected a finite number >= 0"):
        nnedu.data.moons(noise=-1)
    with pytest.raises(ValueError, match=r"classes\[1\]: expected a digit among 0..9, got 12"):
        nnedu.data.digits(classes=[0, 12])
    with pytest.raises(ValueError, match="y: expected 5 rows to match X"):
        list(nnedu.data.minibatches(X, y[:3], 2))
    with pytest.raises(ValueError, match="n: expected a positive number of threads"):
        with nnedu.threads.blas_threads(0):
            pass
    with pytest.raises(TypeError, match="model: expected an nnedu.MLP"):
        nnedu.fit("model", X, y)
    with pytest.raises(TypeError, match="threads: expected a positive integer"):
        nnedu.fit(nnedu.MLP([3, 4, 3]), X, y, threads="many", progress=False)
    with pytest.raises(ValueError, match="h: expected a small positive step"):
        nnedu.check_model_gradients(nnedu.MLP([3, 4, 3]), X, y, h=0.0)


def test_gradient_helpers_and_maxout_layer_check_their_arguments():
    with pytest.raises(TypeError, match="x: expected a float numpy array"):
        nnedu.numerical_gradient(lambda: 0.0, np.arange(3))
    with pytest.raises(TypeError, match="f: expected a function"):
        nnedu.numerical_gradient(0.0, np.zeros(3))
    with pytest.raises(ValueError, match="k: expected a positive integer number of pieces"):
        nnedu.layers.Maxout(0)
    with pytest.raises(TypeError, match="k: expected a positive integer number of pieces"):
        nnedu.layers.Maxout(1.5)


def test_data_helpers_check_their_arguments():
    with pytest.raises(ValueError, match="noise: expected a finite number >= 0"):
        nnedu.data.spiral(noise=-0.1)
    with pytest.raises(ValueError, match=r"factor: expected the inner circle's relative radius in \(0, 1\)"):
        nnedu.data.circles(factor=1.5)
    with pytest.raises(ValueError, match="y: expected 10 labels to match n_samples"):
        nnedu.data.kfold(10, k=2, y=np.zeros(9, dtype=int))
    with pytest.raises(ValueError, match=r"y: expected a 1-D array of integer labels in 0\.\.2"):
        nnedu.data.one_hot(np.array([0.5, 1.0]), 3)
    with pytest.raises(ValueError, match="n_classes: expected a positive integer"):
        nnedu.data.one_hot(np.array([0, 1]), 0)
    with pytest.raises(ValueError, match=r"Standardizer: call fit\(X_train\) before transform"):
        nnedu.data.Standardizer().transform(X)
    with pytest.raises(ValueError, match=r"val, test: expected fractions"):
        nnedu.data.split(X, y, test=True)
    np.testing.assert_array_equal(nnedu.data.one_hot(np.array([True, False]), 2), [[0, 1], [1, 0]])
