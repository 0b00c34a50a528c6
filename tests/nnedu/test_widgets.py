"""The lecture-05 playground: the pure training function, bad input, and the ipywidgets UI without a browser."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnedu
from nnedu.widgets import DATASETS, DEFAULTS, load_dataset, playground, train_and_plot


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_train_and_plot_learns(dataset):
    model, history, fig = train_and_plot(dataset, hidden=10, epochs=60, seed=0)
    X_tr, y_tr, X_val, y_val = load_dataset(dataset, seed=0)
    chance = 1.0 / (int(y_tr.max()) + 1)
    assert isinstance(model, nnedu.MLP) and model.sizes == [2, 10, int(y_tr.max()) + 1]
    assert nnedu.accuracy(model, X_tr, y_tr) > chance + 0.25
    assert nnedu.accuracy(model, X_val, y_val) > chance + 0.2
    assert len(history.train_loss) == len(history.val_loss) == 60
    assert history.train_loss[-1] < history.train_loss[0]
    assert len(fig.axes) == 2


def test_train_and_plot_is_deterministic():
    _, h1, _ = train_and_plot("moons", hidden=5, epochs=5, seed=3)
    _, h2, _ = train_and_plot("moons", hidden=5, epochs=5, seed=3)
    np.testing.assert_array_equal(h1.train_loss, h2.train_loss)


@pytest.mark.parametrize("kwargs, err, name", [
    (dict(dataset="blobs"), ValueError, "dataset"),
    (dict(hidden=0), ValueError, "hidden"),
    (dict(hidden=2.5), TypeError, "hidden"),
    (dict(activation="swish"), ValueError, "activation"),
    (dict(l2=-0.1), ValueError, "l2"),
    (dict(lr=0.0), ValueError, "lr"),
    (dict(epochs=0), ValueError, "epochs"),
])
def test_bad_input_names_the_argument(kwargs, err, name):
    with pytest.raises(err, match=rf"^{name}: expected"):
        train_and_plot(**kwargs)
    assert plt.get_fignums() == []  # rejected before anything is trained or drawn


def test_playground_builds_a_widget():
    import ipywidgets
    box = playground()
    assert isinstance(box, ipywidgets.Widget)
    assert {name: c.value for name, c in box.controls.items()} == DEFAULTS
    assert box.result is None
    assert repr(box).startswith("Playground: spiral, 20 tanh units")
    with pytest.raises(ValueError, match="settings"):
        playground(neurons=3)
    with pytest.raises(ValueError, match="hidden"):
        playground(hidden=-1)


def test_clicking_train_trains_and_redraws():
    box = playground(dataset="circles", hidden=8, epochs=30)
    box.button._click_handlers(box.button)
    model, history = box.result
    assert model.sizes == [2, 8, 2] and history.stopped_epoch == 30
    assert box.status.value.startswith("Trained 30 epochs")
    assert len(box.output.outputs) == 1 and "text/plain" in box.output.outputs[0]["data"]  # the figure
    assert plt.get_fignums() == []  # the figure went to the Output widget, not to pyplot
    box.controls["hidden"].value = 3  # a second press replaces the figure
    box.button.click()
    assert box.result[0].sizes == [2, 3, 2] and len(box.output.outputs) == 1


def test_a_diverging_run_is_reported_not_raised(monkeypatch):
    def diverge(*args, **kwargs):
        raise nnedu.DivergenceError("the loss became nan in epoch 3")
    monkeypatch.setattr("nnedu.widgets.fit", diverge)
    box = playground()
    box.button.click()
    assert box.status.value.startswith("Diverged: the loss became nan") and box.result is None
    assert plt.get_fignums() == []
