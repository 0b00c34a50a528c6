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
def test_step_is_bit_identical_to_the_formula_and_updates_in_place(dtype):
    rng = np.random.default_rng(0)
    W, g = rng.standard_normal((4, 3)).astype(dtype), rng.standard_normal((4, 3)).astype(dtype)
    params = {"W1": W.copy()}
    opt = SGD(lr=0.3)
    opt.step(params, {"W1": g})
    np.testing.assert_array_equal(params["W1"], W - 0.3 * g)
    array = params["W1"]
    opt.step(params, {"W1": g})
    assert params["W1"] is array and params["W1"].dtype == dtype
    mom, params = SGD(lr=0.3, momentum=0.9), {"W1": W.copy()}
    mom.step(params, {"W1": g})
    mom.step(params, {"W1": g})
    v = 0.9 * (-0.3 * g) - 0.3 * g
    np.testing.assert_array_equal(params["W1"], (W + (-0.3 * g)) + v)


def test_adam_and_rmsprop_match_their_equations():
    from nnedu.optim import Adam, RMSProp
    rng = np.random.default_rng(1)
    w0, grads = rng.standard_normal((3, 2)), [rng.standard_normal((3, 2)) for _ in range(4)]
    adam, rms, pa, pr = Adam(lr=0.01), RMSProp(lr=0.01), {"W": w0.copy()}, {"W": w0.copy()}
    w_a, w_r, m, v, s = w0.copy(), w0.copy(), 0.0, 0.0, 0.0
    for t, g in enumerate(grads, 1):
        adam.step(pa, {"W": g})
        rms.step(pr, {"W": g})
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g ** 2
        w_a = w_a - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        s = 0.99 * s + 0.01 * g ** 2
        w_r = w_r - 0.01 * g / (np.sqrt(s) + 1e-8)
    np.testing.assert_allclose(pa["W"], w_a, rtol=1e-13)
    np.testing.assert_allclose(pr["W"], w_r, rtol=1e-13)
    # Adam's first step moves every weight by about lr, whatever the gradient's scale
    p = {"W": np.zeros(3)}
    Adam(lr=0.01).step(p, {"W": np.array([1e-4, 1.0, 1e4])})
    np.testing.assert_allclose(p["W"], -0.01, rtol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_and_rmsprop_keep_the_dtype(dtype):
    from nnedu.optim import Adam, RMSProp
    for opt in (Adam(), RMSProp()):
        params = {"W": np.ones((2, 2), dtype=dtype)}
        w = params["W"]
        opt.step(params, {"W": np.full((2, 2), 0.5, dtype=dtype)})
        assert params["W"] is w and w.dtype == dtype


def test_fit_takes_an_optimizer_by_name_or_as_an_object():
    import nnedu
    X, y = nnedu.data.spiral(50, 3, seed=0)
    runs = {}
    for name, kwargs in [("sgd", dict(lr=0.5, momentum=0.9)), ("adam", dict(optimizer="adam", lr=0.02)),
                         ("rmsprop", dict(optimizer="rmsprop", lr=0.01)),
                         ("object", dict(optimizer=nnedu.Adam(lr=0.02)))]:
        m = nnedu.MLP([2, 50, 3], activation="relu", seed=0)
        runs[name] = (m, nnedu.fit(m, X, y, epochs=60, batch_size=30, progress=False, **kwargs))
    for name, (m, h) in runs.items():
        assert h.train_acc[-1] > 0.9, name
    # a name with lr and the object with the same lr take the same steps
    np.testing.assert_array_equal(runs["adam"][0].params["W1"], runs["object"][0].params["W1"])
    # the default learning rates are the optimizers' own
    m = nnedu.MLP([2, 5, 3], seed=0)
    opt = nnedu.Adam()
    nnedu.fit(m, X, y, epochs=1, progress=False, optimizer=opt)
    assert opt.lr == 0.001 and opt.t == 5    # 150 samples in batches of 32


@pytest.mark.parametrize("kwargs, err, msg", [
    (dict(optimizer="adagrad"), ValueError, r"optimizer: expected one of \['sgd', 'adam', 'rmsprop'\]"),
    (dict(optimizer=3), TypeError, "optimizer: expected a name in"),
    (dict(optimizer="adam", momentum=0.9), ValueError, "momentum: only for optimizer='sgd'"),
    (dict(optimizer="adam", lr=-1.0), ValueError, "lr: expected a positive number"),
    (dict(optimizer=SGD(lr=0.1), lr=0.1), ValueError, "lr, momentum: an optimizer object brings its own"),
])
def test_fit_refuses_bad_optimizer_settings(kwargs, err, msg):
    import nnedu
    with pytest.raises(err, match=msg):
        nnedu.fit(nnedu.MLP([2, 3, 2]), np.zeros((4, 2)), [0, 1, 0, 1], epochs=1, progress=False, **kwargs)


@pytest.mark.parametrize("kwargs, msg", [
    (dict(beta1=1.0), r"beta1: expected a number in \[0, 1\)"),
    (dict(beta2=-0.1), r"beta2: expected a finite number >= 0"),
    (dict(lr=0.0), "lr: expected a positive number"),
    (dict(eps=float("nan")), "eps: expected a finite number >= 0"),
])
def test_adam_checks_its_settings(kwargs, msg):
    from nnedu.optim import Adam
    with pytest.raises(ValueError, match=msg):
        Adam(**kwargs)
