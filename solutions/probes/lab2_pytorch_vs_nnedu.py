"""Probes for Lab 2 (the same MLP in PyTorch and in nnedu): each graded test, checked outside the student's kernel.

See nnedu_instructor/probes.py: ``*_inputs(rng)`` draws fresh inputs in the grader, ``*_kernel(inputs, <the
student's functions>)`` runs in the student's kernel (sent there by source) and returns what those functions
give, ``*_check(inputs, outputs)`` recomputes the answers here.

Torch modules never leave the kernel: the kernel builds them from the inputs (sizes, activation and parameters,
the network of a case travelling as ``"<case>.P.W1"``, ...) and exports what the test looks at as arrays (the
layers' shapes and dtypes, the weights, the scores, the losses). The checks recompute the right numbers here with
numpy and the untouched ``nnedu`` (``nnedu.MLP.loss``, ``nnedu.train.train_step``), which is what the tests compare
with. Where a test builds the PyTorch twin itself (its ``reference_twin``), so does the probe (``twin``), so that
each probe checks the function under test; where the visible test builds it with the student's ``make_torch_mlp``
and ``copy_params``, one case of the probe does too. Each probe draws fresh sizes, depths, data, learning rates and
L2 strengths, and covers every activation each run; tolerances are the tests' own. The timing test runs fake
epochs whose durations are drawn here (about 1.1 s of sleep at most).
"""
from itertools import pairwise

import numpy as np

import nnedu
from nnedu.gradcheck import rel_error
from nnedu.train import train_step
from nnedu_instructor.probe_kit import (
    case_names,
    draw_int,
    flag,
    network,
    network_inputs,
    numbers,
    outcome,
    strings,
)
from nnedu_instructor.probes import Probe
from nnedu_instructor.rules import Rule

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
H = {"sigmoid": lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)), "tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0),
     "leaky_relu": lambda a: np.where(a > 0, a, 0.1 * a),
     "elu": lambda a: np.where(a > 0, a, np.expm1(np.minimum(a, 0)))}


def _net_inputs(rng, c, sizes, act, l2=0.0):
    """Case ``c``'s network as flat inputs: nnedu's initial weights for a fresh seed, with biases that are not zero
    (nnedu starts them at zero, where a penalty or a copy that mixes them up goes unseen)."""
    params = nnedu.MLP(sizes, activation=act, seed=draw_int(rng, 0, 2**31)).params
    params.update({k: rng.normal(size=v.shape) * 0.2 for k, v in params.items() if k.startswith("b")})
    return network_inputs(f"{c}.", sizes, act, params, l2)


# --- kernel side: torch, imported in the kernel ------------------------------------------------------------
def torch_activation(name):
    """The torch module of one of the lab's activations."""
    from torch import nn
    return {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.1),
            "elu": lambda: nn.ELU(alpha=1.0)}[name]()


def linears(model):
    """The nn.Linear modules of a torch model, in order."""
    from torch import nn
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def twin(m):
    """The tests' ``reference_twin``: the float64 torch twin of nnedu model ``m``, built and filled here."""
    import torch
    from torch import nn
    layers = []
    for l in range(1, m.n_layers + 1):
        W, b = m.params[f"W{l}"], m.params[f"b{l}"]
        lin = nn.Linear(*W.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch_activation(m.activation)] if l < m.n_layers else [lin]
    return nn.Sequential(*layers)


def torch_model(inputs, c, make_torch_mlp, copy_params):
    """Case ``c``'s network in torch: built with the student's functions, or by the probe (``twin``)."""
    m = network(inputs, f"{c}.")
    if str(inputs[f"{c}.build"]) == "student":
        return copy_params(m, make_torch_mlp([int(v) for v in inputs[f"{c}.sizes"]], str(inputs[f"{c}.act"])))
    return twin(m)


