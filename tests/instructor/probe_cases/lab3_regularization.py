"""Lab 3 (regularization): wrong answers its probes must reject (see tests/instructor/test_lab_probes.py).

Mistakes students write: biases penalized, a missing 1/2, keys that fit only the visible test, sign(0) = 1, p read
as the keep probability, the global numpy rng, a tie counted as an improvement, ddof=0...
"""
WRONG = {
    "test_l2_penalty": {
        "biases penalized": ("l2_penalty", [('if name.startswith("W"):', "if True:")]),
        "no 1/2": ("l2_penalty", [("value += 0.5 * lam *", "value += lam *")]),
        "the visible test's keys": ("l2_penalty", '''
def l2_penalty(params, lam):
    W1, W2, W3 = params["W1"], params["W2"], params["W3"]
    value = 0.5 * lam * (np.sum(W1 ** 2) + np.sum(W2 ** 2) + np.sum(W3 ** 2))
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads.update(W1=lam * W1, W2=lam * W2, W3=lam * W3)
    return value, grads
'''),
    },
    "test_l1_penalty": {
        "sign(0) = 1": ("l1_penalty", [("grads[name] = lam * np.sign(p)",
                                        "grads[name] = lam * np.where(p >= 0, 1.0, -1.0)")]),
        "L2's gradient": ("l1_penalty", [("grads[name] = lam * np.sign(p)", "grads[name] = lam * p")]),
        "biases penalized": ("l1_penalty", [('if name.startswith("W"):', "if True:")]),
    },
    "test_dropout": {
        "p read as the keep probability": ("dropout", [("mask = rng.random(np.shape(z)) >= p",
                                                        "mask = rng.random(np.shape(z)) < p")]),
        "no division by 1 - p": ("dropout", [("return z * mask / (1.0 - p), mask", "return z * mask, mask")]),
        "the global numpy rng": ("dropout", [("rng.random(np.shape(z))", "np.random.random(np.shape(z))")]),
    },
    "test_early_stopping": {
        "a tie counts as an improvement": ("early_stopping", [("if loss < best_loss:", "if loss <= best_loss:")]),
        "stops one epoch late": ("early_stopping", [("if epoch - best_epoch >= patience:",
                                                     "if epoch - best_epoch > patience:")]),
        "best over the whole curve": ("early_stopping", [("return best_epoch, epoch",
                                                          "return int(np.argmin(val_losses)) + 1, epoch")]),
    },
    "test_one_se_choice": {
        "ddof=0": ("one_se_choice", [("errors[best].std(ddof=1)", "errors[best].std()")]),
        "the most complex within one SE": ("one_se_choice", [("[0])", "[-1])")]),
        "numpy ints": ("one_se_choice", [("best = int(np.argmin(means))", "best = np.argmin(means)"),
                                         ("chosen = int(np.flatnonzero", "chosen = (np.flatnonzero")]),
    },
}
