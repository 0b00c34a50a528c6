"""The instructor tools' one notebook reader and one atomic writer."""
import json
import os
import tempfile
from pathlib import Path

import nbformat


def read_notebook(path):
    """The nbformat 4 notebook at ``path``, not validated; ValueError (with a short reason) when unusable.

    Checked: readable UTF-8 JSON, nbformat 4, a list of cells that each have a known type and a string source.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        version = json.loads(text).get("nbformat")
        nb = nbformat.v4.reads(text) if version == 4 else nbformat.reads(text, as_version=4)
    except Exception as e:  # unreadable file, not JSON, not a notebook at all
        raise ValueError(f"not a readable notebook ({type(e).__name__})") from None
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError("not an nbformat 4 notebook")
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw") \
                or not isinstance(cell.get("source"), str):
            raise ValueError("a cell is malformed")
        cell.setdefault("metadata", nbformat.NotebookNode())
    return nb


def write_atomic(path, data):
    """Write ``data`` (str or bytes) to ``path`` through a temporary file and a rename: never half written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
