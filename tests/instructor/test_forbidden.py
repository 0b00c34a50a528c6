"""What a lab's answers may not use (nnedu_instructor/rules.py, forbid.py): the mechanism, each spelling of a
use, the message, the rule named; the declaration's checks; the notice in the student's lab; one real grading
of a toy lab. The real labs' shortcut submissions are graded by ``make test-grading`` (slow_shortcuts.py)."""
import json
import subprocess
import sys

import nbformat
import pytest
from labkit import REPO, make_lab, submit

from nnedu_instructor import grade, labs, rules, sandbox
from nnedu_instructor.cells import grade_id, is_solution
from nnedu_instructor.forbid import forbid
from nnedu_instructor.probes import kernel_source

UNSAFE = sandbox.check() is not None
LAYERS = "Lab 1 may not use nnedu.layers: write the backward pass yourself"
TORCH = "Lab 1 may not use torch: backpropagate in numpy"

RUNNER = """
import json, sys
scope = {"__builtins__": __builtins__}
exec(SOURCE, scope)
scope["forbid"](RULES)
results = {}
for name, code in CASES.items():
    hits = sys.modules["_nnedu_rules"].hits
    hits.clear()
    try:
        exec(code, {})
        results[name] = ["nothing", "", list(hits)]
    except BaseException as e:
        results[name] = [type(e).__name__, str(e), list(hits)]
print("RESULTS" + json.dumps(results))
"""


def attempts(rule_pairs, cases):
    """Run ``forbid(rule_pairs)`` in a fresh interpreter, then each case; {case: [exception, message, hits]}."""
    script = (f"SOURCE = {kernel_source(forbid)!r}\nRULES = {rule_pairs!r}\nCASES = {cases!r}\n" + RUNNER)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULTS")]
    assert lines, run.stderr[-2000:]
    return json.loads(lines[0][len("RESULTS"):])


MODULE_CASES = {
    "import": "import nnedu.layers",
    "from import": "from nnedu.layers import Linear",
    "from the package": "from nnedu import layers\nlayers.Linear",
    "attribute of the imported parent": "import nnedu\nnnedu.layers.Linear",
    "importlib": "import importlib\nimportlib.import_module('nnedu.layers')",
    "__import__": "__import__('nnedu.layers')",
    "through another module": "import nnedu.network\nnnedu.network.Linear().forward",
    "a method through another module": "import nnedu.network\nnnedu.network.Linear.init(2, 3, 'tanh', None)",
    "through gc": ("import gc\n"
                   "[f for f in gc.get_objects() if getattr(f, '__qualname__', '') == 'Tanh.backward'][0](0, 1)"),
    "load by path": ("import importlib.util, os, nnedu\n"
                     "p = os.path.join(os.path.dirname(nnedu.__file__), 'layers.py')\n"
                     "spec = importlib.util.spec_from_file_location('mine', p)\n"
                     "spec.loader.exec_module(importlib.util.module_from_spec(spec))"),
    "read the source": "import os, nnedu\nopen(os.path.join(os.path.dirname(nnedu.__file__), 'layers.py')).read()",
    "torch": "import torch",
    "torch submodule": "import torch.autograd",
    "from torch": "from torch import autograd",
    "torch by importlib": "import importlib\nimportlib.import_module('torch.nn.functional')",
    "reload the package": "import importlib, nnedu\nimportlib.reload(nnedu)\nnnedu.layers.Linear",
}


@pytest.fixture(scope="module")
def module_rules():
    cases = dict(MODULE_CASES, **{
        "a process": "import subprocess, sys\nsubprocess.run([sys.executable, '-c', 'import nnedu.layers'])",
        "allowed": ("import numpy as np\nimport nnedu\nfrom nnedu.gradcheck import rel_error\n"
                    "assert rel_error(np.ones(2), np.ones(2)) == 0"),
    })
    cases["reload the package"] = cases.pop("reload the package")  # last: it leaves nnedu half reloaded
    return attempts([("nnedu.layers", LAYERS), ("torch", TORCH)], cases)


@pytest.mark.parametrize("case", sorted(MODULE_CASES))
def test_every_spelling_of_a_forbidden_module_fails_naming_the_rule(module_rules, case):
    raised, message, hits = module_rules[case]
    expected = TORCH if "torch" in case else LAYERS
    assert raised in ("ForbiddenError", "ForbiddenFile"), (case, raised, message)
    assert message == expected and hits and set(hits) == {1 if "torch" in case else 0}, (case, message, hits)


