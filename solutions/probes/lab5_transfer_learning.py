"""Probes for Lab 5 (transfer learning): each graded test, checked outside the student's kernel.

See nnedu_instructor/probes.py: ``*_inputs(rng)`` draws fresh inputs in the grader, ``*_kernel(inputs, <the
student's functions>)`` runs in the student's kernel (sent there by source) and returns what those functions
give, ``*_check(inputs, outputs)`` recomputes the answers here.

Networks travel as their parameters ("P.W1", ...): the kernel builds an ``nnedu.MLP`` of the given sizes and
sets them, the check rebuilds the same network here with the untouched package (both ``probe_kit.network``).
Nothing in the kernel's code reads the notebook's data (``source``, ``X_pool``...), which the submission could
change: the shipped source network's weights are passed in too. Each check restates its test cell (visible and
hidden parts) with the test's tolerances.
"""
import numpy as np

import nnedu
import nnedu.pretrained as pre
from nnedu_instructor.probe_kit import distinct_seeds, flag, network, network_inputs, outcome, raised_value_error
from nnedu_instructor.probes import Probe
from nnedu_instructor.rules import Rule

ACTIVATIONS = ("tanh", "sigmoid", "relu")


def _net(rng, prefix, sizes, activation, params=None):
    """A network as flat inputs, its parameters drawn by nnedu's initialisation unless given."""
    params = params or nnedu.MLP(sizes, activation=activation, seed=int(rng.integers(2**31))).params
    return network_inputs(prefix, sizes, activation, params)


# --- Part 1: few_shot_indices -------------------------------------------------------------------------------
def _labels(rng, k, low, high):
    """Labels of k classes (arbitrary distinct integers, with gaps), each class low..high times, shuffled."""
    classes = rng.choice(100, size=k, replace=False)
    return rng.permutation(np.repeat(classes, rng.integers(low, high + 1, size=k)))


def few_shot_inputs(rng):
    n = int(rng.integers(2, 9))
    y = _labels(rng, int(rng.integers(2, 8)), 40, 120)
    y_exact = _labels(rng, int(rng.integers(2, 6)), 1, 1)
    m = int(rng.integers(1, 4))
    y_exact = np.repeat(y_exact, m)                      # every class exactly m times: draw them all
    short = int(rng.integers(1, 4))                       # one class has `short` examples, the others 5..8
    y_short = np.concatenate([_labels(rng, 3, 5, 8), np.full(short, 200)])
    return {"y": y, "n": np.array(n), "y_exact": rng.permutation(y_exact), "m": np.array(m),
            "y_short": rng.permutation(y_short), "short_n": np.array(short + 1),
            "big": np.array(int(np.bincount(y).max()) + int(rng.integers(1, 50))),
            "neg": np.array(-int(rng.integers(1, 5))), "seeds": distinct_seeds(rng, 4)}


def few_shot_kernel(inputs, few_shot_indices):
    y, n, s = inputs["y"], int(inputs["n"]), [int(v) for v in inputs["seeds"]]
    outputs = {"idx": few_shot_indices(y.copy(), n, seed=s[0]), "again": few_shot_indices(y.copy(), n, seed=s[0]),
               "other": few_shot_indices(y.copy(), n, seed=s[1]), "one": few_shot_indices(y.copy(), 1, seed=s[2]),
               "exact": few_shot_indices(inputs["y_exact"].copy(), int(inputs["m"]), seed=s[3])}
    for name, labels, k in (("zero", y, 0), ("negative", y, int(inputs["neg"])), ("too_many", y, int(inputs["big"])),
                            ("short_class", inputs["y_short"], int(inputs["short_n"]))):
        outputs[f"{name}.raised"], outputs[f"{name}.message"] = outcome(few_shot_indices, labels.copy(), k, seed=s[0])
    return outputs


