"""Lab 1's shortcut submission (issue 20 §1, issue 23): answers that call nnedu's own layers, loss, network and
training, or torch.autograd, instead of writing the backward pass. ``grad_check`` is honest (the solution's).

``ANSWERS``: {answer cell grade_id: source} replacing the solution's answers; ``WITHHELD``: {graded test:
the rule its feedback must name}; every other test keeps its points.
"""
LAYERS = "Lab 1 may not use nnedu.layers"
NETWORK = "Lab 1 may not use nnedu.network"

ANSWERS = {
    "linear": '''
import nnedu.layers


def linear_forward(z, W, b):
    layer = nnedu.layers.Linear()
    return layer.forward(z, W, b), layer


def linear_backward(delta, cache):
    return cache.backward(delta)
''',
    "activations": '''
from nnedu.layers import ReLU, Tanh


def forward_through(layer, a):
    """An nnedu layer's output, and the layer itself as the cache."""
    return layer.forward(a), layer


def tanh_forward(a):
    return forward_through(Tanh(), a)


def relu_forward(a):
    return forward_through(ReLU(), a)


def tanh_backward(dz, cache):
    return cache.backward(dz)


relu_backward = tanh_backward
''',
    "softmax_loss": '''
import torch


def softmax_loss(scores, y):
    s = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(s, torch.as_tensor(y, dtype=torch.long))
    loss.backward()
    return float(loss.item()), s.grad.numpy()
''',
    "two_layer_loss": '''
def two_layer_loss(params, X, y=None, l2=0.0, activation="tanh"):
    model = nnedu.MLP([params["W1"].shape[0], params["W1"].shape[1], params["W2"].shape[1]],
                      activation=activation, l2=l2)
    model.set_params(params)
    return model.loss(X) if y is None else model.loss(X, y)
''',
    "sgd_train": '''
from nnedu.train import train_step


def sgd_train(params, X, y, epochs, lr, batch_size=32, l2=0.0, activation="tanh", seed=0):
    model = nnedu.MLP([params["W1"].shape[0], params["W1"].shape[1], params["W2"].shape[1]],
                      activation=activation, l2=l2)
    model.set_params(params)
    optimizer, rng, history = nnedu.SGD(lr), np.random.default_rng(seed), []
    for _ in range(epochs):
        order = rng.permutation(len(y))
        losses = [train_step(model, optimizer, X[order[i:i + batch_size]], y[order[i:i + batch_size]])
                  for i in range(0, len(y), batch_size)]
        history.append(float(np.mean(losses)))
    for k in params:
        params[k][...] = model.params[k]
    return history


SETTINGS = dict(hidden=64, activation="tanh", epochs=20, lr=0.1, batch_size=32, l2=1e-4)
''',
}

WITHHELD = {
    "test_linear_forward": LAYERS, "test_linear_backward": LAYERS,
    "test_activations_forward": LAYERS, "test_activations_backward": LAYERS,
    "test_softmax_loss_value": "Lab 1 may not use torch", "test_softmax_loss_gradient": "Lab 1 may not use torch",
    "test_two_layer_loss": NETWORK, "test_two_layer_gradients": NETWORK,
    "test_sgd_train": "Lab 1 may not use nnedu.train", "test_sgd_accuracy": "Lab 1 may not use nnedu.train",
}
