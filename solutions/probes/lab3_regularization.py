"""Probes for Lab 3 (regularization): each graded test, checked outside the student's kernel.

See nnedu_instructor/probes.py: ``*_inputs(rng)`` draws fresh inputs in the grader, ``*_kernel(inputs, <the
student's functions>)`` runs in the student's kernel (sent there by source) and returns what those functions
give, ``*_check(inputs, outputs)`` recomputes the answers here.

Each probe restates its test cell, visible and hidden parts, on fresh data and with the test's tolerances:
penalties of networks of fresh depths and sizes (a shallow and a deep one, so a hard-coded list of keys fails),
dropout's statistics on 125 000+ draws per rate (margins of 7 standard deviations or more), early stopping on
many random validation curves with ties against ``nnedu``'s own rule, and the one-standard-error rule on many
random error tables. The early-stopping test compares with ``nnedu.fit``; the probe compares with the rule
``nnedu.fit`` applies (``nnedu.history.EarlyStopping``), on curves where it matters (ties, plateaus, short runs).
"""
import numpy as np

from nnedu.gradcheck import rel_error
from nnedu_instructor.probe_kit import case_names, flag, flags, numbers, outcome, with_cases
from nnedu_instructor.probes import Probe
from nnedu_instructor.rules import Rule


# --- Parts A and B: the penalties ---------------------------------------------------------------------------
def _params(rng, depth, zeros=0.0):
    """A network's params of ``depth`` layers with fresh sizes: "W1" (D, H1), "b1" (H1,), ...; a fraction
    ``zeros`` of the weights exactly 0 (where L1's subgradient is 0)."""
    sizes = [int(k) for k in rng.integers(1, 9, size=depth + 1)]
    params = {}
    for layer in range(1, depth + 1):
        W = rng.normal(size=(sizes[layer - 1], sizes[layer]))
        W[rng.random(W.shape) < zeros] = 0.0
        params[f"W{layer}"], params[f"b{layer}"] = W, rng.normal(size=sizes[layer]) * 10
    return params


def penalty_inputs(rng, zeros=0.0):
    cases = {}
    for c, depth in enumerate((int(rng.integers(1, 3)), int(rng.integers(3, 6)))):   # shallow, deep
        cases[str(c)] = {"lam": np.array(rng.uniform(0.001, 1.0))}
        cases[str(c)].update({f"P.{k}": v for k, v in _params(rng, depth, zeros).items()})
    return with_cases(cases)


def l1_penalty_inputs(rng):
    return penalty_inputs(rng, zeros=0.2)


def _case_params(inputs, c):
    """Case ``c``'s params {"W1": ..., "b1": ..., ...}."""
    return {k.split(".", 2)[2]: v for k, v in inputs.items() if k.startswith(f"{c}.P.")}


def penalty_outputs(inputs, penalty):
    """What ``penalty(params, lam)`` gives, at each case's lam and at 0, and the params after it."""
    outputs = {}
    for c in case_names(inputs):
        P = {k: v.copy() for k, v in _case_params(inputs, c).items()}
        for lam, tag in ((float(inputs[f"{c}.lam"]), "lam"), (0.0, "zero")):
            value, grads = penalty(P, lam)
            outputs[f"{c}.{tag}.value"] = value
            outputs[f"{c}.{tag}.keys"] = np.array(sorted(str(k) for k in grads))
            outputs.update({f"{c}.{tag}.grad.{k}": grads[k] for k in P if k in grads})
        outputs.update({f"{c}.after.{k}": v for k, v in P.items()})
    return outputs


def l2_penalty_kernel(inputs, l2_penalty):
    return penalty_outputs(inputs, l2_penalty)


def l1_penalty_kernel(inputs, l1_penalty):
    return penalty_outputs(inputs, l1_penalty)


def _penalty_check(inputs, outputs, value_of, grad_of, exact):
    for c in case_names(inputs):
        P = _case_params(inputs, c)
        for tag, lam in (("lam", float(inputs[f"{c}.lam"])), ("zero", 0.0)):
            assert outputs[f"{c}.{tag}.keys"].tolist() == sorted(P), "grads must have the keys of params"
            value, expected = numbers(outputs, f"{c}.{tag}.value", ()), value_of(P, lam)
            grads = {k: numbers(outputs, f"{c}.{tag}.grad.{k}", p.shape) for k, p in P.items()}
            assert abs(value - expected) <= 1e-10 * max(1.0, expected), "wrong value"
            if lam == 0:
                assert value == 0 and all(np.all(g == 0) for g in grads.values()), "lam = 0 must give zeros"
            for k, g in grads.items():
                if k.startswith("W"):
                    if exact:
                        assert np.allclose(g, grad_of(P[k], lam), rtol=1e-12, atol=0), f"wrong gradient of {k}"
                    else:
                        assert rel_error(g, grad_of(P[k], lam)) < 1e-9, f"wrong gradient of {k}"
                else:
                    assert np.all(g == 0), "biases must not be penalized"
        assert all(np.array_equal(outputs[f"{c}.after.{k}"], p) for k, p in P.items()), "changed params"


