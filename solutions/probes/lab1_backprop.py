"""Probes for Lab 1 (backpropagation by hand): each graded test, checked outside the student's kernel.

See nnedu_instructor/probes.py: ``*_inputs(rng)`` draws fresh inputs in the grader, ``*_kernel(inputs, <the
student's functions>)`` runs in the student's kernel (sent there by source) and returns what those functions
give, ``*_check(inputs, outputs)`` recomputes the answers here.

Each probe restates its test cell, visible and hidden parts, on fresh data and with the test's tolerances. Most
draw several *cases* (keys ``"0.z"``, ``"1.z"``, ...): one of ordinary random sizes, and one of the shapes the
hidden tests add (a batch of one sample, a wide layer, extreme scores), so that a hard-coded size or a missing
``1/N`` cannot pass by the luck of one draw. The accuracy test (Part F) trains on the lab's digits split seen
through a fresh permutation and sign flip of the pixels and a fresh renaming of the classes: the same problem
as the test's (a network is indifferent to both, so any settings that pass the test pass here), but no answer
can be prepared for it in advance.
"""
import functools

import numpy as np

from nnedu.gradcheck import rel_error
from nnedu_instructor.probe_kit import case_names, network, network_inputs, numbers, strings, with_cases
from nnedu_instructor.probes import Probe
from nnedu_instructor.rules import Rule


def _sizes(rng, low=1, high=9, n=3):
    return [int(k) for k in rng.integers(low, high, size=n)]


def _near(got, expected, tol, terms):
    """The tests' ``rel_error(got, expected) < tol``, made safe for random inputs: also accepted when the error
    is within rounding of the summed terms' magnitude ``terms`` (|z| @ |W| for z @ W), where a result that
    cancels to almost nothing makes a relative error meaningless. A wrong answer is off by about ``terms``."""
    # The scale comes from the grader's side only (2 ||expected||, what ||got|| + ||expected|| is for a right
    # answer): an answer of infinities or 1e160s must not widen its own tolerance.
    err = np.linalg.norm(got - expected)
    return bool(np.isfinite(err)) and (err <= tol * 2 * np.linalg.norm(expected)
                                       or err <= 1e-13 * np.linalg.norm(terms))


def _stable_softmax_loss(s, y):
    """Mean softmax cross-entropy and (p - t) / N, computed so that no score overflows (the reference)."""
    n = len(y)
    shifted = s - s.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    loss = np.mean(log_norm - shifted[np.arange(n), y])
    p = np.exp(shifted - log_norm[:, None])
    p[np.arange(n), y] -= 1.0
    return loss, p / n


# --- Part A: linear_forward ---------------------------------------------------------------------------------
def linear_forward_inputs(rng):
    # case 0: ordinary sizes; case 1: a batch of one sample or a wide layer (never the visible test's H = 3)
    shapes = [_sizes(rng, 2), [1, int(rng.integers(1, 8)), int(rng.integers(10, 300))]]
    if rng.random() < 0.5:
        shapes[1] = [int(rng.integers(2, 7)), int(rng.integers(1, 4)), int(rng.integers(10, 300))]
    return with_cases({str(c): {"z": rng.normal(size=(N, D)), "W": rng.normal(size=(D, H)), "b": rng.normal(size=H)}
                       for c, (N, D, H) in enumerate(shapes)})


def linear_forward_kernel(inputs, linear_forward):
    outputs = {}
    for c in case_names(inputs):
        z, W, b = inputs[f"{c}.z"].copy(), inputs[f"{c}.W"].copy(), inputs[f"{c}.b"].copy()
        outputs[f"{c}.a"] = linear_forward(z, W, b)[0]
        outputs[f"{c}.z"], outputs[f"{c}.W"], outputs[f"{c}.b"] = z, W, b
    return outputs


def linear_forward_check(inputs, outputs):
    for c in case_names(inputs):
        z, W, b = inputs[f"{c}.z"], inputs[f"{c}.W"], inputs[f"{c}.b"]
        a = numbers(outputs, f"{c}.a", (len(z), W.shape[1]))
        assert _near(a, np.einsum("nd,dh->nh", z, W) + b, 1e-12, np.abs(z) @ np.abs(W) + np.abs(b)), "wrong values"
        for k in "zWb":
            assert np.array_equal(outputs[f"{c}.{k}"], inputs[f"{c}.{k}"]), "changed its inputs"


