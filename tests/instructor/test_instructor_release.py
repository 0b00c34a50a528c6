"""`release` on a small course: what it writes, the git repository it makes, and when it refuses.
The real course's release is checked in tests/deploy/test_student_course.py."""
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from labkit import cli, write_solution
from nbformat.v4 import new_code_cell, new_notebook

from nnedu_instructor import labs
from nnedu_instructor.release import ALLOWED, ReleaseError, allowed, course_map, files, leaks, release

REPO = Path(__file__).resolve().parents[2]
MAP = "## Course map\n\n| notebook | what |\n|---|---|\n| [lectures/01_intro.ipynb](lectures/01_intro.ipynb) | x |\n"


@pytest.fixture
def repo(tmp_path):
    """A small course repository: a lecture, a solution and its lab, the package, the settings, the README."""
    root = tmp_path / "repo"
    write_solution(root, name="lab1_add")
    labs.generate(root / "solutions", root / "labs")
    (root / "lectures").mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("print(1)")]), root / "lectures" / "01_intro.ipynb")
    shutil.copytree(REPO / "nnedu_instructor", root / "nnedu_instructor",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (root / "nnedu" / "weights").mkdir(parents=True)
    (root / "nnedu" / "__init__.py").write_text('"""nnedu."""\n')
    (root / "nnedu" / "weights" / "w.npz").write_bytes(b"PK")
    (root / "nnedu" / "__pycache__").mkdir()
    (root / "nnedu" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    shutil.copytree(REPO / "jupyter", root / "jupyter")
    (root / "tests").mkdir()
    (root / "tests" / "nbval_sanitize.cfg").write_text("[x]\nregex: a\nreplace: b\n")
    (root / "tests" / "test_secret.py").write_text("ANSWER = 42\n")
    (root / "README.md").write_text("# nnedu (instructor)\n\nSolutions go between `### BEGIN SOLUTION` markers.\n\n"
                                    + MAP + "\n## Grading\n\nprobes and canaries\n")
    return root


def git(folder, *args):
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


EXPECTED = [".gitignore", "Makefile", "README.md", "binder/postBuild", "binder/requirements.txt",
            "binder/runtime.txt", "jupyter/jupyter_server_config.py", "jupyter/lab/settings/overrides.json",
            "labs/lab1_add.ipynb", "lectures/01_intro.ipynb", "nnedu/__init__.py", "nnedu/weights/w.npz",
            "pyproject.toml", "requirements.txt", "tests/check_lab.py", "tests/nbval_sanitize.cfg"]


def test_course_is_a_repository_with_the_course_and_nothing_else(repo, tmp_path):
    dest = tmp_path / "course"
    written = release(dest, root=repo, log=lambda _: None)
    assert written == ["lectures", "labs", "nnedu", "jupyter", "tests", "binder", "README.md", "Makefile",
                       "pyproject.toml", "requirements.txt", ".gitignore"]
    assert files(dest) == EXPECTED
    assert git(dest, "ls-files").split() == EXPECTED                 # everything committed ...
    assert git(dest, "log", "--format=%s").split("\n")[:-1] == ["nnedu course"]   # ... in one commit
    assert git(dest, "branch", "--show-current").strip() == "main"
    assert (dest / "labs" / "lab1_add.ipynb").read_bytes() == (repo / "labs" / "lab1_add.ipynb").read_bytes()
    readme = (dest / "README.md").read_text()
    assert MAP in readme and "COURSE_MAP" not in readme and "probes" not in readme and "BEGIN" not in readme
    assert (dest / "Makefile").read_bytes() == (REPO / "nnedu_instructor/student/Makefile").read_bytes()
    assert (dest / "binder" / "postBuild").stat().st_mode & 0o111
    assert leaks(dest) == []


def test_release_again_is_a_new_commit_and_keeps_what_is_not_the_course(repo, tmp_path, capsys):
    dest = tmp_path / "course"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    code, _, err = cli(capsys, "release", dest, "--root", repo)
    assert code == 2 and "is not empty" in err and files(dest) == ["notes.txt"]
    code, out, _ = cli(capsys, "release", dest, "--root", repo, "--force")
    assert code == 0 and "committed as" in out
    (dest / ".venv").mkdir()
    (dest / ".venv" / "keep").write_text("a student's environment")
    assert "unchanged" in cli(capsys, "release", dest, "--root", repo, "--force")[1]   # nothing new: no commit
    (repo / "labs" / "lab1_add.ipynb").unlink()   # a lab removed since the last release ...
    (repo / "solutions" / "lab1_add.ipynb").unlink()
    (repo / "lectures" / "02_more.ipynb").write_bytes((repo / "lectures" / "01_intro.ipynb").read_bytes())
    assert cli(capsys, "release", dest, "--root", repo, "--force")[0] == 0
    assert not (dest / "labs" / "lab1_add.ipynb").exists()   # ... is gone from the course too
    assert git(dest, "log", "--format=%s").split("\n")[:-1] == ["nnedu course: update", "nnedu course"]
    changed = git(dest, "show", "--name-status", "--format=", "HEAD").split("\n")
    assert set(changed) - {""} == {"D\tlabs/lab1_add.ipynb", "A\tlectures/02_more.ipynb"}
    assert (dest / "notes.txt").read_text() == "mine" and (dest / ".venv" / "keep").exists()
    assert "notes.txt" not in git(dest, "ls-files")   # not the course's: never committed by a release
    with pytest.raises(ReleaseError, match="repository itself"):
        release(repo, root=repo, force=True)
    with pytest.raises(ReleaseError, match="inside the repository's solutions"):
        release(repo / "solutions" / "x", root=repo)


def test_refuses_when_labs_are_stale(repo, tmp_path):
    nb = nbformat.read(repo / "solutions" / "lab1_add.ipynb", as_version=4)
    nb.cells[0].source += " (revised)"
    nbformat.write(nb, repo / "solutions" / "lab1_add.ipynb")
    with pytest.raises(ReleaseError, match=r"not in sync(.|\n)*lab1_add.ipynb: stale"):
        release(tmp_path / "course", root=repo)
    assert not (tmp_path / "course").exists()


def test_fails_loudly_and_removes_the_copy_when_a_file_would_leak(repo, tmp_path):
    shutil.copy(repo / "solutions" / "lab1_add.ipynb", repo / "lectures" / "02_oops.ipynb")
    with pytest.raises(ReleaseError, match=r"lectures/02_oops.ipynb: solution or hidden-test marker"):
        release(tmp_path / "course", root=repo)
    assert files(tmp_path / "course") == []   # nothing left to hand out by mistake, nothing committed
    (repo / "lectures" / "02_oops.ipynb").unlink()
    (repo / "nnedu" / "answers.py").write_text("### BEGIN HIDDEN TESTS\nassert True\n")
    with pytest.raises(ReleaseError, match="nnedu/answers.py: solution or hidden-test marker"):
        release(tmp_path / "course", root=repo, force=True)


def test_fails_on_a_file_that_is_not_on_the_allow_list(repo, tmp_path):
    (repo / "nnedu" / "probes").mkdir()
    (repo / "nnedu" / "probes" / "lab1.py").write_text("PROBES = []\n")
    (repo / "nnedu" / "notes.txt").write_text("model answer: 42\n")
    with pytest.raises(ReleaseError) as e:
        release(tmp_path / "course", root=repo)
    assert "nnedu/notes.txt: not on the allow-list" in str(e.value)
    assert "nnedu/probes/lab1.py: not on the allow-list" in str(e.value)
    assert files(tmp_path / "course") == []


def test_the_allow_list_matches_folder_by_folder():
    assert allowed("nnedu/layers.py") and allowed("lectures/01_neural_networks.ipynb")
    assert allowed("labs/lab3_regularization.ipynb") and allowed("binder/postBuild")
    assert not allowed("nnedu/sub/layers.py")            # '*' stays within one folder
    assert not allowed("solutions/lab1_backprop.ipynb") and not allowed("nnedu_instructor/grade.py")
    assert not allowed("tests/instructor/alternatives/lab1_backprop.py") and not allowed("labs/notes.md")
    assert all("solution" not in p and "instructor" not in p and "probe" not in p for p in ALLOWED)


def test_the_readme_must_have_a_course_map(repo, tmp_path):
    assert course_map("# x\n\n" + MAP + "\n## Next\n\ny\n") == MAP
    (repo / "README.md").write_text("# nnedu\n\nno map\n")
    with pytest.raises(ReleaseError, match="Course map"):
        release(tmp_path / "course", root=repo)
