"""The similarity report (nnedu_instructor/similarity.py): on a class of Lab 1 submissions (similarity_class/) it
flags the planted copy of nnedu's layers and the pair of students who share an answer, and none of the students
who wrote the lab themselves; on a toy lab with a toy repository it flags copies of each kind of source, ignores
the code the lab hands out, reads hostile input safely, and its numbers do not depend on the string hashes."""
import hashlib
import re
import sys

import copydetect.utils
import matplotlib.pyplot as plt
import nbformat
import pytest
import similarity_class
from labkit import REPO, cli, nbgrader
from nbformat.v4 import new_code_cell, new_notebook

from nnedu_instructor import similarity, similarity_report
from nnedu_instructor.cells import grade_id

LAB1 = REPO / "solutions" / "lab1_backprop.ipynb"


@pytest.fixture(scope="module")
def lab1_class(tmp_path_factory):
    """The class's notebooks and the report on them (computed once: a few seconds)."""
    paths = similarity_class.submit(REPO / "labs" / LAB1.name, tmp_path_factory.mktemp("submitted"))
    return paths, similarity.run(LAB1, paths, root=REPO)


def flagged(report):
    """{(student, source): {(student whose answer, answer's grade_id)}} of the report's flagged pairs."""
    return {(s, src): {(m.student, re.search(r"\((.*)\)", m.label).group(1)) for m in ms}
            for s, src, ms in similarity_report.pairs(report)}


def test_the_class_flags_the_planted_copy_and_the_pair_and_no_honest_student(lab1_class):
    _, report = lab1_class
    for line in similarity_report.summary(report):
        print(line)
    for name in similarity_class.HONEST + [similarity_class.PLANTED, *similarity_class.PAIR]:
        m = max((m for m in report.matches if m.student == name and not m.flagged), key=lambda m: m.share,
                default=None)
        print(f"{name}: " + (f"closest unflagged answer {m.label}, {m.share:.0%} of it in {m.source.name}" if m
                             else "no stretch in common with any source"))
    a, b = similarity_class.PAIR
    assert report.students == similarity_class.STUDENTS and not report.unread
    assert flagged(report) == {
        (similarity_class.PLANTED, "nnedu/layers.py"): {(similarity_class.PLANTED, "linear"),
                                                        (similarity_class.PLANTED, "activations")},
        (a, f"student {b}"): {(a, "two_layer_loss")},   # uma's flag against trent covers the same two cells
    }
    pair = [m for m in report.flags if m.source.kind == "student"]
    assert {(m.student, m.source_part) for m in pair} == {(a, "cell 25 (two_layer_loss)"),
                                                          (b, "cell 25 (two_layer_loss)")}
    assert all(m.share >= 0.8 for m in report.flags)
    honest = [m.share for m in report.matches if m.student in similarity_class.HONEST]
    assert max(honest) < 0.4, "an independently written answer came close to the threshold"


def test_the_class_is_correct_work(lab1_class):
    """Every answer of the class passes Lab 1's visible tests of parts A-E (the grader gave each 24/24)."""
    for path in lab1_class[0]:
        nb = nbformat.read(path, as_version=4)
        namespace = {}
        for cell in nb.cells:
            if grade_id(cell) == "digits_data":  # part F trains on digits: too slow for here
                break
            if cell.cell_type == "code" and grade_id(cell):   # set-up, answers and tests
                exec(compile(cell.source, f"{path.parent.parent.name}: {grade_id(cell)}", "exec"), namespace)
        plt.close("all")


