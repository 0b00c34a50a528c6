"""nnedu_instructor.execute: notebooks executed in place keep their widgets' state, and a progress bar's text
fallback (what a viewer without widget state shows) is its finished state, which strict nbval still accepts."""
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nnedu_instructor.execute import WIDGET_STATE, WIDGET_VIEW, execute_notebook, finish_progress_text

REPO = Path(__file__).resolve().parents[2]
SANITIZE = REPO / "tests" / "nbval_sanitize.cfg"
BAR = "from tqdm.auto import tqdm\n"
CELLS = [
    BAR + "bar = tqdm(total=7, desc='steps')\nfor i in range(7):\n    bar.update(1)\n    bar.set_postfix(loss=0.5)\n"
    "bar.close()",
    BAR + "bar = tqdm(total=9, desc='fit')\nbar.update(4)\nbar.set_description('fit (early stop at epoch 4, best 2)')\n"
    "bar.close()",
    "import ipywidgets\nipywidgets.IntSlider(value=3, description='n')",
    "print('done')",
]


def outputs_with_widgets(nb):
    return [o for c in nb.cells for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    path = tmp_path_factory.mktemp("execute") / "bars.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in CELLS], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    nbformat.write(nb, path)
    execute_notebook(path, timeout=120)
    return path


def test_executed_bars_show_their_finished_state_as_text(executed):
    nb = nbformat.read(executed, as_version=4)
    assert nb.metadata["widgets"][WIDGET_STATE]["state"], "the widgets' final state is saved"
    steps, fit, slider = (o["data"]["text/plain"] for o in outputs_with_widgets(nb))
    assert re.fullmatch(r"steps: 100%\|█{10}\| 7/7 \[\d\d:\d\d<00:00, [^\]]*loss=0\.5\]", steps), steps
    assert re.fullmatch(r"fit \(early stop at epoch 4, best 2\):  44%\|████ {6}\| 4/9 \[[^\]]*\]", fit), fit
    assert "IntSlider" in slider                         # other widgets keep their own text
    assert nb.cells[3].outputs[0]["text"] == "done\n"


def test_strict_nbval_accepts_the_finished_bars(executed):
    """A fresh run shows the bars at 0% again, with the first description: the sanitizer makes them compare."""
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                          "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE), str(executed)],
                         capture_output=True, text=True, cwd=executed.parent, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "4 passed" in run.stdout


def bar_notebook(left, value, right, kind="FloatProgressModel"):
    state = {"box": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"]}},
             "l": {"model_name": "HTMLModel", "state": {"value": left}},
             "p": {"model_name": kind, "state": {"min": 0, "max": 10, "value": value}},
             "r": {"model_name": "HTMLModel", "state": {"value": right}},
             "lonely": {"model_name": "IntSliderModel", "state": {"value": 1}}}
    view = {"version_major": 2, "version_minor": 0}
    outputs = [nbformat.v4.new_output("display_data", {WIDGET_VIEW: view | {"model_id": m}, "text/plain": "before"})
               for m in ("box", "lonely", "not-saved")]
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("", outputs=outputs)],
                                    metadata={"widgets": {WIDGET_STATE: {"state": state}}})


def test_rewrites_only_bars_from_the_saved_state():
    nb = bar_notebook("a\u2007&amp;\u2007b:\u2007\u200730%", 3, "\u20073/10\u2007[00:01&lt;00:02]", "IntProgressModel")
    assert finish_progress_text(nb) == 1
    texts = [o["data"]["text/plain"] for o in nb.cells[0].outputs]
    assert texts == ["a & b:  30%|███       | 3/10 [00:01<00:02]", "before", "before"]


def test_without_widget_state_nothing_changes():
    nb = bar_notebook("x: 100%", 10, " 10/10 []")
    nb.metadata = {}
    assert finish_progress_text(nb) == 0
    assert all(o["data"]["text/plain"] == "before" for o in nb.cells[0].outputs)


def test_bars_only_rewrites_a_saved_notebook_without_running_it(tmp_path, capsys):
    from nnedu_instructor.__main__ import main
    path = tmp_path / "saved.ipynb"
    nbformat.write(bar_notebook("done: 100%", 10, " 10/10 [00:03<00:00]"), path)
    assert main(["execute", "--bars-only", str(path)]) == 0
    assert "1 progress bar(s)" in capsys.readouterr().out
    bar = nbformat.read(path, as_version=4).cells[0].outputs[0]["data"]["text/plain"]
    assert bar == "done: 100%|██████████| 10/10 [00:03<00:00]"


@pytest.mark.parametrize("notebook", sorted(str(p.relative_to(REPO)) for folder in ("lectures", "solutions")
                                             for p in (REPO / folder).glob("*.ipynb")))
def test_committed_notebooks_show_their_bars_finished(notebook):
    """What a repository's web view shows of each lecture's and solution's progress bars is their finished state."""
    nb = nbformat.read(REPO / notebook, as_version=4)
    before = [o["data"]["text/plain"] for o in outputs_with_widgets(nb)]
    finish_progress_text(nb)
    assert [o["data"]["text/plain"] for o in outputs_with_widgets(nb)] == before, \
        f"{notebook}: run `python -m nnedu_instructor execute --bars-only {notebook}`"
    assert not any(re.search(r"(?<!\d)0%\|", t) for t in before), before
