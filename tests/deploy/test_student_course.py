"""The students' course as `make release` writes it from this repository: its files against the allow-list,
nothing of the grader in it, its README, Makefile, locks and repo2docker files. Fast (part of `make test`);
the course's own `make test`, `make check` and binder/postBuild run in `make test-release` (slow_course.py)."""
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib
from packaging.requirements import Requirement

from nnedu_instructor.cells import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, is_manual, is_solution
from nnedu_instructor.release import allowed, files, release

ROOT = Path(__file__).resolve().parents[2]
LECTURES = sorted(p.name for p in (ROOT / "lectures").glob("*.ipynb"))
LABS = sorted(p.name for p in (ROOT / "labs").glob("*.ipynb"))


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    dest = tmp_path_factory.mktemp("release") / "nnedu-course"
    release(dest, root=ROOT, log=lambda _: None)
    return dest


def git(folder, *args):
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


def test_file_list_is_the_allow_list_and_the_whole_course(course):
    got = files(course)
    assert [f for f in got if not allowed(f)] == []
    assert sorted(f[len("lectures/"):] for f in got if f.startswith("lectures/")) == LECTURES
    assert sorted(f[len("labs/"):] for f in got if f.startswith("labs/")) == LABS
    package = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "nnedu").rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts)
    assert [f for f in got if f.startswith("nnedu/")] == package   # the package and its weights, no caches
    assert {"README.md", "Makefile", "pyproject.toml", "requirements.txt", ".gitignore", "binder/postBuild",
            "binder/requirements.txt", "binder/runtime.txt", "jupyter/jupyter_server_config.py",
            "jupyter/lab/settings/overrides.json", "tests/check_lab.py", "tests/nbval_sanitize.cfg"} <= set(got)
    assert git(course, "ls-files").split() == got and git(course, "rev-list", "--count", "HEAD").strip() == "1"


def _text(path):
    """What a reader of the file sees: a notebook's cell sources and output texts, any other file's text."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8", errors="replace")
    nb = nbformat.read(path, as_version=4)
    parts = [json.dumps(nb.metadata)]
    for cell in nb.cells:
        parts.append(cell.source)
        for out in cell.get("outputs", []):
            parts.append(str(out.get("text", "")) + json.dumps(out.get("data", {})))
    return "\n".join(parts)


def _squash(text):
    return " ".join(text.split())


def _regions(source, begin, end):
    out, inside, lines = [], False, []
    for line in source.split("\n"):
        if begin in line:
            inside, lines = True, []
        elif end in line:
            inside = False
            out.append("\n".join(lines))
        elif inside:
            lines.append(line)
    return out


def _secrets():
    """(kind, text) of everything students must not get: each solution region, hidden-test region and written
    model answer of every lab, and every long line of the probes and of the alternative answers that the course
    itself does not show (a probe repeats a lab's data set-up, an alternative answer its function signatures)."""
    shown = _squash("\n".join(_text(p) for folder in ("lectures", "labs", "nnedu")
                              for p in sorted((ROOT / folder).glob("*.*")) if p.suffix in (".ipynb", ".py")))
    found = []
    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_manual(cell):
                found.append((f"{path.stem}: model answer", cell.source))
            elif is_solution(cell):
                found += [(f"{path.stem}: solution", r) for r in _regions(cell.source, BEGIN_SOLUTION, END_SOLUTION)]
            found += [(f"{path.stem}: hidden test", r) for r in _regions(cell.source, BEGIN_HIDDEN, END_HIDDEN)]
    for folder, kind in (("solutions/probes", "probe"), ("tests/instructor/alternatives", "alternative answer")):
        for path in sorted((ROOT / folder).glob("*.py")):
            found += [(f"{path.stem}: {kind}", line) for line in path.read_text().splitlines()
                      if len(line.strip()) >= 50 and not line.strip().startswith(("#", "import ", "from "))
                      and _squash(line) not in shown]
    return [(kind, _squash(text)) for kind, text in found if len(_squash(text)) >= 25]


def test_no_solution_hidden_test_probe_or_model_answer_in_the_course(course):
    secrets = _secrets()
    assert len(secrets) > 100   # the check has something to look for
    texts = {f: _squash(_text(course / f)) for f in files(course)}
    leaked = [(kind, f, text[:80]) for kind, text in secrets for f, t in texts.items() if text in t]
    assert leaked == []
    raw = b"".join((course / f).read_bytes() for f in files(course))
    assert BEGIN_SOLUTION.encode() not in raw and BEGIN_HIDDEN.encode() not in raw


def test_labs_carry_no_solution_outputs_or_widget_state(course):
    for name in LABS:
        nb = nbformat.read(course / "labs" / name, as_version=4)
        first = next(i for i, c in enumerate(nb.cells) if is_solution(c))
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in nb.cells[first:] if c.cell_type == "code"), name
        shown = set(re.findall(r'"model_id": "([0-9a-f]+)"', json.dumps([c.get("outputs", []) for c in nb.cells])))
        state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
        views = {k for k, v in state.items() if v["model_name"] in ("HBoxModel", "VBoxModel", "FloatProgressModel",
                                                                     "IntProgressModel", "OutputModel")}
        assert views <= shown | {m for k in shown for m in re.findall(r"IPY_MODEL_([0-9a-f]+)",
                                                                        json.dumps(state.get(k, {})))}, name