def l2_penalty_check(inputs, outputs):
    _penalty_check(inputs, outputs, lambda P, lam: 0.5 * lam * sum(np.sum(W ** 2) for k, W in P.items() if k[0] == "W"),
                   lambda W, lam: lam * W, exact=False)


def l1_penalty_check(inputs, outputs):
    # exact: lam * sign(W), zero where W is 0 (the hidden test compares with array_equal)
    _penalty_check(inputs, outputs, lambda P, lam: lam * sum(np.sum(np.abs(W)) for k, W in P.items() if k[0] == "W"),
                   lambda W, lam: lam * np.sign(W), exact=True)


L2_PENALTY = Probe("test_l2_penalty", penalty_inputs, l2_penalty_kernel, l2_penalty_check)
L1_PENALTY = Probe("test_l1_penalty", l1_penalty_inputs, l1_penalty_kernel, l1_penalty_check)


# --- Part C: dropout ----------------------------------------------------------------------------------------
KEPT_TOLERANCE = 0.01     # the test's: |kept fraction - (1 - p)| < 0.01; with 125 000+ draws that is 7+ sigma
MEAN_SIGMAS = 7           # per unit: |mean of out - mean of z| below 7 standard deviations (the test: 5 bounds)


def dropout_inputs(rng):
    rows, cols = int(rng.integers(25_000, 30_000)), int(rng.integers(5, 9))
    shape = (int(rng.integers(2, 9)), int(rng.integers(2, 12)))
    return {
        # one rate below 1/2 and one above, so that "p = keep" and "p = drop" cannot be confused
        "p": np.array([rng.uniform(0.05, 0.4), rng.uniform(0.6, 0.85)]),
        "z": rng.uniform(0.5, 2.0, size=(rows, cols)), "dout": rng.normal(size=(rows, cols)),
        "seeds": rng.integers(0, 2**31, size=4),
        "small.z": rng.normal(size=shape), "small.dout": rng.normal(size=shape),
        "small.p": np.array(rng.uniform(0.1, 0.9)),
        "bad": np.array([-rng.uniform(0.01, 1.0), 1.0, 1.0 + rng.uniform(0.01, 2.0)]),
    }


def dropout_kernel(inputs, dropout_forward, dropout_backward):
    z, seeds, outputs = inputs["z"], inputs["seeds"], {}
    for i, p in enumerate(inputs["p"]):
        out, mask = dropout_forward(z.copy(), float(p), np.random.default_rng(int(seeds[i])), train=True)
        outputs[f"{i}.out"], outputs[f"{i}.mask"] = out, mask
        outputs[f"{i}.back"] = dropout_backward(inputs["dout"].copy(), mask, float(p))
    zs, ps = inputs["small.z"], float(inputs["small.p"])
    out, mask = dropout_forward(zs.copy(), ps, np.random.default_rng(int(seeds[2])), train=False)
    outputs["test.out"], outputs["test.mask_is_none"] = out, mask is None
    for tag in ("a", "b"):                                     # the same generator seed: the same draw
        out, mask = dropout_forward(zs.copy(), ps, np.random.default_rng(int(seeds[3])))
        outputs[f"same.{tag}.out"], outputs[f"same.{tag}.mask"] = out, mask
    outputs["zero.out"] = dropout_forward(zs.copy(), 0.0, np.random.default_rng(int(seeds[2])))[0]
    outputs["bad.raised"] = np.array([outcome(dropout_forward, zs.copy(), float(bad), np.random.default_rng(0))[0]
                                      == "ValueError" for bad in inputs["bad"]])
    outputs["none.back"] = dropout_backward(inputs["small.dout"].copy(), None, ps)
    return outputs


def _mask(outputs, key, shape):
    m = outputs[key]
    assert m.dtype.kind in "biuf" and m.shape == shape, "mask: wrong shape or type"
    return m.astype(bool)


