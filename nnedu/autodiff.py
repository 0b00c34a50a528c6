"""Backpropagation on a computational graph: reverse-mode automatic differentiation of scalars.

Every ``Value`` is one node of the graph: a number ``data``, the nodes it was computed from (its parents) and,
for each parent p, the local derivative d(node)/d(p) of the one operation that made it. ``E.backward()`` then
goes through the graph from ``E`` down to the leaves, in reverse topological order (a node after every node
that uses it), and applies the chain rule

    dE/dp  +=  dE/d(node) * d(node)/dp        for every parent p of every node,

so that ``p.grad`` ends as dE/dp summed over all paths from p to E. For a network this is lecture 4's backward
pass: the ``grad`` of a unit's weighted sum a_j is its error delta_j, and a weight's ``grad`` is dE/dw_ji.
``torch.autograd`` does the same with tensors as nodes.

Values work inside numpy object arrays, so the forward pass of a network is the usual numpy code:

    W1, x = values(w1, "w"), values(xs, "x")          # leaves named w11, w12, ..., x1, x2, ...
    E = 0.5 * np.sum((values(w2, "v") @ np.tanh(W1 @ x) - t) ** 2)
    E.backward()
    grads(W1)                                         # dE/dw_ji^(1), same shape as w1
"""
import math
import numbers

import numpy as np