LINEAR_FORWARD = Probe("test_linear_forward", linear_forward_inputs, linear_forward_kernel, linear_forward_check)


# --- Part A: linear_backward --------------------------------------------------------------------------------
def linear_backward_inputs(rng):
    shapes = [_sizes(rng, 2), [1, int(rng.integers(1, 8)), int(rng.integers(2, 300))]]
    cases = {}
    for c, (N, D, H) in enumerate(shapes):
        case = cases[str(c)] = {}
        for tag in ("", "other_"):            # "other_": a second forward pass, before the backward of the first
            case.update({f"{tag}z": rng.normal(size=(N, D)), f"{tag}W": rng.normal(size=(D, H)),
                         f"{tag}b": rng.normal(size=H)})
        case["delta"] = rng.normal(size=(N, H))
    return with_cases(cases)


def linear_backward_kernel(inputs, linear_forward, linear_backward):
    outputs = {}
    for c in case_names(inputs):
        _, cache = linear_forward(inputs[f"{c}.z"].copy(), inputs[f"{c}.W"].copy(), inputs[f"{c}.b"].copy())
        linear_forward(inputs[f"{c}.other_z"].copy(), inputs[f"{c}.other_W"].copy(), inputs[f"{c}.other_b"].copy())
        dz, dW, db = linear_backward(inputs[f"{c}.delta"].copy(), cache)
        outputs[f"{c}.dz"], outputs[f"{c}.dW"], outputs[f"{c}.db"] = dz, dW, db
    return outputs


def linear_backward_check(inputs, outputs):
    for c in case_names(inputs):
        z, W, d = inputs[f"{c}.z"], inputs[f"{c}.W"], inputs[f"{c}.delta"]
        dz = numbers(outputs, f"{c}.dz", z.shape)
        dW = numbers(outputs, f"{c}.dW", W.shape)
        db = numbers(outputs, f"{c}.db", (W.shape[1],))
        assert _near(dz, np.einsum("nh,dh->nd", d, W), 1e-12, np.abs(d) @ np.abs(W).T), "wrong dz"
        assert _near(dW, np.einsum("nd,nh->dh", z, d), 1e-12, np.abs(z).T @ np.abs(d)), "wrong dW"
        assert _near(db, np.einsum("nh->h", d), 1e-12, np.abs(d).sum(axis=0)), "wrong db"


LINEAR_BACKWARD = Probe("test_linear_backward", linear_backward_inputs, linear_backward_kernel, linear_backward_check)


# --- Part B: tanh and ReLU, forward -------------------------------------------------------------------------
def activations_forward_inputs(rng):
    shapes = [(int(rng.integers(2, 8)), int(rng.integers(2, 8))), (1, int(rng.integers(1, 600)))]
    inputs = with_cases({str(c): {"a": rng.normal(size=shape) * 5} for c, shape in enumerate(shapes)})
    # huge activations: tanh must give exactly +-1 (and 0 at 0), ReLU the input or 0
    big = rng.choice([-1.0, 1.0], size=(2, 5)) * rng.uniform(20, 1e4, size=(2, 5))
    big[0, :3] = (-1000.0, 1000.0, 0.0)
    inputs["big"] = big
    return inputs


def activations_forward_kernel(inputs, tanh_forward, relu_forward):
    outputs = {}
    for c in case_names(inputs):
        a = inputs[f"{c}.a"].copy()
        outputs[f"{c}.tanh"] = tanh_forward(a)[0]
        outputs[f"{c}.relu"] = relu_forward(a)[0]
        outputs[f"{c}.a"] = a
    big = inputs["big"].copy()
    outputs["big.tanh"] = tanh_forward(big)[0]
    outputs["big.relu"] = relu_forward(big)[0]
    return outputs


