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


@pytest.mark.parametrize("sizes", [[3], [3, 0, 2], [3, 2.5, 2], "3,4"])
def test_bad_sizes(sizes):
    with pytest.raises(ValueError, match="sizes: expected a list of at least two positive integers"):
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
        nnedu.data.split(X, y, val=0.5, test=0.6)
