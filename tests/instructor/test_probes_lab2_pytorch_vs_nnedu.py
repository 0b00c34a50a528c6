"""The probes of Lab 2 (solutions/probes/lab2_pytorch_vs_nnedu.py) pass right answers and reject wrong ones.

Right: the solution's answers and the alternative submission (tests/alternatives/lab2_pytorch_vs_nnedu.py), each on
the inputs of seeds 0..9. Wrong: mistakes students make (torch's default leaky slope, an activation after the last
layer, a forgotten transpose, weights that share nnedu's memory, gradients that accumulate, the penalty on the
biases, the loss recorded after the step, the mean instead of the shortest time...), each an answer cell replacing
the solution's, which the probe must reject on every seed tried. Runs in this process (tests/probe_harness.py), no
kernel. The timing probe sleeps about a second per run: here it runs on a virtual clock (``time.sleep`` advances
it, with a few milliseconds of overshoot as on a busy machine), and once on the real clock.
"""
import time
from pathlib import Path

import numpy as np
import pytest
from labkit import load_answers
from probe_harness import (
    failures,
    lab_namespace,
    lab_probes,
    mutated_source,
    probe_fails,
)

LAB = "lab2_pytorch_vs_nnedu"
SEEDS = range(10)
WRONG_SEEDS = range(3)          # a wrong answer must fail on every one of them, not only by luck of the draw
ALTERNATIVE = Path(__file__).resolve().parent / "alternatives" / f"{LAB}.py"
PROBED = sorted(lab_probes(LAB))
TIMING = "test_seconds_per_epoch"


class VirtualClock:
    """``time.sleep`` advances the clock by the duration plus 0 to 5 ms; the clocks read it."""

    def __init__(self, seed):
        self.now, self.rng = 1000.0, np.random.default_rng(seed)

    def sleep(self, seconds):
        self.now += seconds + self.rng.uniform(0.0, 0.005)

    def perf_counter(self):
        self.now += 1e-6
        return self.now

    def perf_counter_ns(self):
        return int(self.perf_counter() * 1e9)


@pytest.fixture
def clock(monkeypatch):
    """Install a fresh virtual clock in the ``time`` module (every clock a timing function might read)."""
    def install(seed):
        c = VirtualClock(seed)
        for name in ("perf_counter", "monotonic", "time"):
            monkeypatch.setattr(time, name, c.perf_counter)
        for name in ("perf_counter_ns", "monotonic_ns", "time_ns"):
            monkeypatch.setattr(time, name, c.perf_counter_ns)
        monkeypatch.setattr(time, "sleep", c.sleep)
    return install


def fails(gid, namespace, seed, folder, clock):
    if gid == TIMING:
        clock(seed)
    return probe_fails(LAB, gid, namespace, seed, folder)


def mutant(cell_id, *changes):
    """{cell_id: the solution's answer cell with each (old, new) of ``changes`` applied once}."""
    return {cell_id: mutated_source(LAB, cell_id, *changes)}


TWO_LAYERS_ONLY = '''
def make_torch_mlp(sizes, activation="tanh", dtype=torch.float64):
    modules = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
               "leaky_relu": lambda: nn.LeakyReLU(0.1), "elu": lambda: nn.ELU(alpha=1.0)}
    if activation not in modules:
        raise ValueError(activation)
    return nn.Sequential(nn.Linear(sizes[0], sizes[1], dtype=dtype), modules[activation](),
                         nn.Linear(sizes[1], sizes[-1], dtype=dtype))
'''
SHARED_MEMORY = '''
def copy_params(nnedu_model, torch_model):
    for l, lin in enumerate(linear_layers(torch_model), start=1):
        lin.weight.data = torch.from_numpy(nnedu_model.params[f"W{l}"].T)
        lin.bias.data = torch.from_numpy(nnedu_model.params[f"b{l}"])
    return torch_model
'''
NO_GRAD_PARAMETERS = '''
def copy_params(nnedu_model, torch_model):
    for l, lin in enumerate(linear_layers(torch_model), start=1):
        lin.weight = nn.Parameter(torch.tensor(nnedu_model.params[f"W{l}"].T, dtype=lin.weight.dtype),
                                  requires_grad=False)
        lin.bias = nn.Parameter(torch.tensor(nnedu_model.params[f"b{l}"], dtype=lin.bias.dtype), requires_grad=False)
    return torch_model
'''
WARMUP_TIMED = '''
def seconds_per_epoch(run_epoch, device="cpu", warmup=1, repeats=3):
    times = []
    for _ in range(warmup + repeats):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return float(min(times))
'''

