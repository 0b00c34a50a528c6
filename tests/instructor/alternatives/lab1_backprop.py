"""An alternative correct submission of Lab 1 (backpropagation by hand), written differently from the solution.

Each answer reaches the same behaviour by another route: ``np.einsum`` and a dict cache for the linear layer, a loop
over samples for the bias gradient, tanh's derivative recomputed from the cached input and a boolean mask for ReLU,
a gradient check over ``np.ndindex`` positions with a permutation for the subset and a hand-written relative error,
``np.logaddexp.reduce`` (log-sum-exp without an explicit max) and a one-hot matrix for the softmax loss, a two-layer
network written inline (without calling the pieces) with the penalty summed over every ``W`` key, and an SGD loop
that shuffles an index array in place, splits it with ``np.split`` and rebinds the dict's arrays instead of updating
them in place, with other settings (ReLU, 100 hidden units, no L2). ``tests/instructor/slow_alternatives.py`` puts
these sources into the student lab and requires full automatic marks.
"""

ANSWERS = {
    "linear": '''
def linear_forward(z, W, b):
    """a[n, j] = sum_i z[n, i] W[i, j] + b[j];  z (N, D), W (D, H), b (H,) -> (a (N, H), cache)."""
    a = np.einsum("ni,ij->nj", z, W) + b[np.newaxis, :]
    return a, {"inputs": z, "weights": W}


def linear_backward(delta, cache):
    """delta (N, H) -> (dz (N, D), dW (D, H), db (H,))."""
    z, W = cache["inputs"], cache["weights"]
    dz = np.einsum("nj,ij->ni", delta, W)
    dW = np.einsum("ni,nj->ij", z, delta)
    db = np.zeros(W.shape[1])
    for row in delta:            # one sample at a time: the bias gradient sums the errors over the batch
        db += row
    return dz, dW, db
''',
    "activations": '''
def tanh_forward(a):
    """z = tanh(a); the cache is a copy of the input a."""
    return np.tanh(a), np.array(a, copy=True)


def tanh_backward(dz, cache):
    """delta = dz * tanh'(a), with tanh'(a) recomputed from the cached a."""
    t = np.tanh(cache)
    return dz * (1.0 - t * t)


def relu_forward(a):
    """z = max(0, a); the cache is the boolean mask a > 0."""
    mask = a > 0
    return np.where(mask, a, 0.0), mask


def relu_backward(dz, cache):
    """delta = dz where a > 0, 0 elsewhere."""
    return np.where(cache, dz, 0.0)
''',
    "grad_check": '''
def grad_check(f, params, grads, n_entries=None, seed=0, h=1e-5):
    """Per-array relative error of grads against central differences of f, on every entry or n_entries of them."""
    generator = np.random.default_rng(seed)
    result = {}
    for key in params:
        array = params[key]
        every = list(np.ndindex(*array.shape))
        if n_entries is not None and n_entries < len(every):
            chosen = [every[j] for j in generator.permutation(len(every))[:n_entries]]
        else:
            chosen = every
        by_hand, by_difference = [], []
        for position in chosen:
            original = float(array[position])
            values = []
            for step in (h, -h):
                array[position] = original + step
                values.append(f())
            array[position] = original
            by_difference.append((values[0] - values[1]) / (2 * h))
            by_hand.append(float(np.asarray(grads[key])[position]))
        g1, g2 = np.array(by_hand), np.array(by_difference)
        scale = np.linalg.norm(g1) + np.linalg.norm(g2)
        result[key] = 0.0 if scale == 0 else float(np.linalg.norm(g1 - g2) / scale)
    return result
''',
    "softmax_loss": '''
def softmax_loss(scores, y):
    """Mean softmax cross-entropy and (p - t) / N, through log-sum-exp (np.logaddexp never overflows)."""
    n_samples, n_classes = scores.shape
    log_norm = np.logaddexp.reduce(scores, axis=1)             # ln sum_j exp(s_nj), stable
    right = np.take_along_axis(scores, y[:, None], axis=1)[:, 0]
    loss = np.sum(log_norm - right) / n_samples
    probs = np.exp(scores - log_norm[:, None])
    targets = np.eye(n_classes)[y]
    return float(loss), (probs - targets) / n_samples
''',
    "two_layer_loss": '''
def two_layer_loss(params, X, y=None, l2=0.0, activation="tanh"):
    """X -> X W1 + b1 -> h -> W2, b2 -> scores; with y: (loss with L2 on the weights, grads)."""
    pre = X @ params["W1"] + params["b1"]
    if activation == "relu":
        hidden = np.maximum(pre, 0.0)
    elif activation == "tanh":
        hidden = np.tanh(pre)
    else:
        raise ValueError(f"activation: expected 'tanh' or 'relu', got {activation!r}")
    scores = hidden @ params["W2"] + params["b2"]
    if y is None:
        return scores
    n = X.shape[0]
    top = scores.max(axis=1, keepdims=True)
    log_probs = scores - top - np.log(np.sum(np.exp(scores - top), axis=1, keepdims=True))
    penalty = sum(0.5 * l2 * np.sum(w ** 2) for name, w in params.items() if name.startswith("W"))
    loss = -np.mean(log_probs[np.arange(n), y]) + penalty
    d_scores = np.exp(log_probs)
    d_scores[np.arange(n), y] -= 1
    d_scores /= n
    d_hidden = d_scores @ params["W2"].T
    d_pre = d_hidden * (pre > 0) if activation == "relu" else d_hidden * (1 - hidden ** 2)
    grads = {"W2": hidden.T @ d_scores, "b2": d_scores.sum(axis=0),
             "W1": X.T @ d_pre, "b1": d_pre.sum(axis=0)}
    for name in ("W1", "W2"):
        grads[name] = grads[name] + l2 * params[name]
    return float(loss), grads
''',
    "sgd_train": '''
def sgd_train(params, X, y, epochs, lr, batch_size=32, l2=0.0, activation="tanh", seed=0):
    """Mini-batch SGD; rebinds params' arrays to the updated ones; returns the mean batch loss per epoch."""
    rng = np.random.default_rng(seed)
    index = np.arange(len(X))
    per_epoch = []
    for _ in range(epochs):
        rng.shuffle(index)
        batches = np.split(index, np.arange(batch_size, len(X), batch_size))   # the last may be smaller
        n_batches = len(batches)
        total = 0.0
        for batch in batches:
            loss, grads = two_layer_loss(params, X[batch], y[batch], l2, activation)
            total += loss
            for name, grad in grads.items():
                params[name] = params[name] - lr * grad
        per_epoch.append(total / n_batches)
    return per_epoch


SETTINGS = {"hidden": 100, "activation": "relu", "epochs": 15, "lr": 0.05, "batch_size": 20, "l2": 0.0}
''',
}