def test_the_grader_cannot_be_imported_there(course):
    code = ("import sys, importlib.util as u; sys.path.insert(0, '.'); "
            "print(u.find_spec('nnedu_instructor'), u.find_spec('nnedu') is not None)")
    run = subprocess.run([sys.executable, "-S", "-c", code], cwd=course, capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["None", "True"]
    assert not any("instructor" in f or "solution" in f or "probe" in f for f in files(course))


def test_readme_links_commands_and_paths_exist(course):
    readme = (course / "README.md").read_text()
    for name in LECTURES:
        assert f"(lectures/{name})" in readme, name
    for name in LABS:
        assert f"(labs/{name})" in readme, name
    for link in re.findall(r"\]\(([^)#]+)\)", readme):
        assert link.startswith("http") or (course / link).exists(), link
    targets = set(re.findall(r"^([a-z][a-z-]*):", (course / "Makefile").read_text(), re.M))
    commands = set(re.findall(r"`make ([a-z][a-z-]*)", readme)) | set(re.findall(r"^make ([a-z]+)", readme, re.M))
    for command in commands:
        assert command in targets, f"README says `make {command}`; the Makefile has no such target"
    for path in re.findall(r"`((?:tests|jupyter|labs|lectures|binder|nnedu)/[\w./]*\w)`", readme):
        assert (course / path).exists() or path.startswith("labs/LAB"), path
    assert "solutions" not in readme and "grader" not in readme and "probe" not in readme


def test_every_make_target_is_listed_and_makes_sense(course):
    makefile = (course / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    helped = re.findall(r"^## make ([a-z]+)", makefile, re.M)
    assert sorted(phony) == sorted(helped)
    run = subprocess.run(["make", "help"], cwd=course, capture_output=True, text=True, check=True)
    assert all(f"make {t}" in run.stdout for t in phony)
    for target in phony:   # every recipe expands (its commands run in the slow test)
        subprocess.run(["make", "-n", target, "LAB=lab1_backprop"], cwd=course, capture_output=True, check=True)
    assert "nnedu_instructor" not in makefile and "solutions" not in makefile


def _pins(path):
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", Path(path).read_text(), re.M))


def test_the_course_installs_the_instructors_pins_without_the_instructors_tools(course):
    ours = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    theirs = tomllib.loads((course / "pyproject.toml").read_text())
    assert theirs["project"]["dependencies"] == ours["dependencies"]
    assert theirs["project"]["optional-dependencies"] == {k: ours["optional-dependencies"][k]
                                                          for k in ("lab", "torch", "test")}
    assert theirs["tool"]["setuptools"]["packages"]["find"]["include"] == ["nnedu", "nnedu.*"]
    lock, course_lock = _pins(ROOT / "requirements.txt"), _pins(course / "requirements.txt")
    assert {k: lock.get(k) for k in course_lock} == course_lock   # the same versions as the instructor's
    for absent in ("playwright", "hypothesis", "nbgrader", "jupyterhub"):
        assert absent not in course_lock and absent not in (course / "requirements.txt").read_text()
    assert lock["torch"] == course_lock["torch"] == "2.13.0"
    for text in ((ROOT / "requirements.txt").read_text(), (course / "requirements.txt").read_text()):
        assert not re.search(r"^(-e|nvidia-)", text, re.M)   # no editable line, no CUDA packages


def test_repo2docker_files_parse(course):
    binder = course / "binder"
    assert re.fullmatch(r"python-3\.\d+", (binder / "runtime.txt").read_text().strip())
    post = binder / "postBuild"
    assert post.stat().st_mode & 0o111
    subprocess.run(["bash", "-n", str(post)], check=True)
    assert "pip install --no-deps" in post.read_text() and " -e " not in post.read_text()   # not editable
    reqs, included, options = {}, [], []
    for line in (binder / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip() if not line.startswith("#") else ""
        if line.startswith("-r "):
            included.append(line.split(None, 1)[1])
        elif line.startswith("--"):
            options.append(line)
        elif line:
            req = Requirement(line)
            reqs[req.name] = str(req.specifier)
    assert included == ["../requirements.txt"] and (binder / included[0]).resolve() == course / "requirements.txt"
    assert options == ["--extra-index-url https://download.pytorch.org/whl/cpu"]
    lock = _pins(course / "requirements.txt")
    assert reqs["torch"] == f"=={lock['torch']}+cpu"   # the CPU build of the lock's torch
    single = _pins(ROOT / "deploy" / "requirements-singleuser.txt")
    assert {k: reqs[k] for k in ("jupyterhub", "nbgitpuller")} == {k: f"=={v}" for k, v in single.items()}


def test_this_repository_is_never_an_image(tmp_path):
    """The instructor's binder/ holds only a postBuild that stops any repo2docker build of this repository."""
    assert sorted(p.name for p in (ROOT / "binder").iterdir()) == ["postBuild"]
    run = subprocess.run([str(ROOT / "binder" / "postBuild")], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode == 1 and "make release" in run.stderr


@pytest.mark.parametrize("where", ["repository", "course"])
def test_make_lab_opens_on_the_lectures(where, course):
    """`make lab`, here and in the course, starts JupyterLab with jupyter/'s settings, on lectures/."""
    top = ROOT if where == "repository" else course
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("jupyter_server_config.py", path=str(top / "jupyter")).load_config()
    assert config.LabApp.default_url == "/lab/tree/lectures" and (top / "lectures").is_dir()
    assert "*.egg-info" in config.ContentsManager.hide_globs
    recipe = re.search(r"^lab:.*?(?=^\S|\Z)", (top / "Makefile").read_text(), re.M | re.S).group(0)
    assert "--config=$(CURDIR)/jupyter/jupyter_server_config.py" in recipe