def test_processes_are_refused_and_the_rest_works(module_rules):
    assert module_rules["a process"][0] == "PermissionError"
    assert module_rules["allowed"] == ["nothing", "", []]


def test_a_definition_rule_names_the_rule_actually_hit():
    loss = "Lab 2 may not use nnedu.network.MLP.loss: let autograd compute the gradients"
    optim = "Lab 2 may not use nnedu.optim: train with torch.optim.SGD"
    setup = "import numpy as np, nnedu\nm = nnedu.MLP([2, 3, 2])\nX, y = np.zeros((1, 2)), np.array([0])\n"
    got = attempts([("nnedu.optim", optim), ("nnedu.network:MLP.loss", loss)], {
        "method": setup + "m.loss(X, y)",
        "through the class": setup + "type(m).loss(m, X, y)",
        "the optimizer": "import nnedu\nnnedu.SGD(0.1)",
        "the rest of MLP": setup + "assert m.forward(X).shape == (1, 2)",
    })
    assert got["method"] == ["ForbiddenError", loss, [1]]          # the rule hit, not the first of the list
    assert got["through the class"] == ["ForbiddenError", loss, [1]]
    assert got["the optimizer"] == ["ForbiddenError", optim, [0]]
    assert got["the rest of MLP"] == ["nothing", "", []]


def test_a_built_in_definition_is_replaced_where_it_is_bound():
    got = attempts([("math:prod", "Lab 9 may not use math.prod: multiply")], {
        "attribute": "import math\nmath.prod([2, 3])", "from import": "from math import prod\nprod([2, 3])",
        "the rest": "import math\nassert math.sqrt(4) == 2"})
    assert got["attribute"][1:] == got["from import"][1:] == ["Lab 9 may not use math.prod: multiply", [0]]
    assert got["the rest"][0] == "nothing"


def test_a_rule_states_targets_tests_and_reason():
    r = rules.Rule("nnedu.network:MLP.loss", ["t1"], "use autograd")
    assert (r.names, r.tests, r.messages("Lab 2")) == (
        ("nnedu.network.MLP.loss",), ("t1",),
        [("nnedu.network:MLP.loss", "Lab 2 may not use nnedu.network.MLP.loss: use autograd")])
    several = rules.Rule(["nnedu.optim", "nnedu.train:train_step"], "t1", "step yourself")
    assert several.tests == ("t1",) and several.messages("Lab 5") == [
        ("nnedu.optim", "Lab 5 may not use nnedu.optim: step yourself"),
        ("nnedu.train:train_step", "Lab 5 may not use nnedu.train.train_step: step yourself")]
    for bad, match in ((("nnedu layers", ["t"], "x"), "target"), (("torch", [], "x"), "tests"),
                       (("torch", ["t"], " "), "why"), (("a:b:c", ["t"], "x"), "target"), (([], ["t"], "x"), "target"),
                       ((["torch", "nnedu layers"], ["t"], "x"), "target"), ((["torch", 3], ["t"], "x"), "target")):
        with pytest.raises(ValueError, match=match):
            rules.Rule(*bad)
    assert rules.lab_title("solutions/lab3_regularization.ipynb") == "Lab 3"


def test_a_rule_of_several_targets_names_the_one_used():
    lab_rules = [rules.Rule("decimal", ["t"], "no decimals"),
                 rules.Rule(["fractions", "math:prod"], ["t"], "compute it yourself")]
    got = attempts(rules._pairs(lab_rules, "Lab 9"), {"first": "import fractions",
                                                      "second": "import math\nmath.prod([2, 3])",
                                                      "the rest": "import math\nmath.sqrt(4)"})
    assert got["first"] == ["ForbiddenError", "Lab 9 may not use fractions: compute it yourself", [1]]
    assert got["second"] == ["ForbiddenError", "Lab 9 may not use math.prod: compute it yourself", [2]]
    assert got["the rest"] == ["nothing", "", []]
    assert rules._verdict(lab_rules, [2, 1, 2], "Lab 9") == (
        "Lab 9 may not use math.prod: compute it yourself; Lab 9 may not use fractions: compute it yourself")
    assert rules.notice(lab_rules[1:] + [rules.Rule("math:prod", ["t"], "x")]) == \
        "**May not use:** `fractions`, `math.prod`."


