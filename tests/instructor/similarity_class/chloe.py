"""Chloe writes Lab 1 with small helper functions, explicit loops where she finds them clearer, and einsum-free
matrix products written with .dot; her network keeps a list of layers; her SGD counts samples, not batches."""

ANSWERS = {
    "linear": [
        '''
a = z.dot(W)
a = a + b.reshape(1, -1)
return a, [z.copy(), W.copy()]
''', '''
z, W = cache[0], cache[1]
dW = z.T.dot(delta)
db = np.zeros(delta.shape[1])
for row in range(delta.shape[0]):
    db = db + delta[row]
dz = delta.dot(W.T)
return dz, dW, db
'''],
    "activations": [
        '''
return np.tanh(a), a.copy()
''', '''
derivative = 1.0 / np.cosh(cache) ** 2       # tanh'(a) = sech^2(a)
return derivative * dz
''', '''
z = a * (a > 0)
return z, a.copy()
''', '''
slope = (cache > 0).astype(float)
return slope * dz
'''],
    "grad_check": [
        '''
rand = np.random.default_rng(seed)
errors = dict()
for k in params.keys():
    W = params[k]
    G = np.asarray(grads[k])
    count = W.size if n_entries is None else min(n_entries, W.size)
    chosen = np.arange(W.size) if n_entries is None else rand.permutation(W.size)[:count]
    diffs = np.empty(count)
    for t in range(count):
        where = np.unravel_index(chosen[t], W.shape)
        original = W[where]
        W[where] = original + h
        up = f()
        W[where] = original - h
        down = f()
        W[where] = original
        diffs[t] = (up - down) / (2.0 * h)
    picked = np.array([G[np.unravel_index(c, W.shape)] for c in chosen])
    top = np.linalg.norm(picked - diffs)
    bottom = np.linalg.norm(picked) + np.linalg.norm(diffs)
    errors[k] = 0.0 if bottom == 0 else top / bottom
return errors
'''],
    "softmax_loss": [
        '''
num_samples, num_classes = scores.shape


def log_sum_exp(rows):
    biggest = rows.max(axis=1)
    return biggest + np.log(np.exp(rows - biggest[:, None]).sum(axis=1))


lse = log_sum_exp(scores)
total = 0.0
for i in range(num_samples):
    total += lse[i] - scores[i, y[i]]
probabilities = np.exp(scores - lse[:, None])
targets = np.zeros((num_samples, num_classes))
targets[np.arange(num_samples), y] = 1.0
return float(total / num_samples), (probabilities - targets) / num_samples
'''],
    "two_layer_loss": [
        '''
if activation not in ("tanh", "relu"):
    raise ValueError(f"activation must be 'tanh' or 'relu', not {activation!r}")
nonlinear = tanh_forward if activation == "tanh" else relu_forward
nonlinear_back = tanh_backward if activation == "tanh" else relu_backward
hidden_pre, cache_in = linear_forward(X, params["W1"], params["b1"])
hidden, cache_nl = nonlinear(hidden_pre)
out, cache_out = linear_forward(hidden, params["W2"], params["b2"])
if y is None:
    return out
penalty = 0.0
for w in (params["W1"], params["W2"]):
    penalty += 0.5 * l2 * np.sum(w * w)
data_loss, d_out = softmax_loss(out, y)
d_hidden, grad_W2, grad_b2 = linear_backward(d_out, cache_out)
d_pre = nonlinear_back(d_hidden, cache_nl)
_, grad_W1, grad_b1 = linear_backward(d_pre, cache_in)
grad_W1 += l2 * params["W1"]
grad_W2 += l2 * params["W2"]
return data_loss + penalty, dict(W1=grad_W1, b1=grad_b1, W2=grad_W2, b2=grad_b2)
'''],
    "sgd_train": [
        '''
generator = np.random.default_rng(seed)
result = []
n_samples = X.shape[0]
for epoch in range(epochs):
    shuffled = generator.permutation(n_samples)
    loss_sum, count = 0.0, 0
    seen = 0
    while seen < n_samples:
        chosen = shuffled[seen:seen + batch_size]
        seen += len(chosen)
        batch_loss, batch_grads = two_layer_loss(params, X[chosen], y[chosen], l2=l2, activation=activation)
        for name, g in batch_grads.items():
            params[name] -= lr * g
        loss_sum += batch_loss
        count += 1
    result.append(loss_sum / count)
return result
''', '''
SETTINGS = {"hidden": 64, "activation": "tanh", "epochs": 30, "lr": 0.08, "batch_size": 25, "l2": 0.0005}
'''],
}
