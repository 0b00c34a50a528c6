"""Training, split like CS231n's Solver: ``train_step`` (one mini-batch), ``train_epoch`` (one pass),
``MLP.evaluate`` (test-mode loss and accuracy), a ``History`` that records each epoch, an ``EarlyStopping``
that decides when to stop, and ``fit`` that runs them under a progress bar. Also random restarts."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import ArrayLike
from tqdm.auto import tqdm

from .checks import check_int, check_seed
from .data import minibatches
from .history import EarlyStopping, History
from .network import MLP
from .optim import OPTIMIZERS
from .threads import blas_threads, blas_threads_for


class DivergenceError(FloatingPointError):
    """The loss became NaN or infinite during training."""


def _check_finite(loss):
    if not np.isfinite(loss):
        raise DivergenceError(f"the loss became {loss}")


def train_step(model: MLP, optimizer, X: ArrayLike, y: ArrayLike) -> float:
    """One step of mini-batch gradient descent on the batch ``(X, y)``: forward, backward, update.

    Returns the batch loss (data + penalty) before the step. Raises ``DivergenceError`` (and leaves the
    weights alone) when that loss is NaN or infinite.
    """
    loss, grads = model.loss(X, y)
    _check_finite(loss)
    optimizer.step(model.params, grads)
    return loss


def train_epoch(model: MLP, optimizer, X: np.ndarray, y: np.ndarray, batch_size: int,
                rng: np.random.Generator) -> float:
    """One pass over checked ``(X, y)`` in shuffled mini-batches, one step per batch (``train_step`` without
    re-checking the inputs). Returns the mean of the batch data losses (each before its step, in training
    mode). Raises ``DivergenceError`` when a batch loss is NaN or infinite.
    """
    total = 0.0
    for Xb, yb in minibatches(X, y, batch_size, rng=rng):
        loss, grads = model.loss_and_grads(Xb, yb)
        _check_finite(loss)
        optimizer.step(model.params, grads)
        total += loss * Xb.shape[0]
    return total / X.shape[0]


def fit(model: MLP, X: ArrayLike, y: ArrayLike, X_val: ArrayLike | None = None, y_val: ArrayLike | None = None,
        epochs: int = 100, batch_size: int = 32, lr: float | None = None, momentum: float = 0.0,
        patience: int | None = None, restore_best: bool = True, seed: int | None = 0, progress: bool = True,
        desc: str = "training", threads: int | str | None = "auto",
        callbacks: Callable | Iterable[Callable] | None = None, eval_train: bool = True, optimizer="sgd") -> History:
    """Train ``model`` with mini-batch gradient descent and return a ``History``.

    Each epoch visits the training set once in shuffled mini-batches of ``batch_size`` (the
    shuffling is seeded by ``seed``), taking one optimizer step per batch: by default SGD,
    ``w <- w - lr * dL/dw`` (with ``momentum``).
    optimizer: "sgd", "adam" or "rmsprop" (``nnedu.optim``), built with ``lr`` (None: its default, 0.1 for
    SGD, 0.001 for Adam, 0.01 for RMSProp) and, for SGD only, ``momentum``; or an optimizer object with
    ``step(params, grads)`` such as ``nnedu.Adam(lr=0.003)`` (then leave ``lr`` and ``momentum`` unset: the
    object has its own; its state carries over from one ``fit`` to the next).
    After each epoch the training and validation DATA loss (no penalty) and accuracy are measured in
    test mode and recorded (see ``History``; ``eval_train=False`` records the running mean of the batch
    losses instead of evaluating the whole training set, which saves a forward pass over it).

    callbacks: callables, each called as ``cb(model, history, epoch)`` after the epoch has been recorded
    in ``history`` (before the early-stopping decision), e.g. to record weights or plot.
    Early stopping: with ``patience`` set, stop after ``patience`` epochs without a lower validation
    data loss (training data loss without validation data) and (``restore_best``) put back the weights
    of the best epoch (see ``EarlyStopping``).
    Raises ``DivergenceError`` when the loss becomes NaN or infinite.
    threads: BLAS threads; "auto" uses one for small networks, where more only add overhead
    (``nnedu.threads``), an int forces that many, None leaves the setting alone.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"model: expected an nnedu.MLP, got {type(model).__name__}")
    check_int(epochs, "epochs")
    check_int(batch_size, "batch_size")
    X, y = model.check_data(X, y)
    if (X_val is None) != (y_val is None):
        raise ValueError("X_val, y_val: expected both or neither")
    if X_val is not None:
        X_val, y_val = model.check_data(X_val, y_val, x_name="X_val", y_name="y_val")
    if model.batchnorm and (min(batch_size, X.shape[0]) < 2 or X.shape[0] % batch_size == 1):
        raise ValueError(f"batch_size: batchnorm needs at least 2 samples in every mini-batch, but {X.shape[0]} "
                         f"samples in batches of {batch_size} leave a batch of 1; choose another batch_size")
    stopper = None if patience is None else EarlyStopping(patience, restore_best)
    callbacks = _check_callbacks(callbacks)
    seed = check_seed(seed)
    if threads != "auto" and threads is not None:
        check_int(threads, "threads")
    optimizer = _make_optimizer(optimizer, lr, momentum)
    rng = np.random.default_rng(seed)
    history = History()
    if threads == "auto":
        threads = blas_threads_for(model.sizes, min(batch_size, X.shape[0]))

    bar = tqdm(total=epochs, desc=desc, disable=not progress, leave=True)
    with np.errstate(over="ignore", invalid="ignore"), blas_threads(threads):
        for epoch in range(1, epochs + 1):
            try:
                running = train_epoch(model, optimizer, X, y, batch_size, rng)
                train = model.evaluate(X, y) if eval_train else (running, np.nan)
                _check_finite(train[0])
            except DivergenceError as e:
                bar.close()
                lr = getattr(optimizer, "lr", None)
                raise DivergenceError(f"{e} in epoch {epoch}: lower the learning rate (lr={lr}) "
                                      f"or check the inputs' scale") from None
            val = None if X_val is None else model.evaluate(X_val, y_val)
            history.record(epoch, train, val, model.penalty())
            for cb in callbacks:
                cb(model, history, epoch)
            bar.update(1)
            bar.set_postfix(loss=f"{train[0]:.3g}", **({"val_loss": f"{val[0]:.3g}"} if val else {}))
            if stopper is not None and stopper.update(model, history.monitored[-1], epoch):
                _show_early_stop(bar, desc, epoch, history.best_epoch)
                break
    bar.close()
    if stopper is not None:
        history.restored_best = stopper.restore(model)
    return history


