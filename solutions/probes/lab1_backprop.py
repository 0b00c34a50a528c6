"""Probes for Lab 1 (backpropagation by hand): each graded test, checked outside the student's kernel.

See nnedu/instructor/probes.py: ``inputs(rng)`` draws fresh inputs in the grader, ``code`` runs in the student's
kernel and fills ``outputs`` with what the student's functions return, ``check`` recomputes the answers here.
"""
import numpy as np

from nnedu.gradcheck import rel_error
from nnedu.instructor.probes import Probe


def _sizes(rng, low=1, high=9, n=3):
    return [int(k) for k in rng.integers(low, high, size=n)]


# --- Part A: linear_forward ---------------------------------------------------------------------------------
def linear_forward_inputs(rng):
    N, D, H = _sizes(rng)
    return {"z": rng.normal(size=(N, D)), "W": rng.normal(size=(D, H)), "b": rng.normal(size=H)}


LINEAR_FORWARD = """
z, W, b = inputs["z"].copy(), inputs["W"].copy(), inputs["b"].copy()
outputs["a"] = linear_forward(z, W, b)[0]
outputs["inputs_kept"] = (np.array_equal(z, inputs["z"]) and np.array_equal(W, inputs["W"])
                          and np.array_equal(b, inputs["b"]))
"""


def linear_forward_check(inputs, outputs):
    z, W, b = inputs["z"], inputs["W"], inputs["b"]
    a = outputs["a"]
    assert a.shape == (len(z), W.shape[1]), "wrong shape"
    assert rel_error(a, np.einsum("nd,dh->nh", z, W) + b) < 1e-12, "wrong values"
    assert outputs["inputs_kept"], "changed its inputs"


PROBES = [
    Probe("test_linear_forward", linear_forward_inputs, LINEAR_FORWARD, linear_forward_check),
]
