"""The claim decorator refuses a claim whose sentence is not in the named cell."""
import pytest
from claimkit import _cells, claim

NOTEBOOK = "lectures/01_neural_networks.ipynb"


def test_a_claim_must_quote_its_cell():
    cell_id, text = next((k, v) for k, v in _cells(NOTEBOOK).items() if len(v.split()) > 5)
    quote = " ".join(text.split()[:5])
    assert claim(NOTEBOOK, cell_id, quote)(lambda: None) is not None
    with pytest.raises(LookupError, match="no longer says"):
        claim(NOTEBOOK, cell_id, quote + " and something it never said")
    with pytest.raises(LookupError, match="no cell with id"):
        claim(NOTEBOOK, "no-such-cell", quote)
