"""Execute notebooks in place with nbclient, so their committed outputs match what nbval will see."""
import html
import os
import time
from pathlib import Path

import nbclient
import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
BAR_WIDTH = 10  # characters, as tqdm's text bar in a notebook's text/plain


def execute_notebook(path, timeout=600, kernel_name="python3"):
    """Run every cell of the notebook at ``path`` top to bottom in a fresh kernel and save it in place.

    The kernel's working directory is the notebook's folder, as in JupyterLab. Progress bars' text fallback shows
    their finished state (``finish_progress_text``). Returns the seconds it took.
    Raises nbclient's CellExecutionError (the file is left untouched) when a cell fails.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    # store_widget_state: the final state of every widget (finished progress bars, the playground) is saved in
    # the notebook's metadata, so JupyterLab shows it before the student runs anything (the notebook must be
    # trusted for that: `make lab` trusts the course's notebooks).
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, store_widget_state=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # let the kernel use the inline backend
    client.execute(env=env)
    seconds = time.perf_counter() - start
    finish_progress_text(nb)
    _write(nb, path)
    return seconds


def finish_progress_text(nb):
    """Make each tqdm progress bar's text/plain show the bar's final state; returns how many bars it rewrote.

    A widget output carries the widget's text form as captured when it was displayed: for a tqdm bar that is
    "desc:   0%|          | 0/30 [00:00<?, ?it/s]", which is what every viewer without widget state shows (a
    repository's web view, nbconvert to markdown, a text diff). The finished state is in the notebook's saved
    widget state: tqdm's bar is an HBox of an HTML (desc and percentage), a progress bar (value out of max) and
    an HTML (count, times, postfix). Other widget outputs are left alone.
    """
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    rewritten = 0
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            text = _bar_text(state, data[WIDGET_VIEW].get("model_id")) if WIDGET_VIEW in data else None
            if text is not None:
                data["text/plain"] = text
                rewritten += 1
    return rewritten


def finish_progress_text_file(path):
    """``finish_progress_text`` on the notebook at ``path``, saved in place (no re-execution); returns the count."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    n = finish_progress_text(nb)
    if n:
        _write(nb, path)
    return n


def _bar_text(state, model_id):
    """tqdm's text line for the bar whose HBox is ``model_id`` in the saved widget ``state``; None if not a bar."""
    box = state.get(model_id, {})
    kids = [state.get(k.removeprefix("IPY_MODEL_"), {}) for k in box.get("state", {}).get("children", [])]
    kinds = [k.get("model_name") for k in kids]
    if box.get("model_name") != "HBoxModel" or len(kids) != 3 or kinds[0] != "HTMLModel" or kinds[2] != "HTMLModel" \
            or kinds[1] not in ("FloatProgressModel", "IntProgressModel"):
        return None
    left, bar, right = (k.get("state", {}) for k in kids)
    lo, hi, value = bar.get("min", 0), bar.get("max", 0), bar.get("value", 0)
    fraction = min(max((value - lo) / (hi - lo), 0.0), 1.0) if hi > lo else 1.0
    full = int(fraction * BAR_WIDTH)
    return f"{_plain(left.get('value', ''))}|{'█' * full}{' ' * (BAR_WIDTH - full)}|{_plain(right.get('value', ''))}"


def _plain(value):
    """A tqdm HTML label as plain text: entities decoded, tqdm's figure spaces back to spaces."""
    return html.unescape(value).replace("\u2007", " ")


def _write(nb, path):
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)  # never leave a half-written notebook
