"""nnedu: a neural network built by hand in numpy, one lecture at a time.

    import nnedu
    X, y = nnedu.data.spiral()
    model = nnedu.MLP([2, 100, 3], activation="relu")
    history = nnedu.fit(model, X, y, epochs=200, lr=0.5)

The submodules (``nnedu.data``, ``nnedu.plots``, ``nnedu.pretrained``, ...) are imported on first use
(PEP 562), so that ``import nnedu`` stays fast; scikit-learn is imported only when a data set needs it.
"""
import importlib

from .gradcheck import check_model_gradients, numerical_gradient, rel_error
from .history import EarlyStopping, History
from .network import MLP
from .optim import SGD, Adam, RMSProp
from .train import DivergenceError, accuracy, fit, random_restarts

SUBMODULES = ("autodiff", "checks", "data", "diagnostics", "gradcheck", "history", "images", "layers", "losses",
              "network", "optim", "plots", "pretrained", "serialize", "threads", "train", "widgets")

__all__ = ["MLP", "SGD", "Adam", "RMSProp", "fit", "History", "EarlyStopping", "DivergenceError", "accuracy",
           "random_restarts", "rel_error", "numerical_gradient", "check_model_gradients", "data", "diagnostics",
           "layers", "losses", "gradcheck", "plots"]
__version__ = "0.1.0"


def __getattr__(name):
    """``nnedu.plots`` and the other submodules, imported when first used."""
    if name in SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(SUBMODULES))
