"""The package as a whole: a fast ``import nnedu`` (submodules on first use) and the one integer check."""
import subprocess
import sys

import numpy as np
import pytest

from nnedu.checks import check_int


def test_import_is_lazy_and_every_submodule_is_reachable():
    code = """
import sys
import nnedu
heavy = [m for m in ("sklearn", "matplotlib", "scipy") if m in sys.modules]
assert not heavy, heavy
assert nnedu.data.spiral(n_per_class=5)[0].shape == (15, 2) and "sklearn" not in sys.modules
nnedu.data.moons(n_samples=10)
assert "sklearn" in sys.modules
for name in ("images", "plots", "pretrained", "widgets", "diagnostics"):
    assert getattr(nnedu, name).__name__ == "nnedu." + name
assert {"images", "pretrained", "widgets"} <= set(dir(nnedu))
try:
    nnedu.no_such_module
except AttributeError as e:
    assert "no_such_module" in str(e)
else:
    raise AssertionError("nnedu.no_such_module did not raise")
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("value, kw, error, msg", [
    (2.5, {}, TypeError, r"n: expected a positive integer, got 2\.5"),
    (True, {}, TypeError, "n: expected a positive integer, got True"),
    (np.bool_(True), {}, TypeError, "n: expected a positive integer"),
    ("3", {}, TypeError, "n: expected a positive integer, got '3'"),
    (0, {}, ValueError, "n: expected a positive integer, got 0"),
    (1, {"low": 2}, ValueError, "n: expected an integer >= 2, got 1"),
    (10, {"low": 0, "high": 9}, ValueError, r"n: expected an integer in 0\.\.9, got 10"),
    (-1, {"low": 0, "what": "a layer number"}, ValueError, "n: expected a layer number, got -1"),
])
def test_check_int_names_what_was_expected(value, kw, error, msg):
    with pytest.raises(error, match=msg):
        check_int(value, "n", **kw)


def test_check_int_returns_a_python_int():
    assert check_int(np.int64(3), "n") == 3 and type(check_int(np.int64(3), "n")) is int
    assert check_int(0, "n", low=0) == 0 and check_int(9, "n", low=0, high=9) == 9
