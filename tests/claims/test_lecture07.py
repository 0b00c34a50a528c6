"""Claims of lecture 07 (transfer learning and augmentation), re-run over other seeds and data than the notebook's.

Transfer: five other source networks (each pretrained on its own source images, with its own target test set),
each reused on freshly drawn target training sets; the notebook's own ``draw`` and its five methods (executed from
its cells) do the work. Augmentation: five other splits of digits 0-4, with the network trained on shifted copies
retrained for each (the notebook uses the shipped one) against the same network trained on the originals for as
many SGD steps.
"""
import numpy as np
from claimkit import SEEDS, _cells, claim

import nnedu
import nnedu.pretrained as pre
from nnedu.data import digits, split

NB = "lectures/07_transfer_learning_and_augmentation.ipynb"
SHOTS = (1, 5, 20)
DRAWS = 3          # target training sets per size and source network (15 per size in all)


def uses(cell_id, snippet):
    """Guard against drift: the notebook cell still runs the experiment with these settings."""
    assert snippet in _cells(NB)[cell_id], f"{NB} [{cell_id}] no longer contains {snippet!r}: update this test"


def transfer_runs():
    """acc[source seed][method, n] = target test accuracies (%) over DRAWS training sets, paired across methods."""
    uses("lec06-12", "epochs=30, batch_size=32, lr=0.05, momentum=0.9")
    uses("lec06-19", "SHOTS, SEEDS = (1, 5, 20), range(10)")
    ns = {}
    for cell_id in ("lec06-02", "lec06-08"):       # imports; the shapes and draw()
        exec(_cells(NB)[cell_id], ns)
    draw, source_shapes, target_shapes = ns["draw"], ns["SOURCE_SHAPES"], ns["TARGET_SHAPES"]
    runs = {}
    for src in (s + 1 for s in SEEDS):            # other source networks than the notebook's seed 0
        X_src, y_src = draw(source_shapes, 500, np.random.default_rng([100, src]))
        source = nnedu.MLP([100, 128, 100, 6], activation="tanh", seed=src)
        nnedu.fit(source, X_src, y_src, epochs=30, batch_size=32, lr=0.05, momentum=0.9, seed=src, progress=False,
                  eval_train=False)
        X_test, y_test = draw(target_shapes, 100, np.random.default_rng([200, src]))
        ns.update(source=source, X_test=X_test, y_test=y_test, Z_test=pre.hidden_features(source, X_test))
        exec(_cells(NB)["lec06-18"], ns)           # the five methods, reading source, X_test, Z_test from ns
        ns["FIT"] = dict(ns["FIT"], eval_train=False)   # the same training, without evaluating every epoch
        methods = {"from scratch": ns["from_scratch"], "pixels + LR": ns["pixels_lr"],
                   "features + LR": ns["features_lr"], "last layer only": ns["last_layer_only"],
                   "fine-tune all": ns["fine_tune_all"]}
        acc = {}
        for n in SHOTS:
            for d in range(DRAWS):
                X, y = draw(target_shapes, n, np.random.default_rng([n, d, 300 + src]))
                for name, method in methods.items():
                    acc.setdefault((name, n), []).append(100 * method(X, y, d))
        X, y = draw(target_shapes, 5, np.random.default_rng([5, 300 + src]))
        for lr in (0.05, 0.2):                     # how far fine-tuning moves the hidden weights
            tuned = pre.new_head(source, 5, seed=src)
            nnedu.fit(tuned, X, y, batch_size=len(y), lr=lr, seed=src, **ns["FIT"])
            acc["moved", lr] = [np.linalg.norm(tuned.params[k] - source.params[k]) / np.linalg.norm(source.params[k])
                                for k in ("W1", "W2")]
        runs[src] = {k: np.array(v) for k, v in acc.items()}
    return runs


def pooled(runs, name, n):
    return np.concatenate([r[name, n] for r in runs.values()])


@claim(NB, "lec06-22", "fine-tuning it beat training from scratch on nearly every training set")
@claim(NB, "lec06-22", "by several points on average")
@claim(NB, "lec06-22", "features + logistic regression gained most of that as well")
@claim(NB, "lec06-22", "With **one image per shape** reuse is still ahead on average")
@claim(NB, "lec06-22", "a single training set can go either way")
@claim(NB, "lec06-22", "gains only a few points over training from scratch and stays behind the features at every size")
@claim(NB, "lec06-22", "with one image per shape the two come out about even, while fine-tuning stays ahead with "
       "5 and 20")
@claim(NB, "lec06-54", "about as accurate as freezing with one image per shape and more accurate with 5 and 20")
@claim(NB, "lec06-54", "Reusing the network beat training from scratch by several points")
@claim(NB, "lec06-24", "With the rate we used, the hidden weights moved by a tenth to a fifth of their size; with "
       "the from-scratch rate they move about twice as far.")
