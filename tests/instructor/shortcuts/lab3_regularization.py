"""Lab 3's shortcut submission (issue 20 §1): dropout through nnedu.layers.Dropout, early stopping through
nnedu.history.EarlyStopping. The penalties and the one-standard-error rule are honest (the solution's).
See lab1_backprop.py for the format."""
ANSWERS = {
    "dropout": '''
from nnedu.layers import Dropout


def dropout_forward(z, p, rng, train=True):
    layer = Dropout(p, rng=rng)
    out = layer.forward(z, train=train)
    return (out, layer.mask) if train else (z, None)


def dropout_backward(dout, mask, p):
    return dout if mask is None else Dropout(p).forward(dout, train=True, mask=mask)
''',
    "early_stopping": '''
from nnedu.history import EarlyStopping


def early_stopping_epoch(val_losses, patience):
    stopper = EarlyStopping(patience, restore_best=False)
    for epoch, loss in enumerate(val_losses, start=1):
        if stopper.update(None, loss, epoch):
            return stopper.best_epoch, epoch
    return stopper.best_epoch, len(val_losses)
''',
}

WITHHELD = {"test_dropout": "Lab 3 may not use nnedu.layers.Dropout",
            "test_early_stopping": "Lab 3 may not use nnedu.history.EarlyStopping"}