# --- 1a: make_torch_mlp -------------------------------------------------------------------------------------
def make_torch_mlp_inputs(rng):
    """One network per activation (2 to 5 layers, an input up to 20 wide), one single-layer network and one float32
    network; the weights are set by the probe, large enough for pre-activations of both signs."""
    inputs, cases = {}, []
    plans = [(act, draw_int(rng, 2, 5), "default") for act in ACTIVATIONS]
    plans += [(str(rng.choice(ACTIVATIONS)), 1, "default"),
              (str(rng.choice(ACTIVATIONS)), draw_int(rng, 1, 4), "float32")]
    for i, (act, n_layers, dtype) in enumerate(plans):
        c = str(i)
        sizes = [draw_int(rng, 2, 20)] + [draw_int(rng, 3, 10) for _ in range(n_layers - 1)] + [draw_int(rng, 1, 7)]
        inputs.update({f"{c}.sizes": np.array(sizes), f"{c}.act": np.array(act), f"{c}.dtype": np.array(dtype)})
        if dtype == "default":
            N = draw_int(rng, 3, 8)
            inputs[f"{c}.X"] = rng.uniform(-3.0, 3.0, size=(N, sizes[0]))
            for l, (fan_in, fan_out) in enumerate(pairwise(sizes)):
                inputs[f"{c}.w{l}"] = rng.normal(size=(fan_out, fan_in)) * 2.0 / np.sqrt(fan_in)
                inputs[f"{c}.b{l}"] = rng.normal(size=fan_out) * 0.5
        cases.append(c)
    inputs["cases"] = np.array(cases)
    inputs["bad"] = np.array(["maxout", "softplus"])
    inputs["bad_sizes"] = np.array([draw_int(rng, 2, 9) for _ in range(draw_int(rng, 2, 4))])
    return inputs


def make_torch_mlp_kernel(inputs, make_torch_mlp):
    import torch
    from torch import nn
    outputs = {}
    for c in case_names(inputs):
        sizes, act = [int(v) for v in inputs[f"{c}.sizes"]], str(inputs[f"{c}.act"])
        if str(inputs[f"{c}.dtype"]) == "float32":
            model = make_torch_mlp(sizes, act, dtype=torch.float32)
        else:
            model = make_torch_mlp(sizes, act)
        outputs[f"{c}.sequential"] = isinstance(model, nn.Sequential)
        lins = linears(model)
        shapes = [(m.in_features, m.out_features) for m in lins]
        outputs[f"{c}.shapes"] = np.array(shapes, dtype=np.int64).reshape(-1, 2)
        outputs[f"{c}.dtypes"] = np.array([str(p.dtype) for p in model.parameters()])
        outputs[f"{c}.last_linear"] = isinstance(model[-1], nn.Linear)
        if f"{c}.X" in inputs:
            with torch.no_grad():
                for l, lin in enumerate(lins):
                    lin.weight.copy_(torch.from_numpy(inputs[f"{c}.w{l}"]))
                    lin.bias.copy_(torch.from_numpy(inputs[f"{c}.b{l}"]))
                outputs[f"{c}.scores"] = np.array(model(torch.from_numpy(inputs[f"{c}.X"].copy())).cpu().numpy())
    bad_sizes = [int(v) for v in inputs["bad_sizes"]]
    outputs["raised"] = np.array([outcome(make_torch_mlp, bad_sizes, str(bad))[0] for bad in inputs["bad"]])
    return outputs


def make_torch_mlp_check(inputs, outputs):
    for c in case_names(inputs):
        sizes, act = [int(v) for v in inputs[f"{c}.sizes"]], str(inputs[f"{c}.act"])
        assert flag(outputs, f"{c}.sequential"), "not an nn.Sequential"
        shapes = outputs[f"{c}.shapes"]
        assert shapes.dtype.kind in "iu" and shapes.tolist() == [list(s) for s in pairwise(sizes)], \
            f"{sizes}: wrong nn.Linear layers"
        dtype = "torch.float32" if str(inputs[f"{c}.dtype"]) == "float32" else "torch.float64"
        assert all(d == dtype for d in strings(outputs, f"{c}.dtypes")), f"parameters must be {dtype}"
        assert flag(outputs, f"{c}.last_linear"), "an activation after the last layer"
        if f"{c}.X" not in inputs:
            continue
        x = inputs[f"{c}.X"]
        for l in range(len(sizes) - 1):
            x = x @ inputs[f"{c}.w{l}"].T + inputs[f"{c}.b{l}"]
            if l < len(sizes) - 2:
                x = H[act](x)
        scores = numbers(outputs, f"{c}.scores", x.shape)
        assert np.all(np.abs(scores - x) <= 1e-12 + 1e-12 * np.abs(x)), f"{act}: wrong scores"  # torch.allclose
    assert outputs["raised"].tolist() == ["ValueError"] * len(inputs["bad"]), \
        "unknown activations must raise ValueError"