class Value:
    """A scalar node: ``data``, ``grad`` (dE/d(this node) after ``E.backward()``), ``parents``, ``local_grads``
    (d(this)/d(parent), one per parent), ``op`` (what made it) and ``name`` (a label: ``values`` names leaves,
    ``named`` any node)."""

    __array_ufunc__ = None  # numpy scalars defer to Value's operators (np.float64(2) * v is a Value)

    def __init__(self, data, name="", parents=(), local_grads=(), op=""):
        if isinstance(data, Value):
            raise TypeError("data: expected a real number; wrap a number, not a Value")
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"data: expected a real number (int or float), got {type(data).__name__}: {data!r}")
        self.data, self.grad, self.name, self.op = float(data), 0.0, str(name), op
        self.parents, self.local_grads = tuple(parents), tuple(local_grads)

    def __repr__(self):
        return f"Value({self.data:.4g}, grad={self.grad:.4g}{', ' + repr(self.name) if self.name else ''})"

    def named(self, name):
        """Give this node a name (shown in ``draw_graph``, e.g. ``a1`` for a weighted sum); returns the node."""
        self.name = str(name)
        return self

    # -- operations: each returns a new node with its local derivatives ----------------------------------------
    def __add__(self, other):
        other = as_value(other)
        return Value(self.data + other.data, parents=(self, other), local_grads=(1.0, 1.0), op="+")

    def __mul__(self, other):
        other = as_value(other)          # d(uv)/du = v, d(uv)/dv = u
        return Value(self.data * other.data, parents=(self, other), local_grads=(other.data, self.data), op="*")

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, numbers.Real):
            raise TypeError(f"exponent: expected a constant real number, got {type(k).__name__}: {k!r}")
        return Value(self.data ** k, parents=(self,), local_grads=(k * self.data ** (k - 1),), op=f"**{k:g}")

    def tanh(self):
        t = math.tanh(self.data)         # tanh'(a) = 1 - tanh(a)^2
        return Value(t, parents=(self,), local_grads=(1 - t * t,), op="tanh")

    def sigmoid(self):
        s = 0.5 * (1 + math.tanh(0.5 * self.data))   # 1 / (1 + e^-a) without overflow; s' = s (1 - s)
        return Value(s, parents=(self,), local_grads=(s * (1 - s),), op="sigmoid")

    def exp(self):
        e = math.exp(self.data)          # exp' = exp
        return Value(e, parents=(self,), local_grads=(e,), op="exp")

    def log(self):
        if self.data <= 0:
            raise ValueError(f"log: expected a positive number, got {self.data!r}")
        return Value(math.log(self.data), parents=(self,), local_grads=(1 / self.data,), op="log")

    def relu(self):
        return Value(max(self.data, 0.0), parents=(self,), local_grads=(float(self.data > 0),), op="relu")

    def __sub__(self, other):
        other = as_value(other)
        return Value(self.data - other.data, parents=(self, other), local_grads=(1.0, -1.0), op="-")

    def __truediv__(self, other):
        other = as_value(other)          # d(u/v)/du = 1/v, d(u/v)/dv = -u/v^2
        return Value(self.data / other.data, parents=(self, other),
                     local_grads=(1 / other.data, -self.data / other.data ** 2), op="/")

    def __neg__(self):
        return Value(-self.data, parents=(self,), local_grads=(-1.0,), op="neg")

    def __radd__(self, other):
        return as_value(other) + self

    def __rmul__(self, other):
        return as_value(other) * self

    def __rsub__(self, other):
        return as_value(other) - self

    def __rtruediv__(self, other):
        return as_value(other) / self

    # -- the backward pass ---------------------------------------------------------------------------------------
    def backward(self):
        """Set ``grad`` = d(self)/d(node) on every node of self's graph (earlier grads are reset, not summed).

        dself/dself = 1; then, in reverse topological order, each node passes ``grad * local_grad`` to each
        parent, which adds up what it gets from all the nodes that use it (the sum over k in
        delta_j = h'(a_j) sum_k w_kj delta_k).
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += node.grad * local


def as_value(x):
    """``x`` itself if it is a Value, else a constant leaf holding the real number ``x``."""
    if isinstance(x, Value):
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"expected a Value or a real number, got {type(x).__name__}: {x!r}")
    return Value(x, name=f"{x:g}")


def topological_order(root):
    """Every node ``root`` depends on, each after all of its parents (depth-first, no recursion limit)."""
    if not isinstance(root, Value):
        raise TypeError(f"root: expected a Value, got {type(root).__name__}")
    order, seen, stack = [], {id(root)}, [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        parent = next(parents, None)
        if parent is None:
            order.append(node)
            stack.pop()
        elif id(parent) not in seen:
            seen.add(id(parent))
            stack.append((parent, iter(parent.parents)))
    return order


def values(array, name=""):
    """A numpy object array of leaf Values holding ``array``'s numbers, named ``name`` + the 1-based index
    (``values(w1, "w")[0, 1]`` is ``w12``): the weights or inputs of a forward pass built from Values."""
    a = np.asarray(array)
    if a.dtype.kind not in "iuf":
        raise TypeError(f"array: expected real numbers, got dtype {a.dtype}")
    out = np.empty(a.shape, dtype=object)
    for idx in np.ndindex(a.shape):
        out[idx] = Value(a[idx].item(), name=name + "".join(str(i + 1) for i in idx))
    return out


def grads(array):
    """The ``grad`` of each Value of an object array (from ``values``), as a float array of the same shape."""
    a = np.asarray(array, dtype=object)
    bad = [type(v).__name__ for v in a.flat if not isinstance(v, Value)]
    if bad:
        raise TypeError(f"array: expected an array of Values, found {bad[0]}")
    return np.vectorize(lambda v: v.grad, otypes=[float])(a) if a.size else np.zeros(a.shape)


def layout(root):
    """Positions for drawing the graph: ``{node: (column, row)}``, the column the node's depth (an operation one
    column right of its deepest parent, a leaf one column left of its first user), rows numbered per column."""
    order = topological_order(root)
    depth = {}
    for node in order:
        depth[node] = 1 + max(depth[p] for p in node.parents) if node.parents else 0
    users = {}
    for node in order:
        for p in node.parents:
            users.setdefault(p, []).append(node)
    for node in order:
        if not node.parents:
            depth[node] = min((depth[u] for u in users.get(node, [])), default=1) - 1
    pos, used = {}, {}
    for node in order:
        pos[node] = (depth[node], used.get(depth[node], 0))
        used[depth[node]] = pos[node][1] + 1
    return pos


def draw_graph(root, ax=None, show_grad=True):
    """Draw ``root``'s graph left to right with matplotlib: each node's name or operation, its value and (after
    ``backward()``) its grad; an arrow from each parent to the node it feeds. Returns the axes."""
    import matplotlib.pyplot as plt
    pos = layout(root)
    height = {c: 1 + max(r for cc, r in pos.values() if cc == c) for c, _ in pos.values()}
    tall = max(height.values())
    xy = {n: (c, (tall - height[c]) / 2 + r) for n, (c, r) in pos.items()}
    if ax is None:
        _, ax = plt.subplots(figsize=(2.0 * (1 + max(c for c, _ in pos.values())), 0.9 * tall + 0.6))
    for node, (x1, y1) in xy.items():
        for parent in node.parents:
            x0, y0 = xy[parent]
            ax.annotate("", (x1 - 0.33, y1), (x0 + 0.33, y0), arrowprops=dict(arrowstyle="->", color="0.6", lw=0.8))
    for node, (x, y) in xy.items():
        label = f"{node.name} ({node.op})" if node.name and node.op else node.name or node.op
        text = f"{label}\n{node.data:.3f}" + (f"\ngrad {node.grad:+.3f}" if show_grad else "")
        leaf = not node.parents
        ax.text(x, y, text, ha="center", va="center", fontsize=8,
                bbox=dict(boxstyle="round", fc="#dbe9f6" if leaf else "#fbe6c8", ec="0.4"))
    ax.set(xlim=(-0.6, max(c for c, _ in pos.values()) + 0.6), ylim=(tall - 0.4, -0.6))
    ax.axis("off")
    return ax