def test_transfer_learning_on_new_shapes():
    runs = transfer_runs()
    moved = np.array([[r["moved", 0.05], r["moved", 0.2]] for r in runs.values()])   # (source, lr, W1/W2)
    print("relative change of W1, W2 by fine-tuning at lr 0.05:", np.round(moved[:, 0], 2).tolist(),
          "at lr 0.2:", np.round(moved[:, 1], 2).tolist())
    assert np.all((0.05 < moved[:, 0]) & (moved[:, 0] < 0.25))
    assert np.all((1.5 < moved[:, 1] / moved[:, 0]) & (moved[:, 1] / moved[:, 0] < 2.5))
    gain = {(name, n): pooled(runs, name, n) - pooled(runs, "from scratch", n)
            for name in ("pixels + LR", "features + LR", "last layer only", "fine-tune all") for n in SHOTS}
    for (name, n), g in gain.items():
        per_source = [np.mean(r[name, n] - r["from scratch", n]) for r in runs.values()]
        print(f"{name:16s} {n:2d} per shape: gain over scratch {g.mean():+5.1f} (draws {g.min():+5.1f} .. "
              f"{g.max():+5.1f}; per source network {np.round(per_source, 1)})")
    fine_vs_last = {n: pooled(runs, "fine-tune all", n) - pooled(runs, "last layer only", n) for n in SHOTS}
    for n, d in fine_vs_last.items():
        print(f"fine-tune all - last layer only, {n:2d} per shape: {d.mean():+.1f} on average, "
              f"ahead in {np.sum(d > 0)} of {d.size}")
    for n in (5, 20):
        assert np.mean(gain["fine-tune all", n] > 0) >= 0.9                 # nearly every training set
        assert gain["fine-tune all", n].mean() > 4                          # several points
        assert gain["features + LR", n].mean() > 0.5 * gain["fine-tune all", n].mean()   # most of that
        assert fine_vs_last[n].mean() > 1 and np.mean(fine_vs_last[n] > 0) > 0.5         # fine-tuning ahead
    assert gain["fine-tune all", 1].mean() > 0 and gain["features + LR", 1].mean() > 0
    assert gain["fine-tune all", 1].min() < 0 or gain["features + LR", 1].min() < 0     # either way
    assert abs(fine_vs_last[1].mean()) < 3                                  # about even with one image
    for n in SHOTS:
        assert gain["pixels + LR", n].mean() < 4                            # only a few points
        assert gain["features + LR", n].mean() > gain["pixels + LR", n].mean()


@claim(NB, "lec06-39", "both networks are about equally good on the test set as it is (within about a point)")
@claim(NB, "lec06-39", "only the one trained with shifted copies still reads shifted digits (above 95 % against "
       "below 60 %)")
@claim(NB, "lec06-54", "With the same number of SGD steps it made the network robust to the variation it imitates "
       "(shifts)")
def test_shifted_copies_at_equal_steps():
    training = pre.source_info()["training"]
    uses("lec06-38", '**{**info["training"], "epochs": plain_epochs}')
    X, y = digits(classes=pre.SOURCE_CLASSES)
    rows = []
    for seed in SEEDS:
        X_tr, y_tr, X_te, y_te = split(X, y, test=pre.TEST_FRACTION, seed=seed + 1)    # other splits
        X_aug, y_aug = pre.shift_augment(X_tr, y_tr)
        X_shift, y_shift = pre.shift_augment(X_te, y_te)
        X_shift, y_shift = X_shift[len(X_te):], y_shift[len(X_te):]
        batches = lambda n: int(np.ceil(n / training["batch_size"]))                  # noqa: E731
        plain_epochs = round(training["epochs"] * batches(len(y_aug)) / batches(len(y_tr)))
        nets = {}
        for name, (Xt, yt, epochs) in {"plain": (X_tr, y_tr, plain_epochs),
                                       "shifted copies": (X_aug, y_aug, training["epochs"])}.items():
            nets[name] = nnedu.MLP([64, 128, 64, 5], activation="tanh", seed=seed)
            nnedu.fit(nets[name], Xt, yt, progress=False, eval_train=False,
                      **{**training, "epochs": epochs, "seed": seed})
        rows.append([100 * nnedu.accuracy(nets[name], A, b) for name in ("plain", "shifted copies")
                     for A, b in ((X_te, y_te), (X_shift, y_shift))])
    rows = np.array(rows).T
    print("plain: test", rows[0], "shifted", rows[1], "\nshifted copies: test", rows[2], "shifted", rows[3])
    assert np.all(np.abs(rows[0] - rows[2]) <= 1.5) and np.all(rows[[0, 2]] > 98.5)
    assert np.all(rows[3] > 95) and np.all(rows[1] < 60)
