"""nnedu.autodiff, the scalar reverse-mode autodiff of lecture 4: local derivatives, backward over a graph, and
parity with nnedu's hand-written backprop and with torch.autograd on random small networks."""
import math

import numpy as np
import pytest
import torch

import nnedu
from nnedu import autodiff as ad
from nnedu.autodiff import Value

ACTIVATIONS = ["tanh", "sigmoid", "relu"]


def forward(params, X, T, activation, output):
    """The loss of an nnedu.MLP written with Values: mean over samples of the per-sample loss (nnedu's contract)."""
    W = [params[k] for k in sorted(params) if k.startswith("W")]
    b = [params[k] for k in sorted(params) if k.startswith("b")]
    losses = []
    for x, t in zip(X, T):
        z = x
        for layer, (Wl, bl) in enumerate(zip(W, b), start=1):
            a = z @ Wl + bl
            z = np.array([getattr(v, activation)() for v in a]) if layer < len(W) else a
        if output == "identity":
            losses.append(0.5 * np.sum((z - t) ** 2))
        else:                                        # softmax with cross-entropy, t the label
            m = max(v.data for v in z)               # a constant shift: the gradient does not change
            losses.append(np.sum([(v - m).exp() for v in z]).log() - (z[t] - m))
    return np.sum(losses) / len(losses)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("output", ["identity", "softmax"])
@pytest.mark.parametrize("seed", range(3))
def test_gradients_equal_nnedu_and_torch_on_random_networks(activation, output, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(2, 4)), int(rng.integers(2, 4))]
    N = int(rng.integers(1, 4))
    model = nnedu.MLP(sizes, activation=activation, output=output, seed=seed)
    model.set_params({k: v + rng.normal(0, 0.1, v.shape) for k, v in model.params.items()})  # biases non-zero
    X = rng.normal(size=(N, sizes[0]))
    T = rng.normal(size=(N, sizes[-1])) if output == "identity" else rng.integers(0, sizes[-1], N)
    loss, expected = model.loss_and_grads(X, T)

    leaves = {k: ad.values(v, k) for k, v in model.params.items()}
    E = forward(leaves, X, T, activation, output)
    E.backward()
    assert E.data == pytest.approx(loss, rel=1e-12)
    for k, v in leaves.items():
        assert ad.grads(v).shape == expected[k].shape
        np.testing.assert_allclose(ad.grads(v), expected[k], rtol=1e-10, atol=1e-13, err_msg=k)

    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in model.params.items()}
    z = torch.tensor(X)
    for layer in range(1, len(sizes)):
        a = z @ tensors[f"W{layer}"] + tensors[f"b{layer}"]
        z = getattr(torch, activation)(a) if layer < len(sizes) - 1 else a
    if output == "identity":
        torch_loss = 0.5 * ((z - torch.tensor(T)) ** 2).sum(dim=1).mean()
    else:
        torch_loss = torch.nn.functional.cross_entropy(z, torch.tensor(T))
    torch_loss.backward()
    assert E.data == pytest.approx(torch_loss.item(), rel=1e-12)
    for k, v in leaves.items():
        np.testing.assert_allclose(ad.grads(v), tensors[k].grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=k)


@pytest.mark.parametrize("op, f, df", [
    (Value.tanh, math.tanh, lambda a: 1 - math.tanh(a) ** 2),
    (Value.sigmoid, lambda a: 1 / (1 + math.exp(-a)), lambda a: math.exp(-a) / (1 + math.exp(-a)) ** 2),
    (Value.exp, math.exp, math.exp),
    (Value.log, math.log, lambda a: 1 / a),
    (lambda v: v ** 3, lambda a: a ** 3, lambda a: 3 * a ** 2),
    (lambda v: 2.0 / v, lambda a: 2 / a, lambda a: -2 / a ** 2),
    (lambda v: 1.5 - v, lambda a: 1.5 - a, lambda a: -1.0),
    (lambda v: -v * 4, lambda a: -4 * a, lambda a: -4.0),
])
@pytest.mark.parametrize("a", [0.3, 1.7, 2.5])
def test_each_operation_value_and_derivative(op, f, df, a):
    x = Value(a)
    out = op(x)
    out.backward()
    assert out.data == pytest.approx(f(a), rel=1e-14)
    assert x.grad == pytest.approx(df(a), rel=1e-12)
    h = 1e-6                                            # and the derivative is the slope
    assert x.grad == pytest.approx((op(Value(a + h)).data - op(Value(a - h)).data) / (2 * h), rel=1e-6)


