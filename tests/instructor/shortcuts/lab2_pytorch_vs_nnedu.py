"""Lab 2's shortcut submission (issue 20 §1): Part 2's loss, gradients and training from nnedu (MLP.loss, the
SGD step) instead of PyTorch's autograd and torch.optim. Part 1 and the timing are honest (the solution's).
See lab1_backprop.py for the format."""
ANSWERS = {
    "torch_loss_and_grads": '''
def nnedu_twin(torch_model, l2=0.0):
    """The nnedu.MLP with the torch model's weights."""
    layers = linear_layers(torch_model)
    names = {nn.Tanh: "tanh", nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.LeakyReLU: "leaky_relu", nn.ELU: "elu"}
    act = next((names[type(m)] for m in torch_model.modules() if type(m) in names), "tanh")
    model = nnedu.MLP([layers[0].in_features] + [lin.out_features for lin in layers], activation=act, l2=l2)
    params = {}
    for l, lin in enumerate(layers, start=1):
        params[f"W{l}"] = lin.weight.detach().cpu().double().numpy().T
        params[f"b{l}"] = lin.bias.detach().cpu().double().numpy()
    model.set_params(params)
    return model


def torch_loss_and_grads(torch_model, X, y, l2=0.0):
    loss, grads = nnedu_twin(torch_model, l2).loss(X, y)
    return float(loss), grads
''',
    "train_torch": '''
def train_torch(torch_model, X, y, batches, lr, l2=0.0):
    model, optimizer = nnedu_twin(torch_model, l2), nnedu.SGD(lr)
    losses = np.array([train_step(model, optimizer, X[idx], y[idx]) for idx in batches], dtype=float)
    with torch.no_grad():
        for l, lin in enumerate(linear_layers(torch_model), start=1):
            lin.weight.copy_(torch.from_numpy(model.params[f"W{l}"].T.copy()))
            lin.bias.copy_(torch.from_numpy(model.params[f"b{l}"].copy()))
    return losses
''',
}

WITHHELD = {"test_torch_loss_and_grads": "Lab 2 may not use nnedu.network.MLP.loss",
            "test_train_torch": "Lab 2 may not use nnedu.optim"}