def test_the_report_shows_the_copied_lines_side_by_side(lab1_class, tmp_path):
    _, report = lab1_class
    similarity_report.write_html(report, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text()
    [linear] = [m for m in report.flags if m.label == "cell 3 (linear)"]
    rows = re.findall(r"<tr><td class=where>.*?</tr>", similarity_report._side_by_side(linear), re.S)
    layers = (REPO / "nnedu" / "layers.py").read_text().split("\n")
    line = layers.index("        return delta @ self.W.T, self.z.T @ delta, delta.sum(axis=0)") + 1
    [row] = [r for r in rows if "self.x.T @ g, g.sum(axis=0)" in r]
    assert f"{line:4d} </span>" in row and "return delta @ self.W.T, self.z.T @ delta" in re.sub(r"</?mark>", "", row)
    assert "<h2>2 flagged pair(s)</h2>" in page and page.count("<h3>") == 3
    assert "mallory ~ nnedu/layers.py" in page and "trent ~ student uma" in page
    [pair] = [m for m in report.flags if m.student == "trent"]   # lines 1-7: the lab's signature and docstring
    assert similarity_report._side_by_side(pair).startswith("<tr><td class=where>lines 9-27</td>")
    assert not re.search("<mark>[^<]*Scores, or loss and gradients", page)


def test_disguised_copies_are_still_flagged():
    """Trent's answer copied with renamed names; then also a line moved and small edits; then more edits; then
    padded with two extra lines (the shares are quoted in the module's docstring and docs/grading.md)."""
    original = similarity_class.answers("trent")["two_layer_loss"][0]
    renamed = similarity_class.answers("uma")["two_layer_loss"][0]
    reordered = (renamed.replace("0.5 * l2 * sum", "l2 / 2 * sum").replace("_ignore,", "gX,")
                 .replace('"b1": gb1, "W2": gW2', '"W2": gW2, "b1": gb1'))
    lines = reordered.split("\n")
    loss_line = next(i for i, line in enumerate(lines) if line.startswith("loss, dout"))
    lines.insert(loss_line - 2, lines.pop(loss_line))   # the loss before the penalty
    edited = "\n".join(lines).replace('{"tanh": (tanh_forward, tanh_backward), "relu": (relu_forward, relu_backward)}',
                                       '{"relu": (relu_forward, relu_backward), "tanh": (tanh_forward, tanh_backward)}')
    edited = edited.replace('f"unknown activation {activation}"', '"unknown activation " + activation')
    padded = renamed.replace("fwd_h, bwd_h = funcs[activation]",
                             "n_samples = X.shape[0]\nfwd_h, bwd_h = funcs[activation]")
    padded = padded.replace("h1, cache_h1 =", "assert a1.shape[0] == n_samples\nh1, cache_h1 =")
    source = similarity.Document.make("trent", "student", [("cell", original)], similarity.NOISE)
    for copy in (renamed, "\n".join(lines), edited, padded):
        answer = similarity.Document.make("copy", "answer", [("cell", copy)], similarity.NOISE)
        match = similarity.compare("uma", answer, source)
        print(f"copy {match.share:.0%} flagged" if match.flagged else f"copy {match.share:.0%} NOT flagged")
        assert match.flagged, (match.share, copy)


# --- a toy lab in a toy repository ----------------------------------------------------------------------------

STATS = '''def column_stats(X):
    """Mean and spread of every column of X (N, D) -> (mean (D,), std (D,))."""
    ### BEGIN SOLUTION
    if X.ndim != 2:
        raise ValueError(f"X: expected a 2-d array, got shape {X.shape}")
    total = X.sum(axis=0)
    mean = total / X.shape[0]
    centred = X - mean[None, :]
    spread = np.sqrt((centred * centred).sum(axis=0) / X.shape[0])
    spread[spread == 0] = 1.0
    return mean, spread
    ### END SOLUTION'''
SMOOTH = '''def smooth(x, width):
    """Moving average of x with a window of width samples."""
    ### BEGIN SOLUTION
    kernel = np.ones(width) / width
    return np.convolve(x, kernel, mode="valid")
    ### END SOLUTION'''
LECTURE = '''def moving_average(signal, window):
    if window < 1 or window > len(signal):
        raise ValueError("window: expected 1..len(signal)")
    out = np.empty(len(signal) - window + 1)
    acc = signal[:window].sum()
    out[0] = acc / window
    for i in range(1, len(out)):
        acc += signal[i + window - 1] - signal[i - 1]
        out[i] = acc / window
    return out'''
NNEDU = '''import numpy as np


def standardize(X, eps=1e-12):
    """Columns of X scaled to mean 0 and standard deviation 1."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError("X: expected a 2-d array")
    mu = X.mean(axis=0, keepdims=True)
    sd = X.std(axis=0, keepdims=True)
    sd = np.where(sd < eps, 1.0, sd)
    Z = (X - mu) / sd
    return Z, {"mean": mu, "std": sd}
'''
SETUP = ('import numpy as np\nrng = np.random.default_rng(0)\nX = rng.normal(size=(50, 4)) * [1.0, 2.0, 3.0, 0.0]\n'
         'def check_columns(values, expected):\n    assert values.shape == expected.shape, "wrong shape"\n'
         '    assert np.allclose(values, expected), "wrong values"')
HOSTILE = '"</pre><script>alert(1)</script>"\n' + "\n".join(f"v{i} = x[{i}] * width" for i in range(20))
ANSWERS = {   # what each student wrote in the two answer cells (a copy is marked by its name)
    "honest1": ("mean = X.mean(axis=0)\nstd = X.std(axis=0)\nstd = np.where(std == 0, 1.0, std)\nreturn mean, std",
                "out = []\nfor i in range(len(x) - width + 1):\n    out.append(np.mean(x[i:i + width]))\n"
                "return np.array(out)"),
    "honest2": ("n = len(X)\nm = np.sum(X, axis=0) / n\ns = np.sqrt(np.mean((X - m) ** 2, axis=0))\n"
                "s[s == 0] = 1\nreturn m, s",
                "c = np.cumsum(np.concatenate([[0.0], x]))\nreturn (c[width:] - c[:-width]) / width"),
    "solcopy": (STATS.split("### BEGIN SOLUTION\n")[1].split("    ### END")[0], None),
    "leccopy": (None, "if width < 1 or width > len(x):\n    raise ValueError('bad width')\n"
                      "avg = np.empty(len(x) - width + 1)\ns = x[:width].sum()\navg[0] = s / width\n"
                      "for k in range(1, len(avg)):\n    s += x[k + width - 1] - x[k - 1]\n    avg[k] = s / width\n"
                      "return avg"),
    "given1": (SETUP + "\nreturn X.mean(0), X.std(0)", None),            # both paste the lab's set-up code
    "given2": (SETUP + "\nreturn np.mean(X, axis=0), np.std(X, axis=0)", None),
    "stub1": (None, None),
    "stub2": (None, None),
    "hostile": (None, HOSTILE),
    "tw<i>n": (None, HOSTILE),
}
ADDED = {   # a cell the student added below the answers
    "nncopy": 'def scale(A, tiny=1e-12):\n    """Standardize."""\n    A = np.asarray(A, dtype=float)\n'
              '    if A.ndim != 2:\n        raise ValueError("2-d only")\n    m = A.mean(axis=0, keepdims=True)\n'
              '    s = A.std(axis=0, keepdims=True)\n    s = np.where(s < tiny, 1.0, s)\n    B = (A - m) / s\n'
              '    return B, {"mean": m, "std": s}',
}


def toy_repo(root):
    """root/nnedu/toy.py, root/lectures/01_toy.ipynb, root/solutions/toylab.ipynb; the path of the solution."""
    (root / "nnedu").mkdir(parents=True)
    (root / "nnedu" / "toy.py").write_text(NNEDU)
    (root / "lectures").mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("import numpy as np"), new_code_cell(LECTURE)]),
                   root / "lectures" / "01_toy.ipynb")
    cells = [new_code_cell(SETUP, metadata=nbgrader("setup", locked=True)),
             new_code_cell(STATS, metadata=nbgrader("stats", solution=True)),
             new_code_cell("check_columns(column_stats(X)[0], X.mean(0))",
                           metadata=nbgrader("test_stats", grade=True, locked=True, points=1)),
             new_code_cell(SMOOTH, metadata=nbgrader("smooth", solution=True))]
    for i, cell in enumerate(cells):
        cell["id"] = f"c{i}"
    (root / "solutions").mkdir()
    nbformat.write(new_notebook(cells=cells), root / "solutions" / "toylab.ipynb")
    return root / "solutions" / "toylab.ipynb"


