"""Is training healthy? Per-layer statistics of one forward/backward pass, and a record of them per epoch.

The network of lecture 4, layers numbered l = 1..L::

    z_0 = x,   a_l = z_{l-1} W_l + b_l,   z_l = h(a_l) (l < L),   scores = a_L

What a deep network's layers do to a batch of inputs X (CS231n, Karpathy's makemore part 3, Nielsen ch. 5)::

    from nnedu import diagnostics
    snap = diagnostics.snapshot(model, X, y, lr=0.1)   # one forward (test mode) and one backward pass
    snap.act_std[l - 1]        # std of z_l over the batch and the units of hidden layer l (l = 1..L-1)
    snap.saturated[l - 1]      # fraction of tanh/sigmoid outputs at the flat ends of h
    snap.dead[l - 1]           # fraction of ReLU units that output 0 for every example of X
    snap.learning_speed[l - 1] # ||dL/db_l||: Nielsen's speed of learning of layer l (l = 1..L)
    snap.update_ratio[l - 1]   # lr ||dL/dW_l|| / ||W_l||: how much one step changes W_l (~1e-3 is healthy)
    snap.activations[l - 1], snap.weight_grads[l - 1]   # z_l and dL/dW_l themselves, for histograms
    print(snap.table())

    rec = diagnostics.Recorder(X_probe, y_probe, lr=0.1)   # the same numbers after every epoch of fit
    rec.record(model, epoch=0)                              # optional: the state before training
    nnedu.fit(model, X, y, lr=0.1, callbacks=[rec])
    rec.epochs, rec["update_ratio"]                          # (n_records,), (n_records, L)

``lr_range_test`` is the learning-rate range test of the babysitting routine, and ``plot_layer_histograms``
draws one histogram per layer (activations, or log10 |gradients| over many orders of magnitude).
"""
from dataclasses import dataclass, field

import numpy as np

from .checks import check_int

SATURATING = ("tanh", "sigmoid")
HIDDEN_STATS = ("act_mean", "act_std", "saturated", "dead")
LAYER_STATS = ("learning_speed", "grad_W_std", "grad_W_norm", "W_norm", "update_ratio")


def _check_threshold(threshold):
    if not isinstance(threshold, (int, float, np.floating)) or not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold: expected a number in (0, 1), got {threshold!r}")
    return float(threshold)


def saturated_fraction(z, activation, threshold=0.97):
    """Fraction of the outputs ``z`` of a tanh or sigmoid layer that sit on a flat end of h.

    tanh: ``|z| > threshold`` (there h'(a) = 1 - z^2 < 1 - threshold^2, 0.059 for 0.97);
    sigmoid: ``|2z - 1| > threshold``, the same rule since 2 sigmoid(a) - 1 = tanh(a / 2).
    A saturated unit passes almost no gradient back: delta_j = h'(a_j) sum_k w_kj delta_k.
    NaN for other activations (they do not saturate).
    """
    threshold = _check_threshold(threshold)
    z = np.asarray(z)
    if activation == "tanh":
        return float(np.mean(np.abs(z) > threshold))
    if activation == "sigmoid":
        return float(np.mean(np.abs(2.0 * z - 1.0) > threshold))
    return float("nan")


def dead_fraction(z, activation="relu"):
    """Fraction of the units (columns of ``z``, shape (N, H)) of a ReLU layer that are dead on these N examples.

    A ReLU unit z_j = max(0, a_j) is dead when a_j <= 0 for every example: then h'(a_j) = 0 everywhere,
    so delta_j = 0 and its incoming weights never get a gradient again. NaN for other activations
    (leaky ReLU, ELU and maxout always pass some gradient; tanh and sigmoid saturate instead).
    """
    if activation != "relu":
        return float("nan")
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"z: expected a 2-D array (N, H) of one layer's outputs, got shape {z.shape}")
    return float(np.mean(np.all(z <= 0, axis=0)))


