"""Copying detection for the instructor: ``python -m nnedu_instructor similarity LAB SUB.ipynb ... --out R.html``.

It flags, it never deducts: the report lists the pairs worth reading, the instructor decides. Each submission's
answer cells (and any code cell the student added) are compared with

- ``nnedu``'s source, one document per module (``nnedu/layers.py``, ...);
- the lectures' code cells, one document per lecture;
- the solutions' answer cells, one document per solution notebook;
- every other submission's answers, one document per student.

The comparison is PyPI's ``copydetect``: MOSS-like fingerprints of *normalised* code (pygments tokens; every name
becomes ``V``, every string ``S``; whitespace and comments are dropped), so renaming variables or re-wording
comments changes nothing. Every k-gram of the normalised code is a fingerprint (window 1: copydetect's
``guarantee_t == noise_t``), so the numbers do not depend on Python's per-process string hashes. The code the
lab hands out (the student version of the solution: signatures, docstrings, given cells) never counts: its lines
and docstrings are masked as comments in every document before fingerprinting.

An answer is **flagged** against a source when at least ``threshold`` of its normalised code lies in stretches of
at least ``noise`` characters that the source also holds (copydetect's similarity of the answer) and those
stretches add up to ``min_chars`` characters or more. The defaults come from a class of Lab 1 submissions
(``tests/instructor/similarity_class``): normalised, independently written answers share many short canonical
lines (``dW = z.T @ delta`` is ``V=V.V@V``). With copydetect's default stretches of 25 characters independent
answers reached 68% of an answer, with 40 still 55%, with 50 (the default here) at most 35%, while renamed copies
scored 85-100%, one with a line moved and small edits 81%, with more edits 64%, one padded with two lines 85%.
"""
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cells import grade_id, is_locked, is_solution
from .files import read_notebook
from .labs import make_lab, read_solution
from .report import student_name

NOISE = 50        # k: the shortest common stretch of normalised code that counts, in characters
THRESHOLD = 0.5   # flag an answer when at least this share of it is found in one source
MIN_CHARS = 100   # ... and the shared stretches add up to at least this many normalised characters


# a triple-quoted string that fills its lines (a docstring); ``s``: the string itself
DOCSTRING = re.compile(r'^[ \t]*(?P<s>("""|\'\'\')[\s\S]*?\2)[ \t]*$', re.M)


def given_code(cells):
    """What a lab hands out (its code cells, solutions stubbed): (its lines, stripped, but for short ones like
    ``)`` or ``else:`` and those with triple quotes; its docstrings, whole)."""
    lines = frozenset(line.strip() for source in cells for line in source.split("\n")
                      if len(line.strip()) >= 4 and '"""' not in line and "'''" not in line)
    return lines, frozenset(m.group("s") for source in cells for m in DOCSTRING.finditer(source))


def mask(source, given=None):
    """``source`` with every given line and every given docstring (``given_code``) turned into comments of the same
    length: copydetect drops comments, so given code never counts, and positions and line numbers stay those of
    ``source``. A docstring is masked whole or not at all (half of one would turn the code after it into a
    string)."""
    lines, docstrings = given or (frozenset(), frozenset())
    hidden = set()
    for m in DOCSTRING.finditer(source):
        if m.group("s") in docstrings:
            first = source.count("\n", 0, m.start())
            hidden.update(range(first, first + m.group(0).count("\n") + 1))
    return "\n".join("#" + " " * (len(line) - 1) if line and (i in hidden or line.strip() in lines) else line
                     for i, line in enumerate(source.split("\n")))


def fingerprint(text, noise):
    """copydetect's fingerprint of Python ``text``: every ``noise``-gram of its normalised code.

    Its offsets (normalised position -> characters dropped before it) are repaired where copydetect records a class
    name's own length instead of the running count: the entry after it holds the running count plus that length.
    """
    from copydetect import CodeFingerprint  # imported here: copydetect imports matplotlib.pyplot
    fp = CodeFingerprint("code.py", noise, 1, language="python", fp=io.StringIO(text))
    off, code = fp.offsets, fp.filtered_code
    for j in range(len(off) - 1):
        if 0 <= off[j, 0] < len(code) and code[off[j, 0]] == "O" and (j == 0 or off[j - 1, 0] != off[j, 0]):
            off[j, 1] = off[j + 1, 1] - off[j, 1]
    return fp