def dropout_check(inputs, outputs):
    z, dout = inputs["z"], inputs["dout"]
    rows = z.shape[0]
    for i, p in enumerate(inputs["p"]):
        out, mask = numbers(outputs, f"{i}.out", z.shape), _mask(outputs, f"{i}.mask", z.shape)
        assert abs(mask.mean() - (1 - p)) < KEPT_TOLERANCE, f"p={p:.2f}: kept {mask.mean():.3f} (p is the DROP rate)"
        assert np.all(out[~mask] == 0), "dropped units must output 0"
        assert np.allclose(out, z * mask / (1 - p)), "kept units must be divided by 1 - p"
        tol = MEAN_SIGMAS * z.max() * np.sqrt(p / (1 - p) / rows)
        assert np.all(np.abs(out.mean(axis=0) - z.mean(axis=0)) < tol), "the expectation must equal the input"
        assert np.allclose(numbers(outputs, f"{i}.back", z.shape), dout * mask / (1 - p)), "wrong backward"
    zs, ps = inputs["small.z"], float(inputs["small.p"])
    assert flag(outputs, "test.mask_is_none"), "test mode must return mask None"
    assert np.array_equal(numbers(outputs, "test.out", zs.shape), zs), "test mode must return z"
    a, b = numbers(outputs, "same.a.out", zs.shape), numbers(outputs, "same.b.out", zs.shape)
    ma, mb = _mask(outputs, "same.a.mask", zs.shape), _mask(outputs, "same.b.mask", zs.shape)
    assert np.array_equal(a, b) and np.array_equal(ma, mb), "the draw must come from the rng passed"
    assert np.allclose(a[ma], zs[ma] / (1 - ps)) and np.all(a[~ma] == 0), "wrong output"
    assert np.allclose(numbers(outputs, "zero.out", zs.shape), zs), "p = 0 must keep everything"
    assert flags(outputs, "bad.raised", 3), "p outside [0, 1) must raise ValueError"
    assert np.array_equal(numbers(outputs, "none.back", zs.shape), inputs["small.dout"]), "mask None: dout unchanged"


DROPOUT = Probe("test_dropout", dropout_inputs, dropout_kernel, dropout_check)


# --- Part D: early stopping ---------------------------------------------------------------------------------
def _curve(rng):
    """A validation curve: noisy U shapes, plateaus and ties (values on a coarse grid), monotone runs."""
    n = int(rng.integers(1, 60))
    kind = rng.integers(0, 4)
    t = np.arange(n, dtype=float)
    if kind == 0:    # U shape with noise, rounded so that equal values happen
        v = np.round(np.exp(-t / rng.uniform(2, 15)) + 0.01 * t * rng.uniform(0, 1) + rng.normal(0, 0.03, n), 2)
    elif kind == 1:  # few distinct values: many ties
        v = rng.integers(0, 4, n).astype(float)
    elif kind == 2:  # falls, then a plateau
        v = np.maximum(np.round(1.0 - 0.1 * t, 1), rng.uniform(0, 0.5))
    else:            # keeps falling or keeps rising
        v = np.cumsum(rng.uniform(0.01, 1.0, n)) * rng.choice([-1.0, 1.0])
    return v


def early_stopping_inputs(rng):
    curves = [_curve(rng) for _ in range(60)]
    return {"values": np.concatenate(curves), "lengths": np.array([len(v) for v in curves]),
            "patience": rng.integers(1, 16, size=len(curves))}


def early_stopping_kernel(inputs, early_stopping_epoch):
    lengths = inputs["lengths"]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    found = []
    for i, (start, n) in enumerate(zip(starts, lengths)):
        v = inputs["values"][start:start + n].copy()
        best, stop = early_stopping_epoch(v.tolist() if i % 2 else v, int(inputs["patience"][i]))
        found.append((int(best), int(stop)))
    return {"found": np.array(found, dtype=np.int64).reshape(len(lengths), 2)}


def _early_stopping_reference(values, patience):
    """(best, stop) by the rule nnedu.fit applies (nnedu.history.EarlyStopping), epochs from 1."""
    from nnedu.history import EarlyStopping
    stopper = EarlyStopping(patience, restore_best=False)
    for epoch, loss in enumerate(values, start=1):
        if stopper.update(None, loss, epoch):
            return stopper.best_epoch, epoch
    return stopper.best_epoch, len(values)


