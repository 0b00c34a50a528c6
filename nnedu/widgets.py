"""The interactive playground of lecture 06, in the spirit of ConvNetJS's classify2d demo.

Pick a 2-D data set, the number of hidden units, the activation, the L2 strength, the learning rate and
the number of epochs, press Train, and see the decision boundary and the loss curves of the trained MLP.

``train_and_plot`` does all the work and needs no browser (the tests call it); ``playground()`` only wires
ipywidgets controls to it::

    model, history, fig = train_and_plot("moons", hidden=20, l2=0.01)   # a static figure
    playground()                                                        # the interactive version
"""
import math

import matplotlib.pyplot as plt

from . import data
from .checks import check_int, check_nonnegative, check_positive, check_seed
from .layers import ACTIVATIONS
from .network import MLP
from .plots import plot_decision_boundary, plot_learning_curves
from .train import DivergenceError, fit

#: The data sets of the playground: name -> function(seed) -> (X, y), before standardization.
DATASETS = {
    "spiral": lambda seed: data.spiral(60, 3, noise=0.2, seed=seed),
    "moons": lambda seed: data.moons(200, noise=0.3, seed=seed),
    "circles": lambda seed: data.circles(200, noise=0.15, seed=seed),
}
#: Default settings of ``train_and_plot`` and of the playground's controls.
DEFAULTS = dict(dataset="spiral", hidden=20, activation="tanh", l2=0.001, lr=0.1, epochs=200)
#: Fixed training settings (lecture 3): mini-batches of 32 with momentum 0.9; 30 % of the points are held out.
BATCH_SIZE, MOMENTUM, VALIDATION = 32, 0.9, 0.3


def load_dataset(dataset, seed=0):
    """The named 2-D data set, standardized and split: ``(X_train, y_train, X_val, y_val)``.

    The Standardizer is fitted on the training part only; ``VALIDATION`` of the points are held out.
    """
    if dataset not in DATASETS:
        raise ValueError(f"dataset: expected one of {list(DATASETS)}, got {dataset!r}")
    X, y = DATASETS[dataset](seed)
    X_tr, y_tr, X_val, y_val = data.split(X, y, test=VALIDATION, seed=seed)
    scaler = data.Standardizer().fit(X_tr)
    return scaler.transform(X_tr), y_tr, scaler.transform(X_val), y_val


def check_settings(dataset, hidden, activation, l2, lr, epochs):
    """Raise ValueError/TypeError naming the first bad argument (nothing is trained before this passes)."""
    if dataset not in DATASETS:
        raise ValueError(f"dataset: expected one of {list(DATASETS)}, got {dataset!r}")
    check_int(hidden, "hidden")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {activation!r}")
    check_nonnegative(l2, "l2")
    check_positive(lr, "lr")
    check_int(epochs, "epochs")


def train_and_plot(dataset=DEFAULTS["dataset"], hidden=DEFAULTS["hidden"], activation=DEFAULTS["activation"],
                   l2=DEFAULTS["l2"], lr=DEFAULTS["lr"], epochs=DEFAULTS["epochs"], seed=0):
    """Train ``MLP([2, hidden, C], activation, l2=l2)`` on ``dataset`` and draw the result.

    dataset: "spiral" (3 classes), "moons" or "circles" (2 classes); hidden: number of hidden units (> 0);
    activation: one of nnedu's activations; l2: L2 strength (>= 0); lr: learning rate (> 0);
    epochs: passes over the training points (> 0); seed: data, initial weights and shuffling.

    Returns ``(model, history, fig)``: the trained model, the ``fit`` History (training and validation
    loss per epoch) and a figure with 2 axes, the decision boundary over the training points and the
    learning curves. The caller shows the figure (``plt.show()``) or closes it.
    Raises ValueError/TypeError naming a bad argument, ``DivergenceError`` when the loss blows up.
    """
    check_settings(dataset, hidden, activation, l2, lr, epochs)
    seed = check_seed(seed, allow_none=False)
    X_tr, y_tr, X_val, y_val = load_dataset(dataset, seed)
    n_classes = int(y_tr.max()) + 1
    model = MLP([2, hidden, n_classes], activation=activation, l2=l2, seed=seed)
    history = fit(model, X_tr, y_tr, X_val, y_val, epochs=epochs, batch_size=BATCH_SIZE, lr=lr,
                  momentum=MOMENTUM, seed=seed, progress=False)
    fig, (ax_boundary, ax_loss) = plt.subplots(1, 2, figsize=(11, 4.2))
    plot_decision_boundary(model, X_tr, y_tr, ax=ax_boundary,
                           title=f"{dataset}: {hidden} {activation} units, L2 = {l2:g}\n"
                                 f"training acc {100 * history.train_acc[-1]:.1f}%, "
                                 f"validation acc {100 * history.val_acc[-1]:.1f}%")
    plot_learning_curves(history, ax=ax_loss, metric="loss",
                         title=f"Loss per epoch (lr = {lr:g}, momentum {MOMENTUM})")
    ax_loss.set_yscale("log")
    fig.tight_layout()
    return model, history, fig


