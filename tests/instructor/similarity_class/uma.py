"""Uma writes Lab 1 herself except two_layer_loss, which is Trent's (trent.py) with her variable names."""

ANSWERS = {
    "linear": [
        '''
result = np.einsum("nd,dh->nh", z, W)
result += b
return result, (z, W)
''', '''
z_in, W_in = cache
dW = np.einsum("nd,nh->dh", z_in, delta)
dz = np.einsum("nh,dh->nd", delta, W_in)
return dz, dW, delta.sum(axis=0)
'''],
    "activations": [
        '''
return np.tanh(a), np.tanh(a)
''', '''
return (1.0 - cache * cache) * dz
''', '''
return np.fmax(a, 0.0), a > 0
''', '''
return np.where(cache, dz, 0.0)
'''],
    "grad_check": [
        '''
rg = np.random.default_rng(seed)
found = {}
for name, tensor in params.items():
    n = tensor.size
    subset = np.arange(n) if n_entries is None else np.sort(rg.choice(n, size=min(n, n_entries), replace=False))
    fd = np.zeros(subset.shape)
    for pos, flat_index in enumerate(subset):
        loc = np.unravel_index(flat_index, tensor.shape)
        val = tensor[loc]
        tensor[loc] = val + h
        right_side = f()
        tensor[loc] = val - h
        left_side = f()
        tensor[loc] = val
        fd[pos] = (right_side - left_side) / (h + h)
    an = np.take(np.asarray(grads[name]), subset)
    found[name] = rel_error(an, fd)
return found
'''],
    "softmax_loss": [
        '''
N, C = scores.shape
top = scores.max(axis=1, keepdims=True)
exps = np.exp(scores - top)
sum_exps = exps.sum(axis=1, keepdims=True)
log_probs = (scores - top) - np.log(sum_exps)
loss = -log_probs[np.arange(N), y].sum() / N
onehot = np.eye(C)[y]
return float(loss), (exps / sum_exps - onehot) / N
'''],
    "two_layer_loss": [
        '''
# one table for both nonlinearities, so the two passes below cannot disagree
funcs = {"tanh": (tanh_forward, tanh_backward), "relu": (relu_forward, relu_backward)}
if activation not in funcs:
    raise ValueError(f"unknown activation {activation}")
fwd_h, bwd_h = funcs[activation]
a1, cache_a1 = linear_forward(X, params["W1"], params["b1"])
h1, cache_h1 = fwd_h(a1)
out, cache_out = linear_forward(h1, params["W2"], params["b2"])
if y is None:
    return out
ws = [params["W1"], params["W2"]]
reg = 0.5 * l2 * sum([float(np.sum(m * m)) for m in ws])
loss, dout = softmax_loss(out, y)
dh1, gW2, gb2 = linear_backward(dout, cache_out)
da1 = bwd_h(dh1, cache_h1)
_ignore, gW1, gb1 = linear_backward(da1, cache_a1)
g = {"W1": gW1, "b1": gb1, "W2": gW2, "b2": gb2}
for name, m in (("W1", params["W1"]), ("W2", params["W2"])):
    g[name] = g[name] + l2 * m
return loss + reg, g
'''],
    "sgd_train": [
        '''
rng = np.random.default_rng(seed)
per_epoch = []
N = X.shape[0]
for _ in range(epochs):
    idx = rng.permutation(N)
    total, steps = 0.0, 0
    for lo in range(0, N, batch_size):
        sel = idx[lo:min(lo + batch_size, N)]
        batch_loss, g = two_layer_loss(params, X[sel], y[sel], l2=l2, activation=activation)
        for name in params:
            params[name] -= lr * g[name]
        total += batch_loss
        steps += 1
    per_epoch.append(total / steps)
return per_epoch
''', '''
SETTINGS = {"hidden": 64, "activation": "relu", "epochs": 20, "lr": 0.05, "batch_size": 32, "l2": 0.0}
'''],
}
