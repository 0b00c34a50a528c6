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
