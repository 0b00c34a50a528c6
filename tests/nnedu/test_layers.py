"""Every layer's backward against a central-difference numerical gradient (float64)."""
import numpy as np
import pytest

from nnedu import layers
from nnedu.gradcheck import numerical_gradient_array, rel_error

rng = np.random.default_rng(0)


def away_from_kinks(shape, margin=0.05):
    """Inputs at least ``margin`` from 0, so h = 1e-5 never crosses the kink of ReLU-like functions."""
    a = rng.standard_normal(shape)
    return np.where(np.abs(a) < margin, np.sign(a + 1e-12) * margin, a)


@pytest.mark.parametrize("cls", [layers.Sigmoid, layers.Tanh, layers.ReLU, layers.LeakyReLU, layers.ELU])
def test_activation_backward_matches_numerical(cls):
    a = away_from_kinks((6, 5)) * 2
    dout = rng.standard_normal((6, 5))
    layer = cls()
    layer.forward(a)
    da = layer.backward(dout)
    num = numerical_gradient_array(lambda x: cls().forward(x), a, dout)
    assert rel_error(da, num) < 1e-7


def test_linear_backward_matches_numerical():
    z, W, b = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    delta = rng.standard_normal((5, 3))
    layer = layers.Linear()
    out = layer.forward(z, W, b)
    np.testing.assert_allclose(out, z @ W + b)
    dz, dW, db = layer.backward(delta)
    assert rel_error(dz, numerical_gradient_array(lambda x: z @ W + b, z, delta)) < 1e-7
    assert rel_error(dW, numerical_gradient_array(lambda x: z @ W + b, W, delta)) < 1e-7
    assert rel_error(db, numerical_gradient_array(lambda x: z @ W + b, b, delta)) < 1e-7


def test_maxout_forward_and_backward():
    # Pieces kept apart by >= 0.1 so the max never switches under the finite-difference step.
    a = np.arange(24, dtype=float).reshape(4, 6) * 0.1
    a = a[:, rng.permutation(6)]
    m = layers.Maxout(k=2)
    z = m.forward(a)
    np.testing.assert_array_equal(z, a.reshape(4, 3, 2).max(axis=2))
    dout = rng.standard_normal((4, 3))
    da = m.backward(dout)
    assert rel_error(da, numerical_gradient_array(lambda x: layers.Maxout(2).forward(x), a, dout)) < 1e-7


def test_leaky_relu_slope_and_elu_values():
    a = np.array([[-2.0, 3.0]])
    np.testing.assert_allclose(layers.LeakyReLU().forward(a), [[-0.2, 3.0]])
    np.testing.assert_allclose(layers.ELU().forward(a), [[np.exp(-2) - 1, 3.0]])


def test_sigmoid_is_stable_for_huge_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        z = layers.Sigmoid().forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_allclose(z, [[0.0, 0.5, 1.0]])


def test_dropout_inverted_scaling_and_backward():
    z = np.ones((2000, 50))
    d = layers.Dropout(0.3, np.random.default_rng(1))
    out = d.forward(z, train=True)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01                 # p is the probability of DROPPING
    np.testing.assert_allclose(out[kept], 1 / 0.7)       # inverted: kept units scaled by 1/(1-p)
    assert abs(out.mean() - 1.0) < 0.02                  # expectation preserved
    np.testing.assert_array_equal(d.forward(z, train=False), z)  # identity at test time
    mask = rng.random((3, 4)) > 0.5
    zz, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    d.forward(zz, mask=mask)
    num = numerical_gradient_array(lambda x: layers.Dropout(0.3).forward(x, mask=mask), zz, dout)
    assert rel_error(d.backward(dout), num) < 1e-7


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match=r"drop probability p in \[0, 1\)"):
        layers.Dropout(p)


def test_unknown_activation_name():
    with pytest.raises(ValueError, match="activation: expected one of"):
        layers.make_activation("swish")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_mask_is_the_kept_units_and_scaled_mask_is_exact(dtype):
    z = np.ones((200, 50), dtype=dtype)
    d = layers.Dropout(0.3, np.random.default_rng(0))
    out = d.forward(z)
    assert d.mask.dtype == bool and abs(d.mask.mean() - 0.7) < 0.02
    assert d.scaled_mask.dtype == dtype and out.dtype == dtype
    np.testing.assert_array_equal(d.scaled_mask, np.where(d.mask, dtype(1) / dtype(0.7), 0).astype(dtype))
    np.testing.assert_array_equal(d.backward(z), out)
    d.forward(z, train=False)
    assert d.mask is None and d.scaled_mask is None