MAKE_TORCH_MLP = Probe("test_make_torch_mlp", make_torch_mlp_inputs, make_torch_mlp_kernel, make_torch_mlp_check)


# --- 1b: copy_params ----------------------------------------------------------------------------------------
def copy_params_inputs(rng):
    """A float64 twin of 2 to 4 layers, one whose layers are all square (a forgotten transpose fits their shapes)
    and a float32 twin of 3 to 5 layers; fresh activations, sizes and weights."""
    inputs, cases = {}, []
    for c, dtype in (("0", "float64"), ("square", "float64"), ("f32", "float32")):
        n_layers = draw_int(rng, 3, 5) if dtype == "float32" else draw_int(rng, 2, 4)
        if c == "square":
            k = draw_int(rng, 3, 8)
            sizes = [k] * n_layers + [draw_int(rng, 2, 5)]
        else:
            sizes = [draw_int(rng, 2, 9) for _ in range(n_layers + 1)]
        inputs.update(_net_inputs(rng, c, sizes, str(rng.choice(ACTIVATIONS))))
        inputs[f"{c}.dtype"] = np.array(dtype)
        inputs[f"{c}.X"] = rng.standard_normal((draw_int(rng, 4, 12), sizes[0]))
        cases.append(c)
    inputs["cases"] = np.array(cases)
    return inputs


def copy_params_kernel(inputs, copy_params):
    from itertools import pairwise

    import torch
    from torch import nn
    outputs = {}
    for c in case_names(inputs):
        m = network(inputs, f"{c}.")
        dtype = torch.float32 if str(inputs[f"{c}.dtype"]) == "float32" else torch.float64
        layers = []
        for l, (fan_in, fan_out) in enumerate(pairwise(int(v) for v in inputs[f"{c}.sizes"])):
            layers += [torch_activation(str(inputs[f"{c}.act"]))] if l else []
            layers.append(nn.Linear(fan_in, fan_out, dtype=dtype))
        model = nn.Sequential(*layers)
        outputs[f"{c}.returned"] = copy_params(m, model) is model
        lins = linears(model)
        outputs[f"{c}.weight_shapes"] = np.array([tuple(lin.weight.shape) for lin in lins],
                                                 dtype=np.int64).reshape(-1, 2)
        outputs[f"{c}.dtypes"] = np.array([str(p.dtype) for p in model.parameters()])
        outputs[f"{c}.requires_grad"] = np.array([bool(p.requires_grad) for p in model.parameters()])
        outputs[f"{c}.weight1"] = lins[0].weight.detach().cpu().numpy().copy()
        outputs[f"{c}.bias_last"] = lins[-1].bias.detach().cpu().numpy().copy()
        with torch.no_grad():
            X = torch.from_numpy(inputs[f"{c}.X"].copy()).to(dtype)
            outputs[f"{c}.scores"] = model(X).double().cpu().numpy().copy()
        m.params["W1"] += 1.0   # later changes to the nnedu model must not leak into the torch model
        outputs[f"{c}.weight1_after"] = lins[0].weight.detach().cpu().numpy().copy()
    return outputs


def copy_params_check(inputs, outputs):
    for c in case_names(inputs):
        model, X = network(inputs, f"{c}."), inputs[f"{c}.X"]
        P, L = model.params, model.n_layers
        assert flag(outputs, f"{c}.returned"), "copy_params must return the torch model"
        shapes = outputs[f"{c}.weight_shapes"]
        expected_shapes = [list(P[f"W{l}"].shape[::-1]) for l in range(1, L + 1)]
        assert shapes.dtype.kind in "iu" and shapes.tolist() == expected_shapes, \
            "nn.Linear weights keep their (out, in) shape"
        float32 = str(inputs[f"{c}.dtype"]) == "float32"
        dtypes = strings(outputs, f"{c}.dtypes")
        assert dtypes == ["torch.float32" if float32 else "torch.float64"] * (2 * L), "the torch model's dtype changed"
        grad = outputs[f"{c}.requires_grad"]
        assert grad.dtype == bool and grad.shape == (2 * L,) and grad.all(), "parameters must still require grad"
        expected = model.loss(X)
        scores = numbers(outputs, f"{c}.scores", expected.shape)
        before = numbers(outputs, f"{c}.weight1", P["W1"].T.shape)
        assert np.array_equal(numbers(outputs, f"{c}.weight1_after", before.shape), before), \
            "the torch weights share memory with nnedu's"
        if float32:
            assert rel_error(scores, expected) < 1e-5, "float32: wrong scores"
        else:
            assert np.array_equal(before, P["W1"].T), "the first weight must be W1 transposed"
            assert np.array_equal(numbers(outputs, f"{c}.bias_last", P[f"b{L}"].shape), P[f"b{L}"]), "wrong last bias"
            assert rel_error(scores, expected) < 1e-12, "wrong scores after copying"


