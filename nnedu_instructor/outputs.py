"""A cell's outputs as the grader keeps them for formgrader: what a student's kernel displayed, made safe to show
in the instructor's browser (formgrader renders the autograded notebook as HTML).

The outputs come from the student's kernel, so every field is distrusted. ``CellOutputs`` takes the kernel's
iopub messages (or nbformat outputs: the same fields) one at a time and keeps only

- ``stream`` text (stdout, stderr) and ``error`` outputs as stderr text (the traceback, never an error output:
  only our test results are errors), and
- from ``display_data`` / ``execute_result``: ``text/plain`` and ``image/png`` (valid base64 of a PNG file,
  re-encoded); every other type (``text/html``, JavaScript, widget views, SVG, Markdown, LaTeX...) is dropped,
  and a bundle left empty becomes a short ``text/plain`` naming what was dropped.

Text loses ANSI escapes and control and format characters (a carriage return keeps what it would leave on the
line). Caps: ``MAX_CELL_TEXT`` characters and ``MAX_CELL_IMAGE`` bytes of PNG per cell, ``MAX_OUTPUTS`` outputs
per cell (over them, a note says what was cut), and ``MAX_NOTEBOOK`` characters for a whole notebook
(``NotebookBudget``: later cells get a note instead), so a flood costs the batch nothing. No metadata, display
id or transient field is kept; ``update_display_data`` is ignored; ``clear_output`` clears this cell only.

Standard library only: the nbgrader plug-in (nbgrader's environment) cleans the outputs again with it.
"""
import base64
import binascii
import itertools
import json
import re
import unicodedata

MAX_CELL_TEXT = 100_000  # characters of text per cell
MAX_CELL_IMAGE = 2 * 2**20  # bytes of PNG per cell
MAX_OUTPUTS = 100  # outputs per cell
MAX_NOTEBOOK = 6 * 2**20  # characters of a notebook's kept outputs (JSON): under the kernel's 8 MiB message cap
KINDS = ("stream", "display_data", "execute_result", "error", "clear_output")
PNG = b"\x89PNG\r\n\x1a\n"
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")


def clean_text(text):
    """``text`` without ANSI escapes, control or format characters (newlines and tabs stay); on each line, a
    carriage return keeps only what a terminal would show: the text after the last one."""
    text = ANSI.sub("", text)
    lines = [next((s for s in reversed(line.split("\r")) if s), "") for line in text.split("\n")]
    return "".join(ch for ch in "\n".join(lines)
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn"))


def joined(value):
    """A text field: a string, or nbformat's list of lines; anything else is empty."""
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return value if isinstance(value, str) else ""


class CellOutputs:
    """The kept outputs of one cell, built message by message (``add``); ``outputs``: nbformat v4 dicts."""

    def __init__(self):
        self.clear()

    def clear(self):
        self.outputs, self.text, self.image, self.wait_clear, self.over = [], 0, 0, False, False
        self.cut = set()  # the notes already given

    def add(self, kind, content):
        """Take one output (``kind``: the message's or the output's type; ``content``: its fields)."""
        if not isinstance(content, dict):
            return
        if kind == "clear_output":
            if content.get("wait"):
                self.wait_clear = True
            else:
                self.clear()
            return
        if kind not in KINDS:
            return  # update_display_data (it would change another cell's display) and anything unknown
        if self.wait_clear:
            self.clear()
        if len(self.outputs) >= MAX_OUTPUTS:
            return self._note(f"[more outputs of this cell were not kept: over {MAX_OUTPUTS}]")
        if kind == "stream":
            self._stream("stderr" if content.get("name") == "stderr" else "stdout", joined(content.get("text")))
        elif kind == "error":
            trace = content.get("traceback")
            text = "\n".join(map(joined, trace)) if isinstance(trace, list) and trace else \
                f"{joined(content.get('ename'))}: {joined(content.get('evalue'))}"
            self._stream("stderr", text + "\n")
        else:
            self._bundle(kind, content.get("data"))
        if self.over:
            self._note(f"[output cut: over {MAX_CELL_TEXT} characters in this cell]")

    def _stream(self, name, text):
        text = self._text(text)
        if not text:
            return
        last = self.outputs[-1] if self.outputs else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.outputs.append({"output_type": "stream", "name": name, "text": text})

    def _bundle(self, kind, data):
        data = data if isinstance(data, dict) else {}
        kept = {}
        if "image/png" in data:
            png = self._png(joined(data["image/png"]))
            if png:
                kept["image/png"] = png
        if "text/plain" in data:
            text = self._text(joined(data["text/plain"]))
            if text:
                kept["text/plain"] = text
        dropped = sorted(clean_text(str(k)[:60]) for k in itertools.islice(data, 20) if k not in kept)[:5]
        if not kept:
            kept = {"text/plain": f"[output not shown by the grader: {', '.join(dropped) or 'no data'}]"}
        out = {"output_type": kind, "data": kept, "metadata": {}}
        if kind == "execute_result":
            out["execution_count"] = None
        self.outputs.append(out)

    def _text(self, text):
        left = MAX_CELL_TEXT - self.text
        text = clean_text(text[:max(left, 0) * 2 + 64])[:max(left, 0)]  # cut before cleaning: bounded work
        self.text += len(text)
        self.over = self.over or self.text >= MAX_CELL_TEXT
        return text

    def _png(self, value):
        value = "".join(value.split())
        if len(value) > (MAX_CELL_IMAGE - self.image) * 4 // 3 + 4:
            return self._note(f"[an image was not kept: over {MAX_CELL_IMAGE // 2**20} MiB of PNG in this cell]")
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if not raw.startswith(PNG) or self.image + len(raw) > MAX_CELL_IMAGE:
            return self._note("[an image was not kept: not a PNG file]" if not raw.startswith(PNG) else
                              f"[an image was not kept: over {MAX_CELL_IMAGE // 2**20} MiB of PNG in this cell]")
        self.image += len(raw)
        return base64.b64encode(raw).decode("ascii")

    def _note(self, text):
        """Say once per cell (as a stderr line) why something was not kept; returns None."""
        if text not in self.cut:
            self.cut.add(text)
            self.outputs.append({"output_type": "stream", "name": "stderr", "text": "\n" + text + "\n"})


def clean(outputs):
    """nbformat v4 output dicts (e.g. read back from the grader's JSON) cleaned and capped again as one cell."""
    cell = CellOutputs()
    for out in outputs if isinstance(outputs, list) else []:
        if isinstance(out, dict) and out.get("output_type") in KINDS[:-1]:
            cell.add(out["output_type"], out)
    return cell.outputs


class NotebookBudget:
    """At most ``limit`` characters (as JSON) of outputs for a whole notebook: ``take(outputs)`` returns the
    outputs while they fit, then a one-line note for each later cell."""

    def __init__(self, limit=MAX_NOTEBOOK):
        self.left = limit

    def take(self, outputs):
        size = len(json.dumps(outputs))
        if size <= self.left:
            self.left -= size
            return outputs
        self.left = 0
        return [{"output_type": "stream", "name": "stderr",
                 "text": f"[outputs not kept: the notebook's outputs are over {MAX_NOTEBOOK // 2**20} MiB]\n"}]
