"""The student bundle: what it holds, what it never holds, and when it refuses to be built."""
import shutil
from pathlib import Path

import nbformat
import pytest
from labkit import cli, write_solution
from nbformat.v4 import new_code_cell, new_notebook

from nnedu_instructor import labs
from nnedu_instructor.release import ReleaseError, leaks, release

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def repo(tmp_path):
    """A small course repository: a lecture, a solution and its lab, the package, the top-level files."""
    root = tmp_path / "repo"
    write_solution(root)
    labs.generate(root / "solutions", root / "labs")
    (root / "lectures").mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("print(1)")]), root / "lectures" / "01_intro.ipynb")
    shutil.copytree(REPO / "nnedu_instructor", root / "nnedu_instructor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "nnedu").mkdir()
    (root / "nnedu" / "__init__.py").write_text('"""nnedu."""\n')
    (root / "nnedu" / "__pycache__").mkdir()
    (root / "nnedu" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (root / "README.md").write_text("# nnedu\n\nSolution regions go between `### BEGIN SOLUTION` markers.\n")
    for name in ("requirements.txt", "pyproject.toml", "Makefile"):
        (root / name).write_text(f"{name}\n")
    return root


def files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())


def test_bundle_has_the_course_and_no_solutions(repo, tmp_path):
    dest = tmp_path / "bundle"
    copied = release(dest, root=repo)
    assert copied == ["lectures", "labs", "nnedu", "README.md", "requirements.txt", "pyproject.toml", "Makefile"]
    got = files(dest)
    assert "labs/lab1.ipynb" in got and "lectures/01_intro.ipynb" in got and "nnedu/__init__.py" in got
    assert not any(f.startswith(("solutions", "nnedu_instructor")) or "__pycache__" in f for f in got)
    assert (dest / "labs" / "lab1.ipynb").read_bytes() == (repo / "labs" / "lab1.ipynb").read_bytes()
    for f in got:
        text = (dest / f).read_text(encoding="utf-8", errors="replace")
        assert "add(-1, 1)" not in text and "return a + b" not in text, f  # no hidden test, no solution
        if f.endswith(".ipynb"):
            assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, f
    assert leaks(dest) == []


def test_refuses_a_non_empty_folder_unless_forced(repo, tmp_path, capsys):
    dest = tmp_path / "bundle"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    code, _, err = cli(capsys, "release", dest, "--root", repo)
    assert code == 1 and "is not empty" in err and files(dest) == ["notes.txt"]
    code, out, _ = cli(capsys, "release", dest, "--root", repo, "--force")
    assert code == 0 and "student bundle in" in out
    (repo / "labs" / "lab1.ipynb").unlink()  # a lab removed since the last release ...
    (repo / "solutions" / "lab1.ipynb").unlink()
    assert cli(capsys, "release", dest, "--root", repo, "--force")[0] == 0
    assert not (dest / "labs" / "lab1.ipynb").exists()  # ... is gone from the bundle too
    with pytest.raises(ReleaseError, match="repository itself"):
        release(repo, root=repo, force=True)


def test_refuses_when_labs_are_stale(repo, tmp_path):
    nb = nbformat.read(repo / "solutions" / "lab1.ipynb", as_version=4)
    nb.cells[0].source += " (revised)"
    nbformat.write(nb, repo / "solutions" / "lab1.ipynb")
    with pytest.raises(ReleaseError, match=r"not in sync(.|\n)*lab1.ipynb: stale"):
        release(tmp_path / "bundle", root=repo)
    assert not (tmp_path / "bundle").exists()


def test_fails_loudly_when_a_file_would_leak(repo, tmp_path):
    shutil.copy(repo / "solutions" / "lab1.ipynb", repo / "lectures" / "02_oops.ipynb")
    with pytest.raises(ReleaseError, match=r"leak(.|\n)*lectures/02_oops.ipynb"):
        release(tmp_path / "bundle", root=repo)
    assert files(tmp_path / "bundle") == []  # nothing left to hand out by mistake
    (repo / "lectures" / "02_oops.ipynb").unlink()
    (repo / "nnedu" / "answers.py").write_text("### BEGIN HIDDEN TESTS\nassert True\n")
    with pytest.raises(ReleaseError, match="nnedu/answers.py"):
        release(tmp_path / "bundle", root=repo, force=True)
