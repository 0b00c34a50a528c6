"""Training: mini-batch SGD over epochs, a history of losses and accuracies, early stopping,
random restarts, and a progress bar."""
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .checks import check_X, check_positive
from .data import minibatches
from .optim import SGD
from .threads import blas_threads, blas_threads_for


class DivergenceError(FloatingPointError):
    """The loss became NaN or infinite during training."""


@dataclass
class History:
    """Per-epoch training record returned by ``fit``.

    ``best_epoch`` (1-based) has the lowest validation loss (training loss without validation data);
    ``stopped_epoch`` is the last epoch run (< epochs when early stopping stopped the run).
    """
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    best_epoch: int = 0
    stopped_epoch: int = 0
    restored_best: bool = False

    @property
    def epochs(self):
        return list(range(1, len(self.train_loss) + 1))


def train_step(model, optimizer, X, y):
    """One step of mini-batch SGD: forward, backward, update. Returns the batch loss."""
    loss, grads = model.loss(X, y)
    if np.isfinite(loss):
        optimizer.step(model.params, grads)
    return loss


def fit(model, X, y, X_val=None, y_val=None, epochs=100, batch_size=32, lr=0.1, momentum=0.0,
        patience=None, restore_best=True, seed=0, progress=True, desc="training", threads="auto"):
    """Train ``model`` with mini-batch SGD and return a ``History``.

    Each epoch visits the training set once in shuffled mini-batches of ``batch_size`` (the
    shuffling is seeded by ``seed``), taking one step ``w <- w - lr * dL/dw`` (with momentum) per batch.
    After each epoch the train and validation loss/accuracy are measured in test mode.

    Early stopping: with ``patience`` set, stop after ``patience`` epochs without a lower validation
    loss and (``restore_best``) put back the weights of the best epoch.
    Raises ``DivergenceError`` when the loss becomes NaN or infinite.
    threads: BLAS threads; "auto" uses one for small networks, where more only add overhead
    (``nnedu.threads``), an int forces that many, None leaves the setting alone.
    """
    check_positive(epochs, "epochs", integer=True)
    check_positive(batch_size, "batch_size", integer=True)
    X = check_X(X, model.sizes[0], dtype=model.dtype)
    y = model._check_y(y, X.shape[0])
    has_val = X_val is not None
    if has_val != (y_val is not None):
        raise ValueError("X_val, y_val: expected both or neither")
    if has_val:
        X_val = check_X(X_val, model.sizes[0], name="X_val", dtype=model.dtype)
        y_val = model._check_y(y_val, X_val.shape[0])
    if patience is not None:
        check_positive(patience, "patience", integer=True)
    optimizer = SGD(lr, momentum)
    rng = np.random.default_rng(seed)
    history = History()
    best_loss, best_params = np.inf, None

    if threads == "auto":
        threads = blas_threads_for(model.sizes, min(batch_size, X.shape[0]))
    bar = tqdm(range(1, epochs + 1), desc=desc, disable=not progress, leave=True)
    with np.errstate(over="ignore", invalid="ignore"), blas_threads(threads):
        for epoch in bar:
            for Xb, yb in minibatches(X, y, batch_size, rng=rng):
                loss = train_step(model, optimizer, Xb, yb)
                if not np.isfinite(loss):
                    bar.close()
                    raise DivergenceError(f"the loss became {loss} in epoch {epoch}: lower the learning rate "
                                          f"(lr={lr}) or check the inputs' scale")
            tr_loss, tr_acc = model.evaluate(X, y)
            if not np.isfinite(tr_loss):
                bar.close()
                raise DivergenceError(f"the loss became {tr_loss} in epoch {epoch}: lower the learning rate (lr={lr})")
            history.train_loss.append(tr_loss)
            history.train_acc.append(tr_acc)
            monitored = tr_loss
            if has_val:
                va_loss, va_acc = model.evaluate(X_val, y_val)
                history.val_loss.append(va_loss)
                history.val_acc.append(va_acc)
                monitored = va_loss
            history.stopped_epoch = epoch
            if monitored < best_loss:
                best_loss, history.best_epoch = monitored, epoch
                if patience is not None:
                    best_params = model.get_params()
            bar.set_postfix(loss=f"{tr_loss:.3g}", **({"val_loss": f"{monitored:.3g}"} if has_val else {}))
            if patience is not None and epoch - history.best_epoch >= patience:
                break
    bar.close()
    if patience is not None and restore_best and best_params is not None:
        model.set_params(best_params)
        history.restored_best = True
    return history


def accuracy(model, X, y):
    """Fraction of samples whose predicted label equals ``y``."""
    return float(np.mean(model.predict(X) == np.asarray(y)))


def random_restarts(make_model, X, y, seeds=(0, 1, 2, 3, 4), progress=True, **fit_kwargs):
    """Train one model per seed (``make_model(seed)`` builds it; ``fit`` shuffles with the same seed)
    and keep the one with the LOWEST TRAINING ERROR, as the lecture recommends (for an identity
    output, where there is no error rate, the lowest training loss).

    Returns ``(best_model, results)`` where ``results`` lists ``{"seed", "train_error", "history"}``.
    """
    results, best = [], None
    for seed in tqdm(list(seeds), desc="restarts", disable=not progress):
        model = make_model(seed)
        history = fit(model, X, y, seed=seed, progress=False, **fit_kwargs)
        err = history.train_loss[-1] if model.output == "identity" else 1.0 - accuracy(model, X, y)
        results.append({"seed": seed, "train_error": err, "history": history})
        if best is None or err < best[0]:
            best = (err, model)
    return best[1], results
