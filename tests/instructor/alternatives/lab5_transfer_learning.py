"""An alternative correct submission of Lab 5 (transfer learning), written differently from the solution.

Each answer reaches the same behaviour by another route: a permutation per class instead of ``rng.choice``,
a velocity per (layer, weights or biases) of the trained layers only instead of one per parameter, SciPy's
``expit`` and a while loop for the forward pass, the seeds in the outer loop of the learning curve, an explicit sum
of squares for the Frobenius norm. ``tests/instructor/slow_alternatives.py`` puts these sources into the student lab and
requires full automatic marks.
"""

ANSWERS = {
    "lab5_few_shot": '''
def few_shot_indices(y, n_per_class, seed):
    """Indices of n_per_class random examples of each class (classes in increasing order)."""
    if not isinstance(n_per_class, (int, np.integer)) or isinstance(n_per_class, bool) or n_per_class <= 0:
        raise ValueError("n_per_class must be a positive integer")
    labels = np.asarray(y)
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    if counts.min() < n_per_class:
        raise ValueError(f"n_per_class={n_per_class} is more than the smallest class has ({counts.min()})")
    chosen = [rng.permutation(np.nonzero(labels == c)[0])[:n_per_class] for c in classes]
    return np.hstack(chosen).astype(np.int64)
''',
    "lab5_train_layers": '''
def train_layers(model, X, y, lrs, epochs=100, momentum=0.9):
    """Full-batch gradient descent with momentum, a velocity per trainable layer; lr 0 freezes a layer."""
    rates = np.asarray(lrs, dtype=float).ravel()
    if rates.size != model.n_layers or np.any(rates < 0):
        raise ValueError(f"lrs: one non-negative learning rate per layer ({model.n_layers}) expected")
    trained = [l for l in range(1, model.n_layers + 1) if rates[l - 1] > 0]
    velocity = {(l, part): 0.0 for l in trained for part in "Wb"}
    for _ in range(epochs):
        grads = model.loss(X, y)[1]
        for (l, part), v in velocity.items():
            key = f"{part}{l}"
            velocity[l, part] = momentum * v - rates[l - 1] * grads[key]
            model.params[key] += velocity[l, part]
    return model
''',
    "lab5_layer_features": '''
from scipy.special import expit


def layer_features(model, X):
    """The input and every hidden layer's output, [z0, z1, ..., z_{L-1}]."""
    nonlinearity = {"sigmoid": expit, "tanh": np.tanh, "relu": lambda a: np.where(a > 0, a, 0.0)}[model.activation]
    out = [np.array(X, dtype=np.float64)]
    l = 1
    while l < model.n_layers:
        W, b = model.params["W%d" % l], model.params["b%d" % l]
        out.append(nonlinearity(np.dot(out[-1], W) + b))
        l += 1
    return out
''',
    "lab5_learning_curve": '''
def learning_curve(methods, X_pool, y_pool, shots, seeds):
    """Accuracy per method, shots x seeds; all methods share each (n, seed) training set."""
    table = {name: [[None] * len(seeds) for _ in shots] for name in methods}
    for j, seed in enumerate(seeds):
        for i, n in enumerate(shots):
            pick = few_shot_indices(y_pool, n, seed)
            X_train, y_train = X_pool[pick], y_pool[pick]
            for name in methods:
                table[name][i][j] = methods[name](X_train, y_train, seed)
    return {name: np.array(rows, dtype=float) for name, rows in table.items()}
''',
    "lab5_relative_change": '''
def relative_change(before, after):
    """Relative Frobenius change of each weight matrix."""
    out = {}
    for key in sorted(k for k in before if k[0] == "W"):
        diff = np.asarray(after[key], dtype=float) - np.asarray(before[key], dtype=float)
        out[key] = float(np.sqrt(np.sum(diff ** 2) / np.sum(np.asarray(before[key], dtype=float) ** 2)))
    return out
''',
}