def early_stopping_check(inputs, outputs):
    lengths = inputs["lengths"]
    found = numbers(outputs, "found", (len(lengths), 2))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for i, (start, n) in enumerate(zip(starts, lengths)):
        expected = _early_stopping_reference(inputs["values"][start:start + n], int(inputs["patience"][i]))
        assert tuple(found[i]) == expected, "wrong (best, stop)"


EARLY_STOPPING = Probe("test_early_stopping", early_stopping_inputs, early_stopping_kernel, early_stopping_check)


# --- Part E: the one-standard-error rule --------------------------------------------------------------------
def _one_se_reference(E):
    means = E.mean(axis=1)
    best = int(np.argmin(means))
    threshold = means[best] + E[best].std(ddof=1) / np.sqrt(E.shape[1])
    return best, int(np.flatnonzero(means <= threshold)[0]), means, threshold


def _table(rng):
    """A table of fold errors whose answer does not hang on rounding: no mean within 1e-9 of the threshold or of
    the lowest mean, except exact ties (a row repeated: the first must win) and rows without spread (SE = 0)."""
    while True:
        n, k = int(rng.integers(1, 11)), int(rng.integers(2, 11))
        if rng.random() < 0.7:
            E = rng.uniform(0, 1, size=(n, k))
        else:                                             # a grid of values, repeated rows, rows without spread
            E = rng.integers(0, 9, size=(n, k)) / 8
            for i in range(n):
                r = rng.random()
                if r < 0.25 and i > 0:
                    E[i] = E[rng.integers(0, i)]
                elif r < 0.4:
                    E[i] = E[i, 0]
        best, _, means, threshold = _one_se_reference(E)
        same = np.array([np.array_equal(E[i], E[best]) for i in range(n)])
        near_best = (np.abs(means - means[best]) < 1e-9) & ~same
        near_threshold = (np.abs(means - threshold) < 1e-9) & (threshold != means[best])
        if not near_best.any() and not near_threshold.any():
            return E


def one_se_inputs(rng):
    tables = [_table(rng) for _ in range(150)]
    return {"values": np.concatenate([E.ravel() for E in tables]), "shapes": np.array([E.shape for E in tables])}


def one_se_kernel(inputs, one_se_choice):
    shapes = inputs["shapes"]
    starts = np.concatenate([[0], np.cumsum(shapes.prod(axis=1))[:-1]])
    found, ints, after = [], [], []
    for i, (start, (n, k)) in enumerate(zip(starts, shapes)):
        E = inputs["values"][start:start + n * k].reshape(n, k).copy()
        best, chosen = one_se_choice(E.tolist() if i % 3 == 1 else E)
        ints.append(isinstance(best, int) and isinstance(chosen, int))
        found.append((int(best), int(chosen)))
        after.append(E.ravel())
    return {"found": np.array(found, dtype=np.int64).reshape(len(shapes), 2), "ints": np.array(ints, dtype=bool),
            "after": np.concatenate(after)}


def one_se_check(inputs, outputs):
    shapes = inputs["shapes"]
    found = numbers(outputs, "found", (len(shapes), 2))
    assert flags(outputs, "ints", len(shapes)), "return Python ints"
    assert np.array_equal(outputs["after"], inputs["values"]), "changed fold_errors"
    starts = np.concatenate([[0], np.cumsum(shapes.prod(axis=1))[:-1]])
    for i, (start, (n, k)) in enumerate(zip(starts, shapes)):
        best, chosen, _, _ = _one_se_reference(inputs["values"][start:start + n * k].reshape(n, k))
        assert tuple(found[i]) == (best, chosen), "wrong (best, chosen)"


ONE_SE = Probe("test_one_se_choice", one_se_inputs, one_se_kernel, one_se_check)

PROBES = [L2_PENALTY, L1_PENALTY, DROPOUT, EARLY_STOPPING, ONE_SE]

# --- what the answers may not use (nnedu_instructor/rules.py) ----------------------------------------------
FORBIDDEN = [
    Rule("nnedu.network:MLP.penalty", ["test_l2_penalty", "test_l1_penalty"],
         "sum the penalty over the weights yourself"),
    Rule("nnedu.layers:Dropout", ["test_dropout"], "draw the mask and scale the kept units yourself"),
    Rule("torch", ["test_dropout"], "draw the mask with the numpy generator you are given"),
    Rule("nnedu.history:EarlyStopping", ["test_early_stopping"], "follow the validation curve yourself"),
]