def activations_forward_check(inputs, outputs):
    for c in case_names(inputs):
        a = inputs[f"{c}.a"]
        z_tanh, z_relu = numbers(outputs, f"{c}.tanh", a.shape), numbers(outputs, f"{c}.relu", a.shape)
        assert np.allclose(z_tanh, np.tanh(a), rtol=1e-12, atol=0), "tanh_forward: wrong values"
        assert np.array_equal(z_relu, np.maximum(a, 0)), "relu_forward: wrong values"
        assert np.array_equal(outputs[f"{c}.a"], a), "a forward pass changed its input"
    big = inputs["big"]
    assert np.array_equal(numbers(outputs, "big.tanh", big.shape), np.sign(big)), "tanh_forward: wrong for huge inputs"
    assert np.array_equal(numbers(outputs, "big.relu", big.shape), np.maximum(big, 0)), \
        "relu_forward: wrong for huge inputs"


ACTIVATIONS_FORWARD = Probe("test_activations_forward", activations_forward_inputs, activations_forward_kernel,
                            activations_forward_check)


# --- Part B: tanh and ReLU, backward ------------------------------------------------------------------------
def activations_backward_inputs(rng):
    shapes = [(int(rng.integers(2, 8)), int(rng.integers(2, 8))), (1, int(rng.integers(1, 400))),
              (int(rng.integers(2, 5)), 1)]
    cases = {}
    for c, shape in enumerate(shapes):
        a = rng.normal(size=shape) * 2
        a[np.abs(a) < 0.01] = -0.5                      # away from ReLU's kink, as the tests do
        cases[str(c)] = {"a": a, "dz": rng.normal(size=shape), "other": rng.normal(size=shape)}
    return with_cases(cases)


def activations_backward_kernel(inputs, tanh_forward, relu_forward, tanh_backward, relu_backward):
    outputs = {}
    for c in case_names(inputs):
        _, cache_tanh = tanh_forward(inputs[f"{c}.a"].copy())
        _, cache_relu = relu_forward(inputs[f"{c}.a"].copy())
        tanh_forward(inputs[f"{c}.other"].copy())
        relu_forward(inputs[f"{c}.other"].copy())
        outputs[f"{c}.tanh"] = tanh_backward(inputs[f"{c}.dz"].copy(), cache_tanh)
        outputs[f"{c}.relu"] = relu_backward(inputs[f"{c}.dz"].copy(), cache_relu)
    return outputs


def activations_backward_check(inputs, outputs):
    for c in case_names(inputs):
        a, d = inputs[f"{c}.a"], inputs[f"{c}.dz"]
        assert _near(numbers(outputs, f"{c}.tanh", a.shape), d * (1 - np.tanh(a) ** 2), 1e-12, d), \
            "tanh_backward: wrong values"
        assert rel_error(numbers(outputs, f"{c}.relu", a.shape), np.where(a > 0, d, 0.0)) < 1e-12, \
            "relu_backward: wrong values"


ACTIVATIONS_BACKWARD = Probe("test_activations_backward", activations_backward_inputs, activations_backward_kernel,
                             activations_backward_check)


# --- Part C: grad_check -------------------------------------------------------------------------------------
# f = sum(act(c * (A @ B)) * D), a function of two arrays. Each call gets the right gradients of both, or a wrong
# one (2 g + 0.5) for one of them, in a fresh order per function; "big" checks n_entries of each (larger) array.
GRAD_CHECK_PIECES = ("sin", "tanh", "big")


def grad_check_inputs(rng):
    inputs = {"big.n": np.array(int(rng.integers(2, 7)))}
    for name in GRAD_CHECK_PIECES:
        if name == "big":
            n, d, m = int(rng.integers(10, 16)), int(rng.integers(12, 20)), int(rng.integers(5, 9))
        else:
            n, d, m = (int(k) for k in rng.integers(2, 7, size=3))
        inputs.update({f"{name}.A": rng.normal(size=(n, d)), f"{name}.B": rng.normal(size=(d, m)) / np.sqrt(d),
                       f"{name}.D": rng.normal(size=(n, m)), f"{name}.c": np.array(rng.uniform(0.5, 1.5)),
                       f"{name}.seed": np.array(int(rng.integers(0, 2**31))),
                       # 0: both gradients right; 1: dA wrong; 2: dB wrong
                       f"{name}.order": rng.permutation([0, 1, 2, 0])})
    return inputs


