"""Lab 2 (the same MLP in PyTorch and in nnedu): wrong answers its probes must reject (see test_lab_probes.py).

Mistakes students make: torch's default leaky slope, an activation after the last layer, a forgotten transpose,
weights that share nnedu's memory, gradients that accumulate, the penalty on the biases, the loss recorded after the
step, the mean instead of the shortest time... The timing probe sleeps about a second per run: it runs on a virtual
clock (``CLOCKED``), and the solution once on the real one.
"""
CLOCKED = ["test_seconds_per_epoch"]

TWO_LAYERS_ONLY = '''
def make_torch_mlp(sizes, activation="tanh", dtype=torch.float64):
    modules = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU,
               "leaky_relu": lambda: nn.LeakyReLU(0.1), "elu": lambda: nn.ELU(alpha=1.0)}
    if activation not in modules:
        raise ValueError(activation)
    return nn.Sequential(nn.Linear(sizes[0], sizes[1], dtype=dtype), modules[activation](),
                         nn.Linear(sizes[1], sizes[-1], dtype=dtype))
'''
SHARED_MEMORY = '''
def copy_params(nnedu_model, torch_model):
    for l, lin in enumerate(linear_layers(torch_model), start=1):
        lin.weight.data = torch.from_numpy(nnedu_model.params[f"W{l}"].T)
        lin.bias.data = torch.from_numpy(nnedu_model.params[f"b{l}"])
    return torch_model
'''
NO_GRAD_PARAMETERS = '''
def copy_params(nnedu_model, torch_model):
    for l, lin in enumerate(linear_layers(torch_model), start=1):
        lin.weight = nn.Parameter(torch.tensor(nnedu_model.params[f"W{l}"].T, dtype=lin.weight.dtype),
                                  requires_grad=False)
        lin.bias = nn.Parameter(torch.tensor(nnedu_model.params[f"b{l}"], dtype=lin.bias.dtype), requires_grad=False)
    return torch_model
'''
WARMUP_TIMED = '''
def seconds_per_epoch(run_epoch, device="cpu", warmup=1, repeats=3):
    times = []
    for _ in range(warmup + repeats):
        start = time.perf_counter()
        run_epoch()
        times.append(time.perf_counter() - start)
    return float(min(times))
'''
RETURN = "return float(min(times))"

WRONG = {
    "test_make_torch_mlp": {
        "torch's default leaky slope 0.01": ("make_torch_mlp", [("nn.LeakyReLU(0.1)", "nn.LeakyReLU()")]),
        "ELU with alpha 0.5": ("make_torch_mlp", [("nn.ELU(alpha=1.0)", "nn.ELU(alpha=0.5)")]),
        "an activation after the last layer": ("make_torch_mlp", [(
            ("if l > 0:\n            layers.append(modules[activation]())\n"
             "        layers.append(nn.Linear(fan_in, fan_out, dtype=dtype))"),
            "layers.append(nn.Linear(fan_in, fan_out, dtype=dtype))\n        layers.append(modules[activation]())")]),
        "dtype ignored": ("make_torch_mlp", [("nn.Linear(fan_in, fan_out, dtype=dtype)",
                                              "nn.Linear(fan_in, fan_out, dtype=torch.float64)")]),
        "KeyError for an unknown name": ("make_torch_mlp", [("if activation not in modules:", "if False:")]),
        "two layers whatever the sizes": ("make_torch_mlp", TWO_LAYERS_ONLY),
    },
    "test_copy_params": {
        "weights share nnedu's memory": ("copy_params", SHARED_MEMORY),
        "parameters no longer require grad": ("copy_params", NO_GRAD_PARAMETERS),
        "reshape instead of transpose": ("copy_params", [('params[f"W{l}"].T',
                                                          'params[f"W{l}"].reshape(lin.weight.shape)')]),
        "only the first two layers": ("copy_params", [("enumerate(layers, start=1)", "enumerate(layers[:2], start=1)"),
                                                      ("if len(layers) != nnedu_model.n_layers:", "if False:")]),
        "the model not returned": ("copy_params", [("return torch_model", "pass")]),
    },
    "test_torch_loss_and_grads": {
        "gradients accumulate (no zero_grad)": ("torch_loss_and_grads", [("torch_model.zero_grad(set_to_none=True)",
                                                                          "pass")]),
        "the penalty on the biases too": ("torch_loss_and_grads", [(
            "sum((lin.weight ** 2).sum() for lin in layers)",
            "sum((p ** 2).sum() for p in torch_model.parameters())")]),
        "the penalty without 1/2": ("torch_loss_and_grads", [("loss + 0.5 * l2 * sum", "loss + l2 * sum")]),
        "the loss as a tensor": ("torch_loss_and_grads", [("return loss.item(), grads",
                                                           "return loss.detach(), grads")]),
        "weight gradients not transposed": ("torch_loss_and_grads", [("lin.weight.grad.T.cpu()",
                                                                      "lin.weight.grad.cpu()")]),
        "a sum over the batch": ("torch_loss_and_grads", [(
            "F.cross_entropy(torch_model(X_t), y_t)", 'F.cross_entropy(torch_model(X_t), y_t, reduction="sum")')]),
    },
    "test_train_torch": {
        "the loss recorded after the step": ("train_torch", [(
            "losses.append(loss.item())", "losses.append(F.cross_entropy(torch_model(X_t[idx]), y_t[idx]).item())")]),
        "l2 ignored": ("train_torch", [("if l2:", "if False:")]),
        "gradients accumulate (no zero_grad)": ("train_torch", [("optimizer.zero_grad()", "pass")]),
        "momentum": ("train_torch", [("lr=lr)", "lr=lr, momentum=0.9)")]),
        "its own batches": ("train_torch", [("for idx in batches:",
                                             "for idx in np.array_split(np.arange(len(X)), len(batches)):")]),
        "a list, not an array": ("train_torch", [("return np.array(losses)", "return losses")]),
        "X centred in place": ("train_torch", [("first = next(torch_model.parameters())",
                                                "X -= X.mean(axis=0)\n    first = next(torch_model.parameters())")]),
    },
    "test_seconds_per_epoch": {
        "the mean, not the shortest": ("seconds_per_epoch", [(RETURN, "return float(sum(times) / len(times))")]),
        "the last time": ("seconds_per_epoch", [(RETURN, "return float(times[-1])")]),
        "milliseconds": ("seconds_per_epoch", [(RETURN, "return float(1000 * min(times))")]),
        "no warm-up": ("seconds_per_epoch", [("for _ in range(warmup):\n        run_epoch()\n", "")]),
        "the warm-up calls timed too": ("seconds_per_epoch", WARMUP_TIMED),
    },
}
