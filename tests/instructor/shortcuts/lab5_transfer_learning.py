"""Lab 5's shortcut submission (issue 20 §1): one nnedu.SGD per layer for ``train_layers``, and
``pre.hidden_features`` for ``layer_features`` (no ``nnedu.`` in the cell: a text search misses it). The other
answers are honest (the solution's). See lab1_backprop.py for the format."""
ANSWERS = {
    "lab5_train_layers": '''
def train_layers(model, X, y, lrs, epochs=100, momentum=0.9):
    rates = np.asarray(lrs, dtype=float).ravel()
    if rates.size != model.n_layers or np.any(rates < 0):
        raise ValueError(f"lrs: one non-negative learning rate per layer ({model.n_layers}) expected")
    optimizers = {l: nnedu.SGD(lr=float(rates[l - 1]), momentum=momentum)
                  for l in range(1, model.n_layers + 1) if rates[l - 1] > 0}
    for _ in range(epochs):
        grads = model.loss(X, y)[1]
        for l, opt in optimizers.items():
            keys = (f"W{l}", f"b{l}")
            opt.step({k: model.params[k] for k in keys}, {k: grads[k] for k in keys})
    return model
''',
    "lab5_layer_features": '''
def layer_features(model, X):
    return [np.asarray(X, dtype=float)] + [pre.hidden_features(model, X, layer=l) for l in range(1, model.n_layers)]
''',
}

WITHHELD = {"lab5_train_layers_tests": "Lab 5 may not use nnedu.optim",
            "lab5_layer_features_tests": "Lab 5 may not use nnedu.pretrained.hidden_features"}