def grad_check_kernel(inputs, grad_check):
    outputs = {}
    for name in ("sin", "tanh", "big"):
        A, B, D = (inputs[f"{name}.{k}"].copy() for k in "ABD")
        c = float(inputs[f"{name}.c"])
        act, slope = (np.sin, np.cos) if name == "sin" else (np.tanh, lambda u: 1.0 - np.tanh(u) ** 2)
        calls = [0]

        def f():
            calls[0] += 1
            return float(np.sum(act(c * (A @ B)) * D))

        G = c * slope(c * (A @ B)) * D
        right = {"A": G @ B.T, "B": A.T @ G}
        n_entries = int(inputs["big.n"]) if name == "big" else None
        for i, which in enumerate(inputs[f"{name}.order"]):
            grads = {k: 2 * g + 0.5 if which == j + 1 else g.copy() for j, (k, g) in enumerate(right.items())}
            calls[0] = 0
            errors = grad_check(f, {"A": A, "B": B}, grads, n_entries=n_entries,
                                seed=int(inputs[f"{name}.seed"]) + i)
            outputs[f"{name}.{i}.keys"] = np.array(sorted(str(k) for k in errors))
            for k in "AB":
                outputs[f"{name}.{i}.{k}"] = errors[k] if k in errors else np.nan
            outputs[f"{name}.{i}.calls"] = calls[0]
        outputs[f"{name}.A"], outputs[f"{name}.B"] = A, B
    return outputs


def grad_check_check(inputs, outputs):
    for name in GRAD_CHECK_PIECES:
        for i, which in enumerate(inputs[f"{name}.order"]):
            assert strings(outputs, f"{name}.{i}.keys") == ["A", "B"], "must return one error per key of params"
            for j, k in enumerate("AB"):
                err = numbers(outputs, f"{name}.{i}.{k}", ())
                if which == j + 1:
                    assert err > 1e-2, f"{name}: a wrong gradient of {k} got {err}"
                else:
                    assert 0 <= err < 1e-7, f"{name}: a correct gradient of {k} got {err}"
            if name == "big":
                calls, n = numbers(outputs, f"big.{i}.calls", ()), int(inputs["big.n"])
                assert calls <= 2 * 2 * n + 3, f"n_entries={n} on two arrays: f evaluated {calls:.0f} times"
        for k in "AB":
            assert np.array_equal(outputs[f"{name}.{k}"], inputs[f"{name}.{k}"]), "the arrays were not restored"


GRAD_CHECK = Probe("test_grad_check", grad_check_inputs, grad_check_kernel, grad_check_check)


# --- Part D: softmax_loss -----------------------------------------------------------------------------------
def _softmax_cases(rng, extreme_rows):
    """Ordinary scores, a batch of one, and huge scores (ties at the top, the right class far behind)."""
    cases = []
    N, C = int(rng.integers(2, 9)), int(rng.integers(2, 50))
    cases.append((rng.normal(size=(N, C)) * 3, rng.integers(0, C, N)))
    C = int(rng.integers(2, 5))
    cases.append((rng.normal(size=(1, C)) * 3, rng.integers(0, C, 1)))
    N, C = extreme_rows, int(rng.integers(2, 6))
    big = rng.choice([-1.0, 0.0, 1.0], size=(N, C)) * rng.uniform(500, 1e4, size=(N, 1))
    big[0, :2] = rng.uniform(500, 1e4)                   # a tie at the top
    cases.append((big, rng.integers(0, C, N)))
    return cases


def _softmax_inputs(cases):
    """The probe's inputs for a list of (scores, labels) cases."""
    return with_cases({str(c): {"s": s, "y": y} for c, (s, y) in enumerate(cases)})


def softmax_value_inputs(rng):
    cases = _softmax_cases(rng, int(rng.integers(1, 4)))
    N, C = int(rng.integers(1, 5)), int(rng.integers(2, 12))       # equal scores: the loss is ln C
    cases.append((np.full((N, C), rng.uniform(-1000, 1000)), rng.integers(0, C, N)))
    return _softmax_inputs(cases)


