"""What a lab's answers may not use, and where the grader enforces it.

A lab declares its rules in its probe module (``solutions/probes/LAB.py``, beside ``PROBES``)::

    FORBIDDEN = [
        Rule("nnedu.layers", ["test_linear_forward", ...], "write the forward and backward passes yourself"),
        Rule(["nnedu.network:MLP.backward", "nnedu.network:MLP.backprop"], ["test_torch_loss_and_grads"],
             "let autograd compute the gradients"),
    ]

A rule has one reason and one or several targets. A target is a module (``"nnedu.layers"``, ``"torch"``: the
module, its submodules, everything defined in them) or one definition, ``"module:Name"`` or
``"module:Class.attribute"``; ``tests`` are the grade_ids of the graded test cells the rule guards; ``why``
completes the feedback, which names the target used: "Lab 1 may not use nnedu.layers: <why>".

Enforcement (``enforce``), where points are decided: after a submission's notebook has run, every guarded test
that passed there (its cell and its probe) is checked again by its probe in a *fresh* sandboxed kernel that
holds only the answer cells, the lab's setup (its first code cell), its other locked code cells (helpers,
restored from the solution) and cells that only import and define (no tests, no experiments), and where the
rules guarding it are in force from the start (``forbid``: the targets are absent, and any use raises an error
naming the rule). A test whose probe fails there earns nothing; its outcome names the rules the submission
actually hit ("Lab 1 may not use nnedu.layers: write the backward pass yourself"), or says that it
failed there without them. Tests with the same rules share one such kernel. The in-notebook tests may still
compare with ``nnedu``: they run in the ordinary kernel.

The student's lab states the rules next to each task (``notice``, used by ``labs``).
"""
import ast
import importlib.util
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from . import probes as probing
from .cells import grade_id, is_locked, is_solution, is_test
from .forbid import forbid, take_hits
from .kernel import CellTimeout, Kernel

LOG = logging.getLogger("nnedu_instructor.rules")
TARGET = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*)?")


@dataclass(frozen=True)
class Rule:
    """``targets`` (one, or a list: each a module or ``module:qualified.name``) may not be used by the answers that
    the graded tests ``tests`` (grade_ids) check; ``why`` says what to do instead."""
    targets: tuple
    tests: tuple
    why: str

    def __post_init__(self):
        targets = (self.targets,) if isinstance(self.targets, str) else tuple(self.targets)
        bad = [t for t in targets if not isinstance(t, str) or not TARGET.fullmatch(t)]
        if not targets or bad:
            raise ValueError(f"Rule target: expected 'module' or 'module:Name.attr' (or a list of them), "
                             f"got {self.targets!r}")
        object.__setattr__(self, "targets", targets)
        tests = (self.tests,) if isinstance(self.tests, str) else tuple(self.tests)
        if not tests or not all(isinstance(t, str) and t for t in tests):
            raise ValueError(f"Rule {', '.join(targets)}: tests: expected a list of grade_ids, got {self.tests!r}")
        object.__setattr__(self, "tests", tests)
        if not isinstance(self.why, str) or not self.why.strip():
            raise ValueError(f"Rule {', '.join(targets)}: why: expected a sentence saying what to do instead")

    @property
    def names(self):
        """The targets as a student writes them: ``nnedu.network.MLP.loss``."""
        return tuple(t.replace(":", ".") for t in self.targets)

    def messages(self, lab):
        """[(target, the feedback when a submission used it)]: "Lab 1 may not use nnedu.layers: <why>"."""
        return [(t, f"{lab} may not use {name}: {self.why}") for t, name in zip(self.targets, self.names)]


def lab_title(solution_path):
    """"Lab 1" for ``lab1_backprop.ipynb`` (the file's stem otherwise)."""
    m = re.match(r"lab(\d+)", Path(solution_path).stem)
    return f"Lab {int(m.group(1))}" if m else Path(solution_path).stem


def load(solution_path, test_ids=None):
    """The lab's ``FORBIDDEN`` rules ([] when it has no probes file or declares none). ``test_ids``, when given:
    the lab's graded test cells, which every rule's tests must name."""
    path = probing.path_for(solution_path)
    if not path.is_file():
        return []
    spec = importlib.util.spec_from_file_location(f"nnedu_rules_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rules = list(getattr(module, "FORBIDDEN", []))
    if not all(isinstance(r, Rule) for r in rules):
        raise TypeError(f"{path}: FORBIDDEN must be a list of nnedu_instructor.rules.Rule")
    if test_ids is not None:
        unknown = sorted({t for r in rules for t in r.tests} - set(test_ids))
        if unknown:
            raise ValueError(f"{path}: FORBIDDEN guards tests the lab does not have: {unknown}")
    return rules


def guarded(rules):
    """{grade_id: [rules guarding it, in declaration order]}."""
    out = {}
    for rule in rules:
        for gid in rule.tests:
            out.setdefault(gid, []).append(rule)
    return out


def notice(rules):
    """The line a student's lab shows beside a task guarded by ``rules`` ("" for none)."""
    names = list(dict.fromkeys(n for r in rules for n in r.names))
    return f"**May not use:** {', '.join(f'`{n}`' for n in names)}." if names else ""


def task_rules(nb, rules):
    """{index of an answer code cell: the rules guarding the tests that follow it, up to the next answer}."""
    by_test, out, current = guarded(rules), {}, None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and is_solution(cell):
            current = index
            out[current] = []
        elif current is not None and is_test(cell):
            out[current] += [r for r in by_test.get(grade_id(cell), []) if r not in out[current]]
    return {k: v for k, v in out.items() if v}


def _definitions_only(source):
    """Whether a cell only imports and defines (functions, classes): it computes nothing."""
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return all(isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)) or
               isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) for s in body)


