"""Lab 1 (backpropagation by hand): wrong answers its probes must reject (see tests/instructor/test_lab_probes.py).

Mistakes students write: a missing 1/N, a transposed weight, a forgotten bias gradient, an input changed in place, a
cache read from a global, an overflowing softmax, a step that ignores l2...
"""


def constant_linear(value):
    """The linear cell answering ``value`` everywhere, forward and backward (a red-team review: outputs that widened
    a relative tolerance computed from both sides)."""
    return ("linear", f'''
def linear_forward(z, W, b):
    return np.full((z.shape[0], W.shape[1]), {value}), (z.shape, W.shape)


def linear_backward(delta, cache):
    return np.full(cache[0], {value}), np.full(cache[1], {value}), np.full(cache[1][1], {value})
''')


ACTIVATIONS_OK = {
    "tanh_forward": "def tanh_forward(a):\n    z = np.tanh(a)\n    return z, z\n",
    "tanh_backward": "def tanh_backward(dz, z):\n    return dz * (1 - z ** 2)\n",
    "relu_forward": "def relu_forward(a):\n    return np.maximum(a, 0.0), a\n",
    "relu_backward": "def relu_backward(dz, a):\n    return dz * (a > 0)\n",
}


def activations(**wrong):
    """The activations cell with some of its four functions replaced."""
    return "activations", "\n\n".join(wrong.get(name, ok) for name, ok in ACTIVATIONS_OK.items())