def softmax_value_kernel(inputs, softmax_loss):
    return {f"{c}.loss": softmax_loss(inputs[f"{c}.s"].copy(), inputs[f"{c}.y"].copy())[0]
            for c in case_names(inputs)}


def softmax_value_check(inputs, outputs):
    for c in case_names(inputs):
        s, y = inputs[f"{c}.s"], inputs[f"{c}.y"]
        loss = numbers(outputs, f"{c}.loss", ())
        expected, _ = _stable_softmax_loss(s, y)
        # the tests' tolerances: 1e-12 for ordinary scores, 1e-9 relative for scores in the hundreds and more
        tol = 1e-12 if np.abs(s).max() < 100 else 1e-9 * max(1.0, abs(expected))
        assert np.isfinite(loss) and abs(loss - expected) <= tol, "wrong loss"


SOFTMAX_VALUE = Probe("test_softmax_loss_value", softmax_value_inputs, softmax_value_kernel, softmax_value_check)


def softmax_gradient_inputs(rng):
    return _softmax_inputs(_softmax_cases(rng, int(rng.integers(2, 4))))


def softmax_gradient_kernel(inputs, softmax_loss):
    outputs = {}
    for c in case_names(inputs):
        s = inputs[f"{c}.s"].copy()
        outputs[f"{c}.ds"] = softmax_loss(s, inputs[f"{c}.y"].copy())[1]
        outputs[f"{c}.s"] = s
    return outputs


def softmax_gradient_check(inputs, outputs):
    for c in case_names(inputs):
        s, y = inputs[f"{c}.s"], inputs[f"{c}.y"]
        ds = numbers(outputs, f"{c}.ds", s.shape)
        _, expected = _stable_softmax_loss(s, y)
        if np.abs(s).max() > 100:
            assert np.all(np.isfinite(ds)) and np.allclose(ds, expected, rtol=0, atol=1e-12), "wrong for huge scores"
        else:
            # p - t cancels for a confident right class: then each entry is only good to a few ulps of 1 / N
            assert _near(ds, expected, 1e-12, np.full(s.shape, 1.0 / len(s))), "wrong gradient"
        assert np.array_equal(outputs[f"{c}.s"], s), "changed the scores"


SOFTMAX_GRADIENT = Probe("test_softmax_loss_gradient", softmax_gradient_inputs, softmax_gradient_kernel,
                         softmax_gradient_check)


# --- Part E: two_layer_loss ---------------------------------------------------------------------------------
PARAM_NAMES = ("W1", "b1", "W2", "b2")


def two_layer_inputs(rng):
    # three networks: tanh and ReLU with a penalty, then either without; one of them may be wide or a batch of one
    specs = [("tanh", rng.uniform(0.01, 1.0)), ("relu", rng.uniform(0.01, 1.0)),
             (str(rng.choice(["tanh", "relu"])), 0.0)]
    cases = {}
    for c, (act, l2) in enumerate(specs):
        N, D, H, C = int(rng.integers(1, 9)), int(rng.integers(1, 7)), int(rng.integers(2, 10)), int(rng.integers(2, 6))
        if c == 2 and rng.random() < 0.5:
            H = int(rng.integers(100, 300))
        X, y = rng.normal(size=(N, D)), rng.integers(0, C, N)
        params = {"W1": rng.normal(size=(D, H)) / np.sqrt(D), "b1": rng.normal(size=H),
                  "W2": rng.normal(size=(H, C)) / np.sqrt(H), "b2": rng.normal(size=C)}
        cases[str(c)] = {"X": X, "y": y, **network_inputs("", [D, H, C], act, params, l2)}
    return with_cases(cases)


