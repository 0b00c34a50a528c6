"""Train the SOURCE network that the transfer-learning lecture and Lab 5 reuse.

Source task: scikit-learn's bundled 8x8 digits, classes 0-4 only (pixels in [0, 1], no other
preprocessing), 75/25 train/test split (seed 0). The training split is augmented 9-fold by shifting
each image by -1/0/+1 pixel in both directions. Network: nnedu.MLP([64, 128, 64, 5], tanh),
trained with nnedu.fit (SGD with momentum). The target task of the course is the other digits, 5-9.

Deterministic (all seeds fixed). Writes nnedu/weights/source_digits04.npz: the weights (float32),
the architecture, and an info record with the source test accuracy measured here and this command.
"""
import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nnedu  # noqa: E402
from nnedu import pretrained  # noqa: E402

SIZES = [64, 128, 64, 5]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--epochs", type=int, default=20, help="training epochs (default 20)")
    p.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (default 0.05)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--batch-size", type=int, default=64, help="mini-batch size (default 64)")
    p.add_argument("--seed", type=int, default=0, help="initialisation and shuffling seed (default 0)")
    p.add_argument("--out", type=Path, default=pretrained.WEIGHTS_FILE,
                   help="output .npz file (default: nnedu/weights/source_digits04.npz in the package)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    X_tr, y_tr, X_te, y_te = pretrained.source_split()
    X_aug, y_aug = pretrained.shift_augment(X_tr, y_tr, max_shift=1)
    model = nnedu.MLP(SIZES, activation="tanh", seed=args.seed)
    nnedu.fit(model, X_aug, y_aug, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
              momentum=args.momentum, seed=args.seed, progress=not args.quiet, desc="pre-training on digits 0-4")
    # measure the accuracy of the weights as they are STORED (float32), read back as float64
    tmp = nnedu.MLP(SIZES, activation="tanh")
    tmp.set_params({k: v.astype("float32") for k, v in model.params.items()})
    train_acc, test_acc = nnedu.accuracy(tmp, X_tr, y_tr), nnedu.accuracy(tmp, X_te, y_te)

    command = "python scripts/pretrain_source.py" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in [("epochs", args.epochs), ("lr", args.lr),
                                                    ("momentum", args.momentum), ("batch_size", args.batch_size),
                                                    ("seed", args.seed)]
        if v != p.get_default(k))
    info = {
        "task": "digits 0-4 of scikit-learn's 8x8 digits (nnedu.data.digits(classes=[0, 1, 2, 3, 4]))",
        "classes": list(pretrained.SOURCE_CLASSES),
        "preprocessing": "pixels / 16 in [0, 1] (as nnedu.data.digits returns them); nothing else",
        "split": "nnedu.pretrained.source_split(): nnedu.data.split(test=0.25, seed=0), stratified",
        "augmentation": "training split x9: shifts by -1/0/+1 pixel vertically and horizontally (shift_augment)",
        "n_train_original": int(len(y_tr)), "n_train_augmented": int(len(y_aug)), "n_test": int(len(y_te)),
        "architecture": f"nnedu.MLP({SIZES}, activation='tanh', output='softmax')",
        "training": {"epochs": args.epochs, "batch_size": args.batch_size, "lr": args.lr,
                     "momentum": args.momentum, "seed": args.seed},
        "source_train_accuracy": train_acc,
        "source_test_accuracy": test_acc,
        "target_task": "digits 5-9, labels remapped to 0..4 (nnedu.pretrained.target_task())",
        "rebuild": command,
    }
    pretrained.save_source_model(model, info, args.out)
    print(json.dumps(info, indent=1))
    print(f"source test accuracy (digits 0-4, {len(y_te)} held-out images): {100 * test_acc:.2f} %")
    print(f"wrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB) in {time.perf_counter() - t0:.1f} s")
    return info


if __name__ == "__main__":
    main()
