"""Probes for Lab 2 (the same MLP in PyTorch and in nnedu): each graded test, checked outside the student's kernel.

See nnedu_instructor/probes.py: ``inputs(rng)`` draws fresh inputs in the grader, ``code`` runs in the student's
kernel and fills ``outputs`` with what the student's functions return, ``check`` recomputes the answers here.

Torch modules never leave the kernel: the kernel builds them from the inputs (sizes, activation and parameters,
the network of a case travelling as ``"<case>.P.W1"``, ...) and exports what the test looks at as arrays (the
layers' shapes and dtypes, the weights, the scores, the losses). The checks recompute the right numbers here with
numpy and the untouched ``nnedu`` (``nnedu.MLP.loss``, ``nnedu.train.train_step``), which is what the tests compare
with. Where a test builds the PyTorch twin itself (its ``reference_twin``), so does the probe, so that each probe
checks the function under test; where the visible test builds it with the student's ``make_torch_mlp`` and
``copy_params``, one case of the probe does too. Each probe draws fresh sizes, depths, data, learning rates and
L2 strengths, and covers every activation each run; tolerances are the tests' own. The timing test runs fake
epochs whose durations are drawn here (about 1.1 s of sleep at most).
"""
import numpy as np

import nnedu
from nnedu.gradcheck import rel_error
from nnedu_instructor.probes import Probe, numbers
from nnedu.train import train_step

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
H = {"sigmoid": lambda a: 0.5 * (1.0 + np.tanh(0.5 * a)), "tanh": np.tanh, "relu": lambda a: np.maximum(a, 0.0),
     "leaky_relu": lambda a: np.where(a > 0, a, 0.1 * a),
     "elu": lambda a: np.where(a > 0, a, np.expm1(np.minimum(a, 0)))}


def _int(rng, low, high):
    """An int in low..high (both included)."""
    return int(rng.integers(low, high + 1))


def _flag(outputs, key):
    a = outputs[key]
    return a.dtype == bool and a.shape == () and bool(a)


def _strings(outputs, key):
    a = outputs[key]
    assert a.ndim == 1 and (a.dtype.kind in "US" or a.size == 0), f"{key}: expected a list of names"
    return [str(v) for v in a]


def _cases(inputs):
    return [str(c) for c in inputs["cases"]]


def _net_inputs(rng, c, sizes, act, l2=0.0):
    """A network as flat inputs: sizes, activation, l2 and nnedu's initial weights for a fresh seed, with biases
    that are not zero (nnedu starts them at zero, where a penalty or a copy that mixes them up goes unseen)."""
    params = nnedu.MLP(sizes, activation=act, seed=_int(rng, 0, 2**31)).params
    params.update({k: rng.normal(size=v.shape) * 0.2 for k, v in params.items() if k.startswith("b")})
    out = {f"{c}.sizes": np.array(sizes), f"{c}.act": np.array(act), f"{c}.l2": np.array(float(l2))}
    out.update({f"{c}.P.{k}": v for k, v in params.items()})
    return out


def _net(inputs, c):
    """The network of ``_net_inputs``, rebuilt here with the untouched package."""
    model = nnedu.MLP([int(v) for v in inputs[f"{c}.sizes"]], activation=str(inputs[f"{c}.act"]),
                      l2=float(inputs[f"{c}.l2"]), seed=0)
    model.set_params({k: inputs[f"{c}.P.{k}"] for k in model.params})
    return model


# Kernel side: torch and nnedu imported by the probe itself; net(c) rebuilds a case's nnedu.MLP, twin(m) is the
# tests' reference_twin (the torch twin built and filled by the probe), linears(model) lists the nn.Linear modules.
TORCH = """
import torch
from torch import nn
import nnedu
ACT = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.1),
       "elu": lambda: nn.ELU(alpha=1.0)}
cases = [str(c) for c in inputs["cases"]]


def linears(model):
    return [m for m in model.modules() if isinstance(m, nn.Linear)]


def net(c):
    m = nnedu.MLP([int(v) for v in inputs[c + ".sizes"]], activation=str(inputs[c + ".act"]), seed=0)
    m.set_params({k: inputs[c + ".P." + k].copy() for k in m.params})
    return m


def twin(m, dtype=torch.float64):
    layers = []
    for l in range(1, m.n_layers + 1):
        W, b = m.params["W%d" % l], m.params["b%d" % l]
        lin = nn.Linear(*W.shape, dtype=dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, ACT[m.activation]()] if l < m.n_layers else [lin]
    return nn.Sequential(*layers)


def export(prefix, model):
    for l, lin in enumerate(linears(model), start=1):
        outputs[prefix + "W%d" % l] = lin.weight.detach().cpu().numpy().T.copy()
        outputs[prefix + "b%d" % l] = lin.bias.detach().cpu().numpy().copy()
"""