def two_layer_kernel(inputs, two_layer_loss):
    outputs = {}
    for c in case_names(inputs):
        act, l2 = str(inputs[f"{c}.act"]), float(inputs[f"{c}.l2"])
        X, y = inputs[f"{c}.X"].copy(), inputs[f"{c}.y"].copy()
        P = {k: inputs[f"{c}.P.{k}"].copy() for k in ("W1", "b1", "W2", "b2")}
        outputs[f"{c}.scores"] = two_layer_loss(P, X, activation=act)
        loss, grads = two_layer_loss(P, X, y, l2=l2, activation=act)
        outputs[f"{c}.loss"] = loss
        outputs[f"{c}.keys"] = np.array(sorted(str(k) for k in grads))
        for k, v in P.items():
            outputs[f"{c}.after.{k}"] = v
            if k in grads:
                outputs[f"{c}.grad.{k}"] = grads[k]
    return outputs


def _params_kept(inputs, outputs, c):
    assert all(np.array_equal(outputs[f"{c}.after.{k}"], inputs[f"{c}.P.{k}"]) for k in PARAM_NAMES), \
        "changed params"


def two_layer_loss_check(inputs, outputs):
    for c in case_names(inputs):
        model, X, y = network(inputs, f"{c}."), inputs[f"{c}.X"], inputs[f"{c}.y"]
        expected_scores = model.loss(X)
        scores = numbers(outputs, f"{c}.scores", expected_scores.shape)
        P = {k: inputs[f"{c}.P.{k}"] for k in PARAM_NAMES}
        hidden = np.abs(X) @ np.abs(P["W1"]) + np.abs(P["b1"])         # bounds |a1|, hence |h(a1)|
        if str(inputs[f"{c}.act"]) == "tanh":
            hidden = np.minimum(hidden, 1.0)
        terms = hidden @ np.abs(P["W2"]) + np.abs(P["b2"])
        assert _near(scores, expected_scores, 1e-12, terms), "wrong scores"
        loss, expected = numbers(outputs, f"{c}.loss", ()), model.loss(X, y)[0]
        assert abs(loss - expected) < 1e-12 * max(1.0, abs(expected)), "wrong loss"
        _params_kept(inputs, outputs, c)


def two_layer_gradients_check(inputs, outputs):
    for c in case_names(inputs):
        _, expected = network(inputs, f"{c}.").loss(inputs[f"{c}.X"], inputs[f"{c}.y"])
        assert outputs[f"{c}.keys"].tolist() == sorted(PARAM_NAMES), "grads must have the keys of params"
        for k in PARAM_NAMES:
            assert rel_error(numbers(outputs, f"{c}.grad.{k}", expected[k].shape), expected[k]) < 1e-10, f"wrong d{k}"
        _params_kept(inputs, outputs, c)


TWO_LAYER_LOSS = Probe("test_two_layer_loss", two_layer_inputs, two_layer_kernel, two_layer_loss_check)
TWO_LAYER_GRADIENTS = Probe("test_two_layer_gradients", two_layer_inputs, two_layer_kernel, two_layer_gradients_check)


# --- Part F: sgd_train (its steps) and SETTINGS (the accuracy on digits) -------------------------------------
ACCURACY = 0.94   # the test's 95%, less a margin of about five test images for rounding in a longer training


@functools.lru_cache(maxsize=1)
def _digits_split():
    """The lab's split (its locked cell ``digits_data``): standardized training and test sets."""
    import nnedu
    X_all, y_all = nnedu.data.digits()
    order = np.random.default_rng(0).permutation(len(y_all))
    train_idx, test_idx = order[:1347], order[1347:]
    mean, std = X_all[train_idx].mean(axis=0), X_all[train_idx].std(axis=0)
    std[std == 0] = 1.0
    return ((X_all[train_idx] - mean) / std, y_all[train_idx], (X_all[test_idx] - mean) / std, y_all[test_idx])


def _seen_through(inputs, X, y):
    """``X`` and ``y`` with the probe's pixel permutation and sign flips, and its renamed classes."""
    return (X * inputs["signs"])[:, inputs["pixels"]], np.argsort(inputs["classes"])[y]