def _draw_ok(idx, y, n, what):
    assert idx.ndim == 1 and np.issubdtype(idx.dtype, np.integer), f"{what}: expected a 1-D integer array"
    classes = np.unique(y)
    assert idx.shape == (n * len(classes),), f"{what}: expected {n} indices per class"
    assert np.all((idx >= 0) & (idx < len(y))), f"{what}: indices out of range"
    assert len(np.unique(idx)) == len(idx), f"{what}: an example drawn twice"
    got, counts = np.unique(y[idx], return_counts=True)
    assert np.array_equal(got, classes) and np.all(counts == n), f"{what}: not {n} examples of each class"


def few_shot_check(inputs, outputs):
    y, n = inputs["y"], int(inputs["n"])
    _draw_ok(outputs["idx"], y, n, "draw")
    assert np.array_equal(outputs["again"], outputs["idx"]), "the same seed drew other examples"
    _draw_ok(outputs["other"], y, n, "draw")
    assert not np.array_equal(outputs["other"], outputs["idx"]), "another seed drew the same examples"
    _draw_ok(outputs["one"], y, 1, "one per class")
    _draw_ok(outputs["exact"], inputs["y_exact"], int(inputs["m"]), "every example of every class")
    for name in ("zero", "negative", "too_many", "short_class"):
        raised_value_error(outputs, name, "n_per_class")


FEW_SHOT = Probe("lab5_few_shot_tests", few_shot_inputs, few_shot_kernel, few_shot_check)


# --- Part 2: train_layers -----------------------------------------------------------------------------------
def _reference(model, X, y, lrs, epochs, momentum):
    """Full-batch gradient descent with momentum, layer l at lrs[l - 1] (0: frozen), in place."""
    v = {k: 0.0 for k in model.params}
    for _ in range(epochs):
        _, g = model.loss(X, y)
        for k in model.params:
            eta = lrs[int(k[1:]) - 1]
            if eta > 0:
                v[k] = momentum * v[k] - eta * g[k]
                model.params[k] = model.params[k] + v[k]
    return model


def train_inputs(rng):
    source = pre.load_source_model()
    X_tgt, y_tgt = pre.target_task()
    per_class = int(rng.integers(2, 11))
    pick = np.concatenate([rng.choice(np.flatnonzero(y_tgt == c), per_class, replace=False) for c in range(5)])
    head = pre.new_head(source, 5, seed=int(rng.integers(2**31)))
    inputs = _net(rng, "head.", head.sizes, head.activation, head.params)
    inputs.update({"head.X": X_tgt[pick], "head.y": y_tgt[pick], "head.lr": np.array(rng.uniform(0.05, 0.3)),
                   "head.epochs": np.array(int(rng.integers(20, 101))), "head.mom": np.array(rng.uniform(0.5, 0.95))})
    # equal rates on a random two-layer tanh network (the test compares with nnedu.fit on one batch)
    D, H, C, N = (int(v) for v in rng.integers([20, 5, 2, 10], [65, 33, 6, 51]))
    inputs.update(_net(rng, "eq.", [D, H, C], "tanh"))
    inputs.update({"eq.X": rng.random((N, D)), "eq.y": rng.permutation(np.arange(N) % C),
                   "eq.lr": np.array(rng.uniform(0.05, 0.2)), "eq.epochs": np.array(int(rng.integers(10, 41))),
                   "eq.mom": np.array(rng.uniform(0.0, 0.9))})
    # four layers, some frozen, each activation
    for case, act in enumerate(rng.permutation(ACTIVATIONS)):
        p = f"c{case}."
        sizes = [int(v) for v in rng.integers(2, 9, size=5)]
        sizes[-1] = max(sizes[-1], 2)
        n = int(rng.integers(1, 16))
        lrs = rng.uniform(0.02, 0.3, size=4) * (rng.random(4) < 0.6)
        inputs.update(_net(rng, p, sizes, str(act)))
        inputs.update({p + "X": rng.normal(size=(n, sizes[0])), p + "y": rng.integers(0, sizes[-1], n),
                       p + "lrs": lrs, p + "epochs": np.array(int(rng.integers(1, 21))),
                       p + "mom": np.array(rng.choice([0.0, rng.uniform(0.0, 0.9)]))})
    L = int(rng.integers(2, 5))
    inputs.update({"bad.sizes": np.array([6] + [4] * (L - 1) + [3]), "bad.X": rng.normal(size=(5, 6)),
                   "bad.y": rng.integers(0, 3, 5), "bad.fewer": rng.uniform(0.01, 0.5, L - 1),
                   "bad.more": rng.uniform(0.01, 0.5, L + int(rng.integers(1, 3))),
                   "bad.negative": np.where(np.arange(L) == rng.integers(L), -rng.uniform(0.01, 0.5),
                                            rng.uniform(0.01, 0.5, L))})
    return inputs