def _make_optimizer(optimizer, lr, momentum):
    """The optimizer ``fit`` steps with: one named in ``OPTIMIZERS`` built with lr (and momentum), or an object."""
    if isinstance(optimizer, str):
        if optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer: expected one of {list(OPTIMIZERS)} or an object with step(params, grads), "
                             f"got {optimizer!r}")
        if optimizer != "sgd" and momentum != 0:
            raise ValueError(f"momentum: only for optimizer='sgd' ({optimizer!r} has its own), got {momentum!r}")
        settings = ({} if lr is None else {"lr": lr}) | ({"momentum": momentum} if optimizer == "sgd" else {})
        return OPTIMIZERS[optimizer](**settings)
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer: expected a name in {list(OPTIMIZERS)} or an object with step(params, grads), "
                        f"got {type(optimizer).__name__}")
    if lr is not None or momentum != 0:
        raise ValueError("lr, momentum: an optimizer object brings its own; set them on the object, not in fit")
    return optimizer


def _check_callbacks(callbacks):
    callbacks = [] if callbacks is None else [callbacks] if callable(callbacks) else list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks: expected callables cb(model, history, epoch), got {cb!r}")
    return callbacks


def _show_early_stop(bar, desc, epoch, best_epoch):
    """End the bar full (a success, not an interrupted run) and say in its text why it ended early."""
    if bar.disable:
        return
    start = bar.start_t
    bar.reset(total=epoch)
    bar.start_t = start
    bar.update(epoch)
    bar.set_description(f"{desc} (early stop at epoch {epoch}, best {best_epoch})")


def accuracy(model: MLP, X: ArrayLike, y: ArrayLike) -> float:
    """Fraction of samples whose predicted label equals ``y`` (labels (N,) or a column (N, 1))."""
    if not isinstance(model, MLP):
        return float(np.mean(model.predict(X) == np.asarray(y)))
    if model.output == "identity":
        raise ValueError("model: accuracy needs a softmax or sigmoid output (class labels), got output='identity'")
    X, y = model.check_data(X, y)
    return float(np.mean(model.labels(model.forward(X)) == y))


def random_restarts(make_model: Callable[[int], MLP], X: ArrayLike, y: ArrayLike,
                    seeds: Iterable[int] = (0, 1, 2, 3, 4), progress: bool = True,
                    **fit_kwargs) -> tuple[MLP, list[dict]]:
    """Train one model per seed and keep the one with the LOWEST TRAINING ERROR, as the lecture
    recommends (for an identity output, where there is no error rate, the lowest training data loss).

    ``make_model(seed)`` builds each model; ``fit`` shuffles with the same seed, unless ``seed=...`` is
    passed among ``fit_kwargs`` (then every run shuffles with that one and only the initial weights
    differ). The error is measured on the final weights (the best epoch's when early stopping restored
    them). Returns ``(best_model, results)`` where ``results`` lists ``{"seed", "train_error", "history"}``.
    """
    if not callable(make_model):
        raise TypeError(f"make_model: expected a function seed -> MLP, got {make_model!r}")
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds: expected at least one seed, got none")
    shuffle_seed = fit_kwargs.pop("seed", None)
    results, best = [], None
    for seed in tqdm(seeds, desc="restarts", disable=not progress):
        model = make_model(seed)
        history = fit(model, X, y, seed=seed if shuffle_seed is None else shuffle_seed, progress=False,
                      **fit_kwargs)
        err = model.evaluate(X, y)[0] if model.output == "identity" else 1.0 - accuracy(model, X, y)
        results.append({"seed": seed, "train_error": err, "history": history})
        if best is None or err < best[0]:
            best = (err, model)
    return best[1], results
