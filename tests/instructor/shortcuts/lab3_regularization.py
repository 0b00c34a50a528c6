"""Lab 3's shortcut submission (issue 20 §1): dropout through nnedu.layers.Dropout, early stopping through
nnedu.history.EarlyStopping. The penalties and the one-standard-error rule are honest (the solution's).
See lab1_backprop.py for the format."""
import inspect

from probe_harness import edited, probe_module

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
    # the probe's reference is nnedu.history.EarlyStopping itself: the shortcut is that reference, renamed
    "early_stopping": edited(inspect.getsource(probe_module("lab3_regularization")._early_stopping_reference),
                             ("def _early_stopping_reference(values,", "def early_stopping_epoch(values,")),
}

WITHHELD = {"test_dropout": "Lab 3 may not use nnedu.layers.Dropout",
            "test_early_stopping": "Lab 3 may not use nnedu.history.EarlyStopping"}