def _dropout_generators(model):
    """The random generators of the model's dropout layers (one shared generator in nnedu's MLP)."""
    drops = getattr(model, "dropouts", None) or []
    drops = drops.values() if isinstance(drops, dict) else drops
    return list({id(d.rng): d.rng for d in drops if isinstance(getattr(d, "rng", None), np.random.Generator)}.values())


def hidden_outputs(model, X):
    """``[z_1, ..., z_{L-1}]``: every hidden layer's outputs in test mode (no dropout), each (N, H_l)."""
    return model.hidden(X)


@dataclass
class Snapshot:
    """Per-layer statistics of one forward pass (test mode) and one backward pass over a batch.

    Hidden-layer statistics, arrays of length L-1 (index l-1 is hidden layer l), of z_l = h(a_l):
        act_mean, act_std   mean and standard deviation of z_l over examples and units
        saturated           ``saturated_fraction`` (tanh/sigmoid; NaN otherwise)
        dead                ``dead_fraction`` (ReLU; NaN otherwise)
    Gradient statistics, arrays of length L (index l-1 is layer l), from ``loss, grads = model.loss(X, y)``
    (training mode: dropout on, penalties included, as in a training step):
        learning_speed      ||dL/db_l||, Nielsen's speed of learning of layer l; since dL/db_l = sum_n delta_l,
                            it measures the errors delta_l that reach layer l (vanishing or exploding);
                            ||dL/dbeta_l|| for a layer with batchnorm (beta_l is its bias)
        grad_W_std          standard deviation of the entries of dL/dW_l
        grad_W_norm, W_norm Frobenius norms ||dL/dW_l|| and ||W_l||
        update_ratio        lr ||dL/dW_l|| / ||W_l||: the relative change of W_l a plain SGD step would make
                            (Karpathy's rule of thumb: about 1e-3; NaN when no lr is given)
    Also: ``activations`` [z_1 .. z_{L-1}], ``weight_grads`` [dL/dW_1 .. dL/dW_L], ``loss``, ``activation``, ``lr``.
    """
    activation: str
    lr: float
    loss: float
    activations: list = field(repr=False)
    weight_grads: list = field(repr=False)
    act_mean: np.ndarray = None
    act_std: np.ndarray = None
    saturated: np.ndarray = None
    dead: np.ndarray = None
    learning_speed: np.ndarray = None
    grad_W_std: np.ndarray = None
    grad_W_norm: np.ndarray = None
    W_norm: np.ndarray = None
    update_ratio: np.ndarray = None

    @property
    def n_layers(self):
        return len(self.weight_grads)

    def table(self, digits=3):
        """The statistics as a text table, one row per layer, ``digits`` significant digits."""
        def fmt(v):
            if np.isnan(v):
                return "-"
            return f"{v:.{digits - 1}e}" if v and not 1e-2 <= abs(v) < 1e3 else f"{v:.{digits}g}"
        cols = ["layer", "act mean", "act std", "saturated", "dead", "speed ||dL/db||", "grad W std",
                "update ratio"]
        rows = []
        for l in range(1, self.n_layers + 1):
            hid = [getattr(self, k)[l - 1] for k in HIDDEN_STATS] if l < self.n_layers else [np.nan] * 4
            rows.append([str(l) if l < self.n_layers else f"{l} (out)"]
                        + [fmt(v) for v in hid + [self.learning_speed[l - 1], self.grad_W_std[l - 1],
                                                  self.update_ratio[l - 1]]])
        widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(cols)]
        lines = ["  ".join(c.rjust(w) for c, w in zip(cols, widths))]
        lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in rows]
        return "\n".join(lines)