COPY_PARAMS = Probe("test_copy_params", copy_params_inputs, copy_params_kernel, copy_params_check)


# --- 1c: torch_loss_and_grads -------------------------------------------------------------------------------
def _classification(rng, c, sizes):
    N = draw_int(rng, 5, 15)
    return {f"{c}.X": rng.standard_normal((N, sizes[0])), f"{c}.y": rng.integers(0, sizes[-1], N)}


def torch_loss_and_grads_inputs(rng):
    """One network per activation (1 to 4 layers), all but one with an L2 penalty, built by the probe; and two
    networks (tanh, relu; no penalty) built with the student's make_torch_mlp and copy_params, as in the visible
    test. Fresh data, sizes and weights."""
    inputs, cases = {}, []
    no_penalty = int(rng.integers(len(ACTIVATIONS)))
    for i, act in enumerate(ACTIVATIONS):
        sizes = [draw_int(rng, 2, 8) for _ in range(draw_int(rng, 1, 4) + 1)]
        sizes[-1] = max(sizes[-1], 2)
        l2 = 0.0 if i == no_penalty else rng.uniform(0.01, 0.1)
        inputs.update(_net_inputs(rng, act, sizes, act, l2))
        inputs.update(_classification(rng, act, sizes))
        inputs[f"{act}.build"] = np.array("probe")
        cases.append(act)
    for act in ("tanh", "relu"):
        c = f"student.{act}"
        sizes = [draw_int(rng, 2, 6), draw_int(rng, 3, 8), draw_int(rng, 2, 5)]
        inputs.update(_net_inputs(rng, c, sizes, act))
        inputs.update(_classification(rng, c, sizes))
        inputs[f"{c}.build"] = np.array("student")
        cases.append(c)
    inputs["cases"] = np.array(cases)
    return inputs


def torch_loss_and_grads_kernel(inputs, make_torch_mlp, copy_params, torch_loss_and_grads):
    outputs = {}
    for c in case_names(inputs):
        model = torch_model(inputs, c, make_torch_mlp, copy_params)
        for call in ("first", "again"):      # a second call on the same model: old gradients must not accumulate
            loss, grads = torch_loss_and_grads(model, inputs[f"{c}.X"].copy(), inputs[f"{c}.y"].copy(),
                                               l2=float(inputs[f"{c}.l2"]))
            p = f"{c}.{call}."
            outputs[p + "is_float"] = isinstance(loss, float)
            outputs[p + "loss"] = float(loss)
            outputs[p + "keys"] = np.array(sorted(str(k) for k in grads))
            outputs.update({f"{p}grad.{k}": np.array(v, copy=True) for k, v in grads.items()})
    return outputs


def torch_loss_and_grads_check(inputs, outputs):
    for c in case_names(inputs):
        loss, grads = network(inputs, f"{c}.").loss(inputs[f"{c}.X"], inputs[f"{c}.y"])
        for call in ("first", "again"):
            p = f"{c}.{call}."
            assert flag(outputs, p + "is_float"), "the loss must be a Python float"
            assert strings(outputs, p + "keys") == sorted(grads), "wrong gradient keys"
            got = numbers(outputs, p + "loss", ())
            assert abs(got - loss) <= 1e-10 * abs(loss), f"{c}, {call} call: wrong loss"
            for k in grads:
                assert rel_error(numbers(outputs, p + "grad." + k, grads[k].shape), grads[k]) < 1e-10, \
                    f"{c}, {call} call: wrong gradient {k}"


TORCH_LOSS_AND_GRADS = Probe("test_torch_loss_and_grads", torch_loss_and_grads_inputs, torch_loss_and_grads_kernel,
                             torch_loss_and_grads_check)