def sgd_train_inputs(rng):
    # one full-batch epoch is one gradient step, per activation; 30 epochs of mini-batches of 3 lower the loss
    inputs = {"seed": np.array(int(rng.integers(0, 2**31 - 1)))}
    for act in ("tanh", "relu"):
        N, D, H, C = int(rng.integers(4, 12)), int(rng.integers(2, 6)), int(rng.integers(2, 8)), int(rng.integers(2, 5))
        inputs.update({
            f"step.{act}.X": rng.normal(size=(N, D)), f"step.{act}.y": rng.integers(0, C, N),
            f"step.{act}.lr": np.array(rng.uniform(0.05, 1.0)), f"step.{act}.l2": np.array(rng.uniform(0.01, 0.1)),
            f"step.{act}.W1": rng.normal(size=(D, H)) / np.sqrt(D), f"step.{act}.b1": rng.normal(size=H) * 0.1,
            f"step.{act}.W2": rng.normal(size=(H, C)) / np.sqrt(H), f"step.{act}.b2": rng.normal(size=C) * 0.1,
            f"fall.{act}.W1": rng.normal(size=(4, 8)) / 2, f"fall.{act}.b1": np.zeros(8),
            f"fall.{act}.W2": rng.normal(size=(8, 3)) / np.sqrt(8), f"fall.{act}.b2": np.zeros(3)})
        # labels a network can learn (those of a random linear classifier): the loss falls by half or more
        X = rng.normal(size=(12, 4))
        inputs.update({f"fall.{act}.X": X, f"fall.{act}.y": np.argmax(X @ rng.normal(size=(4, 3)), axis=1)})
    return inputs


def sgd_train_kernel(inputs, sgd_train):
    outputs = {}
    for act in ("tanh", "relu"):
        step = {"epochs": 1, "lr": float(inputs[f"step.{act}.lr"]), "l2": float(inputs[f"step.{act}.l2"]),
                "batch_size": len(inputs[f"step.{act}.y"])}
        for run, kw in (("step", step), ("fall", {"epochs": 30, "lr": 0.2, "l2": 0.0, "batch_size": 3})):
            P = {k: inputs[f"{run}.{act}.{k}"].copy() for k in ("W1", "b1", "W2", "b2")}
            h = sgd_train(P, inputs[f"{run}.{act}.X"].copy(), inputs[f"{run}.{act}.y"].copy(), activation=act,
                          seed=int(inputs["seed"]), **kw)
            outputs[f"{run}.{act}.history"] = np.asarray(h, float)
            outputs.update({f"{run}.{act}.{k}": v for k, v in P.items()})
    return outputs


def sgd_train_check(inputs, outputs):
    import nnedu
    for act in ("tanh", "relu"):
        step = {k: inputs[f"step.{act}.{k}"] for k in PARAM_NAMES}
        X, y, lr = inputs[f"step.{act}.X"], inputs[f"step.{act}.y"], float(inputs[f"step.{act}.lr"])
        l2 = float(inputs[f"step.{act}.l2"])
        model = nnedu.MLP([X.shape[1], step["W1"].shape[1], step["W2"].shape[1]], activation=act, l2=l2)
        model.set_params(step)
        loss, grads = model.loss(X, y)
        data_loss = loss - 0.5 * l2 * (np.sum(step["W1"] ** 2) + np.sum(step["W2"] ** 2))
        h = numbers(outputs, f"step.{act}.history", (1,))
        # the loss with its penalty (two_layer_loss's) or without it (nnedu's History): the lab accepts both
        assert min(abs(h[0] - loss), abs(h[0] - data_loss)) < 1e-12, f"{act}: one full-batch epoch: wrong loss"
        for k in PARAM_NAMES:
            got = numbers(outputs, f"step.{act}.{k}", step[k].shape)
            assert rel_error(got, step[k] - lr * grads[k]) < 1e-12, f"{act}: one full-batch epoch: wrong step"
        h = numbers(outputs, f"fall.{act}.history", (30,))
        assert np.all(np.isfinite(h)) and h[-1] < h[0], f"{act}: the loss does not fall"


SGD_TRAIN = Probe("test_sgd_train", sgd_train_inputs, sgd_train_kernel, sgd_train_check)