def train_run(inputs, p, lrs, train_layers):
    """Train case ``p``'s network with ``lrs``; whether it came back in place, and its parameters after."""
    m = network(inputs, p)
    out = train_layers(m, inputs[p + "X"].copy(), inputs[p + "y"].copy(), lrs, epochs=int(inputs[p + "epochs"]),
                       momentum=float(inputs[p + "mom"]))
    return {p + "in_place": out is m, **{p + "after." + k: v for k, v in m.params.items()}}


def train_kernel(inputs, train_layers):
    import nnedu
    outputs = {}
    outputs.update(train_run(inputs, "head.", [0, 0, float(inputs["head.lr"])], train_layers))
    outputs.update(train_run(inputs, "eq.", [float(inputs["eq.lr"])] * 2, train_layers))
    for c in range(3):
        p = f"c{c}."
        lrs = np.array(inputs[p + "lrs"]) if c == 0 else [float(v) for v in inputs[p + "lrs"]]
        outputs.update(train_run(inputs, p, lrs, train_layers))
    for name in ("fewer", "more", "negative"):
        bad = nnedu.MLP([int(v) for v in inputs["bad.sizes"]], seed=0)
        outputs[f"{name}.raised"], outputs[f"{name}.message"] = outcome(
            train_layers, bad, inputs["bad.X"], inputs["bad.y"], [float(v) for v in inputs["bad." + name]], epochs=1)
    return outputs


def train_check(inputs, outputs):
    cases = {"head.": [0.0, 0.0, float(inputs["head.lr"])], "eq.": [float(inputs["eq.lr"])] * 2}
    cases.update({f"c{c}.": [float(v) for v in inputs[f"c{c}.lrs"]] for c in range(3)})
    for p, lrs in cases.items():
        start = network(inputs, p)
        ref = _reference(network(inputs, p), inputs[p + "X"], inputs[p + "y"], lrs, int(inputs[p + "epochs"]),
                         float(inputs[p + "mom"]))
        assert flag(outputs, p + "in_place"), "did not train the model in place and return it"
        atol = 1e-8 if p.startswith("c") else 1e-6
        for k in start.params:
            got = outputs[p + "after." + k]
            assert got.shape == start.params[k].shape, f"{k}: wrong shape"
            if lrs[int(k[1:]) - 1] == 0:
                assert np.array_equal(got, start.params[k]), f"{k} changed: a layer with learning rate 0 is frozen"
            else:
                assert np.allclose(got, ref.params[k], atol=atol), f"{k}: not gradient descent with momentum"
    for name in ("fewer", "more", "negative"):
        raised_value_error(outputs, name, "lrs")


TRAIN = Probe("lab5_train_layers_tests", train_inputs, train_kernel, train_check)


# --- Part 3: layer_features ---------------------------------------------------------------------------------
def features_inputs(rng):
    source = pre.load_source_model()
    X_tgt, _ = pre.target_task()
    inputs = _net(rng, "n0.", source.sizes, source.activation, source.params)
    inputs["n0.X"] = X_tgt[rng.choice(len(X_tgt), int(rng.integers(1, 60)), replace=False)]
    # one network of each activation with 2 to 5 layers, and one without hidden layers (features: [X])
    for case, act in enumerate(list(rng.permutation(ACTIVATIONS)) + [rng.choice(ACTIVATIONS)], start=1):
        sizes = [int(v) for v in rng.integers(2, 11, size=int(rng.integers(3, 7)) if case < 4 else 2)]
        sizes[-1] = max(sizes[-1], 2)
        inputs.update(_net(rng, f"n{case}.", sizes, str(act)))
        inputs[f"n{case}.X"] = rng.normal(size=(int(rng.integers(1, 8)), sizes[0]))
    return inputs


