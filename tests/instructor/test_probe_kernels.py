"""A probe's kernel half is a plain function sent to the student's kernel by source (nnedu_instructor/probes.py):
it travels with the plain functions it calls, sees no global but ``np`` and what it takes from the notebook as
parameters, and one that could not run in the kernel is refused when the probes are loaded, naming itself.
"""
import numpy as np
import pytest

import nnedu
from nnedu_instructor import probes

TOY = '''import numpy as np
import json

from nnedu_instructor.probe_kit import case_names, with_cases
from nnedu_instructor.probes import Probe

LIMIT = 3


def doubled(inputs, add):
    return {c: add(inputs[f"{c}.x"], inputs[f"{c}.x"]) for c in case_names(inputs)}


def unrelated():
    return LIMIT


def add_kernel(inputs, add):
    return {f"{c}.y": y for c, y in doubled(inputs, add).items()}


def add_inputs(rng):
    return with_cases({"0": {"x": rng.normal(size=3)}, "1": {"x": rng.normal(size=(2, 2))}})


def add_check(inputs, outputs):
    for c in case_names(inputs):
        assert np.array_equal(outputs[f"{c}.y"], 2 * inputs[f"{c}.x"]), "wrong sum"


PROBES = [Probe("test_add", add_inputs, CODE, add_check)]
'''


def load_toy(tmp_path, code="add_kernel", extra=""):
    (tmp_path / "solutions" / "probes").mkdir(parents=True, exist_ok=True)
    (tmp_path / "solutions" / "probes" / "toy.py").write_text(TOY.replace("CODE", code) + extra)
    return probes.load(tmp_path / "solutions" / "toy.ipynb")["test_add"]


def test_a_kernel_function_travels_with_the_functions_it_calls(tmp_path):
    source = probes.kernel_source(load_toy(tmp_path).code)
    assert [line for line in source.splitlines() if line.startswith("def ")] == [
        "def case_names(inputs):", "def doubled(inputs, add):", "def add_kernel(inputs, add):"]
    scope = {"np": np}
    exec(source, scope)  # noqa: S102 (the toy's own source)
    assert scope["add_kernel"]({"cases": np.array(["a"]), "a.x": np.ones(2)}, np.add)["a.y"].tolist() == [2, 2]


def test_the_kernel_sees_only_np_and_the_names_it_takes(tmp_path):
    probe, rng = load_toy(tmp_path), np.random.default_rng(0)
    # The notebook's own np, case_names or doubled are not the probe's.
    notebook = {"add": lambda a, b: a + b, "np": None, "case_names": None, "doubled": None}
    probes.run_local(probe, notebook, rng, tmp_path)
    with pytest.raises(probes.ProbeFailed, match="wrong sum"):
        probes.run_local(probe, {"add": lambda a, b: a - b}, rng, tmp_path)
    with pytest.raises(probes.ProbeFailed, match="NameError: name 'add' is not defined"):
        probes.run_local(probe, {}, rng, tmp_path)


@pytest.mark.parametrize("code,extra,why", [
    ("reads_a_constant", "\n\ndef reads_a_constant(inputs, add):\n    return {'y': add(LIMIT, 1)}\n", "'LIMIT'"),
    ("reads_a_module", "\n\ndef reads_a_module(inputs):\n    return {'y': json.dumps(1)}\n", "'json'"),
    ("calls_a_reader", "\n\ndef calls_a_reader(inputs):\n    return {'y': unrelated()}\n", "'LIMIT'"),
    ("lambda inputs: {}", "", "plain function"),
    ("functools.partial(add_kernel)", "\nimport functools\n", "plain function"),
    ("decorated", "\n\n@staticmethod\ndef decorated(inputs):\n    return {}\n", "plain function"),
    ("marked", "\n\ndef mark(f):\n    return f\n\n\n@mark\ndef marked(inputs):\n    return {}\n", "no decorators"),
    ("with_args", "\n\ndef with_args(inputs, *names):\n    return {}\n", "plain parameters"),
    ("no_inputs", "\n\ndef no_inputs(add):\n    return {}\n", "plain parameters"),
])
def test_a_kernel_function_that_cannot_travel_is_refused_on_loading(tmp_path, code, extra, why):
    toy = TOY.replace("PROBES = [", extra + "\n\nPROBES = [")
    (tmp_path / "solutions" / "probes").mkdir(parents=True)
    (tmp_path / "solutions" / "probes" / "toy.py").write_text(toy.replace("CODE", code))
    with pytest.raises(ValueError, match=rf"toy.py: probe test_add: .*{why}"):
        probes.load(tmp_path / "solutions" / "toy.ipynb")


def test_code_may_still_be_a_string_of_statements(tmp_path):
    probe = load_toy(tmp_path, code="'outputs[\"0.y\"] = add(inputs[\"0.x\"], inputs[\"0.x\"])'")
    probe = probes.Probe(probe.grade_id, lambda rng: {"cases": np.array(["0"]), "0.x": rng.normal(size=2)},
                         probe.code, probe.check)
    probes.run_local(probe, {"add": np.add}, np.random.default_rng(0), tmp_path)


@pytest.mark.parametrize("hidden,activation,seed", [(64, "tanh", 0), (7, "relu", 5), (130, "relu", 0), (1, "tanh", 3)])
def test_lab1_kernel_draws_the_initial_weights_of_the_test(hidden, activation, seed):
    # Lab 1's training probe starts from the test's nnedu.MLP weights, drawn in the kernel without nnedu.
    from probe_harness import lab_probes
    kernel = lab_probes("lab1_backprop")["test_sgd_train"].code
    start = nnedu.MLP([64, hidden, 10], activation=activation, seed=seed).params
    drawn = kernel.__globals__["initial_params"](hidden, activation, seed)
    assert drawn.keys() == start.keys() and all(np.array_equal(drawn[k], start[k]) for k in start)
