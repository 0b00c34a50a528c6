"""nnedu's hand-written backprop against PyTorch autograd in float64."""
import numpy as np
import pytest
import torch

import nnedu
from nnedu.gradcheck import rel_error

TORCH_ACT = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu,
             "leaky_relu": lambda a: torch.nn.functional.leaky_relu(a, 0.1), "elu": torch.nn.functional.elu}
rng = np.random.default_rng(0)


def torch_loss(model, X, y, masks=None):
    """The same network written with torch ops; returns (loss, {name: grad})."""
    params = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in model.params.items()}
    z = torch.tensor(X, dtype=torch.float64)
    L = model.n_layers
    for l in range(1, L + 1):
        a = z @ params[f"W{l}"] + params[f"b{l}"]
        if l == L:
            break
        z = TORCH_ACT[model.activation](a)
        if masks is not None:
            z = z * torch.tensor(masks[l - 1] / (1 - model.dropout))
    if model.output == "softmax":
        loss = torch.nn.functional.cross_entropy(a, torch.tensor(y))
    elif model.output == "sigmoid":
        loss = torch.nn.functional.binary_cross_entropy_with_logits(a[:, 0], torch.tensor(y, dtype=torch.float64))
    else:
        loss = 0.5 * ((a - torch.tensor(y)) ** 2).sum(dim=1).mean()
    for l in range(1, L + 1):
        W = params[f"W{l}"]
        loss = loss + 0.5 * model.l2 * (W ** 2).sum() + model.l1 * W.abs().sum()
    loss.backward()
    return loss.item(), {k: p.grad.numpy() for k, p in params.items()}


@pytest.mark.parametrize("activation", list(TORCH_ACT))
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "identity"])
def test_loss_and_every_gradient_match_torch(activation, output):
    C = {"softmax": 4, "sigmoid": 1, "identity": 3}[output]
    X = rng.standard_normal((16, 5))
    y = {"softmax": rng.integers(0, 4, 16), "sigmoid": rng.integers(0, 2, 16),
         "identity": rng.standard_normal((16, 3))}[output]
    model = nnedu.MLP([5, 7, 6, C], activation=activation, output=output, l2=0.03, l1=0.01, seed=3)
    loss, grads = model.loss(X, y)
    t_loss, t_grads = torch_loss(model, X, y)
    assert abs(loss - t_loss) / abs(t_loss) < 1e-10
    for k in model.params:
        assert rel_error(grads[k], t_grads[k]) < 1e-10, k


def test_dropout_matches_torch_with_the_same_mask():
    X, y = rng.standard_normal((16, 5)), rng.integers(0, 3, 16)
    model = nnedu.MLP([5, 8, 8, 3], activation="relu", dropout=0.4, seed=0)
    loss, grads = model.loss(X, y)
    masks = [d.mask for d in model.dropouts.values()]
    assert all(m is not None and 0 < m.mean() < 1 for m in masks)
    t_loss, t_grads = torch_loss(model, X, y, masks)
    assert abs(loss - t_loss) / abs(t_loss) < 1e-10
    for k in model.params:
        assert rel_error(grads[k], t_grads[k]) < 1e-10, k


# -- optimizers: step by step against torch.optim in float64 ------------------------------------------------
def _optimizer_runs(ours, make_theirs, steps=8):
    """Parameters after each of ``steps`` steps with the same gradients: nnedu's ``ours`` vs torch's."""
    gen = np.random.default_rng(5)
    start = {"W": gen.standard_normal((4, 3)), "b": gen.standard_normal(3)}
    params = {k: v.copy() for k, v in start.items()}
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in start.items()}
    theirs = make_theirs(list(tensors.values()))
    for _ in range(steps):
        # gradients of very different sizes per entry, some changing sign: where Adam and RMSProp differ from SGD
        grads = {k: gen.standard_normal(v.shape) * np.logspace(-3, 1, v.size).reshape(v.shape)
                 for k, v in start.items()}
        ours.step(params, grads)
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        theirs.step()
        yield params, {k: t.detach().numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("settings", [{}, dict(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6)])
def test_adam_matches_torch_step_by_step(settings):
    torch_settings = {"lr": settings.get("lr", 1e-3),
                      "betas": (settings.get("beta1", 0.9), settings.get("beta2", 0.999)),
                      "eps": settings.get("eps", 1e-8), "weight_decay": 0.0}
    runs = _optimizer_runs(nnedu.Adam(**settings), lambda ps: torch.optim.Adam(ps, **torch_settings))
    for step, (ours, theirs) in enumerate(runs, 1):
        for k in ours:
            assert np.max(np.abs(ours[k] - theirs[k])) < 1e-13, (step, k)


@pytest.mark.parametrize("settings", [{}, dict(lr=0.003, alpha=0.9, eps=1e-6)])
def test_rmsprop_matches_torch_step_by_step(settings):
    torch_settings = {"lr": settings.get("lr", 1e-2), "alpha": settings.get("alpha", 0.99),
                      "eps": settings.get("eps", 1e-8), "weight_decay": 0.0, "momentum": 0.0, "centered": False}
    runs = _optimizer_runs(nnedu.RMSProp(**settings), lambda ps: torch.optim.RMSprop(ps, **torch_settings))
    for step, (ours, theirs) in enumerate(runs, 1):
        for k in ours:
            assert np.max(np.abs(ours[k] - theirs[k])) < 1e-13, (step, k)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch_step_by_step(momentum):
    # torch's momentum buffer is b <- mu b + g, w <- w - eta b: the lecture's v = -eta b, the same steps.
    runs = _optimizer_runs(nnedu.SGD(lr=0.1, momentum=momentum),
                           lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=momentum))
    for step, (ours, theirs) in enumerate(runs, 1):
        for k in ours:
            assert np.max(np.abs(ours[k] - theirs[k])) < 1e-12, (step, k)


