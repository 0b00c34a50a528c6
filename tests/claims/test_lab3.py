"""Lab 3 (regularization): the model answers' sentences re-run on five other seeds (5-9: other splits, other wrong
labels, other initial weights and mini-batch orders) with the notebook's own code: the solution's setup, ``train``
(your penalty in ``PenalizedSGD``, your dropout in ``YourDropout``) and answer cells are executed from the notebook
itself, so a claim tests what the students' table runs. Each test prints the spread it saw."""
import functools
import json

import numpy as np
from claimkit import REPO, claim

NB = "solutions/lab3_regularization.ipynb"
OTHER_SEEDS = (5, 6, 7, 8, 9)
CODE_CELLS = ("lab2-002", "lab2-004", "lab2-011", "lab2-017", "lab2-024", "lab2-034")  # setup, train, answers
Q2, Q3, Q4, Q5 = "lab2-058", "lab2-060", "lab2-062", "lab2-064"                      # the model answers


@functools.lru_cache(maxsize=None)
def lab():
    """The notebook's namespace after its setup and answer cells, with SEEDS and SPLITS for OTHER_SEEDS."""
    cells = {c["id"]: "".join(c["source"]) for c in json.loads((REPO / NB).read_text(encoding="utf-8"))["cells"]}
    ns = {}
    for cell_id in CODE_CELLS:
        exec(compile(cells[cell_id], f"{NB}[{cell_id}]", "exec"), ns)
    ns["SEEDS"] = OTHER_SEEDS
    ns["SPLITS"] = {noise: [ns["make_split"](s, noise) for s in OTHER_SEEDS] for noise in (0.3, 0.0)}
    return ns


def settings(name):
    ns = lab()
    return {"none": {}, "L2": {"penalty": ns["l2_penalty"], "lam": 0.03},
            "L1": {"penalty": ns["l1_penalty"], "lam": 0.003}, "dropout": {"dropout": 0.5},
            "nnedu L2": {"reference": {"l2": 0.03}}, "nnedu dropout": {"reference": {"dropout": 0.5}},
            "H16": {"hidden": 16}, "H64": {"hidden": 64},
            "clean none": {"noise": 0.0}, "clean L2": {"noise": 0.0, "penalty": ns["l2_penalty"], "lam": 0.03}}[name]


@functools.lru_cache(maxsize=None)
def runs(name, seeds=len(OTHER_SEEDS)):
    """{"models", "histories", "train", "test" (accuracies in %, one per seed)} of configuration ``name``;
    "ES" / "clean ES": the solution's early stopping (patience 10) on the curves of "none" / "clean none"."""
    ns = lab()
    out = {"models": [], "histories": [], "train": [], "test": []}
    for k in range(seeds):
        if name in ("ES", "clean ES"):
            full = runs("none" if name == "ES" else "clean none")["histories"][k]
            best, _ = ns["early_stopping_epoch"](full.val_loss, 10)
            kw = {"noise": 0.3 if name == "ES" else 0.0, "epochs": int(best)}
        else:
            kw = settings(name)
        model, history = ns["train"](k, **kw)
        X_tr, y_tr, _, _, X_te, y_te = ns["SPLITS"][kw.get("noise", 0.3)][k]
        out["models"].append(model)
        out["histories"].append(history)
        out["train"].append(100 * ns["nnedu"].accuracy(model, X_tr, y_tr))
        out["test"].append(100 * ns["nnedu"].accuracy(model, X_te, y_te))
    out["train"], out["test"] = np.array(out["train"]), np.array(out["test"])
    return out


def gain(name, base="none"):
    return runs(name)["test"] - runs(base)["test"]


def spread(name):
    return runs(name)["test"].std()


@claim(NB, Q5, "Your **L2** ($\\lambda_2 = 0.03$) raises the test accuracy on every seed")
@claim(NB, Q5, "well beyond the spread over the seeds")
@claim(NB, Q5, "**early stopping** gains about as much on average (11 points), also on every seed")
@claim(NB, Q5, "**L1** and **dropout** gain on every seed too, but less")
def test_noisy_label_gains():
    g = {m: gain(m) for m in ("L2", "ES", "L1", "dropout")}
    print({m: (round(v.mean(), 1), round(v.min(), 1)) for m, v in g.items()}, "spread", round(spread("none"), 1))
    assert g["L2"].min() > 0 and g["L2"].mean() > 2 * max(spread("none"), spread("L2"))
    assert g["ES"].min() > 0 and abs(g["ES"].mean() - g["L2"].mean()) < 3
    for m in ("L1", "dropout"):
        assert g[m].min() > 0 and g[m].mean() < g["L2"].mean()


