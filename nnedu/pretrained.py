"""A pretrained source network for transfer learning, and helpers to reuse it on a new task.

Source task (what the shipped network learned): classify the handwritten DIGITS 0-4 of
scikit-learn's bundled 8x8 digits set (``nnedu.data.digits(classes=[0, 1, 2, 3, 4])``, pixels in
[0, 1], no other preprocessing). The training split (75 %, ``source_split()``) is enlarged 9-fold by
shifting every image by -1, 0 or +1 pixel vertically and horizontally (``shift_augment``), so the
source training set is larger than any target training set used in the course. The network is an
``nnedu.MLP([64, 128, 64, 5], activation="tanh")`` trained with ``nnedu.fit``; the file
``nnedu/weights/source_digits04.npz`` is rebuilt, deterministically, by::

    python scripts/pretrain_source.py

Target task (what the course transfers to): the OTHER digits, 5-9, with labels remapped to 0..4
(``target_task()``). Both tasks use the same 8x8 pixels of the same data set, so they are related
(strokes, curves) but the classes are disjoint. This is a small stand-in for the lecture's
"pre-train on ImageNet, reuse on your own classes", not a large-scale pre-training.

    import nnedu.pretrained as pre
    source = pre.load_source_model()                 # MLP [64, 128, 64, 5], trained on digits 0-4
    model = pre.new_head(source, n_classes=5, seed=0)  # same hidden weights, fresh last layer
    pre.fit_last_layer(model, X_small, y_small, epochs=100, lr=0.5)   # hidden layers frozen
    Z = pre.hidden_features(source, X)               # (N, 64) features for e.g. logistic regression
"""
import json
from pathlib import Path

import numpy as np

from .checks import check_int, check_X
from .data import digits, split
from .network import MLP
from .serialize import save_model
from .train import fit

WEIGHTS_FILE = Path(__file__).resolve().parent / "weights" / "source_digits04.npz"
SOURCE_CLASSES = (0, 1, 2, 3, 4)
TARGET_CLASSES = (5, 6, 7, 8, 9)
SPLIT_SEED = 0          # the fixed source train/test split (and the target one in target_task)
TEST_FRACTION = 0.25
REBUILD_COMMAND = "python scripts/pretrain_source.py"


# -- data ---------------------------------------------------------------------------------------
def source_split():
    """The source task's deterministic split: ``(X_train, y_train, X_test, y_test)``, digits 0-4, labels 0..4."""
    X, y = digits(classes=SOURCE_CLASSES)
    return split(X, y, test=TEST_FRACTION, seed=SPLIT_SEED)


def target_task():
    """The target task, digits 5-9 with labels remapped to 0..4: ``(X, y)``, pixels in [0, 1]."""
    X, y = digits(classes=TARGET_CLASSES)
    return X, y - TARGET_CLASSES[0]


def shift_augment(X, y, max_shift=1, side=8):
    """Every image shifted by ``-max_shift..max_shift`` pixels in each direction (zeros fill the border).

    Returns ``(X_aug, y_aug)`` with ``(2 * max_shift + 1) ** 2`` copies of the data (shift (0, 0) first).
    """
    X = check_X(X, side * side)
    check_int(max_shift, "max_shift", low=0, high=side - 1)
    imgs = X.reshape(-1, side, side)
    shifts = [(0, 0)] + [(dr, dc) for dr in range(-max_shift, max_shift + 1)
                         for dc in range(-max_shift, max_shift + 1) if (dr, dc) != (0, 0)]
    out = []
    for dr, dc in shifts:
        s = np.zeros_like(imgs)
        s[:, max(dr, 0):side + min(dr, 0), max(dc, 0):side + min(dc, 0)] = \
            imgs[:, max(-dr, 0):side + min(-dr, 0), max(-dc, 0):side + min(-dc, 0)]
        out.append(s.reshape(-1, side * side))
    return np.concatenate(out), np.tile(np.asarray(y), len(shifts))


