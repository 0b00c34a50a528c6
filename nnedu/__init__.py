"""nnedu: a neural network built by hand in numpy, one lecture at a time.

    import nnedu
    X, y = nnedu.data.spiral()
    model = nnedu.MLP([2, 100, 3], activation="relu")
    history = nnedu.fit(model, X, y, epochs=200, lr=0.5)
"""
from . import data, diagnostics, gradcheck, layers, losses, plots
from .gradcheck import check_model_gradients, numerical_gradient, rel_error
from .network import MLP
from .optim import SGD, Adam, RMSProp
from .history import EarlyStopping, History
from .train import DivergenceError, accuracy, fit, random_restarts

__all__ = ["MLP", "SGD", "Adam", "RMSProp", "fit", "History", "EarlyStopping", "DivergenceError", "accuracy", "random_restarts",
           "rel_error", "numerical_gradient", "check_model_gradients", "data", "diagnostics", "layers", "losses", "gradcheck",
           "plots"]
__version__ = "0.1.0"