@claim(NB, Q5, "Both bring the training accuracy down to within a few points of the 70% of right labels")
@claim(NB, Q3, "Your L2 networks stay at about 68% training accuracy, within a few points of the 70% of right labels")
@claim(NB, Q3, "still reach about 95% training accuracy")
def test_training_accuracies():
    tr = {m: runs(m)["train"].mean() for m in ("none", "L2", "ES", "dropout")}
    print({m: round(v, 1) for m, v in tr.items()})
    assert tr["none"] > 95 and tr["dropout"] > 90
    assert abs(tr["L2"] - 70) < 6 and abs(tr["ES"] - 70) < 6


@claim(NB, Q5, "The network size chosen by cross-validation gains nothing beyond the spread")
def test_smaller_networks_gain_nothing():
    g = {m: gain(m).mean() for m in ("H16", "H64")}
    print({m: round(v, 1) for m, v in g.items()}, "spread", round(spread("none"), 1))
    assert all(abs(v) < spread("none") for v in g.values())


@claim(NB, Q5, "With **clean labels** (92% without regularization) L2 and early stopping change the test accuracy by "
               "less than a point, within the spread")
def test_clean_labels():
    g = {m: gain(m, "clean none").mean() for m in ("clean L2", "clean ES")}
    print(round(runs("clean none")["test"].mean(), 1), {m: round(v, 2) for m, v in g.items()})
    assert 90.5 < runs("clean none")["test"].mean() < 93.5
    assert all(abs(v) < min(1.0, spread("clean none") + 0.5) for v in g.values())


@claim(NB, Q5, "Your L2 and early-stopping rows equal `nnedu`'s reference rows to the last digit")
@claim(NB, Q5, "your dropout row differs from `nnedu`'s by less than the spread")
def test_yours_against_nnedu():
    ours, ref = runs("L2", seeds=1)["models"][0], runs("nnedu L2", seeds=1)["models"][0]
    assert all(np.array_equal(ours.params[k], ref.params[k]) for k in ours.params)
    ns = lab()
    stopped, _ = ns["train"](0, reference={"patience": 10})
    retrained = runs("ES")["models"][0]
    assert all(np.array_equal(stopped.params[k], retrained.params[k]) for k in stopped.params)
    diff = abs(runs("dropout")["test"].mean() - runs("nnedu dropout")["test"].mean())
    print("dropout yours - nnedu", round(diff, 2), "spread", round(spread("dropout"), 1))
    assert diff < spread("dropout")


@claim(NB, Q2, "your L1 networks ($\\lambda_1 = 0.003$) have about 70% of their weights below $10^{-3}$, your L2 "
               "networks ($\\lambda_2 = 0.03$) about 4%")
@claim(NB, Q2, "None of them is exactly 0")
@claim(NB, Q2, "about 87% of their weights are below $10^{-3}$, against about 70% of the other rows' weights")
def test_l1_sparsity():
    def weights(m):
        return np.concatenate([m.params[k].ravel() for k in m.params if k.startswith("W")])
    l1 = np.array([np.mean(np.abs(weights(m)) < 1e-3) for m in runs("L1")["models"]])
    l2 = np.array([np.mean(np.abs(weights(m)) < 1e-3) for m in runs("L2")["models"]])
    exact = max(np.mean(weights(m) == 0) for m in runs("L1")["models"])
    dead, live = [], []
    for k, m in enumerate(runs("L1")["models"]):
        off = lab()["SPLITS"][0.3][k][0].max(axis=0) == 0
        dead.append(np.mean(np.abs(m.params["W1"][off]) < 1e-3))
        live.append(np.mean(np.abs(m.params["W1"][~off]) < 1e-3))
    print(np.round(l1, 2), np.round(l2, 3), exact, np.round(dead, 2), np.round(live, 2))
    assert np.all((0.6 < l1) & (l1 < 0.8)) and np.all((0.02 < l2) & (l2 < 0.08)) and exact == 0
    dead, live = np.array(dead), np.array(live)
    assert np.all((0.8 < dead) & (dead < 0.95)) and np.all((0.6 < live) & (live < 0.8))


@claim(NB, Q3, "the undivided training output `out * 0.5` has a mean of 0.50 times that of `z`")
def test_undivided_dropout_halves():
    ns = lab()
    ratios = []
    for k, m in enumerate(runs("dropout")["models"]):
        z = m.hidden(ns["SPLITS"][0.3][k][4])[0]
        out, _ = ns["dropout_forward"](z, 0.5, np.random.default_rng(k))
        ratios.append((out * 0.5).mean() / z.mean())
    print(np.round(ratios, 4))
    assert np.all(np.abs(np.array(ratios) - 0.5) < 0.005)
