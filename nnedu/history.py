"""What ``fit`` records (``History``) and when it stops (``EarlyStopping``)."""
from dataclasses import dataclass, field

import numpy as np

from .checks import check_int


@dataclass
class History:
    """Per-epoch training record returned by ``fit`` (lists indexed by epoch - 1).

    train_loss, train_acc: the DATA loss (mean per-sample loss, no penalty) and the accuracy on the whole
        training set, measured in test mode (no dropout) after each epoch. With ``fit(..., eval_train=False)``
        train_loss is instead the mean of the epoch's mini-batch data losses, each taken in training mode
        (dropout on) before that batch's step: free to compute, but it lags half an epoch behind the
        weights; train_acc is then NaN (not measured).
    val_loss, val_acc: the data loss and accuracy on the validation set, in test mode after each epoch.
    train_penalty: the penalty ``0.5 * l2 * sum W**2 + l1 * sum |W|`` after each epoch; the objective that
        training minimises is ``train_loss + train_penalty``.
    accuracy is NaN for an identity output.
    best_epoch (1-based) has the lowest monitored loss: the validation data loss, or the training data
    loss without validation data. stopped_epoch is the last epoch run (< epochs when early stopping
    stopped the run); restored_best says whether the best epoch's weights were put back.
    """
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    train_penalty: list = field(default_factory=list)
    best_epoch: int = 0
    stopped_epoch: int = 0
    restored_best: bool = False

    @property
    def epochs(self):
        return list(range(1, len(self.train_loss) + 1))

    @property
    def monitored(self):
        """The losses ``best_epoch`` is chosen from: validation when recorded, training otherwise."""
        return self.val_loss if self.val_loss else self.train_loss

    def record(self, epoch, train, val=None, penalty=0.0):
        """Append one epoch: ``train`` and ``val`` are ``(data loss, accuracy)`` pairs (val may be None)."""
        self.train_loss.append(float(train[0]))
        self.train_acc.append(float(train[1]))
        if val is not None:
            self.val_loss.append(float(val[0]))
            self.val_acc.append(float(val[1]))
        self.train_penalty.append(float(penalty))
        self.stopped_epoch = epoch
        if self.best_epoch == 0 or self.monitored[-1] < self.monitored[self.best_epoch - 1]:
            self.best_epoch = epoch


class EarlyStopping:
    """Stop when the monitored loss has not improved for ``patience`` epochs; keep the best weights.

        stopper = EarlyStopping(patience=10)
        for epoch in range(1, epochs + 1):
            ...                                        # train one epoch, measure val_loss
            if stopper.update(model, val_loss, epoch):
                break
        stopper.restore(model)                         # the weights of the best epoch
    """

    def __init__(self, patience, restore_best=True):
        self.patience = check_int(patience, "patience")
        self.restore_best = bool(restore_best)
        self.best_loss, self.best_epoch, self.best_params, self.best_stats = np.inf, 0, None, None

    def update(self, model, loss, epoch):
        """Remember the epoch if ``loss`` is the lowest so far; True when it is time to stop."""
        if loss < self.best_loss:
            self.best_loss, self.best_epoch = loss, epoch
            if self.restore_best:
                self.best_params = model.get_params()
                self.best_stats = model.running_stats() if hasattr(model, "running_stats") else None
        return epoch - self.best_epoch >= self.patience

    def restore(self, model):
        """Put the best epoch's weights (and BatchNorm running statistics) back into ``model`` (if
        ``restore_best``); True when it did."""
        if self.best_params is None:
            return False
        model.set_params(self.best_params)
        if self.best_stats is not None:
            model.set_running_stats(self.best_stats)
        return True
