"""Lab 5 (transfer learning): right answers its probes must accept, wrong ones they must reject (see
test_lab_probes.py). Other right answers use the generator in another way or write the update differently; each
wrong answer is the solution's cell with one mistake that the test cell, visible or hidden, rejects.
"""
RIGHT = {
    "lab5_few_shot_tests": {
        "few_shot_shuffle": ("lab5_few_shot", """
def few_shot_indices(y, n_per_class, seed):
    if not isinstance(n_per_class, (int, np.integer)) or n_per_class < 1:
        raise ValueError("n_per_class must be positive")
    rng = np.random.default_rng(seed)
    y = np.asarray(y)
    order = rng.permutation(len(y))
    picked = []
    for c in sorted(set(y.tolist())):
        members = order[y[order] == c]
        if len(members) < n_per_class:
            raise ValueError(f"not enough examples of class {c} for n_per_class={n_per_class}")
        picked.extend(members[:n_per_class].tolist())
    return np.array(picked)
"""),
    },
    "lab5_train_layers_tests": {
        "train_positive_velocity": ("lab5_train_layers", """
def train_layers(model, X, y, lrs, epochs=100, momentum=0.9):
    if len(lrs) != model.n_layers or any(lr < 0 for lr in lrs):
        raise ValueError("lrs: one rate >= 0 per layer")
    step = {k: 0.0 for k in model.params}
    for _ in range(epochs):
        grads = model.loss(X, y)[1]
        for l in range(1, model.n_layers + 1):
            for k in ("W%d" % l, "b%d" % l):
                if lrs[l - 1]:
                    step[k] = momentum * step[k] + lrs[l - 1] * grads[k]
                    model.params[k] -= step[k]
    return model
"""),
    },
    "lab5_layer_features_tests": {
        "features_model_hidden": ("lab5_layer_features", """
def layer_features(model, X):
    X = np.asarray(X, dtype=float)
    return [X] + model.hidden(X)
"""),
    },
}

TRAIN_STEP = "velocity[k] = momentum * velocity[k] - lr * g"
CURVE_CALL = "acc[name][i, j] = method(X_pool[idx], y_pool[idx], seed)"
OWN_DRAW = "idx = np.random.default_rng(seed).choice(len(y_pool), n * len(np.unique(y_pool)), replace=False)"
CHANGE = "np.linalg.norm(after[k] - before[k]) / np.linalg.norm(before[k])"

WRONG = {
    "lab5_few_shot_tests": {
        "few_shot_global_rng": ("lab5_few_shot", [("rng.choice(members, n_per_class, replace=False)",
                                                   "np.random.choice(members, n_per_class, replace=False)")]),
        "few_shot_zero_allowed": ("lab5_few_shot", [("or n_per_class < 1:", "or n_per_class < 0:")]),
        "few_shot_class_size_unchecked": ("lab5_few_shot", [("if len(members) < n_per_class:", "if False:")]),
        "few_shot_labels_0_to_k": ("lab5_few_shot", [("for c in np.unique(y):", "for c in range(len(np.unique(y))):")]),
    },
    "lab5_train_layers_tests": {
        "train_no_momentum": ("lab5_train_layers", [(TRAIN_STEP, "velocity[k] = - lr * g")]),
        "train_layer_off_by_one": ("lab5_train_layers", [("lr = lrs[int(k[1:]) - 1]",
                                                          "lr = lrs[int(k[1:]) % len(lrs)]")]),
        "train_biases_frozen": ("lab5_train_layers", [("if lr == 0:", "if lr == 0 or k.startswith('b'):")]),
        "train_lrs_unchecked": ("lab5_train_layers", [("if len(lrs) != model.n_layers or min(lrs) < 0:",
                                                       "if len(lrs) < model.n_layers:")]),
    },
    "lab5_layer_features_tests": {
        "features_with_the_output_layer": ("lab5_layer_features", [("for l in range(1, model.n_layers):",
                                                                    "for l in range(1, model.n_layers + 1):")]),
        "features_always_tanh": ("lab5_layer_features", [("zs.append(h[model.activation](", "zs.append(h['tanh'](")]),
        "features_without_the_input": ("lab5_layer_features", [("    return zs", "    return zs[1:]")]),
    },
    "lab5_learning_curve_tests": {
        "curve_one_draw_per_method": ("lab5_learning_curve", [(
            CURVE_CALL, CURVE_CALL + "\n                idx = few_shot_indices(y_pool, n, seed + 1)")]),
        "curve_index_for_seed": ("lab5_learning_curve", [("method(X_pool[idx], y_pool[idx], seed)",
                                                          "method(X_pool[idx], y_pool[idx], j)")]),
        "curve_own_draw": ("lab5_learning_curve", [("idx = few_shot_indices(y_pool, n, seed)", OWN_DRAW)]),
        "curve_transposed": ("lab5_learning_curve", [("    return acc",
                                                      "    return {k: v.T for k, v in acc.items()}")]),
    },
    "lab5_relative_change_tests": {
        "change_with_biases": ("lab5_relative_change", [('for k in before if k.startswith("W")', "for k in before")]),
        "change_squared_norms": ("lab5_relative_change", [(
            CHANGE, "np.sum((after[k] - before[k]) ** 2) / np.sum(before[k] ** 2)")]),
        "change_over_after": ("lab5_relative_change", [("/ np.linalg.norm(before[k])", "/ np.linalg.norm(after[k])")]),
    },
}
