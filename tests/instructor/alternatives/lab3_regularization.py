"""An alternative correct submission of Lab 3 (regularization), written differently from the solution.

The penalties are dict comprehensions that use ``np.vdot`` for the L2 value and ``np.where`` for the L1 subgradient;
dropout draws ``uniform < 1 - p`` for the kept units and backpropagates with ``np.where``; early stopping recomputes
the best epoch with ``np.argmin`` over the epochs seen so far instead of keeping a running best; the
one-standard-error rule is written with Python's ``statistics`` module and plain loops. ``tests/
slow_alternatives.py`` puts these sources into the student lab and requires full automatic marks.
"""

ANSWERS = {
    "l2_penalty": '''
def l2_penalty(params, lam):
    """0.5 * lam * sum of squared weights over the "W..." matrices; gradients lam * W, zeros for biases."""
    weights = [k for k in params if k[0] == "W"]
    value = sum(0.5 * lam * float(np.vdot(params[k], params[k])) for k in weights)
    grads = {k: (lam * params[k] if k in weights else np.zeros(np.shape(params[k]))) for k in params}
    return value, grads
''',
    "l1_penalty": '''
def l1_penalty(params, lam):
    """lam * sum |W| over the "W..." matrices; gradients lam * sign(W) (sign(0) = 0), zeros for biases."""
    value, grads = 0.0, {}
    for k in sorted(params):
        W = np.asarray(params[k], dtype=float)
        if k.startswith("W"):
            value = value + lam * np.abs(W).sum()
            grads[k] = lam * np.where(W > 0, 1.0, np.where(W < 0, -1.0, 0.0))
        else:
            grads[k] = 0.0 * W
    return float(value), grads
''',
    "dropout": '''
def dropout_forward(z, p, rng, train=True):
    """Inverted dropout with drop probability p; returns (out, kept mask) or (z, None) in test mode."""
    if p < 0 or p >= 1:
        raise ValueError(f"dropout probability p must be in [0, 1), got {p}")
    if not train:
        return z, None
    z = np.asarray(z)
    keep = rng.uniform(0.0, 1.0, size=z.shape) < 1.0 - p
    return np.where(keep, z / (1.0 - p), 0.0), keep


def dropout_backward(dout, mask, p):
    """dE/dz = dout / (1 - p) where the unit was kept, 0 where it was dropped."""
    if mask is None:
        return dout
    return np.where(mask, dout / (1.0 - p), 0.0)
''',
    "early_stopping": '''
def early_stopping_epoch(val_losses, patience):
    """(best epoch among those run, last epoch run); epochs numbered from 1."""
    losses = np.asarray(val_losses, dtype=float)
    epoch = 0
    while epoch < len(losses):
        epoch += 1
        best = int(np.argmin(losses[:epoch])) + 1      # the first minimum: a tie is no improvement
        if epoch - best >= patience:
            break
    return int(np.argmin(losses[:epoch])) + 1, epoch
''',
    "one_se_choice": '''
import statistics


def one_se_choice(fold_errors):
    """(row with the lowest mean error, simplest row within one standard error of it)."""
    rows = [[float(v) for v in row] for row in np.asarray(fold_errors).tolist()]
    means = [sum(row) / len(row) for row in rows]
    best = 0
    for i, m in enumerate(means):
        if m < means[best]:
            best = i
    k = len(rows[best])
    limit = means[best] + statistics.stdev(rows[best]) / k ** 0.5
    chosen = next(i for i, m in enumerate(means) if m <= limit)
    return best, chosen
''',
}