# {test's grade_id: {what the mistake is: {answer cell's grade_id: source}}}
WRONG = {
    "test_make_torch_mlp": {
        "torch's default leaky slope 0.01": mutant("make_torch_mlp", ("nn.LeakyReLU(0.1)", "nn.LeakyReLU()")),
        "ELU with alpha 0.5": mutant("make_torch_mlp", ("nn.ELU(alpha=1.0)", "nn.ELU(alpha=0.5)")),
        "an activation after the last layer": mutant("make_torch_mlp", (
            "if l > 0:\n            layers.append(modules[activation]())\n"
            "        layers.append(nn.Linear(fan_in, fan_out, dtype=dtype))",
            "layers.append(nn.Linear(fan_in, fan_out, dtype=dtype))\n        layers.append(modules[activation]())")),
        "dtype ignored": mutant("make_torch_mlp", ("nn.Linear(fan_in, fan_out, dtype=dtype)",
                                                   "nn.Linear(fan_in, fan_out, dtype=torch.float64)")),
        "KeyError for an unknown name": mutant("make_torch_mlp", ("if activation not in modules:", "if False:")),
        "two layers whatever the sizes": {"make_torch_mlp": TWO_LAYERS_ONLY},
    },
    "test_copy_params": {
        "weights share nnedu's memory": {"copy_params": SHARED_MEMORY},
        "parameters no longer require grad": {"copy_params": NO_GRAD_PARAMETERS},
        "reshape instead of transpose": mutant("copy_params", ('params[f"W{l}"].T',
                                                               'params[f"W{l}"].reshape(lin.weight.shape)')),
        "only the first two layers": mutant("copy_params", (
            "enumerate(layers, start=1)", "enumerate(layers[:2], start=1)"), (
            "if len(layers) != nnedu_model.n_layers:", "if False:")),
        "the model not returned": mutant("copy_params", ("return torch_model", "pass")),
    },
    "test_torch_loss_and_grads": {
        "gradients accumulate (no zero_grad)": mutant("torch_loss_and_grads",
                                                      ("torch_model.zero_grad(set_to_none=True)", "pass")),
        "the penalty on the biases too": mutant("torch_loss_and_grads", (
            "sum((lin.weight ** 2).sum() for lin in layers)", "sum((p ** 2).sum() for p in torch_model.parameters())")),
        "the penalty without 1/2": mutant("torch_loss_and_grads", ("loss + 0.5 * l2 * sum", "loss + l2 * sum")),
        "the loss as a tensor": mutant("torch_loss_and_grads", ("return loss.item(), grads",
                                                                "return loss.detach(), grads")),
        "weight gradients not transposed": mutant("torch_loss_and_grads", ("lin.weight.grad.T.cpu()",
                                                                           "lin.weight.grad.cpu()")),
        "a sum over the batch": mutant("torch_loss_and_grads", (
            "F.cross_entropy(torch_model(X_t), y_t)", 'F.cross_entropy(torch_model(X_t), y_t, reduction="sum")')),
    },
    "test_train_torch": {
        "the loss recorded after the step": mutant("train_torch", (
            "losses.append(loss.item())", "losses.append(F.cross_entropy(torch_model(X_t[idx]), y_t[idx]).item())")),
        "l2 ignored": mutant("train_torch", ("if l2:", "if False:")),
        "gradients accumulate (no zero_grad)": mutant("train_torch", ("optimizer.zero_grad()", "pass")),
        "momentum": mutant("train_torch", ("lr=lr)", "lr=lr, momentum=0.9)")),
        "its own batches": mutant("train_torch", ("for idx in batches:",
                                                  "for idx in np.array_split(np.arange(len(X)), len(batches)):")),
        "a list, not an array": mutant("train_torch", ("return np.array(losses)", "return losses")),
        "X centred in place": mutant("train_torch", (
            "first = next(torch_model.parameters())",
            "X -= X.mean(axis=0)\n    first = next(torch_model.parameters())")),
    },
    TIMING: {
        "the mean, not the shortest": mutant("seconds_per_epoch", ("return float(min(times))",
                                                                   "return float(sum(times) / len(times))")),
        "the last time": mutant("seconds_per_epoch", ("return float(min(times))", "return float(times[-1])")),
        "milliseconds": mutant("seconds_per_epoch", ("return float(min(times))", "return float(1000 * min(times))")),
        "no warm-up": mutant("seconds_per_epoch", ("for _ in range(warmup):\n        run_epoch()\n", "")),
        "the warm-up calls timed too": {"seconds_per_epoch": WARMUP_TIMED},
    },
}


@pytest.fixture(scope="module")
def solution():
    return lab_namespace(LAB)


@pytest.fixture(scope="module")
def alternative():
    return lab_namespace(LAB, load_answers(ALTERNATIVE))


def test_every_probe_has_wrong_answers():
    assert set(WRONG) == set(PROBED)
    assert all(len(wrong) >= 2 for wrong in WRONG.values())


@pytest.mark.parametrize("gid", PROBED)
def test_the_solution_passes(gid, solution, tmp_path, clock):
    assert failures(LAB, gid, solution, SEEDS, tmp_path, before=clock if gid == TIMING else None) == []


@pytest.mark.parametrize("gid", PROBED)
def test_the_alternative_submission_passes(gid, alternative, tmp_path, clock):
    assert failures(LAB, gid, alternative, SEEDS, tmp_path, before=clock if gid == TIMING else None) == []


def test_the_timing_probe_on_the_real_clock(solution, tmp_path):
    assert probe_fails(LAB, TIMING, solution, 0, tmp_path) is None


@pytest.mark.parametrize("gid,mistake", [(g, m) for g, wrong in WRONG.items() for m in wrong])
def test_a_wrong_answer_fails(gid, mistake, tmp_path, clock):
    namespace = lab_namespace(LAB, WRONG[gid][mistake])
    passed = [s for s in WRONG_SEEDS if fails(gid, namespace, s, tmp_path, clock) is None]
    assert passed == [], f"{mistake}: passed the probe with seeds {passed}"
