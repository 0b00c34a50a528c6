"""Dmitri writes Lab 1 in his own way: a namedtuple cache, np.where, scipy's logsumexp, a batch counter loop."""

ANSWERS = {
    "linear": '''
from collections import namedtuple

LinearCache = namedtuple("LinearCache", "inp weight")


def linear_forward(z, W, b):
    """Linear (affine) layer for a batch: a[n, j] = sum_i z[n, i] W[i, j] + b[j]."""
    out = z @ W
    out = out + b
    return out, LinearCache(inp=z, weight=W)


def linear_backward(delta, cache):
    """Backward pass of the linear layer: (dz, dW, db)."""
    grad_inp = delta @ cache.weight.T
    grad_weight = cache.inp.T @ delta
    grad_bias = np.add.reduce(delta, axis=0)
    return grad_inp, grad_weight, grad_bias
''',
    "activations": [
        '''
result = np.tanh(a)
return result, result
''', '''
return dz - dz * cache ** 2
''', '''
return np.where(a > 0, a, 0.0), a
''', '''
return np.where(cache > 0, dz, 0.0)
'''],
    "grad_check": [
        '''
r = np.random.default_rng(seed)
report = {}
for label, values in params.items():
    total = values.size
    order = np.arange(total) if n_entries is None else r.choice(total, min(total, n_entries), replace=False)
    central, mine = [], []
    i = 0
    while i < len(order):
        idx = np.unravel_index(order[i], values.shape)
        before = values[idx].copy()
        values[idx] = before + h
        hi = f()
        values[idx] = before - h
        lo = f()
        values[idx] = before
        central.append(0.5 * (hi - lo) / h)
        mine.append(np.asarray(grads[label])[idx])
        i += 1
    report[label] = rel_error(np.asarray(mine, dtype=float), np.asarray(central))
return report
'''],
    "softmax_loss": [
        '''
from scipy.special import logsumexp

count = scores.shape[0]
log_norm = logsumexp(scores, axis=1, keepdims=True)
log_p = scores - log_norm
picked = log_p[np.arange(count), y]
grad = np.exp(log_p)
grad[np.arange(count), y] -= 1.0
return -float(picked.mean()), grad / count
'''],
    "two_layer_loss": [
        '''
W1, b1 = params["W1"], params["b1"]
W2, b2 = params["W2"], params["b2"]
a_hidden, lc1 = linear_forward(X, W1, b1)
if activation == "relu":
    z_hidden, hc = relu_forward(a_hidden)
else:
    z_hidden, hc = tanh_forward(a_hidden)
scores, lc2 = linear_forward(z_hidden, W2, b2)
if y is None:
    return scores
loss, g_scores = softmax_loss(scores, y)
loss = loss + l2 * 0.5 * ((W1 ** 2).sum() + (W2 ** 2).sum())
g_hidden, g_W2, g_b2 = linear_backward(g_scores, lc2)
if activation == "relu":
    g_a = relu_backward(g_hidden, hc)
else:
    g_a = tanh_backward(g_hidden, hc)
g_X, g_W1, g_b1 = linear_backward(g_a, lc1)
return loss, {"W1": g_W1 + l2 * W1, "W2": g_W2 + l2 * W2, "b1": g_b1, "b2": g_b2}
'''],
    "sgd_train": [
        '''
shuffler = np.random.default_rng(seed)
n_batches = -(-X.shape[0] // batch_size)          # ceiling division
curve = []
for epoch in range(epochs):
    visit = shuffler.permutation(X.shape[0])
    running = 0.0
    for k in range(n_batches):
        rows = visit[k * batch_size:(k + 1) * batch_size]
        value, gradients = two_layer_loss(params, X[rows], y[rows], l2=l2, activation=activation)
        running += value
        for p in params:
            np.subtract(params[p], lr * gradients[p], out=params[p])
    curve.append(running / n_batches)
return curve
''', '''
SETTINGS = {"hidden": 40, "activation": "relu", "epochs": 20, "lr": 0.1, "batch_size": 64, "l2": 0.0}
'''],
}