def test_relu_and_a_node_used_twice_sums_its_paths():
    x = Value(-2.0)
    x.relu().backward()
    assert x.grad == 0.0
    x = Value(3.0)
    y = x * x + x.tanh() * x          # x reaches y by four paths
    y.backward()
    assert x.grad == pytest.approx(2 * 3 + math.tanh(3) + 3 * (1 - math.tanh(3) ** 2), rel=1e-14)


def test_backward_twice_gives_the_same_grads_and_works_on_deep_graphs():
    x = Value(0.5)
    y = x
    for _ in range(5000):             # deeper than Python's recursion limit
        y = y * 1.0 + 0.0
    y.backward()
    y.backward()
    assert x.grad == 1.0
    assert len(ad.topological_order(y)) == 1 + 4 * 5000


def test_topological_order_puts_parents_first_and_layout_by_depth():
    w, x = Value(2.0, "w"), Value(3.0, "x")
    a = (w * x).named("a")
    E = (a.tanh() + a).named("E")
    order = ad.topological_order(E)
    assert all(order.index(p) < order.index(n) for n in order for p in n.parents)
    pos = ad.layout(E)
    assert pos[w][0] == pos[x][0] == 0 and pos[a][0] == 1 and pos[E][0] == 3
    assert len(set(pos.values())) == len(pos)         # no two nodes drawn in one place


def test_numpy_scalars_and_arrays_use_values_operators():
    v = Value(3.0)
    for out in (np.float64(2.0) * v, v * np.float64(2.0), np.int64(2) * v):
        assert isinstance(out, Value) and out.data == 6.0
    t = np.tanh(ad.values([0.5, -1.0]))                   # numpy calls Value.tanh on each element
    assert [n.op for n in t] == ["tanh", "tanh"] and t[1].data == pytest.approx(math.tanh(-1.0), rel=1e-15)


def test_values_and_grads_keep_shapes_and_names():
    W = ad.values(np.arange(6.0).reshape(2, 3), "w")
    assert W.shape == (2, 3) and W[1, 2].name == "w23" and W[1, 2].data == 5.0
    (W @ np.ones(3)).sum().backward()
    np.testing.assert_array_equal(ad.grads(W), np.ones((2, 3)))


def test_draw_graph_draws_every_node():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = ad.values([1.0, -0.5], "x")
    E = np.tanh(ad.values([[0.4, -0.6]], "w") @ x)[0]
    E.backward()
    ax = ad.draw_graph(E)
    labels = [t.get_text() for t in ax.texts if t.get_text()]   # the arrows are empty annotations
    order = ad.topological_order(E)
    assert len(labels) == len(order) and len(ax.texts) - len(labels) == sum(len(n.parents) for n in order)
    assert "x2\n-0.500\ngrad -0.381" in labels and "tanh\n0.604\ngrad +1.000" in labels
    plt.close(ax.figure)


@pytest.mark.parametrize("bad", ["1.0", None, True, [1.0], np.array([1.0, 2.0]), 1 + 2j])
def test_bad_data_is_a_clear_type_error(bad):
    with pytest.raises(TypeError, match="data: expected a real number"):
        Value(bad)


def test_bad_operands_and_arguments_are_clear_errors():
    with pytest.raises(TypeError, match="data: expected a real number"):
        Value(Value(1.0))
    with pytest.raises(TypeError, match="expected a Value or a real number, got str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="exponent: expected a constant real number"):
        Value(2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="log: expected a positive number"):
        Value(0.0).log()
    with pytest.raises(TypeError, match="root: expected a Value"):
        ad.topological_order(1.0)
    with pytest.raises(TypeError, match="array: expected real numbers"):
        ad.values(["a", "b"])
    with pytest.raises(TypeError, match="array: expected an array of Values, found float"):
        ad.grads(np.array([1.0]))


def test_reachable_as_nnedu_autodiff_without_slowing_import_nnedu():
    import subprocess
    import sys
    code = ("import sys, nnedu; assert 'nnedu.autodiff' not in sys.modules; "
            "assert nnedu.autodiff.Value(2.0).data == 2.0")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