def _kernel_cells(nb, upto=None):
    """What the rules' kernel runs, in order, as (source, the answer cell's index or None): the lab's first code
    cell (its setup), its other locked code cells that are not tests (helpers), the cells that only import and
    define, and the answer cells; never a test or an experiment; none after the cell at index ``upto``."""
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()
            and (upto is None or i <= upto)]
    return [(c.source, i if is_solution(c) else None) for k, (i, c) in enumerate(code) if not is_test(c) and (
        k == 0 or is_solution(c) or is_locked(c) or _definitions_only(c.source))]


def _answer_of(nb):
    """{test grade_id: index of the answer cell before it}: the task each test checks."""
    out, current = {}, None
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and is_solution(cell):
            current = index
        elif is_test(cell) and current is not None:
            out[grade_id(cell)] = current
    return out


def _pairs(rules, lab):
    """The (target, message) pairs ``forbid`` takes, every target of every rule in order; a hit is an index here."""
    return [pair for r in rules for pair in r.messages(lab)]


def _install_code(rules, lab):
    """Kernel code that calls ``forbid`` with the rules' (target, message) pairs, leaving no names behind."""
    pairs = _pairs(rules, lab)
    return (f"def __nnedu_rules__():\n    scope = {{'__builtins__': __import__('builtins')}}\n"
            f"    exec(compile({probing.kernel_source(forbid)!r}, '<nnedu rules>', 'exec'), scope)\n"
            f"    scope['forbid']({pairs!r})\n"
            f"try:\n    __nnedu_rules__()\nfinally:\n    del __nnedu_rules__\n")


async def _hits(kernel, seconds):
    """The targets (indices in ``_pairs``) hit since the last call, read from the kernel; [] when it cannot tell."""
    token = secrets.token_hex(8)
    code = (f"exec({probing.kernel_source(take_hits)!r}, __nnedu_scope__ := {{}}); "
            f"print({token!r} + __import__('json').dumps(__nnedu_scope__['take_hits']())); del __nnedu_scope__")
    reply = await kernel.run(code, seconds)
    for line in reply.stdout.splitlines():
        if line.startswith(token):
            try:
                return [int(i) for i in json.loads(line[len(token):])]
            except (ValueError, TypeError):
                return []
    return []


def _verdict(rules, hits, lab):
    """The outcome of a guarded test that failed in the rules' kernel: the targets it hit (indices in ``_pairs``),
    in the order it hit them; without any, only that it failed there (no details: probes are as hidden as hidden
    tests)."""
    pairs = _pairs(rules, lab)
    named = [pairs[i][1] for i in dict.fromkeys(hits) if 0 <= i < len(pairs)]
    if named:
        return "; ".join(named)
    return "passed in the notebook, but failed the grader's check in a kernel holding only the answers"


async def enforce(lab, rules, nb, passed, probes, box, files, limits, run_probe):
    """Check again, under the rules guarding them, the tests in ``passed`` (grade_ids) that a rule guards.

    ``nb``: the notebook as graded (locked cells restored); ``probes``: {grade_id: Probe}; ``box``: the sandbox the
    notebook ran in (new ones are made beside it, alike); ``files``: what their working folder holds (the lab's
    data); ``run_probe(kernel, probe, limits, deadline)``: the grader's probe runner (None, or why it failed). Returns
    {grade_id: outcome} for the tests that lose their points. CellTimeout and KernelDied count as failures."""
    groups, lost = {}, {}
    for gid, guards in guarded(rules).items():
        if gid in passed and gid in probes:
            groups.setdefault(tuple(guards), []).append(gid)
    deadline = time.monotonic() + limits.notebook_timeout
    for n, (group, gids) in enumerate(groups.items()):
        try:
            async with Kernel(box.beside(f"rules-{n}", files), int(limits.memory_mb) * 2**20) as kernel:
                lost.update(await _check_group(kernel, list(group), lab, nb, gids, probes, limits, deadline,
                                               run_probe))
        except Exception:  # noqa: BLE001 (a kernel that died or hung loses the points it was to confirm)
            lost.update({gid: lost.get(gid) or _verdict(group, [], lab) for gid in gids})
    return lost


async def _check_group(kernel, rules, lab, nb, gids, probes, limits, deadline, run_probe):
    """Install ``rules``, run the lab's code and the answers, then each test's probe; {grade_id: outcome}."""
    def left():
        return max(1.0, min(limits.cell_timeout, deadline - time.monotonic()))
    reply = await kernel.run(_install_code(rules, lab), left())
    if not reply.ok:
        raise RuntimeError(f"the rules could not be installed: {reply.ename}: {reply.evalue}")
    answer_of, lost = _answer_of(nb), {}
    tests = {grade_id(c): i for i, c in enumerate(nb.cells) if is_test(c)}
    last = max((tests[g] for g in gids if g in tests), default=len(nb.cells))  # the last test confirmed
    ran = {}  # answer cell index: the rules it hit as it ran (the lab's own cells may touch them: not counted)
    for source, answer in _kernel_cells(nb, upto=last):  # a later answer that kills the kernel takes nothing back
        try:
            await kernel.run(source, left())  # an answer that fails here fails its probe below
        except CellTimeout:
            pass
        hits = await _hits(kernel, left())
        if answer is not None:
            ran[answer] = hits
    for gid in gids:
        reason = await run_probe(kernel, probes[gid], limits, deadline)
        hits = await _hits(kernel, left())
        if reason:
            LOG.info("rules' probe of %s failed: %s", gid, reason)
            lost[gid] = _verdict(rules, hits or ran.get(answer_of.get(gid), []), lab)
    return lost