def sgd_accuracy_inputs(rng):
    X_train, y_train, _, _ = _digits_split()
    inputs = {"seed": np.array(int(rng.choice([0, 5]))), "pixels": rng.permutation(64),
              "signs": rng.choice([-1.0, 1.0], size=64), "classes": rng.permutation(10)}
    inputs["X"], inputs["y"] = _seen_through(inputs, X_train, y_train)
    return inputs


def initial_params(hidden, activation, seed):
    """``nnedu.MLP([64, hidden, 10], activation, seed=seed).params``, drawn without nnedu (which the kernel of a lab
    that forbids nnedu's network may not have): Gaussian weights of std sqrt(gain / fan_in), gain 2 after ReLU and 1
    otherwise, zero biases."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((64, hidden)) * np.sqrt((2.0 if activation == "relu" else 1.0) / 64)
    W2 = rng.standard_normal((hidden, 10)) * np.sqrt(1.0 / hidden)
    return {"W1": W1, "b1": np.zeros(hidden), "W2": W2, "b2": np.zeros(10)}


def sgd_accuracy_kernel(inputs, SETTINGS, sgd_train):
    settings = dict(SETTINGS)
    act, seed = str(settings["activation"]), int(inputs["seed"])
    outputs = {"settings": np.array(sorted(str(k) for k in settings)), "activation": act}
    start = initial_params(int(settings["hidden"]), act, seed)
    pixels, signs, classes = inputs["pixels"], inputs["signs"], inputs["classes"]
    P = {"W1": (start["W1"] * signs[:, None])[pixels], "b1": start["b1"].copy(),
         "W2": start["W2"][:, classes], "b2": start["b2"][classes]}
    kwargs = {k: v for k, v in settings.items() if k != "hidden"}
    sgd_train(P, inputs["X"].copy(), inputs["y"].copy(), seed=seed, **kwargs)
    outputs.update({k: P[k] for k in ("W1", "b1", "W2", "b2")})
    return outputs


def sgd_accuracy_check(inputs, outputs):
    import nnedu
    assert outputs["settings"].tolist() == sorted(["hidden", "activation", "epochs", "lr", "batch_size", "l2"]), \
        "SETTINGS has the wrong keys"
    act = str(outputs["activation"])
    assert act in ("tanh", "relu"), "unknown activation"
    W1 = numbers(outputs, "W1")
    assert W1.ndim == 2 and W1.shape[0] == 64 and 1 <= W1.shape[1] <= 100_000, "wrong W1"
    H = W1.shape[1]
    P = {"W1": W1, "b1": numbers(outputs, "b1", (H,)), "W2": numbers(outputs, "W2", (H, 10)),
         "b2": numbers(outputs, "b2", (10,))}
    model = nnedu.MLP([64, H, 10], activation=act)
    model.set_params(P)
    _, _, X_test, y_test = _digits_split()
    X_test, y_test = _seen_through(inputs, X_test, y_test)
    assert np.mean(model.predict(X_test) == y_test) >= ACCURACY, "test accuracy too low"


SGD_ACCURACY = Probe("test_sgd_accuracy", sgd_accuracy_inputs, sgd_accuracy_kernel, sgd_accuracy_check)

PROBES = [LINEAR_FORWARD, LINEAR_BACKWARD, ACTIVATIONS_FORWARD, ACTIVATIONS_BACKWARD, GRAD_CHECK, SOFTMAX_VALUE,
          SOFTMAX_GRADIENT, TWO_LAYER_LOSS, TWO_LAYER_GRADIENTS, SGD_TRAIN,
          SGD_ACCURACY]

# --- what the answers may not use (nnedu_instructor/rules.py) ----------------------------------------------
TESTS = [p.grade_id for p in PROBES]
FORBIDDEN = [
    Rule("nnedu.layers", TESTS, "write the forward and backward passes yourself"),
    Rule("nnedu.losses", TESTS, "write the softmax loss and its gradient yourself"),
    Rule("nnedu.network", TESTS, "chain your own pieces into the network"),
    Rule("nnedu.train", TESTS, "write the training loop yourself"),
    Rule("nnedu.optim", TESTS, "write the gradient step yourself"),
    Rule("torch", TESTS, "compute the gradients by backpropagation in numpy, not with autograd"),
]