def snapshot(model, X, y, lr=None, threshold=0.97):
    """Per-layer statistics of ``model`` on the batch ``(X, y)``: a ``Snapshot`` (see its docstring).

    lr: the learning rate for ``update_ratio`` (None: NaN). threshold: the saturation threshold of
    ``saturated_fraction``. The model is not changed, and neither is its dropout random stream (the
    masks drawn for the backward pass are drawn from a generator whose state is put back afterwards), so
    recording statistics during ``fit`` does not change the training run.
    """
    if lr is not None and (not isinstance(lr, (int, float, np.floating)) or not lr > 0):
        raise ValueError(f"lr: expected a positive learning rate or None, got {lr!r}")
    threshold = _check_threshold(threshold)
    zs = hidden_outputs(model, X)
    act = model.activation
    generators = _dropout_generators(model)
    states = [g.bit_generator.state for g in generators]
    stats = model.running_stats() if hasattr(model, "running_stats") else None
    try:
        loss, grads = model.loss(X, y)
    finally:
        for g, state in zip(generators, states):
            g.bit_generator.state = state
        if stats is not None:
            model.set_running_stats(stats)
    L = model.n_layers
    dW = [grads[f"W{l}"] for l in range(1, L + 1)]
    W_norm = np.array([np.linalg.norm(model.params[f"W{l}"]) for l in range(1, L + 1)])
    grad_W_norm = np.array([np.linalg.norm(g) for g in dW])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = lr * grad_W_norm / W_norm if lr is not None else np.full(L, np.nan)
    return Snapshot(
        activation=act, lr=lr, loss=float(loss), activations=zs, weight_grads=dW,
        act_mean=np.array([float(np.mean(z)) for z in zs]),
        act_std=np.array([float(np.std(z)) for z in zs]),
        saturated=np.array([saturated_fraction(z, act, threshold) for z in zs]),
        dead=np.array([dead_fraction(z, act) for z in zs]),
        learning_speed=np.array([np.linalg.norm(grads.get(f"b{l}", grads.get(f"beta{l}"))) for l in range(1, L + 1)]),
        grad_W_std=np.array([float(np.std(g)) for g in dW]),
        grad_W_norm=grad_W_norm, W_norm=W_norm, update_ratio=ratio)


class Recorder:
    """A ``fit`` callback that takes a ``snapshot`` on a fixed probe batch after every ``every`` epochs.

        rec = Recorder(X_probe, y_probe, lr=0.1)
        rec.record(model, epoch=0)            # optional: before training
        nnedu.fit(model, X, y, lr=0.1, callbacks=[rec])
        rec.epochs                            # the recorded epochs, e.g. [0, 1, 2, ...]
        rec["update_ratio"], rec["learning_speed"]   # (n_records, L) arrays; hidden stats are (n_records, L-1)

    Only the statistics are kept (not the activations), so recording is cheap in memory. ``lr`` should be
    the learning rate given to ``fit`` (the callback cannot see it).
    """

    def __init__(self, X, y, lr=None, every=1, threshold=0.97):
        every = check_int(every, "every", what="a positive integer number of epochs")
        self.X, self.y, self.lr, self.every, self.threshold = X, y, lr, every, _check_threshold(threshold)
        self.epochs, self.loss, self._rows = [], [], {k: [] for k in HIDDEN_STATS + LAYER_STATS}

    def __call__(self, model, history, epoch):
        if epoch % self.every == 0:
            self.record(model, epoch)

    def record(self, model, epoch=0):
        """Take a snapshot of ``model`` now and store its statistics under ``epoch``."""
        snap = snapshot(model, self.X, self.y, lr=self.lr, threshold=self.threshold)
        self.epochs.append(int(epoch))
        self.loss.append(snap.loss)
        for k in self._rows:
            self._rows[k].append(getattr(snap, k))

    def __getitem__(self, name):
        if name not in self._rows:
            raise KeyError(f"{name!r}: expected one of {sorted(self._rows)}")
        return np.array(self._rows[name])

    def __len__(self):
        return len(self.epochs)