# --- 1a: make_torch_mlp -------------------------------------------------------------------------------------
def make_torch_mlp_inputs(rng):
    """One network per activation (2 to 5 layers, an input up to 20 wide), one single-layer network and one float32
    network; the weights are set by the probe, large enough for pre-activations of both signs."""
    inputs, cases = {}, []
    plans = [(act, _int(rng, 2, 5), "default") for act in ACTIVATIONS]
    plans += [(str(rng.choice(ACTIVATIONS)), 1, "default"), (str(rng.choice(ACTIVATIONS)), _int(rng, 1, 4), "float32")]
    for i, (act, n_layers, dtype) in enumerate(plans):
        c = str(i)
        sizes = [_int(rng, 2, 20)] + [_int(rng, 3, 10) for _ in range(n_layers - 1)] + [_int(rng, 1, 7)]
        inputs.update({f"{c}.sizes": np.array(sizes), f"{c}.act": np.array(act), f"{c}.dtype": np.array(dtype)})
        if dtype == "default":
            N = _int(rng, 3, 8)
            inputs[f"{c}.X"] = rng.uniform(-3.0, 3.0, size=(N, sizes[0]))
            for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
                inputs[f"{c}.w{l}"] = rng.normal(size=(fan_out, fan_in)) * 2.0 / np.sqrt(fan_in)
                inputs[f"{c}.b{l}"] = rng.normal(size=fan_out) * 0.5
        cases.append(c)
    inputs["cases"] = np.array(cases)
    inputs["bad"] = np.array(["maxout", "softplus"])
    inputs["bad_sizes"] = np.array([_int(rng, 2, 9) for _ in range(_int(rng, 2, 4))])
    return inputs


MAKE_TORCH_MLP = TORCH + """
for c in cases:
    sizes, act = [int(v) for v in inputs[c + ".sizes"]], str(inputs[c + ".act"])
    if str(inputs[c + ".dtype"]) == "float32":
        model = make_torch_mlp(sizes, act, dtype=torch.float32)
    else:
        model = make_torch_mlp(sizes, act)
    outputs[c + ".sequential"] = isinstance(model, nn.Sequential)
    lins = linears(model)
    outputs[c + ".shapes"] = np.array([(m.in_features, m.out_features) for m in lins], dtype=np.int64).reshape(-1, 2)
    outputs[c + ".dtypes"] = np.array([str(p.dtype) for p in model.parameters()])
    outputs[c + ".last_linear"] = isinstance(model[-1], nn.Linear)
    if c + ".X" in inputs:
        with torch.no_grad():
            for l, lin in enumerate(lins):
                lin.weight.copy_(torch.from_numpy(inputs[c + ".w%d" % l]))
                lin.bias.copy_(torch.from_numpy(inputs[c + ".b%d" % l]))
            outputs[c + ".scores"] = np.array(model(torch.from_numpy(inputs[c + ".X"].copy())).cpu().numpy())
raised = []
for bad in inputs["bad"]:
    try:
        make_torch_mlp([int(v) for v in inputs["bad_sizes"]], str(bad))
    except ValueError:
        raised.append("ValueError")
    except Exception as e:
        raised.append(type(e).__name__)
    else:
        raised.append("nothing")
outputs["raised"] = np.array(raised)
"""


def make_torch_mlp_check(inputs, outputs):
    for c in _cases(inputs):
        sizes, act = [int(v) for v in inputs[f"{c}.sizes"]], str(inputs[f"{c}.act"])
        assert _flag(outputs, f"{c}.sequential"), "not an nn.Sequential"
        shapes = outputs[f"{c}.shapes"]
        assert shapes.dtype.kind in "iu" and shapes.tolist() == [list(s) for s in zip(sizes[:-1], sizes[1:])], \
            f"{sizes}: wrong nn.Linear layers"
        dtype = "torch.float32" if str(inputs[f"{c}.dtype"]) == "float32" else "torch.float64"
        assert all(d == dtype for d in _strings(outputs, f"{c}.dtypes")), f"parameters must be {dtype}"
        assert _flag(outputs, f"{c}.last_linear"), "an activation after the last layer"
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


