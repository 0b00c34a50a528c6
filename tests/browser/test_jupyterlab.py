"""The student's JupyterLab in Chromium: lectures run clean, widgets survive a restart, labs are locked.

`make test-browser`. Works on copies of lectures/ and labs/ in a temporary folder; screenshots go to a
temporary folder whose path is printed at the end (or to $NNEDU_BROWSER_SHOTS).
"""
import json
import re

import nbformat
import pytest
from conftest import copy_course
from jupyterlab_driver import (
    REPO,
    TEXT_BAR,
    WIDGET_ERROR,
    LabServer,
    cells,
    command,
    math,
    open_notebook,
    restart_and_run_all,
    save,
    shutdown_kernel,
    wait_idle,
    widget_errors,
)

LECTURES = sorted(p.name for p in (REPO / "lectures").glob("*.ipynb"))
PLAYGROUND = "06_training_in_practice.ipynb"
LAB = "lab1_backprop.ipynb"
RUN_TIMEOUT = 240_000  # ms; a lecture runs in well under a minute on an idle 2-core machine


def check_clean(page, where):
    """No error or stderr output, no widget that failed to display, every progress bar finished green,
    no progress bar left as text, and the equations typeset."""
    cs = cells(page)
    assert cs, f"{where}: no cells rendered"
    errors = [(i, e[:300]) for i, c in enumerate(cs) for e in c["errors"]]
    assert not errors, f"{where}: error output in cells {errors}"
    assert widget_errors(page) == 0, f"{where}: '{WIDGET_ERROR}' shown"
    bars = [(i, b) for i, c in enumerate(cs) for b in c["bars"]]
    not_green = [(i, b) for i, b in bars if "progress-bar-success" not in b]
    assert not not_green, f"{where}: progress bars not in the success state: {not_green}"
    text_bars = [(i, m.group()) for i, c in enumerate(cs) for m in TEXT_BAR.finditer(c["output"])]
    assert not text_bars, f"{where}: progress bars shown as text, not as widgets: {text_bars}"
    m = math(page)
    assert not m["raw"], f"{where}: raw TeX shown instead of typeset equations: {m['raw']}"
    return cs, bars, m


def has_math(name):
    nb = nbformat.read(REPO / "lectures" / name, as_version=4)
    return any("$" in c.source for c in nb.cells if c.cell_type == "markdown")


def expected_bars(name):
    """How many progress bars the committed notebook's widget outputs hold (from its saved widget state)."""
    nb = json.loads((REPO / "lectures" / name).read_text())
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    shown = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] for c in nb["cells"]
             for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    missing = [m for m in shown if m not in state]
    assert not missing, f"{name}: widget outputs without saved state (re-execute it with the state stored): {missing}"

    def bars(model_id):
        model = state[model_id]
        own = model["model_name"] in ("FloatProgressModel", "IntProgressModel")
        kids = [k.removeprefix("IPY_MODEL_") for k in model["state"].get("children", [])]
        return own + sum(bars(k) for k in kids if k in state)
    return sum(bars(m) for m in shown)


def scroll_to_first_bar(page):
    page.evaluate("""() => { const b = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .progress');
                             if (b) b.scrollIntoView({block: 'center'}); }""")


@pytest.mark.parametrize("name", [n for n in LECTURES if n != PLAYGROUND] + [PLAYGROUND])
def test_lecture(server, page, shots, name):
    """1. Opened before running anything: the committed outputs show, widgets as finished green bars (not 0%
    text), equations typeset. 2. Kernel > Restart Kernel and Run All Cells: no error, no widget error, every bar
    green, equations typeset. (Lecture 06 is run by the playground test below.)"""
    open_notebook(page, server, f"lectures/{name}")
    scroll_to_first_bar(page)
    page.screenshot(path=str(shots / f"committed_{name}.png"))
    _, bars, m = check_clean(page, f"{name} as committed")
    if has_math(name):
        assert m["containers"] > 0, f"{name}: no typeset equation"
    assert len(bars) == expected_bars(name), f"{name}: {len(bars)} bars drawn, {expected_bars(name)} committed"
    if name == PLAYGROUND:
        shutdown_kernel(page)
        return

    restart_and_run_all(page, RUN_TIMEOUT)
    scroll_to_first_bar(page)
    page.screenshot(path=str(shots / f"run_{name}.png"))
    cs, _, m = check_clean(page, f"{name} after Run All")
    if has_math(name):
        assert m["containers"] > 0, f"{name}: no typeset equation after Run All"
    code = [c for c in cs if c["code"] and c["input"].strip()]
    assert all(re.fullmatch(r"\[\d+\]:", c["prompt"]) for c in code), f"{name}: a code cell did not run"
    shutdown_kernel(page)


