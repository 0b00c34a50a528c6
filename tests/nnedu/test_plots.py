"""Plots draw what they claim and reject bad input."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnedu
from nnedu import plots


def test_decision_boundary_and_learning_curves():
    X, y = nnedu.data.moons(100)
    m = nnedu.MLP([2, 10, 2])
    h = nnedu.fit(m, X[:80], y[:80], X[80:], y[80:], epochs=5, progress=False)
    ax = plots.plot_decision_boundary(m, X, y, title="moons")
    assert ax.get_title() == "moons" and len(ax.collections) >= 2
    ax = plots.plot_learning_curves(h)
    assert [l.get_label() for l in ax.get_lines()][:2] == ["training", "validation"]
    with pytest.raises(ValueError, match=r"X: expected 2-D points of shape \(N, 2\)"):
        plots.plot_decision_boundary(m, np.zeros((5, 3)), y[:5])
    plt.close("all")


def test_weight_images_and_activations():
    fig = plots.plot_weight_images(nnedu.MLP([64, 20, 10]).params["W1"], n=16)
    assert len(fig.axes) == 16
    with pytest.raises(ValueError, match=r"W: expected shape \(64, H\)"):
        plots.plot_weight_images(np.zeros((10, 3)))
    fig = plots.plot_activations()
    assert [ax.get_title() for ax in fig.axes] == ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout"]
    plt.close("all")
