"""What the nbgrader plug-in shows in formgrader of a student's outputs (nnedu_instructor.outputs, nbgrader_cells,
nbgrader_run's "outputs"): text and PNG only, cleaned and capped, never on a test cell, never a score."""
import base64
import json
import struct
import zlib

import nbformat
import pytest
from labkit import make_lab, submit

from nnedu_instructor import nbgrader_cells, nbgrader_run, outputs, sandbox


def png(width=2, height=2):
    """A real PNG file's bytes (grey pixels)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (outputs.PNG + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def cell_of(*messages):
    cell = outputs.CellOutputs()
    for kind, content in messages:
        cell.add(kind, content)
    return cell.outputs


def texts(outs):
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outs)


def test_only_text_and_png_are_kept_the_rest_is_named_as_dropped():
    image = base64.b64encode(png()).decode()
    outs = cell_of(("display_data", {"data": {"text/html": "<script>alert(1)</script>", "application/javascript":
                                              "alert(1)", "application/vnd.jupyter.widget-view+json": {}}}),
                   ("execute_result", {"data": {"text/plain": "   a\n0  1", "text/html": "<table>"},
                                       "metadata": {"nbgrader": {"grade": True}}, "execution_count": 7}),
                   ("display_data", {"data": {"image/png": image[:40] + "\n" + image[40:], "image/svg+xml": "<svg/>",
                                              "text/plain": "<Figure>"}, "transient": {"display_id": "x"}}),
                   ("display_data", {"data": {"text/markdown": "**passed**"}}))
    assert [o["output_type"] for o in outs] == ["display_data", "execute_result", "display_data", "display_data"]
    assert outs[0]["data"] == {"text/plain": "[output not shown by the grader: application/javascript, "
                                             "application/vnd.jupyter.widget-view+json, text/html]"}
    assert outs[1] == {"output_type": "execute_result", "data": {"text/plain": "   a\n0  1"}, "metadata": {},
                       "execution_count": None}  # no metadata of the kernel's, no HTML
    assert outs[2]["data"] == {"image/png": image, "text/plain": "<Figure>"} and "transient" not in outs[2]
    assert outs[3]["data"] == {"text/plain": "[output not shown by the grader: text/markdown]"}
    nbformat.validator.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        outputs=[nbformat.from_dict(o) for o in outs])]))


def test_an_image_must_be_a_png_within_the_cap():
    gif = base64.b64encode(b"GIF89a" + b"\x00" * 20).decode()
    big = base64.b64encode(outputs.PNG + b"\x00" * outputs.MAX_CELL_IMAGE).decode()
    outs = cell_of(("display_data", {"data": {"image/png": "not base64!"}}),
                   ("display_data", {"data": {"image/png": gif}}),
                   ("display_data", {"data": {"image/png": big}}))
    assert all("image/png" not in o.get("data", {}) for o in outs)
    assert "not a PNG file" in texts(outs) and "over 2 MiB of PNG" in texts(outs)


def test_text_loses_escapes_and_a_flood_is_capped_per_cell_and_per_notebook():
    outs = cell_of(("stream", {"name": "stdout", "text": "\x1b[31mred\x1b[0m\n 10%\r 50%\rdone\n"}),
                   ("stream", {"name": "stdout", "text": "\u202egnp.exe\x07\n"}),
                   ("error", {"ename": "ValueError", "evalue": "x", "traceback": ["\x1b[0;31mValueError\x1b[0m: x"]}),
                   ("update_display_data", {"data": {"text/plain": "another cell's"}}))
    assert outs == [{"output_type": "stream", "name": "stdout", "text": "red\ndone\ngnp.exe\n"},
                    {"output_type": "stream", "name": "stderr", "text": "ValueError: x\n"}]  # never an error output
    flood = cell_of(*[("stream", {"name": "stdout", "text": "x" * 9999 + "\n"})] * 50)
    assert len(texts(flood)) < outputs.MAX_CELL_TEXT + 200 and "output cut: over 100000 characters" in texts(flood)
    many = cell_of(*[("display_data", {"data": {"text/plain": "y"}})] * 500)
    assert len(many) == outputs.MAX_OUTPUTS + 1 and "over 100" in many[-1]["text"]
    cleared = cell_of(("stream", {"name": "stdout", "text": "old\n"}), ("clear_output", {"wait": True}),
                      ("stream", {"name": "stdout", "text": "new\n"}))
    assert cleared == [{"output_type": "stream", "name": "stdout", "text": "new\n"}]
    budget = outputs.NotebookBudget(limit=1000)
    assert budget.take(outs) == outs and "over 6 MiB" in budget.take(flood)[0]["text"]
    assert budget.take([]) != []  # once over, every later cell gets the note


def test_outputs_never_land_on_a_test_cell_nor_change_its_result(tmp_path):
    _, lab = make_lab(tmp_path)
    result = {"status": "ok", "note": "", "tests": [
        {"grade_id": "test_add", "points": 0.0, "max_points": 2, "outcome": "failed", "message": "AssertionError",
         "manual": False},
        {"grade_id": "test_mul", "points": 3.0, "max_points": 3, "outcome": "passed", "message": "", "manual": False}],
        "outputs": {"2": [{"output_type": "stream", "name": "stdout", "text": "passed: 2 / 2\x1b[0m\n"},
                          {"output_type": "display_data", "data": {"text/html": "<b>passed</b>"}, "metadata": {}}],
                    "3": [{"output_type": "stream", "name": "stdout", "text": "passed: 2 / 2\n"}],
                    "6": [{"output_type": "error", "ename": "E", "evalue": "", "traceback": []}]}}
    nb = nbgrader_cells.write_results(lab, result)
    add, test_add, test_mul = nb.cells[2], nb.cells[3], nb.cells[6]
    assert [o.output_type for o in test_add.outputs] == ["error"] and "0 / 2" in test_add.outputs[0].traceback[0]
    assert [o.text for o in test_mul.outputs] == ["passed: 3 / 3 (sandboxed grader, checked on fresh inputs)\n"]
    assert add.outputs[0].text == "passed: 2 / 2\n" and "text/html" not in add.outputs[1].data  # cleaned again
    again = nbgrader_cells.write_results(nb, {**result, "tests": [{**result["tests"][0], "points": 2.0,
                                                                   "outcome": "passed"}]}, only="test_add")
    assert again.cells[3].outputs[0].text.startswith("passed: 2 / 2") and again.cells[2].outputs == add.outputs


@pytest.mark.skipif(sandbox.check() is not None, reason=f"no sandbox here: {sandbox.check()}")
def test_the_sandboxed_run_returns_each_cells_outputs_by_position(tmp_path, capsys):
    sol, lab = make_lab(tmp_path)
    image = base64.b64encode(png()).decode()
    show = ("def add(a, b):\n    return a + b\nprint('add(2, 3) =', add(2, 3))\n"
            "from IPython.display import HTML, display\ndisplay(HTML('<script>x</script>'))\n"
            f"display({{'image/png': {image!r}, 'text/plain': '<Figure>'}}, raw=True)\n"
            "print('passed: 3 / 3 (sandboxed grader, checked on fresh inputs)')")

    def added_cell(nb):  # a cell of the student's own, before a test cell
        nb.cells.insert(3, nbformat.v4.new_code_cell("print('mine')"))
    path = submit(tmp_path / "sub", "bob", lab, add=show, mul="def mul(a, b):\n    return 0", edit=added_cell)
    assert nbgrader_run.main([str(sol), str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    shown = {int(k): v for k, v in out["outputs"].items()}
    assert {t["grade_id"]: t["points"] for t in out["tests"] if not t["manual"]} == {"test_add": 2, "test_mul": 0}
    assert shown[1] == [{"output_type": "stream", "name": "stdout", "text": "ready\n"}]  # the locked setup cell
    assert shown[2][0]["text"].startswith("add(2, 3) = 5\n") and shown[2][1]["data"] == {
        "text/plain": "<IPython.core.display.HTML object>"}  # the HTML itself is dropped
    assert shown[2][2]["data"] == {"image/png": image, "text/plain": "<Figure>"}  # a figure comes through
    assert shown[2][3]["text"].startswith("passed: 3 / 3")  # only text, on the answer cell: no score
    assert shown[3] == [{"output_type": "stream", "name": "stdout", "text": "mine\n"}]
    assert 4 not in shown and 7 not in shown  # test cells: only our result, written by the plug-in
    nb = nbgrader_cells.write_results(nbformat.read(path, as_version=4), out)
    assert nb.cells[7].outputs[0].output_type == "error" and "test_mul: 0 / 3" in nb.cells[7].outputs[0].traceback[0]