def test_early_stopping_bar_ends_green(server, page, shots):
    """nnedu.fit with early stopping: the progress bar ends full and green, saying why it stopped."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import nnedu\n"
        "X, y = nnedu.data.moons(200, noise=0.3, seed=0)\n"
        "X_tr, y_tr, X_va, y_va = X[:150], y[:150], X[150:], y[150:]\n"
        "h = nnedu.fit(nnedu.MLP([2, 50, 2], seed=0), X_tr, y_tr, X_va, y_va, epochs=500, batch_size=16,\n"
        "              lr=0.5, patience=3, seed=0)\n"
        "assert h.stopped_epoch < 500, h.stopped_epoch")],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}})
    nbformat.write(nb, server.root / "early_stopping.ipynb")
    open_notebook(page, server, "early_stopping.ipynb")
    restart_and_run_all(page, RUN_TIMEOUT)
    page.screenshot(path=str(shots / "early_stopping_bar.png"))
    cs, bars, _ = check_clean(page, "early stopping")
    assert len(bars) == 1, bars
    text = cs[0]["output"].replace("\u2007", " ")  # tqdm's widget pads with figure spaces
    assert re.search(r"early stop at epoch \d+, best \d+\): 100%", text), text
    shutdown_kernel(page)


def playground_controls(page):
    box = page.locator(".jp-OutputArea-output .jupyter-widgets.widget-vbox",
                       has=page.locator("button", has_text="Train")).last
    dataset = box.locator(".widget-dropdown", has=page.locator("label", has_text="data set")).locator("select")
    status = box.locator(".widget-label:not(label)").filter(has_text=re.compile(r"\S"))
    return box, dataset, status


def test_playground_and_widgets_survive_a_restart(tmp_path, browser, shots):
    """Lecture 06's playground retrains on Train; after save, server restart and reopen, no widget error."""
    course = copy_course(tmp_path / "course")
    server = LabServer(course, tmp_path / "home")
    server.trust()
    server.start()
    path = f"lectures/{PLAYGROUND}"
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        open_notebook(page, server, path)
        restart_and_run_all(page, RUN_TIMEOUT)
        check_clean(page, f"{PLAYGROUND} after Run All")

        box, dataset, status = playground_controls(page)
        box.scroll_into_view_if_needed()
        images = box.locator(".widget-output img")
        before = images.last.get_attribute("src") if images.count() else None
        options = dataset.locator("option").all_text_contents()
        current = dataset.input_value()
        other = next(o for o in options if o != current)
        dataset.select_option(other)
        box.locator("button", has_text="Train").click()
        page.wait_for_function(
            """([b]) => { const s = Array.from(b.querySelectorAll('.widget-label')).map(e => e.textContent).join(' ');
                         return /Trained \\d+ epochs/.test(s) && !/training \\.\\.\\./.test(s); }""",
            arg=[box.element_handle()], timeout=RUN_TIMEOUT)
        wait_idle(page, RUN_TIMEOUT)
        box.screenshot(path=str(shots / "playground_after_train.png"))
        text = box.text_content()
        assert re.search(r"validation accuracy \d+(\.\d)?%", text), text
        after = box.locator(".widget-output img").last.get_attribute("src")
        assert after and after != before, "the playground's figure did not change after Train"
        check_clean(page, f"{PLAYGROUND} after Train")
        save(page)
        page.close()
    finally:
        server.stop()

    saved = json.loads((course / path).read_text())
    state = saved["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    shown = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] for c in saved["cells"]
             for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert shown and all(m in state for m in shown), "the saved notebook lacks the state of its widget outputs"

    server.start()
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_notebook(page, server, path)
        page.screenshot(path=str(shots / "playground_reopened.png"))
        check_clean(page, f"{PLAYGROUND} reopened after a server restart")
        assert sum(c["widgets"] for c in cells(page)) > 0, "no widget displayed after the restart"
        page.close()
    finally:
        server.stop()


def cell_locator(page, index):
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").nth(index)


def test_student_lab_locks_stub_and_answer(server, page, shots):
    """Locked test cells refuse edits and deletion; Run All stops at the first stub with NotImplementedError;
    pasting a correct answer makes its test pass."""
    nb = nbformat.read(REPO / "labs" / LAB, as_version=4)
    meta = [c.metadata.get("nbgrader", {}) for c in nb.cells]
    answer = next(i for i, m in enumerate(meta)
                  if m.get("solution") and not m.get("grade") and nb.cells[i].cell_type == "code")
    test = next(i for i in range(answer + 1, len(nb.cells)) if meta[i].get("grade") and meta[i].get("locked"))
    solution = nbformat.read(REPO / "solutions" / LAB, as_version=4)
    correct = next(c.source for c in solution.cells
                   if c.metadata.get("nbgrader", {}).get("grade_id") == meta[answer]["grade_id"])

    open_notebook(page, server, f"labs/{LAB}")
    n_cells = len(cells(page))

    # A locked test cell: typing changes nothing, deleting removes nothing.
    locked = cell_locator(page, test)
    original = cells(page)[test]["input"]
    locked.locator(".cm-content").click()
    page.keyboard.type("x = 1  # tampered\n")
    page.keyboard.press("Escape")
    assert cells(page)[test]["input"] == original, "a locked test cell accepted typing"
    command(page, "notebook:delete-cell")
    page.wait_for_timeout(500)
    assert len(cells(page)) == n_cells, "a locked test cell was deleted"
    assert cells(page)[test]["input"] == original

    # Run All stops at the first stub, with a clear NotImplementedError.
    restart_and_run_all(page, RUN_TIMEOUT)
    cs = cells(page)
    failing = [i for i, c in enumerate(cs) if c["errors"]]
    # (the stub defines a function that raises: the error shows where the first test calls it)
    assert failing and failing[0] in (answer, test), f"expected the first error at cell {answer} or {test}: {failing}"
    stop = failing[0]
    assert "NotImplementedError" in cs[stop]["errors"][0], cs[stop]["errors"]
    assert not any(re.fullmatch(r"\[\d+\]:", c["prompt"]) for c in cs[stop + 1:] if c["code"]), \
        "cells after the failing stub ran"
    cell_locator(page, stop).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "lab_stub_error.png"))

    # Paste a correct answer over the stub, run it and its test.
    cell_locator(page, answer).locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.evaluate("t => navigator.clipboard.writeText(t)", correct)
    page.keyboard.press("Control+V")
    page.wait_for_timeout(300)
    assert cells(page)[answer]["input"].split() == correct.split(), "the pasted answer is not in the cell"
    command(page, "notebook:run-cell")
    wait_idle(page, RUN_TIMEOUT)
    cell_locator(page, test).locator(".jp-InputArea-prompt").click()
    command(page, "notebook:run-cell")
    wait_idle(page, RUN_TIMEOUT)
    cs = cells(page)
    assert not cs[answer]["errors"], cs[answer]["errors"]
    assert re.fullmatch(r"\[\d+\]:", cs[test]["prompt"]) and not cs[test]["errors"], \
        f"the test did not pass: {cs[test]['errors']}"
    cell_locator(page, test).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "lab_answer_passes.png"))
    shutdown_kernel(page)