def toy_class(root, solution):
    """Each student's notebook: the lab with their answers (indented into the stubs) and any added cell."""
    from nnedu_instructor.labs import make_lab, read_solution
    paths = []
    for student in list(ANSWERS) + ["nncopy"]:
        nb = make_lab(read_solution(solution))
        for cell, body in zip([c for c in nb.cells if grade_id(c) in ("stats", "smooth")],
                              ANSWERS.get(student, (None, None))):
            if body is not None:
                cell.source = similarity_class.fill(cell.source, [body])
        if student in ADDED:   # marked as a locked cell by the student: not a cell the grader replaces
            nb.cells.append(new_code_cell(ADDED[student], metadata=nbgrader("mine", locked=True)))
        path = root / "submitted" / f"{student}.ipynb"
        path.parent.mkdir(exist_ok=True)
        nbformat.write(nb, path)
        paths.append(path)
    (root / "submitted" / "broken.ipynb").write_text("{not json")
    return paths + [root / "submitted" / "broken.ipynb"]


@pytest.fixture
def toy(tmp_path):
    solution = toy_repo(tmp_path)
    return tmp_path, solution, toy_class(tmp_path, solution)


TOY_FLAGS = {("solcopy", "solutions/toylab.ipynb"): {("solcopy", "stats")},
             ("leccopy", "lectures/01_toy.ipynb"): {("leccopy", "smooth")},
             ("nncopy", "nnedu/toy.py"): {("nncopy", "added or edited")},
             ("hostile", "student tw<i>n"): {("hostile", "smooth")}}


