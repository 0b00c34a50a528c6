"""Ana writes Lab 1 on her own: np.dot everywhere, a dict cache, a comment on every step, masks by assignment."""

ANSWERS = {
    "linear": [
        '''
# a = z W + b, with b broadcast over the rows of the batch
activations = np.dot(z, W) + b
cache = {"z": z, "W": W}
return activations, cache
''', '''
z = cache["z"]
W = cache["W"]
# every output unit j sends delta_j * w_ji back to input i
dz = np.dot(delta, W.T)
# the weight gradient adds up the contributions of all samples in the batch
dW = np.dot(z.T, delta)
# b is added to every sample, so its gradient is the column sum of delta
db = np.sum(delta, axis=0)
return dz, dW, db
'''],
    "activations": [
        '''
out = np.tanh(a)
return out, out          # tanh' only needs the output
''', '''
tanh_a = cache
return dz * (1 - tanh_a * tanh_a)
''', '''
out = a.copy()
out[out < 0] = 0
return out, a
''', '''
grad = dz.copy()
grad[cache <= 0] = 0     # no gradient where the unit was off (and at the kink)
return grad
'''],
    "grad_check": [
        '''
rng = np.random.default_rng(seed)
result = {}
for key, arr in params.items():
    if n_entries is None:
        flat_ids = range(arr.size)
    else:
        flat_ids = rng.choice(arr.size, size=min(arr.size, n_entries), replace=False)
    approx, exact = [], []
    for fid in flat_ids:
        pos = np.unravel_index(fid, arr.shape)
        keep = arr[pos]
        arr[pos] = keep + h
        plus = f()
        arr[pos] = keep - h
        minus = f()
        arr[pos] = keep
        approx.append((plus - minus) / (2 * h))
        exact.append(grads[key][pos])
    result[key] = float(rel_error(np.array(exact), np.array(approx)))
return result
'''],
    "softmax_loss": [
        '''
N = scores.shape[0]
# shift every row so that its largest score is 0: exp can no longer overflow
shifted = scores - np.max(scores, axis=1, keepdims=True)
log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
loss = -np.sum(log_probs[np.arange(N), y]) / N
# gradient: (p - one_hot) / N
one_hot = np.zeros_like(scores)
one_hot[np.arange(N), y] = 1
dscores = (np.exp(log_probs) - one_hot) / N
return float(loss), dscores
'''],
    "two_layer_loss": [
        '''
if activation == "tanh":
    act_forward, act_backward = tanh_forward, tanh_backward
else:
    act_forward, act_backward = relu_forward, relu_backward
# forward pass
a1, lin1_cache = linear_forward(X, params["W1"], params["b1"])
z1, act_cache = act_forward(a1)
scores, lin2_cache = linear_forward(z1, params["W2"], params["b2"])
if y is None:
    return scores
data_loss, dscores = softmax_loss(scores, y)
reg_loss = 0.5 * l2 * (np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2))
# backward pass, in reverse order
dz1, dW2, db2 = linear_backward(dscores, lin2_cache)
da1 = act_backward(dz1, act_cache)
dX, dW1, db1 = linear_backward(da1, lin1_cache)
grads = {}
grads["W1"] = dW1 + l2 * params["W1"]
grads["b1"] = db1
grads["W2"] = dW2 + l2 * params["W2"]
grads["b2"] = db2
return data_loss + reg_loss, grads
'''],
    "sgd_train": [
        '''
rng = np.random.default_rng(seed)
n = len(X)
losses = []
for e in range(epochs):
    perm = rng.permutation(n)
    epoch_losses = []
    i = 0
    while i < n:
        batch = perm[i:i + batch_size]
        loss, grads = two_layer_loss(params, X[batch], y[batch], l2, activation)
        for key in params.keys():
            params[key] -= lr * grads[key]      # in place, as asked
        epoch_losses.append(loss)
        i += batch_size
    losses.append(sum(epoch_losses) / len(epoch_losses))
return losses
''', '''
SETTINGS = {"hidden": 50, "activation": "tanh", "epochs": 25, "lr": 0.1, "batch_size": 32, "l2": 0.0}
'''],
}
