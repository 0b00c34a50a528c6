"""Lab 3's probes (solutions/probes/lab3_regularization.py), tried in this process without a kernel: the solution's
and the alternative submission's answers pass every probe on fresh inputs (seeds 0..9), and wrong answers that
students write (biases penalized, a missing 1/2, keys that fit only the visible test, sign(0) = 1, p read as the
keep probability, the global numpy rng, a tie counted as an improvement, ddof=0...) fail them.

A wrong answer is the solution's answer cell with one change (``mutant``) or a cell written out in full. The
lab's set-up trains networks (about 2 s), and its parts are independent (each function is tested alone), so
the wrong answers are tried in a few rounds, each round one namespace holding one wrong answer per cell.
"""
from pathlib import Path

import pytest
from labkit import load_answers
from probe_harness import (
    failures,
    lab_namespace,
    lab_probes,
    mutated_source,
    probe_fails,
)

LAB = "lab3_regularization"
SEEDS = range(10)
WRONG_SEEDS = range(3)          # a wrong answer must fail on every one of them, not only by luck of the draw
ALTERNATIVE = Path(__file__).resolve().parent / "alternatives" / f"{LAB}.py"


def mutant(cell_id, *changes):
    """(cell_id, the solution's answer cell with each (old, new) of ``changes`` applied once)."""
    return cell_id, mutated_source(LAB, cell_id, *changes)


# {test's grade_id: {what the mistake is: (answer cell's grade_id, source)}}
WRONG = {
    "test_l2_penalty": {
        "biases penalized": mutant("l2_penalty", ('if name.startswith("W"):', "if True:")),
        "no 1/2": mutant("l2_penalty", ("value += 0.5 * lam *", "value += lam *")),
        "the visible test's keys": ("l2_penalty", '''
def l2_penalty(params, lam):
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    value = 0.5 * lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads.update(W1=lam * W1, W2=lam * W2, W3=lam * W3)
    return value, grads
'''),
    },
    "test_l1_penalty": {
        "sign(0) = 1": mutant("l1_penalty", ("grads[name] = lam * np.sign(p)",
                                             "grads[name] = lam * np.where(p >= 0, 1.0, -1.0)")),
        "L2's gradient": mutant("l1_penalty", ("grads[name] = lam * np.sign(p)", "grads[name] = lam * p")),
        "biases penalized": mutant("l1_penalty", ('if name.startswith("W"):', "if True:")),
    },
    "test_dropout": {
        "p read as the keep probability": mutant("dropout", ("mask = rng.random(np.shape(z)) >= p",
                                                             "mask = rng.random(np.shape(z)) < p")),
        "no division by 1 - p": mutant("dropout", ("return z * mask / (1.0 - p), mask", "return z * mask, mask")),
        "the global numpy rng": mutant("dropout", ("rng.random(np.shape(z))", "np.random.random(np.shape(z))")),
    },
    "test_early_stopping": {
        "a tie counts as an improvement": mutant("early_stopping", ("if loss < best_loss:", "if loss <= best_loss:")),
        "stops one epoch late": mutant("early_stopping", ("if epoch - best_epoch >= patience:",
                                                          "if epoch - best_epoch > patience:")),
        "best over the whole curve": mutant("early_stopping", ("return best_epoch, epoch",
                                                               "return int(np.argmin(val_losses)) + 1, epoch")),
    },
    "test_one_se_choice": {
        "ddof=0": mutant("one_se_choice", ("errors[best].std(ddof=1)", "errors[best].std()")),
        "the most complex within one SE": mutant("one_se_choice", ("[0])", "[-1])")),
        "numpy ints": mutant("one_se_choice", ("best = int(np.argmin(means))", "best = np.argmin(means)"),
                             ("chosen = int(np.flatnonzero", "chosen = (np.flatnonzero")),
    },
}
ROUNDS = max(len(wrong) for wrong in WRONG.values())


@pytest.fixture(scope="module")
def solution():
    return lab_namespace(LAB)


@pytest.fixture(scope="module")
def alternative():
    return lab_namespace(LAB, load_answers(ALTERNATIVE))


@pytest.fixture(scope="module")
def wrong_rounds():
    """One namespace per round r: for every test, its r-th wrong answer (or the solution's, when it has fewer)."""
    rounds = []
    for r in range(ROUNDS):
        answers = {}
        for wrong in WRONG.values():
            if r < len(wrong):
                cell_id, source = list(wrong.values())[r]
                assert cell_id not in answers, "two wrong answers for one cell in a round"
                answers[cell_id] = source
        rounds.append(lab_namespace(LAB, answers))
    return rounds


def test_every_probe_has_wrong_answers():
    assert set(WRONG) == set(lab_probes(LAB))
    assert all(len(wrong) >= 2 for wrong in WRONG.values())
    # a round holds one answer per cell: the wrong answers of different tests must be for different cells
    cells = [{cell for cell, _ in wrong.values()} for wrong in WRONG.values()]
    assert all(len(c) == 1 for c in cells) and len(set.union(*cells)) == len(cells)


@pytest.mark.parametrize("gid", sorted(WRONG))
def test_the_solution_passes(gid, solution, tmp_path):
    assert failures(LAB, gid, solution, SEEDS, tmp_path) == []


@pytest.mark.parametrize("gid", sorted(WRONG))
def test_the_alternative_submission_passes(gid, alternative, tmp_path):
    assert failures(LAB, gid, alternative, SEEDS, tmp_path) == []


@pytest.mark.parametrize("gid,mistake", [(g, m) for g, wrong in WRONG.items() for m in wrong])
def test_a_wrong_answer_fails(gid, mistake, wrong_rounds, tmp_path):
    namespace = wrong_rounds[list(WRONG[gid]).index(mistake)]
    passed = [s for s in WRONG_SEEDS if probe_fails(LAB, gid, namespace, s, tmp_path) is None]
    assert passed == [], f"{mistake}: passed the probe with seeds {passed}"
