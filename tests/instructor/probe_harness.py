"""Trying a lab's probes (solutions/probes/LAB.py) in this process, fast, without a kernel or a sandbox.

``lab_namespace(lab, answers)`` executes, from ``solutions/LAB.ipynb``, the code cells a probe may rely on:
every code cell before the first answer cell (imports, data), the locked set-up cells, and the answer cells, the
latter replaced from ``answers`` ({grade_id: source}, e.g. tests/alternatives/LAB.py or a deliberately wrong
answer). Tests and experiments are not run. ``probe_fails(lab, grade_id, namespace, seed)`` runs one probe
and returns why it failed (None when it passed). Only for trusted code: nothing here is contained.
"""
from pathlib import Path

import nbformat
import numpy as np

from nnedu_instructor import probes
from nnedu_instructor.cells import is_locked, is_solution, is_test

REPO = Path(__file__).resolve().parents[2]


def solution_path(lab):
    return REPO / "solutions" / f"{lab}.ipynb"


def lab_probes(lab):
    """{grade_id: Probe} of the lab."""
    return probes.load(solution_path(lab))


def answer_source(lab, cell_id):
    """The source of the solution's answer cell ``cell_id``."""
    from nnedu_instructor.cells import grade_id
    nb = nbformat.read(solution_path(lab), as_version=4)
    [cell] = [c for c in nb.cells if is_solution(c) and grade_id(c) == cell_id]
    return cell.source


def mutated_source(lab, cell_id, *changes):
    """The solution's answer cell ``cell_id`` with each (old, new) of ``changes`` applied; each ``old`` must be
    in the cell exactly once (so that an edit of the solution cannot silently turn a wrong answer right)."""
    source = answer_source(lab, cell_id)
    for old, new in changes:
        assert source.count(old) == 1, f"{old!r} is not in answer cell {cell_id} exactly once"
        source = source.replace(old, new)
    return source


def lab_namespace(lab, answers=None):
    """A fresh namespace holding the lab's set-up and its answers (the solution's, or ``answers``' sources)."""
    import matplotlib

    from nnedu_instructor.cells import grade_id
    matplotlib.use("Agg")  # in this process only: never through the environment, which the kernels that
    # pytest starts later (nbval) would inherit, and lose their inline figures
    nb = nbformat.read(solution_path(lab), as_version=4)
    answers, ns, seen_answer = answers or {}, {"__name__": f"lab_{lab}"}, False
    for cell in nb.cells:
        if cell.cell_type != "code" or is_test(cell):
            continue
        if is_solution(cell):
            seen_answer = True
            source = answers.get(grade_id(cell), cell.source)
        elif is_locked(cell) or not seen_answer:
            source = cell.source
        else:
            continue
        exec(compile(source, f"<{lab}:{grade_id(cell)}>", "exec"), ns)
    import matplotlib.pyplot as plt
    plt.close("all")  # figures the set-up cells drew
    return ns


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