@dataclass
class Document:
    """Code to compare: ``name`` (as the report calls it), ``kind`` ("nnedu", "lecture", "solution", "student", or
    "answer": one cell of a student), ``parts`` [(label, source)] (a file has one, a notebook one per cell),
    joined in ``text``; ``fp`` the fingerprint of ``text`` with the lab's given code masked; ``starts[i]`` is
    where part i begins in ``text``."""
    name: str
    kind: str
    parts: list
    text: str = ""
    starts: list = field(default_factory=list)
    fp: object = None

    @classmethod
    def make(cls, name, kind, parts, noise, given=None):
        doc = cls(name, kind, [(label, source) for label, source in parts if source.strip()])
        for _, source in doc.parts:
            doc.starts.append(len(doc.text))
            doc.text += source + "\n\n"
        doc.fp = fingerprint(mask(doc.text, given), noise)
        return doc

    def locate(self, start):
        """(part index, offset in that part) of position ``start`` of ``text``."""
        index = max(int(np.searchsorted(self.starts, start, side="right")) - 1, 0)
        return index, start - self.starts[index]


@dataclass
class Match:
    """``answer`` (a Document of one cell of ``student``) against ``source``: ``share`` of the answer's normalised
    code found in the source, ``chars`` normalised characters in common, ``flagged``, and ``blocks``: the
    common stretches [((start, end) in the answer's text, (start, end) in the source's text)]."""
    student: str
    answer: Document
    source: Document
    share: float
    chars: int
    flagged: bool = False
    blocks: list = field(default_factory=list)

    @property
    def label(self):
        """The answer's label, e.g. ``cell 3 (linear)``."""
        return self.answer.parts[0][0]

    @property
    def source_part(self):
        """The label of the source's part that holds most of the common stretches (None without blocks)."""
        weight = defaultdict(int)
        for _, (start, end) in self.blocks:
            weight[self.source.locate(start)[0]] += end - start
        return self.source.parts[max(weight, key=weight.get)][0] if weight else None


def _span(fp, start, end):
    """Normalised positions [start, end) of ``fp`` -> (start, end) in its text, through copydetect's offsets; the
    end is that of the last character's token when it is a name (so it never reaches into a masked line)."""
    at = np.clip(np.searchsorted(fp.offsets[:, 0], [start, end - 1]), 0, len(fp.offsets) - 1)
    first, last = (np.array([start, end - 1]) + fp.offsets[at, 1]).tolist()
    text = fp.raw_code
    last += 1
    while last < len(text) and (text[last].isalnum() or text[last] == "_") and text[last - 1].isalnum():
        last += 1
    return first, last


def common_stretches(a, b, noise, max_pairs=64):
    """The stretches of normalised code that fingerprints ``a`` and ``b`` share, aligned: a list of
    ((start, end) in a's text, (start, end) in b's text), in a's order, not overlapping in a.

    Each shared fingerprint gives pairs of positions (i in a, j in b); consecutive pairs on one diagonal j - i
    are one common stretch; the longest are kept first. A fingerprint that gives more than ``max_pairs`` pairs
    (it repeats in both) is skipped: it is a pattern, not a copy."""
    diagonals = defaultdict(list)
    for h in a.hashes & b.hashes:
        ia, ib = a.hash_idx[h], b.hash_idx[h]
        if len(ia) * len(ib) <= max_pairs:
            for i in ia:
                for j in ib:
                    diagonals[j - i].append(i)
    runs = []
    for shift, starts in diagonals.items():
        starts.sort()
        first = last = starts[0]
        for i in starts[1:] + [None]:
            if i is None or i > last + noise:
                runs.append((first, last + noise, shift))
                first = i
            last = i
    taken = np.zeros(len(a.filtered_code) + noise, dtype=bool)
    chosen = []
    for start, end, shift in sorted(runs, key=lambda r: (r[0] - r[1], r[0], r[2])):
        if taken[start:end].sum() * 2 < end - start:
            taken[start:end] = True
            chosen.append((start, end, shift))
    out = []
    for start, end, shift in sorted(chosen):
        out.append((_span(a, start, end), _span(b, start + shift, end + shift)))
    return out


def compare(student, answer, source, noise=NOISE, threshold=THRESHOLD, min_chars=MIN_CHARS):
    """The Match of one answer against one source (blocks filled in only when flagged)."""
    from copydetect import compare_files
    chars, (share, _), _ = compare_files(answer.fp, source.fp)
    match = Match(student, answer, source, float(share), int(chars))
    match.flagged = match.share >= threshold and match.chars >= min_chars
    if match.flagged:
        match.blocks = common_stretches(answer.fp, source.fp, noise)
    return match


