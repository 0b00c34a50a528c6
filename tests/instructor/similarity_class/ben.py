"""Ben writes Lab 1 tersely: np.matmul, tuples, one-liners, a dict of activation pairs, list-comprehension batches."""

ANSWERS = {
    "linear": [
        '''
return np.matmul(z, W) + b, (z, W)
''', '''
inputs, weights = cache
return np.matmul(delta, weights.T), np.matmul(inputs.T, delta), delta.sum(0)
'''],
    "activations": [
        '''
t = np.tanh(a)
return t, t
''', '''
return dz * (1.0 - np.square(cache))
''', '''
return np.clip(a, 0.0, None), (a > 0)
''', '''
return dz * cache
'''],
    "grad_check": [
        '''
gen = np.random.default_rng(seed)
out = {}
for name in params:
    p = params[name]
    spots = list(np.ndindex(p.shape))
    if n_entries is not None and n_entries < len(spots):
        spots = [spots[j] for j in gen.permutation(len(spots))[:n_entries]]
    num = np.zeros(len(spots))
    ana = np.zeros(len(spots))
    for j, s in enumerate(spots):
        v = p[s]
        p[s] = v + h; fp = f()
        p[s] = v - h; fm = f()
        p[s] = v
        num[j] = (fp - fm) / (2 * h)
        ana[j] = grads[name][s]
    out[name] = rel_error(ana, num)
return out
'''],
    "softmax_loss": [
        '''
n = len(y)
s = scores - scores.max(1, keepdims=True)
lse = np.log(np.exp(s).sum(1))
loss = (lse - s[np.arange(n), y]).mean()
p = np.exp(s - lse[:, None])
p[np.arange(n), y] -= 1
return float(loss), p / n
'''],
    "two_layer_loss": [
        '''
acts = {"tanh": (tanh_forward, tanh_backward), "relu": (relu_forward, relu_backward)}
fwd, bwd = acts[activation]
h, c1 = linear_forward(X, params["W1"], params["b1"])
h, c2 = fwd(h)
out, c3 = linear_forward(h, params["W2"], params["b2"])
if y is None:
    return out
loss, d = softmax_loss(out, y)
loss += l2 / 2 * sum(np.sum(params[k] ** 2) for k in ("W1", "W2"))
d, gW2, gb2 = linear_backward(d, c3)
_, gW1, gb1 = linear_backward(bwd(d, c2), c1)
return loss, {"W1": gW1 + l2 * params["W1"], "b1": gb1, "W2": gW2 + l2 * params["W2"], "b2": gb2}
'''],
    "sgd_train": [
        '''
rng = np.random.default_rng(seed)
out = []
for _ in range(epochs):
    order = rng.permutation(len(X))
    chunks = [order[i:i + batch_size] for i in range(0, len(X), batch_size)]
    ls = []
    for idx in chunks:
        l, g = two_layer_loss(params, X[idx], y[idx], l2=l2, activation=activation)
        ls.append(l)
        for k, v in g.items():
            params[k] -= lr * v
    out.append(float(np.mean(ls)))
return out
''', '''
SETTINGS = dict(hidden=80, activation="relu", epochs=15, lr=0.05, batch_size=16, l2=1e-3)
'''],
}