# --- 2a: train_torch ----------------------------------------------------------------------------------------
def train_torch_inputs(rng):
    """One network per activation built by the probe (relu always with an L2 penalty, the others at random; one
    of them trained full-batch) and a tanh network built with the student's make_torch_mlp and copy_params (no
    penalty), as in the visible test. Fresh data, batch order, batch sizes (the last batch of an epoch smaller),
    learning rates; at most 40 steps each."""
    inputs, cases = {}, []
    full_batch = str(rng.choice(ACTIVATIONS))
    plans = [(act, act, "probe") for act in ACTIVATIONS] + [("student", "tanh", "student")]
    for c, act, build in plans:
        sizes = [draw_int(rng, 2, 4)] + [draw_int(rng, 3, 10) for _ in range(draw_int(rng, 1, 2))] + \
            [draw_int(rng, 2, 4)]
        l2 = rng.uniform(0.005, 0.05) if act == "relu" or (build == "probe" and rng.random() < 0.5) else 0.0
        inputs.update(_net_inputs(rng, c, sizes, act, l2))
        N = draw_int(rng, 20, 50)
        X = rng.standard_normal((N, sizes[0])) * rng.uniform(0.5, 2.0)
        batch = N if c == full_batch else draw_int(rng, 3, N - 1)
        per_epoch = -(-N // batch)
        epochs = max(1, min(draw_int(rng, 1, 4), 40 // per_epoch))
        order = [rng.permutation(N) for _ in range(epochs)]
        lengths = [len(part) for _ in range(epochs) for part in np.array_split(np.arange(N), range(batch, N, batch))]
        inputs.update({f"{c}.X": X, f"{c}.y": rng.integers(0, sizes[-1], N), f"{c}.build": np.array(build),
                       f"{c}.lr": np.array(rng.uniform(0.05, 1.0 if c == full_batch else 0.5)),
                       f"{c}.order": np.concatenate(order), f"{c}.lengths": np.array(lengths)})
        cases.append(c)
    inputs["cases"] = np.array(cases)
    return inputs


def batches(inputs, c):
    """Case ``c``'s mini-batches: its drawn order cut into its drawn lengths."""
    return np.split(inputs[f"{c}.order"].copy(), np.cumsum(inputs[f"{c}.lengths"])[:-1])


def train_torch_kernel(inputs, make_torch_mlp, copy_params, train_torch):
    outputs = {}
    for c in case_names(inputs):
        model = torch_model(inputs, c, make_torch_mlp, copy_params)
        X = inputs[f"{c}.X"].copy()
        out = train_torch(model, X, inputs[f"{c}.y"].copy(), batches(inputs, c), float(inputs[f"{c}.lr"]),
                          l2=float(inputs[f"{c}.l2"]))
        outputs[f"{c}.ndarray"] = isinstance(out, np.ndarray)
        outputs[f"{c}.kind"] = out.dtype.kind if isinstance(out, np.ndarray) else ""
        outputs[f"{c}.losses"] = np.array(out, dtype=np.float64)
        outputs[f"{c}.X_after"] = X
        for l, lin in enumerate(linears(model), start=1):
            outputs[f"{c}.W{l}"] = lin.weight.detach().cpu().numpy().T.copy()
            outputs[f"{c}.b{l}"] = lin.bias.detach().cpu().numpy().copy()
    return outputs


def train_torch_check(inputs, outputs):
    for c in case_names(inputs):
        model, X, y = network(inputs, f"{c}."), inputs[f"{c}.X"], inputs[f"{c}.y"]
        optimizer = nnedu.SGD(float(inputs[f"{c}.lr"]))
        expected = np.array([train_step(model, optimizer, X[idx], y[idx]) for idx in batches(inputs, c)])
        assert flag(outputs, f"{c}.ndarray") and str(outputs[f"{c}.kind"]) == "f", \
            "return the losses as a numpy array of floats"
        losses = numbers(outputs, f"{c}.losses", expected.shape)
        assert np.max(np.abs(losses - expected)) < 1e-10, f"{c}: the loss curves differ"
        for k, v in model.params.items():
            assert rel_error(numbers(outputs, f"{c}.{k}", v.shape), v) < 1e-10, f"{c}: {k} differs after training"
        assert np.array_equal(numbers(outputs, f"{c}.X_after", X.shape), X), "X changed"


TRAIN_TORCH = Probe("test_train_torch", train_torch_inputs, train_torch_kernel, train_torch_check)


# --- 3a: seconds_per_epoch ----------------------------------------------------------------------------------
SLACK = 0.08   # the tests' tightest margin above the right answer (0.1 s for 0.02 s); gaps between durations exceed 2x


def seconds_per_epoch_inputs(rng):
    """Two runs of a fake epoch that sleeps a drawn duration per call. "quick": 1-2 instant warm-up calls, then 3
    timed calls, the shortest in the middle, the others SLACK * 2 or more longer (so its mean, sum, first and last
    are all wrong). "slow": 1-2 long warm-up calls, then 1-2 timed calls. 1.1 s of sleep at most."""
    inputs = {}
    shortest = rng.uniform(0.02, 0.04, size=2)
    w = draw_int(rng, 1, 2)
    others = shortest[0] + rng.uniform(2 * SLACK, 2.5 * SLACK, size=2)
    inputs.update({"quick.warmup": np.array(w), "quick.repeats": np.array(3),
                   "quick.durations": np.concatenate([np.zeros(w), [others[0], shortest[0], others[1]]])})
    w, r = draw_int(rng, 1, 2), draw_int(rng, 1, 2)
    timed = [shortest[1]] + [shortest[1] + rng.uniform(2 * SLACK, 2.5 * SLACK) for _ in range(r - 1)]
    inputs.update({"slow.warmup": np.array(w), "slow.repeats": np.array(r),
                   "slow.durations": np.concatenate([rng.uniform(0.12, 0.16, size=w), rng.permutation(timed)])})
    return inputs


def fake_epoch(durations):
    """(an epoch that sleeps durations[i] on its i-th call (the last one from then on), the list of its calls)."""
    import time
    calls = []

    def run_epoch():
        time.sleep(durations[min(len(calls), len(durations) - 1)])
        calls.append(1)
    return run_epoch, calls


def seconds_per_epoch_kernel(inputs, seconds_per_epoch):
    outputs = {}
    for run in ("quick", "slow"):
        run_epoch, calls = fake_epoch([float(d) for d in inputs[f"{run}.durations"]])
        t = seconds_per_epoch(run_epoch, "cpu", warmup=int(inputs[f"{run}.warmup"]),
                              repeats=int(inputs[f"{run}.repeats"]))
        outputs[f"{run}.calls"] = len(calls)
        outputs[f"{run}.is_float"] = isinstance(t, float)
        outputs[f"{run}.seconds"] = float(t)
    return outputs


def seconds_per_epoch_check(inputs, outputs):
    for run in ("quick", "slow"):
        w, r = int(inputs[f"{run}.warmup"]), int(inputs[f"{run}.repeats"])
        assert int(numbers(outputs, f"{run}.calls", ())) == w + r, f"expected {w} warm-up + {r} timed calls"
        assert flag(outputs, f"{run}.is_float"), "return the time as a float"
        shortest = float(np.min(inputs[f"{run}.durations"][w:]))
        t = float(numbers(outputs, f"{run}.seconds", ()))
        assert 0.75 * shortest <= t < shortest + SLACK, f"{run}: expected about {shortest:.3f} s, got {t:.3f} s"


SECONDS_PER_EPOCH = Probe("test_seconds_per_epoch", seconds_per_epoch_inputs, seconds_per_epoch_kernel,
                          seconds_per_epoch_check)

PROBES = [MAKE_TORCH_MLP, COPY_PARAMS, TORCH_LOSS_AND_GRADS, TRAIN_TORCH, SECONDS_PER_EPOCH]

# --- what the answers may not use (nnedu_instructor/rules.py) ----------------------------------------------
# Part 2 asks PyTorch for the loss, the gradients and the training: nnedu's own must not stand in for them.
# (The probes build nnedu networks in the kernel, so nnedu.MLP itself stays. A disabled function fails wherever it
# is called from: nnedu.fit, which steps through train_step, fails too.)
PART2 = ["test_torch_loss_and_grads", "test_train_torch"]
FORBIDDEN = [
    Rule("nnedu.network:MLP.loss", PART2, "compute the loss with PyTorch and the gradients with autograd"),
    Rule(["nnedu.network:MLP.backprop", "nnedu.network:MLP.backward"], PART2,
         "compute the gradients with autograd (loss.backward())"),
    Rule("nnedu.losses", PART2, "compute the loss with PyTorch"),
    Rule(["nnedu.train:train_step", "nnedu.optim"], PART2, "train with torch.optim.SGD"),
]