# -- BatchNorm against torch.nn.BatchNorm1d ----------------------------------------------------------------
def test_batchnorm_layer_matches_torch_in_training_and_eval_mode():
    gen = np.random.default_rng(7)
    H = 5
    ours = nnedu.layers.BatchNorm(H)
    theirs = torch.nn.BatchNorm1d(H, dtype=torch.float64)        # momentum 0.1, eps 1e-5 in both
    gamma, beta = gen.uniform(0.5, 2.0, H), gen.standard_normal(H)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(gamma))
        theirs.bias.copy_(torch.tensor(beta))
    for train, N in [(True, 6), (True, 9), (True, 2), (False, 4), (False, 1)]:
        a = gen.standard_normal((N, H)) * 3 + gen.standard_normal(H)
        dout = gen.standard_normal((N, H))
        theirs.train(train)
        theirs.zero_grad()
        a_t = torch.tensor(a, requires_grad=True)
        out_t = theirs(a_t)
        (out_t * torch.tensor(dout)).sum().backward()
        out = ours.forward(a, gamma, beta, train=train)
        da, dgamma, dbeta = ours.backward(dout)
        assert rel_error(out, out_t.detach().numpy()) < 1e-13, (train, N)
        assert rel_error(da, a_t.grad.numpy()) < 1e-12, (train, N)
        assert rel_error(dgamma, theirs.weight.grad.numpy()) < 1e-12, (train, N)
        assert rel_error(dbeta, theirs.bias.grad.numpy()) < 1e-13, (train, N)
        assert rel_error(ours.running_mean, theirs.running_mean.numpy()) < 1e-14, (train, N)
        assert rel_error(ours.running_var, theirs.running_var.numpy()) < 1e-14, (train, N)


def _torch_bn_mlp(model):
    """torch's Linear(bias=False) -> BatchNorm1d -> activation per hidden layer, then Linear, with model's weights."""
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid}[model.activation]
    layers, L = [], model.n_layers
    for l in range(1, L + 1):
        W = torch.tensor(model.params[f"W{l}"].T.copy())
        lin = torch.nn.Linear(*model.params[f"W{l}"].shape, bias=l == L, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(W)
            if l == L:
                lin.bias.copy_(torch.tensor(model.params[f"b{l}"]))
        layers.append(lin)
        if l < L:
            bn = torch.nn.BatchNorm1d(W.shape[0], dtype=torch.float64)
            with torch.no_grad():
                bn.weight.copy_(torch.tensor(model.params[f"gamma{l}"]))
                bn.bias.copy_(torch.tensor(model.params[f"beta{l}"]))
            layers += [bn, act()]
    return torch.nn.Sequential(*layers)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_batchnorm_mlp_matches_torch(activation):
    gen = np.random.default_rng(11)
    model = nnedu.MLP([5, 7, 6, 3], activation=activation, batchnorm=True, seed=4)
    for k in model.params:                     # gamma and beta away from their initial 1 and 0
        if k.startswith(("gamma", "beta")):
            model.params[k] += gen.uniform(-0.5, 0.5, model.params[k].shape)
    net = _torch_bn_mlp(model)
    names = {k: i for i, k in enumerate(k for k in model.params)}
    torch_params = list(net.parameters())      # W1, gamma1, beta1, W2, gamma2, beta2, W3, b3: params' order
    assert len(torch_params) == len(names)
    for _ in range(3):                         # training batches: loss, gradients and running statistics
        X, y = gen.standard_normal((12, 5)) * 2, gen.integers(0, 3, 12)
        loss, grads = model.loss(X, y)
        net.train()
        net.zero_grad()
        t_loss = torch.nn.functional.cross_entropy(net(torch.tensor(X)), torch.tensor(y))
        t_loss.backward()
        assert abs(loss - t_loss.item()) < 1e-12 * abs(loss)
        for k, i in names.items():
            t_grad = torch_params[i].grad.numpy()
            assert rel_error(grads[k], t_grad.T if k.startswith("W") else t_grad) < 1e-10, k
    stats = model.running_stats()
    for l, bn in [(1, net[1]), (2, net[4])]:
        assert rel_error(stats[f"running_mean{l}"], bn.running_mean.numpy()) < 1e-13
        assert rel_error(stats[f"running_var{l}"], bn.running_var.numpy()) < 1e-13
    X_test = gen.standard_normal((4, 5))
    net.eval()
    assert rel_error(model.loss(X_test), net(torch.tensor(X_test)).detach().numpy()) < 1e-12   # running statistics
