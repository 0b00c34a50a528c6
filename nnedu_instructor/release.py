"""Write the students' course repository: ``python -m nnedu_instructor release DIR [--force]`` (``make release``).

What students get is a repository of its own, complete without this one:

  from this repository  lectures/, labs/ (generated from solutions/: checked in sync first), nnedu/ (the package
                        and its shipped weights), jupyter/ (the course's JupyterLab settings),
                        tests/nbval_sanitize.cfg (make test's settings), and README.md's course map
  from student/         the course's own README.md (the course map goes where it says COURSE_MAP), Makefile,
                        pyproject.toml (nnedu only), requirements.txt (the students' lock, made by `make lock`),
                        .gitignore, binder/ (repo2docker: CPU-only torch, nnedu installed non-editable) and
                        tests/check_lab.py (the labs' visible tests: make check)

and a git repository on branch main with one commit, which an instructor pushes as the students' repository
(a release into that repository again, with ``--force``, adds a commit with the changes). Nothing of the grader
goes there: no solutions/, no nnedu_instructor, no probes, none of this repository's tests or history. Before
the commit, every file written must match ALLOWED and may contain no solution or hidden-test marker; otherwise
the release fails and removes what it wrote.
"""
import os
import re
import shutil
import subprocess
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

from . import labs
from .cells import BEGIN_HIDDEN, BEGIN_SOLUTION

STUDENT = Path(__file__).resolve().parent / "student"
FROM_REPO = ["lectures", "labs", "nnedu", "jupyter", "tests/nbval_sanitize.cfg"]
FROM_STUDENT = ["README.md", "Makefile", "pyproject.toml", "requirements.txt", ".gitignore", "binder",
                "tests/check_lab.py"]
ENTRIES = ["lectures", "labs", "nnedu", "jupyter", "tests", "binder", "README.md", "Makefile", "pyproject.toml",
           "requirements.txt", ".gitignore"]   # what a release owns at the top of DIR (and replaces)
ALLOWED = [".gitignore", "Makefile", "README.md", "pyproject.toml", "requirements.txt",
           "binder/postBuild", "binder/requirements.txt", "binder/runtime.txt",
           "jupyter/jupyter_server_config.py", "jupyter/lab/settings/*.json",
           "lectures/[0-9][0-9]_*.ipynb", "labs/lab[0-9]_*.ipynb", "nnedu/*.py", "nnedu/weights/*.npz",
           "tests/check_lab.py", "tests/nbval_sanitize.cfg"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info", "*.tmp")
MARKERS = [BEGIN_SOLUTION.encode(), BEGIN_HIDDEN.encode()]
PLACEHOLDER = "COURSE_MAP"
AUTHOR = ["-c", "user.name=nnedu release", "-c", "user.email=nnedu-release@localhost"]


class ReleaseError(RuntimeError):
    """The course cannot be released, or what it wrote would hand out what students must not get."""


def allowed(rel):
    """True when the relative path ``rel`` (posix) matches an ALLOWED pattern, folder by folder."""
    parts = PurePosixPath(rel).parts
    return any(len(parts) == len(PurePosixPath(p).parts) and fnmatchcase(rel, p) for p in ALLOWED)


def leaks(folder):
    """Files under ``folder`` (relative posix paths, sorted; .git and .venv left out) that contain a solution or
    hidden-test marker, or that lie in a solutions folder."""
    folder = Path(folder)
    found = []
    for rel in files(folder):
        data = (folder / rel).read_bytes()
        if any(marker in data for marker in MARKERS) or "solutions" in PurePosixPath(rel).parts:
            found.append(rel)
    return found


def files(folder, skip=(".git", ".venv")):
    """Every file under ``folder`` as a relative posix path, sorted, leaving out the folders in ``skip``."""
    folder = Path(folder)
    out = []
    for base, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not (Path(base) == folder and d in skip))
        out += [(Path(base) / n).relative_to(folder).as_posix() for n in names]
    return sorted(out)


def course_map(readme):
    """The '## Course map' section of the repository's README (heading included), links relative as they are."""
    match = re.search(r"^## Course map\n.*?(?=^## |\Z)", readme, re.M | re.S)
    if not match:
        raise ReleaseError("README.md has no '## Course map' section for the students' README")
    return match.group(0).rstrip() + "\n"