# -- the shipped network ------------------------------------------------------------------------
def save_source_model(model, info, path=WEIGHTS_FILE):
    """Write ``model`` (weights as float32) and the JSON-able ``info`` dict to ``path`` (used by the script)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    save_model(model, path, compressed=True, param_dtype=np.float32, extra={"__info__": json.dumps(info)})


def load_source_model(dtype=np.float64, path=WEIGHTS_FILE):
    """The pretrained source network (an ``nnedu.MLP`` [64, 128, 64, 5], tanh) with its weights, as ``dtype``."""
    if not Path(path).exists():
        raise FileNotFoundError(f"path: no weights at {path}; rebuild them with `{REBUILD_COMMAND}`")
    return MLP.load(path, dtype=dtype)


def source_info(path=WEIGHTS_FILE):
    """What the shipped network is: task, classes, preprocessing, the test accuracy measured when it was
    trained (``"source_test_accuracy"``, a fraction), the training settings and how to rebuild it."""
    with np.load(path, allow_pickle=False) as f:
        return json.loads(str(f["__info__"]))


# -- reusing a network --------------------------------------------------------------------------
def _check_model(model):
    if not isinstance(model, MLP):
        raise TypeError(f"model: expected an nnedu.MLP, got {type(model).__name__}")
    if model.n_layers < 2:
        raise ValueError(f"model: expected a network with at least one hidden layer, got sizes {model.sizes}")


def hidden_features(model, X, layer=-1):
    """The activations ``z`` of hidden layer ``layer`` (1..L-1, or negative: -1 = the last hidden layer)
    for inputs ``X``, in test mode (no dropout): ``z_l = h(z_{l-1} W_l + b_l)``, ``z_0 = x``."""
    _check_model(model)
    n_hidden = model.n_layers - 1
    what = f"a hidden layer 1..{n_hidden} or -1..-{n_hidden}"
    layer = check_int(layer, "layer", low=-n_hidden, high=n_hidden, what=what)
    if layer == 0:
        raise ValueError(f"layer: expected {what}, got 0")
    return model.hidden(X)[layer - 1 if layer > 0 else layer]


def new_head(model, n_classes, seed=0):
    """A new MLP with ``model``'s hidden layers (weights copied) and a freshly initialised last layer
    with ``n_classes`` outputs (softmax). ``model`` itself is left unchanged."""
    _check_model(model)
    check_int(n_classes, "n_classes", low=2, what="an integer >= 2 (a softmax output)")
    out = MLP(model.sizes[:-1] + [int(n_classes)], activation=model.activation, output="softmax",
              l2=model.l2, l1=model.l1, dropout=model.dropout, seed=seed, dtype=model.dtype,
              maxout_k=model.maxout_k, batchnorm=model.batchnorm)
    L = model.n_layers
    out.set_params({k: v for k, v in model.params.items() if k not in (f"W{L}", f"b{L}")}
                   | {f"W{L}": out.params[f"W{L}"], f"b{L}": out.params[f"b{L}"]})
    out.set_running_stats(model.running_stats())
    return out


def fit_last_layer(model, X, y, X_val=None, y_val=None, **fit_kwargs):
    """Train ONLY the last layer of ``model`` (in place); all hidden layers stay frozen. Returns the History.

    Same math as backpropagating through the frozen network and updating only ``W_L, b_L``, but
    faster: the last hidden layer's features ``z_{L-1}`` are computed once (``hidden_features``),
    a one-layer ``MLP([H, C])`` starting from the current ``W_L, b_L`` is trained on them with
    ``nnedu.fit(**fit_kwargs)``, and its weights are copied back. (With dropout > 0 this differs
    slightly: the frozen features are computed in test mode, without dropout.)
    """
    _check_model(model)
    Z = hidden_features(model, X)
    Z_val = None if X_val is None else hidden_features(model, X_val)
    L = model.n_layers
    head = MLP(model.sizes[-2:], output=model.output, l2=model.l2, l1=model.l1, dtype=model.dtype)
    head.set_params({"W1": model.params[f"W{L}"], "b1": model.params[f"b{L}"]})
    history = fit(head, Z, y, Z_val, y_val, **fit_kwargs)
    model.params[f"W{L}"], model.params[f"b{L}"] = head.params["W1"].copy(), head.params["b1"].copy()
    return history


__all__ = ["load_source_model", "source_info", "source_split", "target_task", "shift_augment",
           "hidden_features", "new_head", "fit_last_layer", "save_source_model", "WEIGHTS_FILE",
           "SOURCE_CLASSES", "TARGET_CLASSES"]
