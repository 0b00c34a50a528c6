"""Plots used across the course: decision boundaries, learning curves, weight images, activation functions.

Each function draws on ``ax`` (a new figure when None) and returns the axes; notebooks end the cell
with ``plt.show()``.
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from .checks import check_int
from .layers import make_activation

CLASS_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_decision_boundary(predict, X, y, ax=None, title=None, resolution=200, margin=0.3):
    """Colour the plane by the class ``predict`` gives each point, and scatter the data on top.

    predict: a model with ``.predict`` or a function (M, 2) -> (M,) labels; X (N, 2), y (N,).
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or X.shape[0] == 0 or X.dtype.kind not in "biuf":
        raise ValueError(f"X: expected 2-D points of shape (N, 2) with N >= 1, got shape {X.shape}")
    if y.shape != (X.shape[0],) or y.dtype.kind not in "biuf":
        raise ValueError(f"y: expected {X.shape[0]} class labels of shape ({X.shape[0]},), got shape {y.shape} "
                         f"and dtype {y.dtype}")
    predict = getattr(predict, "predict", predict)
    if not callable(predict):
        raise TypeError(f"predict: expected a model with .predict or a function, got {type(predict).__name__}")
    ax = _axes(ax)
    x0 = np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, resolution)
    x1 = np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    labels = np.asarray(predict(np.c_[g0.ravel(), g1.ravel()])).reshape(g0.shape)
    n_classes = int(max(y.max(), labels.max())) + 1
    cmap = ListedColormap(CLASS_COLORS[:n_classes])
    ax.contourf(g0, g1, labels, levels=np.arange(n_classes + 1) - 0.5, cmap=cmap, alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=n_classes - 0.5, s=14, edgecolors="k",
               linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax


def plot_learning_curves(history, ax=None, metric="loss", title=None):
    """Train (and validation) ``metric`` ("loss" or "acc") per epoch from a ``fit`` History;
    marks the best epoch when there is validation data."""
    if metric not in ("loss", "acc"):
        raise ValueError(f"metric: expected 'loss' or 'acc', got {metric!r}")
    if not hasattr(history, f"train_{metric}"):
        raise TypeError(f"history: expected the History returned by nnedu.fit, got {type(history).__name__}")
    ax = _axes(ax)
    train, val = getattr(history, f"train_{metric}"), getattr(history, f"val_{metric}")
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, label="training")
    if val:
        ax.plot(epochs, val, label="validation")
        ax.axvline(history.best_epoch, color="gray", ls="--", lw=1, label=f"best epoch ({history.best_epoch})")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" if metric == "loss" else "accuracy")
    ax.set_title(title or ("Learning curves" if metric == "loss" else "Accuracy"))
    ax.legend()
    return ax


def plot_weight_images(W, image_shape=(8, 8), n=16, cols=8, fig=None, title=None):
    """Show the first ``n`` columns of a first-layer weight matrix W (D, H) as images of ``image_shape``.

    Each column holds the weights w_ji of hidden unit j over the input pixels i: the pattern it responds to.
    Returns the figure.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != int(np.prod(image_shape)):
        raise ValueError(f"W: expected shape ({int(np.prod(image_shape))}, H) for images of {image_shape}, "
                         f"got {W.shape}")
    check_int(n, "n", what="a positive number of units to show")
    check_int(cols, "cols", what="a positive number of columns")
    n = min(n, W.shape[1])
    rows = int(np.ceil(n / cols))
    fig = fig or plt.figure(figsize=(1.2 * cols, 1.3 * rows))
    lim = np.abs(W[:, :n]).max()
    for j in range(n):
        ax = fig.add_subplot(rows, cols, j + 1)
        ax.imshow(W[:, j].reshape(image_shape), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"unit {j + 1}", fontsize=8)
        ax.axis("off")
    fig.suptitle(title or "First-layer weights (red +, blue -)")
    return fig


def plot_activations(names=("sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout"), a=None):
    """One panel per activation function h(a) with its derivative h'(a) (from the layer's own backward).

    Maxout (k = 2) is drawn as max(a, -0.5 a): the max of two linear pieces of one input.
    Returns the figure.
    """
    a = np.linspace(-4, 4, 401) if a is None else np.asarray(a, dtype=float)
    cols = 3
    rows = int(np.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names):
        layer = make_activation(name)
        if name == "maxout":
            pieces = np.stack([a, -0.5 * a], axis=1)
            h = layer.forward(pieces)[:, 0]
            dpieces = layer.backward(np.ones((a.size, 1)))
            dh = dpieces[:, 0] * 1.0 + dpieces[:, 1] * -0.5
        else:
            h = layer.forward(a[None, :])[0]
            dh = layer.backward(np.ones((1, a.size)))[0]
        ax.plot(a, h, label="$h(a)$")
        ax.plot(a, dh, "--", label="$h'(a)$")
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
        ax.set_title(name)
        ax.set_xlabel("$a$")
        ax.legend(loc="upper left")
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.tight_layout()
    return fig