def features_kernel(inputs, layer_features):
    outputs = {}
    for c in range(5):
        p = f"n{c}."
        zs = layer_features(network(inputs, p), inputs[p + "X"].copy())
        outputs[p + "is_list"] = isinstance(zs, (list, tuple))
        outputs[p + "count"] = len(zs)
        outputs.update({p + f"z{l}": z for l, z in enumerate(zs)})
    return outputs


def features_check(inputs, outputs):
    for c in range(5):
        p = f"n{c}."
        model, X = network(inputs, p), inputs[p + "X"]
        assert flag(outputs, p + "is_list"), "expected a list [X, z1, ...]"
        assert int(outputs[p + "count"]) == model.n_layers, "expected the input and every hidden layer"
        assert outputs[p + "z0"].shape == X.shape and np.allclose(outputs[p + "z0"], X), "z0 is not the input"
        for l in range(1, model.n_layers):
            z = outputs[f"{p}z{l}"]
            assert z.shape == (len(X), model.sizes[l]), f"layer {l}: wrong shape"
            assert np.allclose(z, pre.hidden_features(model, X, layer=l)), f"layer {l} differs"


FEATURES = Probe("lab5_layer_features_tests", features_inputs, features_kernel, features_check)


# --- Part 4: learning_curve ---------------------------------------------------------------------------------
def curve_inputs(rng):
    k = int(rng.integers(2, 6))
    shots = np.sort(rng.choice(np.arange(1, 6), size=int(rng.integers(1, 4)), replace=False))
    y = _labels(rng, k, 5, 12)
    return {"X": rng.random((len(y), int(rng.integers(1, 10)))), "y": y, "shots": shots,
            "seeds": rng.choice(1000, size=int(rng.integers(2, 5)), replace=False),
            "wx": rng.normal(size=10), "wy": rng.normal(size=200)}


def curve_kernel(inputs, learning_curve, few_shot_indices):
    X, y, wx, wy = inputs["X"], inputs["y"], inputs["wx"], inputs["wy"]
    shots, seeds = [int(v) for v in inputs["shots"]], [int(v) for v in inputs["seeds"]]
    methods = {
        "n": lambda X, y, seed: len(y),
        "seed": lambda X, y, seed: seed,
        "x": lambda X, y, seed: float(np.sum(np.asarray(X) @ np.resize(wx, np.shape(X)[1]))),
        "y": lambda X, y, seed: float(np.sum(wy[np.asarray(y) % len(wy)])),
        "flag": lambda X, y, seed: True,
    }
    res = learning_curve(methods, X.copy(), y.copy(), shots, seeds)
    outputs = {"names": np.array(sorted(str(k) for k in res))}
    outputs.update({"res." + str(k): np.asarray(v, dtype=float) for k, v in res.items()})
    for n in shots:
        for seed in seeds:
            outputs[f"idx.{n}.{seed}"] = few_shot_indices(y.copy(), n, seed)
    return outputs


def curve_check(inputs, outputs):
    X, y, wx, wy = inputs["X"], inputs["y"], inputs["wx"], inputs["wy"]
    shots, seeds = inputs["shots"], inputs["seeds"]
    names = ["flag", "n", "seed", "x", "y"]
    assert outputs["names"].tolist() == names, "expected one entry per method"
    shape = (len(shots), len(seeds))
    res = {name: outputs["res." + name] for name in names}
    assert all(a.shape == shape for a in res.values()), "expected arrays of shape (len(shots), len(seeds))"
    k = len(np.unique(y))
    assert np.array_equal(res["n"], np.repeat(shots[:, None] * k, len(seeds), axis=1)), \
        "entry [i, j] should use shots[i] examples per class"
    assert np.array_equal(res["seed"], np.repeat(seeds[None, :], len(shots), axis=0)), \
        "entry [i, j] should pass seeds[j] to the method"
    assert np.all(res["flag"] == 1), "a method's result is not stored"
    for i, n in enumerate(shots):
        for j, seed in enumerate(seeds):
            idx = outputs[f"idx.{n}.{seed}"]
            assert idx.shape == (n * k,) and np.issubdtype(idx.dtype, np.integer), "few_shot_indices: wrong draw"
            assert np.all((idx >= 0) & (idx < len(y))), "few_shot_indices: indices out of range"
            xs, ys = X[idx], y[idx]
            # every method saw the training set few_shot_indices(y_pool, n, seed)
            assert np.isclose(res["x"][i, j], np.sum(xs @ np.resize(wx, X.shape[1]))), \
                "the training images are not few_shot_indices(y_pool, n, seed)"
            assert np.isclose(res["y"][i, j], np.sum(wy[ys % len(wy)])), \
                "the training labels are not few_shot_indices(y_pool, n, seed)"