def test_a_copy_of_each_kind_of_source_is_flagged_and_given_code_is_not(toy, monkeypatch):
    root, solution, paths = toy
    report = similarity.run(solution, paths, root=root)
    assert flagged(report) == TOY_FLAGS
    [lecture] = [m for m in report.flags if m.student == "leccopy"]
    assert lecture.source_part == "cell 1"
    assert report.unread == [(str(paths[-1]), "not a readable notebook (JSONDecodeError)")]
    assert not [m for m in report.matches if m.student in ("given1", "given2", "stub1", "stub2")]
    monkeypatch.setattr(similarity, "given_code", lambda cells: None)   # without masking the given code
    assert flagged(similarity.run(solution, paths, root=root)) == {**TOY_FLAGS, ("given1", "student given2"): {
        ("given1", "stats")}}


def test_the_numbers_do_not_depend_on_the_string_hashes(toy, monkeypatch):
    root, solution, paths = toy

    def numbers():
        report = similarity.run(solution, paths, root=root)
        return sorted((m.student, m.label, m.source.name, m.share, m.chars, tuple(m.blocks)) for m in report.matches)

    before = numbers()
    monkeypatch.setattr(copydetect.utils, "hash",
                        lambda s: int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little",
                                                 signed=True), raising=False)
    assert numbers() == before and before


def test_command_line_writes_the_report_and_escapes_student_code(toy, capsys):
    root, solution, paths = toy
    out = root / "report" / "toy.html"
    code, stdout, _ = cli(capsys, "similarity", solution, *paths, "--root", root, "--out", out)
    assert code == 0
    assert re.search(r"^FLAG leccopy ~ lectures/01_toy.ipynb: leccopy's cell 3 \(smooth\) 100% \(127 chars\) ~ cell 1$",
                     stdout, re.M)
    assert "NOT READ" in stdout and "4 flagged pair(s) among 11 submission(s) of toylab" in stdout
    page = out.read_text()
    assert "&lt;/pre&gt;&lt;script&gt;alert(1)" in page and "tw&lt;i&gt;n" in page
    assert "<script>" not in page and "<i>" not in page


@pytest.mark.parametrize("args, message", [
    (["no_such_lab", "x.ipynb"], "no solution notebook 'no_such_lab'"),
    (["{solution}", "x.ipynb", "--threshold", "0"], "threshold: expected a share in (0, 1], got 0.0"),
    (["{solution}", "x.ipynb", "--noise", "2"], "noise: expected an integer number of characters >= 5, got 2"),
    (["{solution}", "x.ipynb", "--min-chars", "-1"], "min_chars: expected a number of characters >= 0, got -1"),
])
def test_command_line_refuses_bad_arguments(toy, capsys, args, message):
    root, solution, _ = toy
    code, _, stderr = cli(capsys, "similarity", *[a.format(solution=solution) for a in args], "--root", root)
    assert code == 2 and message in stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-v", "-s"]))