TOY_PROBES = '''
import numpy as np
from nnedu_instructor.probes import Probe
from nnedu_instructor.rules import Rule


def check_add(inputs, outputs):
    assert np.array_equal(outputs["y"], inputs["a"] + inputs["b"])


def check_mul(inputs, outputs):
    assert np.array_equal(outputs["y"], inputs["a"] * inputs["b"])


def draw(rng):
    return {"a": rng.integers(0, 9, 3), "b": rng.integers(0, 9, 3)}


CALL = 'outputs["y"] = np.array([{}(int(a), int(b)) for a, b in zip(inputs["a"], inputs["b"])])'
PROBES = [Probe("test_add", draw, CALL.format("add"), check_add),
          Probe("test_mul", draw, CALL.format("mul"), check_mul)]
FORBIDDEN = [Rule("fractions", ["test_add", "test_mul"], "add the numbers you are given"),
             Rule("math:prod", ["test_mul"], "multiply with *")]
'''


@pytest.fixture
def toy(tmp_path):
    sol, _ = make_lab(tmp_path)
    (sol.parent / "probes").mkdir()
    (sol.parent / "probes" / "lab1.py").write_text(TOY_PROBES)
    labs.generate(tmp_path / "solutions", tmp_path / "labs")
    return sol, nbformat.read(tmp_path / "labs" / "lab1.ipynb", as_version=4)


def test_the_students_lab_says_what_each_task_may_not_use(toy, tmp_path):
    sol, lab = toy
    notes = {}
    for before, cell in zip(lab.cells, lab.cells[1:]):
        if is_solution(cell) and cell.cell_type == "code":
            notes[grade_id(cell)] = before.source.splitlines()[-1] if before.cell_type == "markdown" else ""
    assert notes == {"add": "**May not use:** `fractions`.", "mul": "**May not use:** `fractions`, `math.prod`."}
    assert labs.check(tmp_path / "solutions", tmp_path / "labs") == []   # reproducible


def test_the_course_labs_state_their_rules():
    lab1 = (REPO / "labs" / "lab1_backprop.ipynb").read_text()
    assert "**May not use:** `nnedu.layers`, `nnedu.losses`, `nnedu.network`" in lab1 and "`torch`" in lab1
    for solution in sorted((REPO / "solutions").glob("*.ipynb")):
        assert rules.load(solution), f"{solution.name} declares no FORBIDDEN rules"


def test_a_grading_withholds_the_guarded_points_and_names_the_rule_hit(toy, tmp_path):
    sol, lab = toy
    honest = submit(tmp_path / "subs", "honest", lab)
    cheat = submit(tmp_path / "subs", "cheat", lab,
                   add="def add(a, b):\n    import fractions\n    return int(fractions.Fraction(a) + b)",
                   mul="from math import prod\n\ndef mul(a, b):\n    return prod([a, b])")
    g_honest, g_cheat = grade.grade_submissions(sol, [honest, cheat], unsafe=UNSAFE)
    assert g_honest.total == g_honest.max_auto == 5, [(t.grade_id, t.outcome) for t in g_honest.tests]
    outcome = {t.grade_id: (t.points, t.message) for t in g_cheat.tests if not t.manual}
    assert outcome == {"test_add": (0, "Lab 1 may not use fractions: add the numbers you are given"),
                       "test_mul": (0, "Lab 1 may not use math.prod: multiply with *")}, outcome


def test_a_rule_must_guard_tests_the_lab_has(toy):
    sol, _ = toy
    with pytest.raises(ValueError, match=r"does not have: \['test_add'\]"):
        rules.load(sol, {"test_mul": 3})


def test_a_later_answer_that_kills_the_kernel_takes_no_points_back(toy, tmp_path):
    # The rules' kernel confirms test_add with the answers up to that test only: mul's os._exit, which killed the
    # notebook's kernel after test_add passed, must not kill the rules' kernel before it confirms test_add.
    sol, lab = toy
    crash = submit(tmp_path / "subs", "crash", lab, mul="import os\nos._exit(1)")
    [g] = grade.grade_submissions(sol, [crash], unsafe=UNSAFE)
    points = {t.grade_id: t.points for t in g.tests if not t.manual}
    assert g.status == grade.KERNEL_DIED and points["test_add"] > 0 and points["test_mul"] == 0, (
        g.status, [(t.grade_id, t.points, t.message) for t in g.tests])
