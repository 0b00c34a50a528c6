"""The claims suite's one rule: every test here backs a sentence of a notebook, and says which.

    @claim("lectures/03_gradient_descent.ipynb", "c7a1b2", "the loss stalls because the ReLUs die")
    def test_large_rates_kill_relus():
        for seed in SEEDS: ...

``claim(notebook, cell_id, quote)`` checks, when the test module is collected, that the cell with that id
(nbformat's cell ``id``) still contains ``quote`` (whitespace-insensitive): prose and claim cannot drift apart
silently. The notebooks keep their one seed for reading; these tests re-run the experiment over several seeds
and splits and assert that the sentence holds in every run (or in the fraction the sentence states, with the
spread printed). ``make claims`` runs them and ends with the list of claims and their verdicts.
"""
import functools
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SEEDS = range(5)  # the least a claim is checked on; a claim may use more
CLAIMS = []  # (notebook, cell_id, quote, test nodeid suffix) of every collected claim


def _squash(text):
    return re.sub(r"\s+", " ", text).strip()


@functools.lru_cache(maxsize=None)
def _cells(notebook):
    nb = json.loads((REPO / notebook).read_text(encoding="utf-8"))
    return {c.get("id"): "".join(c["source"]) for c in nb["cells"]}


def claim(notebook, cell_id, quote):
    """Mark a test as backing ``quote``, a phrase of cell ``cell_id`` of ``notebook`` (a path from the repo)."""
    cells = _cells(notebook)
    if cell_id not in cells:
        raise LookupError(f"{notebook} has no cell with id {cell_id!r} (a claim names a cell by its id)")
    if _squash(quote) not in _squash(cells[cell_id]):
        raise LookupError(f"{notebook}, cell {cell_id!r}, no longer says {quote!r}: update the claim or the prose")

    def mark(test):
        CLAIMS.append((notebook, cell_id, quote, test.__name__))
        return pytest.mark.claim(notebook=notebook, cell=cell_id, quote=quote)(test)
    return mark