CURVE = Probe("lab5_learning_curve_tests", curve_inputs, curve_kernel, curve_check)


# --- Part 5: relative_change --------------------------------------------------------------------------------
def change_inputs(rng):
    L = int(rng.integers(1, 6))
    sizes = [int(v) for v in rng.integers(1, 7, size=L + 1)]
    inputs, hows = {}, rng.choice(["noise", "double", "negate"], size=L)
    order = rng.permutation(L)
    hows[order[0]] = "noise"                              # one layer moves at random,
    if L > 1:
        hows[order[1]] = "same"                           # one does not move at all (when there are two)
    for l, how in enumerate(hows, start=1):
        W, b = rng.normal(size=(sizes[l - 1], sizes[l])), rng.normal(size=sizes[l])
        inputs[f"before.W{l}"], inputs[f"before.b{l}"] = W, b
        inputs[f"after.W{l}"] = {"same": W, "double": 2 * W, "negate": -W,
                                 "noise": W + rng.uniform(0.01, 3.0) * rng.normal(size=W.shape)}[how]
        inputs[f"after.b{l}"] = b + rng.normal(size=b.shape)
    return inputs


def change_kernel(inputs, relative_change):
    before = {k[7:]: v.copy() for k, v in inputs.items() if k.startswith("before.")}
    after = {k[6:]: v.copy() for k, v in inputs.items() if k.startswith("after.")}
    r = relative_change(before, after)
    keys = sorted(str(k) for k in r)
    return {"keys": np.array(keys), "values": np.array([float(r[k]) for k in keys])}


def change_check(inputs, outputs):
    keys = sorted(k[7:] for k in inputs if k.startswith("before.W"))
    assert outputs["keys"].tolist() == keys, "expected the weight matrices W1, W2, ... only"
    values = outputs["values"]
    assert values.shape == (len(keys),), "expected one number per weight matrix"
    for k, v in zip(keys, values):
        before, after = inputs[f"before.{k}"], inputs[f"after.{k}"]
        if np.array_equal(before, after):
            assert v == 0, f"{k}: unchanged, expected 0"
        else:
            assert np.isclose(v, np.linalg.norm(after - before) / np.linalg.norm(before)), f"{k}: wrong value"


CHANGE = Probe("lab5_relative_change_tests", change_inputs, change_kernel, change_check)


PROBES = [FEW_SHOT, TRAIN, FEATURES, CURVE, CHANGE]

# --- what the answers may not use (nnedu_instructor/rules.py) ----------------------------------------------
# train_layers is the momentum update with a rate per layer; layer_features is the forward pass up to each hidden
# layer. nnedu has both ready-made. (The probes build nnedu networks in the kernel, so nnedu.MLP itself stays.)
FORBIDDEN = [
    Rule(["nnedu.optim", "nnedu.train", "nnedu.pretrained:fit_last_layer"], [TRAIN.grade_id],
         "write the momentum update yourself"),
    Rule("torch", [TRAIN.grade_id], "write the momentum update in numpy"),
    Rule(["nnedu.pretrained:hidden_features", "nnedu.diagnostics:hidden_outputs", "nnedu.network:MLP.forward"],
         [FEATURES.grade_id], "compute each layer's output from model.params"),
]