def _read(path):
    try:
        return read_notebook(path)
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def references(root, noise, given):
    """The fixed sources: nnedu's modules, the lectures' code cells, the solutions' answer cells."""
    root = Path(root)
    docs = [Document.make(f"nnedu/{p.name}", "nnedu", [(p.name, p.read_text(encoding="utf-8"))], noise,
                          given) for p in sorted((root / "nnedu").glob("*.py"))]
    for path in sorted((root / "lectures").glob("*.ipynb")):
        cells = _read(path).cells
        docs.append(Document.make(f"lectures/{path.name}", "lecture", [
            (f"cell {i}", c.source) for i, c in enumerate(cells) if c.cell_type == "code"], noise, given))
    for path in sorted((root / "solutions").glob("*.ipynb")):
        cells = _read(path).cells
        docs.append(Document.make(f"solutions/{path.name}", "solution", [
            (f"cell {i} ({grade_id(c)})", c.source) for i, c in enumerate(cells)
            if is_solution(c) and c.cell_type == "code"], noise, given))
    return docs


def student_code(nb, solution, given):
    """[(label, source)]: the submission's answer cells (by the solution's grade_ids) and every other code cell
    that the lab does not give as it is (a cell the student added or edited). Only cells the grader replaces by
    the solution's (a locked cell's grade_id) are left out: the student's own metadata decides nothing."""
    answers = {grade_id(c) for c in solution.cells if is_solution(c) and c.cell_type == "code"}
    locked = {grade_id(c) for c in solution.cells if is_locked(c)}
    out = []
    for index, cell in enumerate(nb.cells):
        gid = grade_id(cell)
        if cell.get("cell_type") != "code" or gid in locked:
            continue
        if gid in answers:
            out.append((f"cell {index} ({gid})", cell.source))
        elif cell.source.strip() and cell.source not in given:
            out.append((f"cell {index} (added or edited)", cell.source))
    return out


@dataclass
class Report:
    """What ``run`` found: the lab, the students read, the submissions it could not read [(path, why)], the fixed
    sources, every Match above zero, and the settings."""
    lab: str
    students: list
    unread: list
    sources: list
    matches: list
    settings: dict

    @property
    def flags(self):
        return [m for m in self.matches if m.flagged]


def _names(paths, lab):
    """A unique display name per submission: the student's name, with its path when two share a name."""
    names = [student_name(p, lab) for p in paths]
    return [f"{n} ({p})" if names.count(n) > 1 else n for n, p in zip(names, paths)]


def run(solution_path, submissions, root=".", noise=NOISE, threshold=THRESHOLD, min_chars=MIN_CHARS):
    """Compare every submission of the lab whose solution is ``solution_path`` with every source; a Report."""
    if isinstance(noise, bool) or not isinstance(noise, int) or noise < 5:
        raise ValueError(f"noise: expected an integer number of characters >= 5, got {noise!r}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold: expected a share in (0, 1], got {threshold!r}")
    if min_chars < 0:
        raise ValueError(f"min_chars: expected a number of characters >= 0, got {min_chars!r}")
    solution = read_solution(solution_path)
    lab = Path(solution_path).stem
    given_cells = [c.source for c in make_lab(solution).cells if c.cell_type == "code"]
    given = given_code(given_cells)
    sources = references(root, noise, given)

    paths = list(dict.fromkeys(str(p) for p in submissions))
    students, unread = {}, []
    for name, path in zip(_names(paths, lab), paths):
        try:
            nb = read_notebook(path)
        except ValueError as e:
            unread.append((path, str(e)))
            continue
        students[name] = student_code(nb, solution, set(given_cells))
    docs = {name: Document.make(f"student {name}", "student", parts, noise, given)
            for name, parts in students.items()}

    matches = []
    for name, parts in students.items():
        for label, source in parts:
            answer = Document.make(f"{name}: {label}", "answer", [(label, source)], noise, given)
            if not answer.fp.token_coverage:
                continue
            for other in sources + [d for n, d in docs.items() if n != name]:
                match = compare(name, answer, other, noise, threshold, min_chars)
                if match.chars:
                    matches.append(match)
    settings = {"noise": noise, "threshold": threshold, "min_chars": min_chars}
    return Report(lab, list(students), unread, sources, matches, settings)