WRONG = {
    "test_linear_forward": {
        "no bias": ("linear", [("a = z @ W + b", "a = z @ W")]),
        "a bias shape that fits only the visible test": ("linear", [("a = z @ W + b", "a = z @ W + b.reshape(1, 3)")]),
        "transposed weights": ("linear", [("a = z @ W + b", "a = z @ W.T + b")]),
        "infinities": constant_linear("np.inf"),
        "1e160 everywhere": constant_linear("1e160"),
    },
    "test_linear_backward": {
        "db without summing the batch (a mean)": ("linear", [("db = delta.sum(axis=0)", "db = delta.mean(axis=0)")]),
        "dW transposed": ("linear", [("dW = z.T @ delta", "dW = delta.T @ z")]),
        "bias gradient forgotten": ("linear", [("db = delta.sum(axis=0)", "db = np.zeros(delta.shape[1])")]),
        "cache in a global": ("linear", '''
def linear_forward(z, W, b):
    global LAST_INPUTS
    LAST_INPUTS = (z, W)
    return z @ W + b, None


def linear_backward(delta, cache):
    z, W = LAST_INPUTS
    return delta @ W.T, z.T @ delta, delta.sum(axis=0)
'''),
    },
    "test_activations_forward": {
        "ReLU in place": activations(relu_forward="def relu_forward(a):\n    a[a < 0] = 0.0\n    return a, a\n"),
        "tanh through exp, overflows": activations(tanh_forward='''
def tanh_forward(a):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(2 * a)
        z = (e - 1) / (e + 1)
    return z, z
'''),
    },
    "test_activations_backward": {
        "tanh of the cached output": activations(tanh_backward="def tanh_backward(dz, z):\n"
                                                               "    return dz * (1 - np.tanh(z) ** 2)\n"),
        "ReLU's backward ignores dz": activations(relu_backward="def relu_backward(dz, a):\n"
                                                                "    return (a > 0).astype(float)\n"),
        "cache in a global": activations(tanh_forward='''
def tanh_forward(a):
    global LAST_Z
    LAST_Z = np.tanh(a)
    return LAST_Z, None
''', tanh_backward="def tanh_backward(dz, cache):\n    return dz * (1 - LAST_Z ** 2)\n"),
    },
    "test_grad_check": {
        # from a red-team review: the right gradients used to come first, then a wrong one
        "alternate 0 and 1 without computing": ("grad_check", '''
CALLS = [0]


def grad_check(f, params, grads, n_entries=None, seed=0, h=1e-5):
    CALLS[0] += 1
    return {name: 0.0 if CALLS[0] % 2 else 1.0 for name in params}
'''),
        "one error for all the arrays together": ("grad_check", '''
def grad_check(f, params, grads, n_entries=None, seed=0, h=1e-5):
    analytic = np.concatenate([np.ravel(grads[name]) for name in params])
    numerical = np.concatenate([np.ravel(numerical_gradient(f, w, h)) for w in params.values()])
    return {name: rel_error(analytic, numerical) for name in params}
'''),
        "entries left at w - h": ("grad_check", [("w[i] = saved\n", "pass\n")]),
        "a one-sided difference": ("grad_check", [("w[i] = saved - h\n", "w[i] = saved\n"),
                                                  ("(f_up - f_down) / (2 * h)", "(f_up - f_down) / h")]),
        "a subset compared with the whole analytic gradient": ("grad_check", [
            ("numerical = np.empty(len(picked))", "numerical = np.zeros(w.size)"),
            ("numerical[k] = (f_up - f_down) / (2 * h)", "numerical[flat] = (f_up - f_down) / (2 * h)"),
            ("analytic = np.asarray(grads[name], dtype=float).reshape(-1)[picked]",
             "analytic = np.asarray(grads[name], dtype=float).reshape(-1)")]),
        "every entry checked whatever n_entries says": ("grad_check", [("if n_entries is None:", "if True:")]),
    },
    "test_softmax_loss_value": {
        "no shift: exp overflows": ("softmax_loss", '''
def softmax_loss(scores, y):
    N = scores.shape[0]
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        loss = -np.mean(np.log(p[np.arange(N), y]))
    p[np.arange(N), y] -= 1
    return float(loss), p / N
'''),
        "a sum, not a mean": ("softmax_loss", [("loss = -log_p[np.arange(N), y].mean()",
                                                "loss = -log_p[np.arange(N), y].sum()")]),
    },
    "test_softmax_loss_gradient": {
        "missing 1/N": ("softmax_loss", [("return float(loss), dscores / N", "return float(loss), dscores")]),
        "scores shifted in place": ("softmax_loss", [(
            "shifted = scores - scores.max(axis=1, keepdims=True)",
            "scores -= scores.max(axis=1, keepdims=True)\n    shifted = scores")]),
        "the label's -1 forgotten": ("softmax_loss", [("dscores[np.arange(N), y] -= 1.0", "pass")]),
    },
    "test_two_layer_loss": {
        "biases penalized": ("two_layer_loss", [("np.sum(W1 * W1) + np.sum(W2 * W2)",
                                                 "np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(b1 * b1)")]),
        "activation ignored": ("two_layer_loss", [('"relu": (relu_forward, relu_backward)}[activation]',
                                                   '"relu": (relu_forward, relu_backward)}["tanh"]')]),
        "penalty without 1/2": ("two_layer_loss", [("loss = data_loss + 0.5 * l2 *", "loss = data_loss + l2 *")]),
    },
    "test_two_layer_gradients": {
        "no penalty gradient for W1": ("two_layer_loss", [('"W1": dW1 + l2 * W1', '"W1": dW1')]),
        "bias gradient forgotten": ("two_layer_loss", [('"b1": db1', '"b1": 0 * db1')]),
        "the nonlinearity's backward skipped": ("two_layer_loss", [("delta1 = h_backward(dz1, cache_h)",
                                                                    "delta1 = dz1")]),
    },
    "test_sgd_train": {
        "loss recorded after the step": ("sgd_train", [(
            "batch_losses.append(loss)",
            "batch_losses.append(two_layer_loss(params, X[idx], y[idx], l2=l2, activation=activation)[0])")]),
        "l2 not passed on": ("sgd_train", [("y[idx], l2=l2, activation=activation)",
                                            "y[idx], activation=activation)")]),
        "activation not passed on": ("sgd_train", [("y[idx], l2=l2, activation=activation)", "y[idx], l2=l2)")]),
        "params not updated": ("sgd_train", [("params[name] -= lr * grads[name]",
                                              "p = params[name] - lr * grads[name]")]),
    },
    "test_sgd_accuracy": {
        "params not updated": ("sgd_train", [("params[name] -= lr * grads[name]",
                                              "p = params[name] - lr * grads[name]")]),
        "settings that do not learn": ("sgd_train", [("lr=0.1", "lr=0.0005")]),
    },
}