# --- 1b: copy_params ----------------------------------------------------------------------------------------
def copy_params_inputs(rng):
    """A float64 twin of 2 to 4 layers, one whose layers are all square (a forgotten transpose fits their shapes)
    and a float32 twin of 3 to 5 layers; fresh activations, sizes and weights."""
    inputs, cases = {}, []
    for c, dtype in (("0", "float64"), ("square", "float64"), ("f32", "float32")):
        n_layers = _int(rng, 3, 5) if dtype == "float32" else _int(rng, 2, 4)
        if c == "square":
            k = _int(rng, 3, 8)
            sizes = [k] * n_layers + [_int(rng, 2, 5)]
        else:
            sizes = [_int(rng, 2, 9) for _ in range(n_layers + 1)]
        inputs.update(_net_inputs(rng, c, sizes, str(rng.choice(ACTIVATIONS))))
        inputs[f"{c}.dtype"] = np.array(dtype)
        inputs[f"{c}.X"] = rng.standard_normal((_int(rng, 4, 12), sizes[0]))
        cases.append(c)
    inputs["cases"] = np.array(cases)
    return inputs


COPY_PARAMS = TORCH + """
for c in cases:
    m = net(c)
    dtype = torch.float32 if str(inputs[c + ".dtype"]) == "float32" else torch.float64
    sizes = [int(v) for v in inputs[c + ".sizes"]]
    layers = []
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers += [ACT[str(inputs[c + ".act"])](), nn.Linear(fan_in, fan_out, dtype=dtype)] if l else \\
                  [nn.Linear(fan_in, fan_out, dtype=dtype)]
    model = nn.Sequential(*layers)
    outputs[c + ".returned"] = copy_params(m, model) is model
    lins = linears(model)
    outputs[c + ".weight_shapes"] = np.array([tuple(lin.weight.shape) for lin in lins], dtype=np.int64).reshape(-1, 2)
    outputs[c + ".dtypes"] = np.array([str(p.dtype) for p in model.parameters()])
    outputs[c + ".requires_grad"] = np.array([bool(p.requires_grad) for p in model.parameters()])
    outputs[c + ".weight1"] = lins[0].weight.detach().cpu().numpy().copy()
    outputs[c + ".bias_last"] = lins[-1].bias.detach().cpu().numpy().copy()
    with torch.no_grad():
        X = torch.from_numpy(inputs[c + ".X"].copy()).to(dtype)
        outputs[c + ".scores"] = model(X).double().cpu().numpy().copy()
    m.params["W1"] += 1.0   # later changes to the nnedu model must not leak into the torch model
    outputs[c + ".weight1_after"] = lins[0].weight.detach().cpu().numpy().copy()
"""


def copy_params_check(inputs, outputs):
    for c in _cases(inputs):
        model, X = _net(inputs, c), inputs[f"{c}.X"]
        P, L = model.params, model.n_layers
        assert _flag(outputs, f"{c}.returned"), "copy_params must return the torch model"
        shapes = outputs[f"{c}.weight_shapes"]
        expected_shapes = [list(P[f"W{l}"].shape[::-1]) for l in range(1, L + 1)]
        assert shapes.dtype.kind in "iu" and shapes.tolist() == expected_shapes, \
            "nn.Linear weights keep their (out, in) shape"
        float32 = str(inputs[f"{c}.dtype"]) == "float32"
        dtypes = _strings(outputs, f"{c}.dtypes")
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


# --- 1c: torch_loss_and_grads -------------------------------------------------------------------------------
def _classification(rng, c, sizes):
    N = _int(rng, 5, 15)
    return {f"{c}.X": rng.standard_normal((N, sizes[0])), f"{c}.y": rng.integers(0, sizes[-1], N)}


def torch_loss_and_grads_inputs(rng):
    """One network per activation (1 to 4 layers), all but one with an L2 penalty, built by the probe; and two
    networks (tanh, relu; no penalty) built with the student's make_torch_mlp and copy_params, as in the visible
    test. Fresh data, sizes and weights."""
    inputs, cases = {}, []
    no_penalty = int(rng.integers(len(ACTIVATIONS)))
    for i, act in enumerate(ACTIVATIONS):
        sizes = [_int(rng, 2, 8) for _ in range(_int(rng, 1, 4) + 1)]
        sizes[-1] = max(sizes[-1], 2)
        l2 = 0.0 if i == no_penalty else rng.uniform(0.01, 0.1)
        inputs.update(_net_inputs(rng, act, sizes, act, l2))
        inputs.update(_classification(rng, act, sizes))
        inputs[f"{act}.build"] = np.array("probe")
        cases.append(act)
    for act in ("tanh", "relu"):
        c = f"student.{act}"
        sizes = [_int(rng, 2, 6), _int(rng, 3, 8), _int(rng, 2, 5)]
        inputs.update(_net_inputs(rng, c, sizes, act))
        inputs.update(_classification(rng, c, sizes))
        inputs[f"{c}.build"] = np.array("student")
        cases.append(c)
    inputs["cases"] = np.array(cases)
    return inputs