def playground(**settings):
    """An ipywidgets UI around ``train_and_plot``: controls, a Train button, a status line and an Output.

    ``settings`` override ``DEFAULTS`` for the controls' initial values. Nothing is trained until the
    button is pressed (or ``box.button.click()`` is called); each press retrains from scratch and redraws.
    Returns the box (an ipywidgets ``VBox``). Its attributes ``controls`` (dict of widgets), ``button``,
    ``status``, ``output`` and ``result`` (the last ``(model, history)``, None before the first press) are
    for scripts and tests.
    """
    import ipywidgets as w

    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"settings: unknown names {sorted(unknown)}, expected some of {list(DEFAULTS)}")
    s = {**DEFAULTS, **settings}
    check_settings(**s)
    style = {"description_width": "90px"}
    controls = {
        "dataset": w.Dropdown(options=list(DATASETS), value=s["dataset"], description="data set", style=style),
        "activation": w.Dropdown(options=sorted(ACTIVATIONS), value=s["activation"], description="activation",
                                 style=style),
        "hidden": w.IntSlider(value=s["hidden"], min=1, max=max(100, s["hidden"]), description="hidden units",
                              style=style),
        "l2": w.SelectionSlider(options=sorted({0.0, 1e-4, 1e-3, 1e-2, 0.1, 1.0, float(s["l2"])}),
                                value=float(s["l2"]), description="L2 strength", style=style),
        "lr": w.FloatLogSlider(value=s["lr"], base=10, min=min(-3.0, math.log10(s["lr"])),
                               max=max(0.5, math.log10(s["lr"])), description="learning rate",
                               readout_format=".3g", style=style),
        "epochs": w.IntSlider(value=s["epochs"], min=10, max=max(1000, s["epochs"]), step=10,
                              description="epochs", style=style),
    }
    button = w.Button(description="Train", button_style="primary", icon="play")
    status = w.Label(value="Choose the settings and press Train.")
    output = w.Output()

    class Playground(w.VBox):
        """The playground's box; its text form (what a reader without a kernel sees) lists the settings."""

        def __repr__(self):
            v = {name: c.value for name, c in controls.items()}
            return (f"Playground: {v['dataset']}, {v['hidden']} {v['activation']} units, L2 {v['l2']:g}, "
                    f"lr {v['lr']:.3g}, {v['epochs']} epochs")

    box = Playground([w.HBox([controls["dataset"], controls["activation"]]),
                      w.HBox([controls["hidden"], controls["l2"]]),
                      w.HBox([controls["lr"], controls["epochs"]]),
                      w.HBox([button, status]), output])

    def on_train(_button):
        values = {name: c.value for name, c in controls.items()}
        status.value = "training ..."
        output.outputs = ()  # remove the previous figure
        try:
            model, history, fig = train_and_plot(**values)
        except DivergenceError as e:
            status.value = f"Diverged: {e}"
            return
        output.append_display_data(fig)  # the figure goes into the Output widget's state
        plt.close(fig)  # ... and pyplot must not show it a second time
        box.result = (model, history)
        status.value = (f"Trained {history.stopped_epoch} epochs: training accuracy "
                        f"{100 * history.train_acc[-1]:.1f}%, validation accuracy {100 * history.val_acc[-1]:.1f}%")

    button.on_click(on_train)
    box.controls, box.button, box.status, box.output, box.result = controls, button, status, output, None
    return box
