"""Claims of Lab 5 (transfer learning): the model answers of Part 7 (formerly a hidden 0-point cell of the notebook).

The experiment of Part 6 (the solution's functions and methods, executed from its cells) is re-run. Q4 is checked on
two other pool/test splits with 20 other seeds; Q1-Q3 only on the notebook's own split and seeds, because on the
other splits they do not hold as written (see ``each_split``): their model answers still need rewriting.
"""
import functools

import numpy as np
from claimkit import _cells, claim

import nnedu

NB = "solutions/lab5_transfer_learning.ipynb"
SPLITS = (1, 2)                      # pool/test splits other than the notebook's 0
GRID_SEEDS = tuple(range(100, 120))  # training sets other than the notebook's 0..19
FUNCTIONS = ("lab5-08", "lab5-11", "lab5-14", "lab5-17", "lab5-20")   # the five answer cells
EXPERIMENT = ("lab5-23", "lab5-25", "lab5-27", "lab5-33")             # methods, weights learned, grid, moved
REUSE = ("layer 1 + LR", "layer 2 + LR", "last layer only", "fine-tune all")


def run(ns, cell_id):
    exec(compile(_cells(NB)[cell_id], f"{NB}[{cell_id}]", "exec"), ns)


@functools.lru_cache(maxsize=None)
def experiment(split):
    """The namespace of Part 6 run on pool/test split ``split`` with the seeds GRID_SEEDS."""
    assert "SHOTS = (1, 5, 20, 50)" in _cells(NB)["lab5-06"], "the settings changed: update this test"
    ns = {"__name__": "lab5"}
    run(ns, "lab5-02")                                   # imports, source network, target task
    run(ns, "lab5-06")                                   # settings
    if split:
        ns["SEEDS"] = GRID_SEEDS
    ns["tqdm"] = lambda iterable, **kwargs: iterable     # no progress bars in the test log
    ns["X_pool"], ns["y_pool"], ns["X_test"], ns["y_test"] = nnedu.data.split(ns["X_tgt"], ns["y_tgt"], test=0.4,
                                                                              seed=split)
    for cell_id in FUNCTIONS + EXPERIMENT:
        run(ns, cell_id)
    ns["names"] = list(ns["METHODS"])
    return ns


def each_split(splits=(0,)):
    """The notebook's own split and seeds (0, SEEDS of the notebook) unless told otherwise. The Q1-Q3 model answers
    hold there but NOT on splits 1 and 2 with seeds 100..119 (measured 2026-12-05: e.g. layer 2 - pixels at 1 per
    class 1.9 points on split 1, layer 1 ahead by 1.8 at 20 per class): they must be rewritten to what holds."""
    for split in splits:
        ns = experiment(split)
        yield split, ns, {n: ns["SHOTS"].index(n) for n in ns["SHOTS"]}


@claim(NB, "lab5-35", "every way of reusing the source network gains on average about 5 to 8 points")
def test_q1_one_shot_gains():
    for split, ns, i in each_split():
        gain, acc = ns["gain"], ns["acc"]
        for m in REUSE:
            g = gain[m][i[1]]
            print(f"split {split}, 1 per class, {m}: gain {g.mean():.1f} ± {g.std():.1f}, wins {np.mean(g > 0):.0%}")
            assert 4 < g.mean() < 10 and np.mean(g > 0) >= 0.7
            assert 4 < g.std() < 11
        assert max(ns["names"][1:], key=lambda m: gain[m][i[1]].mean()) == "layer 2 + LR"
        assert 5 < acc["from scratch"][i[1]].std() < 10


@claim(NB, "lab5-35", "From **20 examples per class** on, all six methods lie within 2 points of each other")
def test_q1_methods_close_from_20():
    for split, ns, i in each_split():
        for n in (20, 50):
            means = [ns["mean"][m][i[n]] for m in ns["names"]]
            print(f"split {split}, {n} per class: means from {min(means):.1f} to {max(means):.1f}")
            assert max(means) - min(means) < 2


@claim(NB, "lab5-35", "the frozen last layer is the weakest method, behind training from scratch by about a point")
def test_q1_frozen_weakest_at_50():
    for split, ns, i in each_split():
        g, fine = ns["gain"]["last layer only"][i[50]], ns["gain"]["fine-tune all"][i[50]]
        print(f"split {split}, 50 per class: last layer only {g.mean():.2f} (behind on {np.mean(g < 0):.0%}), "
              f"fine-tune all {fine.mean():.2f}")
        assert min(ns["names"], key=lambda m: ns["mean"][m][i[50]]) == "last layer only"
        assert -2 < g.mean() < -0.5 and np.mean(g < 0) >= 0.75
        assert abs(fine.mean()) < 0.5


@claim(NB, "lab5-37", "the classifier on the features is better on average (about 5 points in our table")
def test_q2_features_beat_pixels():
    for split, ns, i in each_split():
        acc, gain = ns["acc"], ns["gain"]
        diff = acc["layer 2 + LR"][i[1]] - acc["pixels + LR"][i[1]]
        print(f"split {split}, 1 per class: layer 2 - pixels {diff.mean():.1f} (per seed from {diff.min():.1f} "
              f"to {diff.max():.1f}), pixels over scratch {gain['pixels + LR'][i[1]].mean():.1f}")
        assert ns["learned"]["pixels + LR"] == ns["learned"]["layer 2 + LR"] == 325
        assert 3 < diff.mean() < 7 and gain["pixels + LR"][i[1]].mean() < 4


@claim(NB, "lab5-39", "from 20 examples per class on the first hidden layer (128 features) is better")
def test_q3_which_layer():
    for split, ns, i in each_split():
        d = ns["acc"]["layer 1 + LR"] - ns["acc"]["layer 2 + LR"]
        print(f"split {split}: layer 1 - layer 2 at 1/20/50 per class: {d[i[1]].mean():.2f} ± {d[i[1]].std():.1f}, "
              f"{d[i[20]].mean():.2f}, {d[i[50]].mean():.2f}")
        assert 0 < -d[i[1]].mean() < d[i[1]].std()
        assert d[i[20]].mean() > 0 and 0.5 < d[i[50]].mean() < 1.5


@claim(NB, "lab5-41", "moved by only 10-20 % of theirs, the first layer least")
def test_q4_head_moves_most():
    for split, ns, _ in each_split(SPLITS):
        moved = ns["moved"]
        print(f"split {split}: moved {', '.join(f'{k} {100 * v:.0f}%' for k, v in moved.items())}")
        assert moved["W3"] > 1 and 0.1 < moved["W1"] < moved["W2"] < 0.2
