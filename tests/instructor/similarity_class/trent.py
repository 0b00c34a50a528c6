"""Trent writes Lab 1 himself; Uma's two_layer_loss is his, with her variable names (see uma.py)."""

ANSWERS = {
    "linear": [
        '''
out = z @ W + b[None, :]
return out, {"z": z, "W": W, "b": b}
''', '''
grads = (delta @ cache["W"].T, cache["z"].T @ delta, np.sum(delta, axis=0))
return grads
'''],
    "activations": [
        '''
squashed = np.tanh(a)
return squashed, {"z": squashed}
''', '''
return dz * (1 - cache["z"] ** 2)
''', '''
keep = a > 0
return a * keep, {"keep": keep}
''', '''
return dz * cache["keep"]
'''],
    "grad_check": [
        '''
rs = np.random.default_rng(seed)
answer = {}
for key in sorted(params):
    x = params[key]
    k = x.size if n_entries is None else min(x.size, n_entries)
    which = rs.choice(x.size, size=k, replace=False) if n_entries is not None else np.arange(x.size)
    numeric = []
    for flat in which:
        at = np.unravel_index(flat, x.shape)
        stored = x[at]
        values = []
        for sign in (1, -1):
            x[at] = stored + sign * h
            values.append(f())
        x[at] = stored
        numeric.append((values[0] - values[1]) / (2 * h))
    analytic = np.asarray(grads[key]).reshape(-1)[which]
    answer[key] = rel_error(analytic, np.array(numeric))
return answer
'''],
    "softmax_loss": [
        '''
rows = np.arange(scores.shape[0])
stable = scores - np.amax(scores, axis=1, keepdims=True)
norm = np.log(np.exp(stable).sum(axis=1))
loss = np.mean(norm - stable[rows, y])
soft = np.exp(stable - norm[:, np.newaxis])
soft[rows, y] -= 1
return float(loss), soft / len(rows)
'''],
    "two_layer_loss": [
        '''
# one table for both nonlinearities, so the two passes below cannot disagree
pieces = {"tanh": (tanh_forward, tanh_backward), "relu": (relu_forward, relu_backward)}
if activation not in pieces:
    raise ValueError(f"unknown activation {activation}")
act_f, act_b = pieces[activation]
pre, c_lin1 = linear_forward(X, params["W1"], params["b1"])
post, c_act = act_f(pre)
scores, c_lin2 = linear_forward(post, params["W2"], params["b2"])
if y is None:
    return scores
weights = [params["W1"], params["W2"]]
penalty = 0.5 * l2 * sum([float(np.sum(w * w)) for w in weights])
data_loss, d_scores = softmax_loss(scores, y)
d_post, dW2, db2 = linear_backward(d_scores, c_lin2)
d_pre = act_b(d_post, c_act)
_unused, dW1, db1 = linear_backward(d_pre, c_lin1)
grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
for key, w in (("W1", params["W1"]), ("W2", params["W2"])):
    grads[key] = grads[key] + l2 * w
return data_loss + penalty, grads
'''],
    "sgd_train": [
        '''
rng = np.random.default_rng(seed)
epoch_means = []
for epoch in range(epochs):
    order = rng.permutation(len(y))
    batch_losses = []
    for first in range(0, len(y), batch_size):
        take = order[first:first + batch_size]
        loss, grads = two_layer_loss(params, X[take], y[take], l2=l2, activation=activation)
        batch_losses.append(loss)
        for key in grads:
            params[key] -= lr * grads[key]
    epoch_means.append(float(np.mean(batch_losses)))
return epoch_means
''', '''
SETTINGS = {"hidden": 128, "activation": "tanh", "epochs": 12, "lr": 0.1, "batch_size": 32, "l2": 1e-4}
'''],
}
