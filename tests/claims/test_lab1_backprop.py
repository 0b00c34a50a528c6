"""Lab 1 (backpropagation by hand): the sentences of the lab that state a number, re-run over seeds with the
solution's own answers (its answer cells, executed here)."""
import json

import numpy as np
from claimkit import REPO, SEEDS, claim

import nnedu

NB = "solutions/lab1_backprop.ipynb"


def solution():
    """The namespace of the solution's setup and answer cells (the functions a student writes, and SETTINGS)."""
    cells = json.loads((REPO / NB).read_text(encoding="utf-8"))["cells"]
    namespace = {}
    for cell in cells:
        meta = cell["metadata"].get("nbgrader", {})
        if cell["cell_type"] == "code" and (meta.get("grade_id") == "setup" or meta.get("solution")):
            exec(compile("".join(cell["source"]), f"<{meta['grade_id']}>", "exec"), namespace)
    return namespace


@claim(NB, "lab1-011", "for a correct gradient in float64 it is below $10^{-7}$ with $h = 10^{-5}$")
def test_a_correct_gradient_checks_below_1e7():
    lab, worst = solution(), []
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        X, y = rng.normal(size=(8, 6)), rng.integers(0, 4, 8)
        params = {k: v.copy() for k, v in nnedu.MLP([6, 9, 4], activation="tanh", seed=seed).params.items()}
        params["b1"][:], params["b2"][:] = rng.normal(size=9), rng.normal(size=4)
        _, grads = lab["two_layer_loss"](params, X, y, l2=0.1)
        errors = lab["grad_check"](lambda: lab["two_layer_loss"](params, X, y, l2=0.1)[0], params, grads, seed=seed)
        worst.append(max(errors.values()))
    print("largest relative error per seed:", [f"{e:.1e}" for e in worst])
    assert max(worst) < 1e-7


@claim(NB, "lab1-032", "needs **at least 95% test accuracy**")
def test_the_solution_settings_reach_95_percent_from_other_starts():
    lab = solution()
    X_all, y_all = nnedu.data.digits()
    order = np.random.default_rng(0).permutation(len(y_all))
    train, test = order[:1347], order[1347:]
    mean, std = X_all[train].mean(axis=0), X_all[train].std(axis=0)
    std[std == 0] = 1.0
    X_train, X_test = (X_all[train] - mean) / std, (X_all[test] - mean) / std
    settings = dict(lab["SETTINGS"])
    kwargs = {k: v for k, v in settings.items() if k != "hidden"}
    accuracies = []
    for seed in SEEDS:
        params = {k: v.copy() for k, v in
                  nnedu.MLP([64, settings["hidden"], 10], activation=settings["activation"], seed=seed).params.items()}
        lab["sgd_train"](params, X_train, y_all[train], seed=seed, **kwargs)
        scores = lab["two_layer_loss"](params, X_test, activation=settings["activation"])
        accuracies.append(float(np.mean(scores.argmax(axis=1) == y_all[test])))
    print("test accuracy per seed:", [f"{a:.3f}" for a in accuracies])
    assert min(accuracies) >= 0.95
