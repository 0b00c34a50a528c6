"""Mallory pastes nnedu/layers.py into Lab 1's first two answer cells, renaming classes, functions, methods'
variables and attributes (Linear -> Dense, sigmoid -> logistic, z -> x, W -> w, b -> bias, delta -> g, ...), and
wraps the classes in the functions the lab asks for. Her other answers are her own."""

ANSWERS = {
    "linear": '''
class Dense:
    """Affine layer: out = x @ w + bias."""

    def forward(self, x, w, bias):
        self.x, self.w = x, w
        return x @ w + bias

    def backward(self, g):
        return g @ self.w.T, self.x.T @ g, g.sum(axis=0)

    @staticmethod
    def init(n_in, n_out, act, gen, dtype=np.float64):
        gain = 2.0 if act in ("relu", "leaky_relu", "elu", "maxout") else 1.0
        w = gen.standard_normal((n_in, n_out)) * np.sqrt(gain / n_in)
        return w.astype(dtype), np.zeros(n_out, dtype=dtype)


def linear_forward(z, W, b):
    layer = Dense()
    return layer.forward(z, W, b), layer


def linear_backward(delta, cache):
    return cache.backward(delta)
''',
    "activations": '''
def logistic(s):
    e = np.exp(-np.abs(s))
    return np.where(s >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class Logistic:
    def forward(self, s):
        self.out = logistic(s)
        return self.out

    def backward(self, g):
        return g * self.out * (1.0 - self.out)


class TanhUnit:
    def forward(self, s):
        self.out = np.tanh(s)
        return self.out

    def backward(self, g):
        return g * (1.0 - self.out ** 2)


class Rectifier:
    def forward(self, s):
        self.s = s
        return np.maximum(s, 0)

    def backward(self, g):
        return g * (self.s > 0)


class LeakyRectifier:
    def __init__(self, leak=0.1):
        self.leak = leak

    def forward(self, s):
        self.s = s
        return np.where(s > 0, s, self.leak * s)

    def backward(self, g):
        return g * np.where(self.s > 0, 1.0, self.leak).astype(g.dtype)


def tanh_forward(a):
    unit = TanhUnit()
    return unit.forward(a), unit


def tanh_backward(dz, cache):
    return cache.backward(dz)


def relu_forward(a):
    unit = Rectifier()
    return unit.forward(a), unit


def relu_backward(dz, cache):
    return cache.backward(dz)
''',
    "grad_check": [
        '''
g = np.random.default_rng(seed)
res = {}
for nm, arr in params.items():
    ids = np.arange(arr.size)
    if n_entries is not None:
        g.shuffle(ids)
        ids = ids[:n_entries]
    est = []
    for q in ids:
        ix = np.unravel_index(q, arr.shape)
        o = arr[ix]
        arr[ix] = o + h
        a = f()
        arr[ix] = o - h
        b = f()
        arr[ix] = o
        est.append((a - b) / (2 * h))
    ref = np.asarray(grads[nm]).ravel()[ids]
    res[nm] = rel_error(ref, np.array(est))
return res
'''],
    "softmax_loss": [
        '''
m = scores.shape[0]
z = scores - scores.max(axis=1)[:, None]
ez = np.exp(z)
sums = ez.sum(axis=1)
nll = np.log(sums) - z[np.arange(m), y]
p = ez / sums[:, None]
p[np.arange(m), y] = p[np.arange(m), y] - 1
return float(nll.sum() / m), p / m
'''],
    "two_layer_loss": [
        '''
f, fb = (relu_forward, relu_backward) if activation == "relu" else (tanh_forward, tanh_backward)
h1, k1 = linear_forward(X, params["W1"], params["b1"])
o1, k2 = f(h1)
s, k3 = linear_forward(o1, params["W2"], params["b2"])
if y is None:
    return s
data, ds = softmax_loss(s, y)
do1, gW2, gb2 = linear_backward(ds, k3)
_, gW1, gb1 = linear_backward(fb(do1, k2), k1)
reg = 0.5 * l2 * (np.sum(np.square(params["W1"])) + np.sum(np.square(params["W2"])))
return data + reg, {"W1": gW1 + l2 * params["W1"], "b1": gb1, "W2": gW2 + l2 * params["W2"], "b2": gb2}
'''],
    "sgd_train": [
        '''
gen = np.random.default_rng(seed)
hist = []
for ep in range(epochs):
    p = gen.permutation(X.shape[0])
    Xs, ys = X[p], y[p]
    tot, nb = 0.0, 0
    for j in range(0, len(Xs), batch_size):
        l, gr = two_layer_loss(params, Xs[j:j + batch_size], ys[j:j + batch_size], l2, activation)
        for nm in gr:
            params[nm] -= lr * gr[nm]
        tot, nb = tot + l, nb + 1
    hist.append(tot / nb)
return hist
''', '''
SETTINGS = {"hidden": 64, "activation": "tanh", "epochs": 20, "lr": 0.1, "batch_size": 32, "l2": 0.0}
'''],
}