TORCH_LOSS_AND_GRADS = TORCH + """
for c in cases:
    m = net(c)
    if str(inputs[c + ".build"]) == "student":
        model = copy_params(m, make_torch_mlp([int(v) for v in inputs[c + ".sizes"]], str(inputs[c + ".act"])))
    else:
        model = twin(m)
    for call in ("first", "again"):      # a second call on the same model: old gradients must not accumulate
        loss, grads = torch_loss_and_grads(model, inputs[c + ".X"].copy(), inputs[c + ".y"].copy(),
                                           l2=float(inputs[c + ".l2"]))
        p = c + "." + call + "."
        outputs[p + "is_float"] = isinstance(loss, float)
        outputs[p + "loss"] = float(loss)
        outputs[p + "keys"] = np.array(sorted(str(k) for k in grads))
        for k in grads:
            outputs[p + "grad." + str(k)] = np.array(grads[k], copy=True)
"""


def torch_loss_and_grads_check(inputs, outputs):
    for c in _cases(inputs):
        model = _net(inputs, c)
        loss, grads = model.loss(inputs[f"{c}.X"], inputs[f"{c}.y"])
        for call in ("first", "again"):
            p = f"{c}.{call}."
            assert _flag(outputs, p + "is_float"), "the loss must be a Python float"
            assert _strings(outputs, p + "keys") == sorted(grads), "wrong gradient keys"
            got = numbers(outputs, p + "loss", ())
            assert abs(got - loss) <= 1e-10 * abs(loss), f"{c}, {call} call: wrong loss"
            for k in grads:
                assert rel_error(numbers(outputs, p + "grad." + k, grads[k].shape), grads[k]) < 1e-10, \
                    f"{c}, {call} call: wrong gradient {k}"


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
        sizes = [_int(rng, 2, 4)] + [_int(rng, 3, 10) for _ in range(_int(rng, 1, 2))] + [_int(rng, 2, 4)]
        l2 = rng.uniform(0.005, 0.05) if act == "relu" or (build == "probe" and rng.random() < 0.5) else 0.0
        inputs.update(_net_inputs(rng, c, sizes, act, l2))
        N = _int(rng, 20, 50)
        X = rng.standard_normal((N, sizes[0])) * rng.uniform(0.5, 2.0)
        batch = N if c == full_batch else _int(rng, 3, N - 1)
        per_epoch = -(-N // batch)
        epochs = max(1, min(_int(rng, 1, 4), 40 // per_epoch))
        order = [rng.permutation(N) for _ in range(epochs)]
        lengths = [len(part) for _ in range(epochs) for part in np.array_split(np.arange(N), range(batch, N, batch))]
        inputs.update({f"{c}.X": X, f"{c}.y": rng.integers(0, sizes[-1], N), f"{c}.build": np.array(build),
                       f"{c}.lr": np.array(rng.uniform(0.05, 1.0 if c == full_batch else 0.5)),
                       f"{c}.order": np.concatenate(order), f"{c}.lengths": np.array(lengths)})
        cases.append(c)
    inputs["cases"] = np.array(cases)
    return inputs


def _batches(inputs, c):
    return np.split(inputs[f"{c}.order"], np.cumsum(inputs[f"{c}.lengths"])[:-1])


TRAIN_TORCH = TORCH + """
for c in cases:
    m = net(c)
    if str(inputs[c + ".build"]) == "student":
        model = copy_params(m, make_torch_mlp([int(v) for v in inputs[c + ".sizes"]], str(inputs[c + ".act"])))
    else:
        model = twin(m)
    batches = np.split(inputs[c + ".order"].copy(), np.cumsum(inputs[c + ".lengths"])[:-1])
    X = inputs[c + ".X"].copy()
    out = train_torch(model, X, inputs[c + ".y"].copy(), batches, float(inputs[c + ".lr"]), l2=float(inputs[c + ".l2"]))
    outputs[c + ".ndarray"] = isinstance(out, np.ndarray)
    outputs[c + ".kind"] = out.dtype.kind if isinstance(out, np.ndarray) else ""
    outputs[c + ".losses"] = np.array(out, dtype=np.float64)
    outputs[c + ".X_after"] = X
    export(c + ".", model)
"""


def train_torch_check(inputs, outputs):
    for c in _cases(inputs):
        model, X, y = _net(inputs, c), inputs[f"{c}.X"], inputs[f"{c}.y"]
        optimizer = nnedu.SGD(float(inputs[f"{c}.lr"]))
        expected = np.array([train_step(model, optimizer, X[idx], y[idx]) for idx in _batches(inputs, c)])
        assert _flag(outputs, f"{c}.ndarray") and str(outputs[f"{c}.kind"]) == "f", \
            "return the losses as a numpy array of floats"
        losses = numbers(outputs, f"{c}.losses", expected.shape)
        assert np.max(np.abs(losses - expected)) < 1e-10, f"{c}: the loss curves differ"
        for k, v in model.params.items():
            assert rel_error(numbers(outputs, f"{c}.{k}", v.shape), v) < 1e-10, f"{c}: {k} differs after training"
        assert np.array_equal(numbers(outputs, f"{c}.X_after", X.shape), X), "X changed"


# --- 3a: seconds_per_epoch ----------------------------------------------------------------------------------
SLACK = 0.08   # the tests' tightest margin above the right answer (0.1 s for 0.02 s); gaps between durations exceed 2x


def seconds_per_epoch_inputs(rng):
    """Two runs of a fake epoch that sleeps a drawn duration per call. "quick": 1-2 instant warm-up calls, then 3
    timed calls, the shortest in the middle, the others SLACK * 2 or more longer (so its mean, sum, first and last
    are all wrong). "slow": 1-2 long warm-up calls, then 1-2 timed calls. 1.1 s of sleep at most."""
    inputs = {}
    shortest = rng.uniform(0.02, 0.04, size=2)
    w = _int(rng, 1, 2)
    others = shortest[0] + rng.uniform(2 * SLACK, 2.5 * SLACK, size=2)
    inputs.update({"quick.warmup": np.array(w), "quick.repeats": np.array(3),
                   "quick.durations": np.concatenate([np.zeros(w), [others[0], shortest[0], others[1]]])})
    w, r = _int(rng, 1, 2), _int(rng, 1, 2)
    timed = [shortest[1]] + [shortest[1] + rng.uniform(2 * SLACK, 2.5 * SLACK) for _ in range(r - 1)]
    inputs.update({"slow.warmup": np.array(w), "slow.repeats": np.array(r),
                   "slow.durations": np.concatenate([rng.uniform(0.12, 0.16, size=w), rng.permutation(timed)])})
    return inputs


SECONDS_PER_EPOCH = """
import time


def fake_epoch(durations):
    calls = []

    def run_epoch():
        time.sleep(durations[min(len(calls), len(durations) - 1)])
        calls.append(1)
    return run_epoch, calls


for run in ("quick", "slow"):
    run_epoch, calls = fake_epoch([float(d) for d in inputs[run + ".durations"]])
    t = seconds_per_epoch(run_epoch, "cpu", warmup=int(inputs[run + ".warmup"]), repeats=int(inputs[run + ".repeats"]))
    outputs[run + ".calls"] = len(calls)
    outputs[run + ".is_float"] = isinstance(t, float)
    outputs[run + ".seconds"] = float(t)
"""


def seconds_per_epoch_check(inputs, outputs):
    for run in ("quick", "slow"):
        w, r = int(inputs[f"{run}.warmup"]), int(inputs[f"{run}.repeats"])
        assert int(numbers(outputs, f"{run}.calls", ())) == w + r, f"expected {w} warm-up + {r} timed calls"
        assert _flag(outputs, f"{run}.is_float"), "return the time as a float"
        shortest = float(np.min(inputs[f"{run}.durations"][w:]))
        t = float(numbers(outputs, f"{run}.seconds", ()))
        assert 0.75 * shortest <= t < shortest + SLACK, f"{run}: expected about {shortest:.3f} s, got {t:.3f} s"


PROBES = [
    Probe("test_make_torch_mlp", make_torch_mlp_inputs, MAKE_TORCH_MLP, make_torch_mlp_check),
    Probe("test_copy_params", copy_params_inputs, COPY_PARAMS, copy_params_check),
    Probe("test_torch_loss_and_grads", torch_loss_and_grads_inputs, TORCH_LOSS_AND_GRADS, torch_loss_and_grads_check),
    Probe("test_train_torch", train_torch_inputs, TRAIN_TORCH, train_torch_check),
    Probe("test_seconds_per_epoch", seconds_per_epoch_inputs, SECONDS_PER_EPOCH, seconds_per_epoch_check),
]
