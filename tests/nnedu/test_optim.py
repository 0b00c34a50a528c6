"""SGD updates: the formulas, in place, for every dtype and layout."""
import numpy as np
import pytest

from nnedu.optim import SGD


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plain_sgd_step(dtype):
    w = np.arange(6, dtype=dtype).reshape(2, 3)
    g = np.ones((2, 3), dtype=dtype)
    params = {"W": w}
    SGD(lr=0.5).step(params, {"W": g})
    assert params["W"] is w                                  # in place
    np.testing.assert_allclose(w, np.arange(6).reshape(2, 3) - 0.5)


def test_momentum_matches_the_formula():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(3)]
    opt, params = SGD(lr=0.1, momentum=0.9), {"W": w0.copy()}
    w, v = w0.copy(), np.zeros_like(w0)
    for g in grads:
        opt.step(params, {"W": g})
        v = 0.9 * v - 0.1 * g
        w = w + v
    np.testing.assert_allclose(params["W"], w, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_step_is_bit_identical_to_the_formula_and_reuses_its_buffers(dtype):
    rng = np.random.default_rng(0)
    W, g = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((4, 3)).astype(dtype)
    params = {"W1": W.copy()}
    opt = SGD(lr=0.3)
    opt.step(params, {"W1": g})
    np.testing.assert_array_equal(params["W1"], W - 0.3 * g)
    buf = opt.buffer["W1"]
    opt.step(params, {"W1": g})
    assert opt.buffer["W1"] is buf and params["W1"].dtype == dtype
    mom, params = SGD(lr=0.3, momentum=0.9), {"W1": W.copy()}
    mom.step(params, {"W1": g})
    mom.step(params, {"W1": g})
    v = 0.9 * (-0.3 * g) - 0.3 * g
    np.testing.assert_array_equal(params["W1"], (W + (-0.3 * g)) + v)