def _check_dest(root, dest, force):
    if dest == root:
        raise ReleaseError(f"{dest} is the repository itself; choose another folder")
    for name in ENTRIES + ["solutions"]:
        if dest == root / name or (root / name) in dest.parents:
            raise ReleaseError(f"{dest} is inside the repository's {name}; choose another folder")
    if dest.exists() and not dest.is_dir():
        raise ReleaseError(f"{dest} is not a folder")
    if dest.exists() and any(dest.iterdir()) and not force:
        raise ReleaseError(f"{dest} is not empty (use --force to replace the course in it)")


def _remove(path):
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _copy(src, out):
    out.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(src, out, ignore=IGNORE)
    else:
        shutil.copy2(src, out)


def _git(dest, *args, check=True):
    try:
        return subprocess.run(["git", *args], cwd=dest, capture_output=True, text=True, check=check)
    except FileNotFoundError:
        raise ReleaseError("git is needed to make the course a repository (install git)") from None
    except subprocess.CalledProcessError as e:
        raise ReleaseError(f"git {' '.join(args)} failed in {dest}: {e.stderr.strip()}") from None


def commit(dest, entries):
    """Make ``dest`` a git repository (branch main) if it is not one, and commit ``entries``' changes.
    Returns the new commit's hash, or None when nothing changed."""
    first = not (dest / ".git").exists()
    if first:
        _git(dest, "init", "-q")
        _git(dest, "symbolic-ref", "HEAD", "refs/heads/main")
    _git(dest, "add", "-A", "--", *entries)
    if _git(dest, "diff", "--cached", "--quiet", check=False).returncode == 0 and not first:
        return None
    who = [] if _git(dest, "config", "user.email", check=False).stdout.strip() else AUTHOR
    _git(dest, *who, "commit", "-q", "--allow-empty", "-m", "nnedu course" if first else "nnedu course: update")
    return _git(dest, "rev-parse", "HEAD").stdout.strip()


def release(dest, root=".", force=False, log=print):
    """Write the students' course from the repository at ``root`` into ``dest`` and commit it; return the
    top-level entries written.

    Refuses (ReleaseError) when labs/ is stale, when ``dest`` is not empty (unless ``force``: then the entries a
    release owns are replaced, and anything else there, .git and .venv included, stays), when a file written is
    not on the allow-list or holds a marker (then what was written is removed again).
    """
    root, dest = Path(root).resolve(), Path(dest).resolve()
    stale = labs.check(root / "solutions", root / "labs")
    if stale:
        raise ReleaseError("labs/ is not in sync with solutions/ (run `make labs`):\n  " + "\n  ".join(stale))
    _check_dest(root, dest, force)
    readme = (STUDENT / "README.md").read_text(encoding="utf-8")
    if PLACEHOLDER not in readme:
        raise ReleaseError(f"{STUDENT / 'README.md'} has no {PLACEHOLDER} line for the course map")
    readme = readme.replace(PLACEHOLDER + "\n", course_map((root / "README.md").read_text(encoding="utf-8")))
    for name in FROM_REPO + FROM_STUDENT:
        src = (root if name in FROM_REPO else STUDENT) / name
        if not src.exists():
            raise ReleaseError(f"{src} is missing: the course would be incomplete")
    dest.mkdir(parents=True, exist_ok=True)
    for name in ENTRIES:
        _remove(dest / name)
    for name in FROM_REPO:
        _copy(root / name, dest / name)
    for name in FROM_STUDENT:
        _copy(STUDENT / name, dest / name)
    (dest / "README.md").write_text(readme, encoding="utf-8")
    written = [name for name in ENTRIES if (dest / name).exists()]
    unexpected = [f for f in files(dest) if PurePosixPath(f).parts[0] in ENTRIES and not allowed(f)]
    found = leaks(dest)
    if unexpected or found:
        for name in written:   # leave nothing half-checked behind to hand out by mistake
            _remove(dest / name)
        raise ReleaseError(f"the course in {dest} would hand out what it must not (written files removed):\n  "
                           + "\n  ".join([f"{f}: not on the allow-list" for f in unexpected]
                                         + [f"{f}: solution or hidden-test marker" for f in found]))
    head = commit(dest, written)
    log(f"release: {dest} " + (f"committed as {head[:12]} on main" if head else "unchanged (no new commit)"))
    return written