def lr_range_test(model, X, y, lr_min=1e-4, lr_max=10.0, steps=100, batch_size=32, momentum=0.0,
                  seed=0, stop_factor=4.0):
    """The learning-rate range test (L. Smith, 2017): one short run whose learning rate grows geometrically.

    Step t = 0..steps-1 uses ``lr_t = lr_min * (lr_max / lr_min) ** (t / (steps - 1))`` on the next shuffled
    mini-batch of a COPY of ``model`` (the model itself is not changed). The run stops early once the batch
    loss is not finite or exceeds ``stop_factor`` times the lowest loss seen. Returns ``(lrs, losses)``,
    the learning rate and the batch loss (before the step) of every step taken. Read the plot of loss
    against lr (log axis): a good learning rate lies where the loss still falls fast, somewhat below
    the one where it stops falling.
    """
    from .network import MLP
    from .optim import SGD
    if not (0 < lr_min < lr_max):
        raise ValueError(f"lr_min, lr_max: expected 0 < lr_min < lr_max, got {lr_min!r}, {lr_max!r}")
    check_int(steps, "steps", low=2)
    check_int(batch_size, "batch_size")
    net = MLP(dtype=model.dtype, seed=0, **model.config())
    net.set_params(model.get_params())
    X, y = np.asarray(X), np.asarray(y)
    rng = np.random.default_rng(seed)
    opt = SGD(lr_min, momentum)
    lrs, losses, order, pos = [], [], rng.permutation(len(X)), 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for t in range(steps):
            if pos + batch_size > len(X):
                order, pos = rng.permutation(len(X)), 0
            idx = order[pos:pos + batch_size]
            pos += batch_size
            opt.lr = lr_min * (lr_max / lr_min) ** (t / (steps - 1))
            loss, grads = net.loss(X[idx], y[idx])
            lrs.append(opt.lr)
            losses.append(float(loss))
            if not np.isfinite(loss) or loss > stop_factor * min(losses):
                break
            opt.step(net.params, grads)
    return np.array(lrs), np.array(losses)


def layer_histograms(arrays, bins=50, range=None, log10_abs=False):
    """Histogram counts of each array's entries on common bins: ``(edges (bins+1,), counts (len(arrays), bins))``.

    log10_abs: histogram log10 |x| instead of x (zeros dropped), so that gradients spread over many
    orders of magnitude fit one axis. ``range`` defaults to the span of all the values.
    """
    vals = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    if log10_abs:
        vals = [np.log10(np.abs(v[v != 0])) for v in vals]
    if range is None:
        finite = np.concatenate([v[np.isfinite(v)] for v in vals] + [np.zeros(0)])
        range = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        if range[0] == range[1]:
            range = (range[0] - 0.5, range[1] + 0.5)
    edges = np.histogram_bin_edges([], bins=bins, range=range)
    counts = np.array([np.histogram(v, bins=edges)[0] for v in vals])
    return edges, counts


def plot_layer_histograms(arrays, ax=None, bins=50, range=None, log10_abs=False, labels=None, title=None,
                          xlabel=None, density=True):
    """One step-line histogram per layer on a common axis, darker for deeper layers (Karpathy's plots).

    arrays: e.g. ``snap.activations`` or ``snap.weight_grads``; labels default to "layer 1", "layer 2", ...
    density: plot the fraction of entries per bin (layers of different sizes compare). Returns the axis.
    """
    import matplotlib.pyplot as plt
    if ax is None:
        ax = plt.gca()
    edges, counts = layer_histograms(arrays, bins=bins, range=range, log10_abs=log10_abs)
    labels = labels or [f"layer {l}" for l in np.arange(1, len(arrays) + 1)]
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, len(arrays)))
    for c, lab, col in zip(counts, labels, colors):
        y = c / max(c.sum(), 1) if density else c
        ax.stairs(y, edges, label=lab, color=col)
    ax.set(title=title, xlabel=xlabel or ("log10 |value|" if log10_abs else "value"),
           ylabel="fraction of entries" if density else "count")
    return ax
