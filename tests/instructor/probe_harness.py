"""Trying a lab's probes (solutions/probes/LAB.py) in this process, fast, without a kernel or a sandbox.

``lab_namespace(lab, answers)`` executes, from ``solutions/LAB.ipynb``, the code cells a probe may rely on:
every code cell before the first answer cell (imports, data), the locked set-up cells, and the answer cells, the
latter replaced from ``answers`` ({grade_id: source}, e.g. tests/alternatives/LAB.py or a deliberately wrong
answer). Tests and experiments are not run. The cells before the first answer run once per lab (they may train
networks): each namespace starts from a copy of the names they define. ``probe_fails(lab, grade_id, namespace,
seed)`` runs one probe and returns why it failed (None when it passed). ``lab_cases(lab)`` is the lab's answers
for its probes' tests (``probe_cases/LAB.toml``), ``answer(lab, case)`` one of them as source. Only for trusted
code: nothing here is contained.
"""
import functools
import importlib.util
from pathlib import Path

import nbformat
import numpy as np
import tomllib

from nnedu_instructor import probes
from nnedu_instructor.cells import is_locked, is_solution, is_test

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "probe_cases"


def solution_path(lab):
    return REPO / "solutions" / f"{lab}.ipynb"


@functools.cache
def lab_probes(lab):
    """{grade_id: Probe} of the lab."""
    return probes.load(solution_path(lab))


@functools.cache
def probe_module(lab):
    """The module ``solutions/probes/LAB.py`` itself (its references, for a test answer built from one)."""
    spec = importlib.util.spec_from_file_location(f"probe_module_{lab}", probes.path_for(solution_path(lab)))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def lab_cases(lab):
    """``probe_cases/LAB.toml``: ``wrong`` (and ``right``) = {test's grade_id: {what the answer is: case}},
    ``clocked`` = the probes that time something, ``sources`` = {name: source} that a case may start from. A case
    is ``{cell, source}``, the answer cell's full source, or ``{cell, base, edits}``, a list of [old, new] edits (see
    ``edited``) of the source named ``base``, or of the solution's cell when there is no ``base``."""
    with open(CASES / f"{lab}.toml", "rb") as f:
        cases = tomllib.load(f)
    unknown = set(cases) - {"wrong", "right", "clocked", "sources"}
    assert not unknown, f"probe_cases/{lab}.toml: unknown tables {sorted(unknown)}"
    return cases


def answer(lab, case):
    """{answer cell: source} for one case of ``probe_cases/LAB.toml`` (see ``lab_cases``)."""
    keys = set(case)
    assert "cell" in keys and keys - {"cell"} and (keys <= {"cell", "source"} or keys <= {"cell", "base", "edits"}), \
        f"{lab}: a case is {{cell, source}} or {{cell, base and/or edits}}, got {sorted(keys)}"
    if "source" in case:
        return {case["cell"]: case["source"]}
    start = lab_cases(lab)["sources"][case["base"]] if "base" in case else answer_source(lab, case["cell"])
    return {case["cell"]: edited(start, *case.get("edits", []))}


@functools.cache
def _cells(lab):
    """The solution's code cells other than tests: ((grade_id or None, source, locked, answer), ...)."""
    from nnedu_instructor.cells import grade_id
    nb = nbformat.read(solution_path(lab), as_version=4)
    return tuple((grade_id(c), c.source, is_locked(c), is_solution(c)) for c in nb.cells
                 if c.cell_type == "code" and not is_test(c))


def answer_source(lab, cell_id):
    """The source of the solution's answer cell ``cell_id``."""
    [source] = [source for gid, source, _, is_answer in _cells(lab) if is_answer and gid == cell_id]
    return source


def edited(source, *changes):
    """``source`` with each (old, new) of ``changes`` applied; each ``old`` must be in it exactly once (so that
    an edit of the answer it starts from cannot silently turn a wrong answer right)."""
    for old, new in changes:
        assert source.count(old) == 1, f"{old!r} is not in the answer exactly once:\n{source}"
        source = source.replace(old, new)
    return source


def _run(lab, gid, source, namespace):
    exec(compile(source, f"<{lab}:{gid}>", "exec"), namespace)  # noqa: S102 (trusted: the lab's own cells)


@functools.cache
def _set_up(lab):
    """The names the code cells before the first answer cell define (run once per lab)."""
    import matplotlib
    import matplotlib.pyplot as plt
    matplotlib.use("Agg")  # in this process only: never through the environment, which the kernels that
    # pytest starts later (nbval) would inherit, and lose their inline figures
    namespace = {"__name__": f"lab_{lab}"}
    for gid, source, _, is_answer in _cells(lab):
        if is_answer:
            break
        _run(lab, gid, source, namespace)
    plt.close("all")  # figures the set-up cells drew
    return namespace


def lab_namespace(lab, answers=None):
    """A fresh namespace holding the lab's set-up and its answers (the solution's, or ``answers``' sources)."""
    import matplotlib.pyplot as plt
    answers, cells = answers or {}, _cells(lab)
    unknown = set(answers) - {gid for gid, _, _, is_answer in cells if is_answer}
    assert not unknown, f"{lab} has no answer cells {sorted(unknown)}"
    namespace, seen_answer = dict(_set_up(lab)), False
    for gid, source, locked, is_answer in cells:
        seen_answer = seen_answer or is_answer
        if is_answer or (locked and seen_answer):
            _run(lab, gid, answers.get(gid, source) if is_answer else source, namespace)
    plt.close("all")
    return namespace


def probe_fails(lab, gid, namespace, seed, folder):
    """Why the probe of test ``gid`` fails against ``namespace`` with inputs from ``seed`` (None: it passes)."""
    probe = lab_probes(lab)[gid]
    try:
        probes.run_local(probe, namespace, np.random.default_rng(seed), folder)
    except probes.ProbeFailed as e:
        return str(e) or "failed"
    return None


def failures(lab, gid, namespace, seeds, folder, before=None):
    """[(seed, why)] for each seed whose inputs make the probe of ``gid`` fail ([] when all pass);
    ``before(seed)``, if given, runs before each try (e.g. to install a fake clock)."""
    found = []
    for seed in seeds:
        if before:
            before(seed)
        why = probe_fails(lab, gid, namespace, seed, folder)
        if why is not None:
            found.append((seed, why))
    return found
