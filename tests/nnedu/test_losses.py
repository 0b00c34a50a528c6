"""Losses: values on known inputs, gradients against numerical ones, numerical stability."""
import numpy as np
import pytest

from nnedu import losses
from nnedu.gradcheck import numerical_gradient, rel_error

rng = np.random.default_rng(0)


def test_softmax_loss_reproduces_the_slide_example():
    scores = np.array([[3.2, 5.1, -1.7]])               # cat, car, frog; the true class is cat
    p = losses.softmax(scores)
    np.testing.assert_allclose(p, [[0.13, 0.87, 0.00]], atol=0.005)
    loss, _ = losses.softmax_cross_entropy(scores, np.array([0]))
    assert loss == pytest.approx(-np.log(p[0, 0]))
    assert round(loss, 2) == 2.04 and round(-np.log10(p[0, 0]), 2) == 0.89


def test_softmax_is_stable_for_huge_scores():
    scores = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = losses.softmax(scores)
        loss, delta = losses.softmax_cross_entropy(scores, np.array([2, 0]))
    np.testing.assert_allclose(p[0], losses.softmax(np.array([[0.0, 1.0, 2.0]]))[0])
    assert np.isfinite(loss) and np.all(np.isfinite(delta))
    assert loss == pytest.approx((np.log(1 + np.exp(-1) + np.exp(-2)) + 2000) / 2)


@pytest.mark.parametrize("name", ["softmax", "sigmoid", "identity"])
def test_loss_gradients_match_numerical(name):
    N = 6
    if name == "softmax":
        scores, y = rng.standard_normal((N, 4)), rng.integers(0, 4, N)
    elif name == "sigmoid":
        scores, y = rng.standard_normal((N, 1)) * 3, rng.integers(0, 2, N)
    else:
        scores, y = rng.standard_normal((N, 3)), rng.standard_normal((N, 3))
    fn = losses.LOSSES[name]
    _, delta = fn(scores, y)
    num = numerical_gradient(lambda: fn(scores, y)[0], scores)
    assert rel_error(delta, num) < 1e-7


def test_binary_cross_entropy_value_and_stability():
    s, t = np.array([[0.3], [-1.2]]), np.array([1, 0])
    y = 1 / (1 + np.exp(-s[:, 0]))
    expected = -np.mean(t * np.log(y) + (1 - t) * np.log(1 - y))
    assert losses.sigmoid_binary_cross_entropy(s, t)[0] == pytest.approx(expected)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss, delta = losses.sigmoid_binary_cross_entropy(np.array([[800.0], [-800.0]]), np.array([0, 1]))
    assert loss == pytest.approx(800.0) and np.all(np.isfinite(delta))


def test_squared_error_is_half_sum_over_outputs_mean_over_batch():
    y, t = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 1.0]])
    loss, delta = losses.squared_error(y, t)
    assert loss == pytest.approx((0.5 * 5 + 0.5 * 2) / 2)
    np.testing.assert_allclose(delta, (y - t) / 2)
