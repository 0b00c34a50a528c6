"""An alternative correct submission of Lab 2 (PyTorch vs nnedu), written differently from the solution.

``make_torch_mlp`` builds an ``OrderedDict`` of named layers and reuses ONE activation module between all of them
(``model.modules()`` then lists it once: a fair test checks what the network computes, not how many modules it
has); ``copy_params`` walks ``named_children`` and assigns ``.data`` from numpy copies; ``torch_loss_and_grads``
writes the softmax loss as ``logsumexp`` minus the picked score and takes the gradients with ``torch.autograd.grad``
(so ``p.grad`` is never touched); ``train_torch`` uses ``weight_decay`` on the weights only (the same gradient as the
L2 term) and adds the penalty to the recorded loss by hand; ``seconds_per_epoch`` keeps a running minimum with
``time.perf_counter_ns``. ``tests/instructor/slow_alternatives.py`` puts these sources into the student lab and
requires full automatic marks.
"""

ANSWERS = {
    "make_torch_mlp": '''
from collections import OrderedDict


def make_torch_mlp(sizes, activation="tanh", dtype=torch.float64):
    """The PyTorch twin of nnedu.MLP(sizes, activation)."""
    factories = {
        "sigmoid": lambda: nn.Sigmoid(),
        "tanh": lambda: nn.Tanh(),
        "relu": lambda: nn.ReLU(),
        "leaky_relu": lambda: nn.LeakyReLU(negative_slope=0.1),
        "elu": lambda: nn.ELU(),
    }
    try:
        shared = factories[activation]()        # one module, reused between every pair of layers
    except KeyError:
        raise ValueError(f"unknown activation {activation!r}") from None
    named = OrderedDict()
    n_layers = len(sizes) - 1
    k = 0
    while k < n_layers:
        named[f"linear{k + 1}"] = nn.Linear(sizes[k], sizes[k + 1], dtype=dtype)
        if k + 1 < n_layers:
            named[f"act{k + 1}"] = shared
        k += 1
    return nn.Sequential(named)
''',
    "copy_params": '''
def copy_params(nnedu_model, torch_model):
    """Copy nnedu's W{l}.T and b{l} into the l-th nn.Linear of torch_model."""
    linears = [module for _, module in torch_model.named_children() if isinstance(module, nn.Linear)]
    for l, lin in reversed(list(enumerate(linears, start=1))):
        W = np.array(nnedu_model.params[f"W{l}"]).T.copy()
        b = np.array(nnedu_model.params[f"b{l}"]).copy()
        lin.weight.data = torch.tensor(W, dtype=lin.weight.dtype, device=lin.weight.device)
        lin.bias.data = torch.tensor(b, dtype=lin.bias.dtype, device=lin.bias.device)
    return torch_model
''',
    "torch_loss_and_grads": '''
def torch_loss_and_grads(torch_model, X, y, l2=0.0):
    """Mean softmax cross-entropy + 0.5 * l2 * sum of squared weights, and its gradients in nnedu's layout."""
    ref = next(iter(torch_model.parameters()))
    X_t = torch.tensor(np.asarray(X), dtype=ref.dtype, device=ref.device)
    y_t = torch.tensor(np.asarray(y), dtype=torch.int64, device=ref.device)
    scores = torch_model(X_t)
    picked = scores.gather(1, y_t[:, None])[:, 0]
    loss = (torch.logsumexp(scores, dim=1) - picked).mean()
    linears = linear_layers(torch_model)
    weights = [lin.weight for lin in linears]
    loss = loss + 0.5 * l2 * sum(torch.sum(w * w) for w in weights)
    params = [p for lin in linears for p in (lin.weight, lin.bias)]
    grad_list = torch.autograd.grad(loss, params)
    grads = {}
    for l in range(len(linears)):
        grads[f"W{l + 1}"] = grad_list[2 * l].detach().cpu().numpy().T.copy()
        grads[f"b{l + 1}"] = grad_list[2 * l + 1].detach().cpu().numpy().copy()
    return float(loss.detach()), grads
''',
    "train_torch": '''
def train_torch(torch_model, X, y, batches, lr, l2=0.0):
    """Plain SGD over the given batches; the L2 gradient comes from weight_decay on the weights only."""
    ref = next(iter(torch_model.parameters()))
    X_t = torch.tensor(np.asarray(X), dtype=ref.dtype, device=ref.device)
    y_t = torch.tensor(np.asarray(y), dtype=torch.int64, device=ref.device)
    linears = linear_layers(torch_model)
    optimizer = torch.optim.SGD([{"params": [lin.weight for lin in linears], "weight_decay": l2},
                                 {"params": [lin.bias for lin in linears], "weight_decay": 0.0}], lr=lr)
    recorded = np.empty(len(batches))
    for step, idx in enumerate(batches):
        rows = torch.as_tensor(np.asarray(idx), dtype=torch.int64, device=ref.device)
        for p in torch_model.parameters():
            p.grad = None
        data_loss = nn.CrossEntropyLoss()(torch_model(X_t[rows]), y_t[rows])
        data_loss.backward()
        with torch.no_grad():
            penalty = 0.5 * l2 * sum(float((lin.weight ** 2).sum()) for lin in linears)
        recorded[step] = data_loss.item() + penalty
        optimizer.step()
    return recorded
''',
    "seconds_per_epoch": '''
def seconds_per_epoch(run_epoch, device="cpu", warmup=1, repeats=3):
    """Shortest of `repeats` timed calls after `warmup` untimed ones (synchronised on cuda)."""
    on_gpu = "cuda" in str(device)
    for _ in range(warmup):
        run_epoch()
    best = None
    for _ in range(repeats):
        if on_gpu:
            torch.cuda.synchronize()
        t0 = time.perf_counter_ns()
        run_epoch()
        if on_gpu:
            torch.cuda.synchronize()
        elapsed = (time.perf_counter_ns() - t0) / 1e9
        best = elapsed if best is None else min(best, elapsed)
    return float(best)
''',
}
