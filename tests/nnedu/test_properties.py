"""Property-based tests (hypothesis): backprop of random networks against finite differences, and
save/load round trips. Bounded examples, no deadline: a few seconds in all."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nnedu
from nnedu.layers import ACTIVATIONS

FAST = settings(max_examples=40, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@st.composite
def networks(draw):
    """A small random MLP (sizes, activation, output, penalties, float64) with matching data."""
    output = draw(st.sampled_from(["softmax", "sigmoid", "identity"]))
    hidden = draw(st.lists(st.integers(1, 5), min_size=0, max_size=2))
    D = draw(st.integers(1, 4))
    C = 1 if output == "sigmoid" else draw(st.integers(2 if output == "softmax" else 1, 4))
    activation = draw(st.sampled_from(sorted(ACTIVATIONS)))
    l2 = draw(st.sampled_from([0.0, 0.1]))
    l1 = draw(st.sampled_from([0.0, 0.05]))
    seed = draw(st.integers(0, 2 ** 16))
    N = draw(st.integers(1, 6))
    model = nnedu.MLP([D, *hidden, C], activation=activation, output=output, l2=l2, l1=l1, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, D))
    y = {"softmax": rng.integers(0, max(C, 2), N), "sigmoid": rng.integers(0, 2, N),
         "identity": rng.standard_normal((N, C))}[output]
    return model, X, y


def _kinks(model, X):
    """True when some pre-activation, or an L1-penalised weight, is within 1e-4 of a kink
    (ReLU-type activations, maxout ties, |w|): central differences are not valid there."""
    zs = [X] + model.hidden(X)
    for l in range(1, model.n_layers + 1):
        a = zs[l - 1] @ model.params[f"W{l}"] + model.params[f"b{l}"]
        if l < model.n_layers:
            if model.activation in ("relu", "leaky_relu", "elu") and np.any(np.abs(a) < 1e-4):
                return True
            if model.activation == "maxout":
                pieces = a.reshape(a.shape[0], -1, model.maxout_k)
                top2 = np.sort(pieces, axis=2)[..., -2:]
                if np.any(top2[..., 1] - top2[..., 0] < 1e-4):
                    return True
    return bool(model.l1) and any(np.any(np.abs(model.params[f"W{l}"]) < 1e-4)
                                  for l in range(1, model.n_layers + 1))


@FAST
@given(networks())
def test_backprop_matches_finite_differences(case):
    model, X, y = case
    if _kinks(model, X):
        return
    errors = nnedu.check_model_gradients(model, X, y)
    assert set(errors) == set(model.params)
    for name, err in errors.items():
        assert err < 1e-6, (name, err, model)


@FAST
@given(networks(), st.sampled_from(["float32", "float64"]), st.booleans())
def test_save_load_round_trip(tmp_path_factory, case, dtype, suffix):
    model, X, _ = case
    model = nnedu.MLP(model.sizes, activation=model.activation, output=model.output, l2=model.l2,
                      l1=model.l1, dropout=float(np.float32(0.25)), seed=model.seed, dtype=dtype)
    path = tmp_path_factory.mktemp("save") / ("m.npz" if suffix else "m")
    written = model.save(path)
    back = nnedu.MLP.load(path)
    assert written.suffix == ".npz" and back.dtype == model.dtype and back.config() == model.config()
    assert back.seed == model.seed
    for k, v in model.params.items():
        np.testing.assert_array_equal(back.params[k], v)
    np.testing.assert_array_equal(back.loss(X), model.loss(X))
