"""Build the student bundle: ``python -m nnedu_instructor release DIR [--force]``.

The bundle holds lectures/, labs/, nnedu/ (without caches), README.md, requirements.txt, pyproject.toml and
the Makefile; never solutions/. Before copying, labs/ must be in sync with solutions/ (``labs --check``).
After copying, every file of the bundle is scanned: a notebook or any other file that contains a solution
or hidden-test marker makes the release fail. The only files allowed to mention the markers are those that
document the cell format (README.md, nnedu_instructor/*.py), and they hold no solution.
"""
import shutil
from fnmatch import fnmatchcase
from pathlib import Path

from . import labs
from .cells import BEGIN_HIDDEN, BEGIN_SOLUTION

CONTENTS = ["lectures", "labs", "nnedu", "README.md", "requirements.txt", "pyproject.toml", "Makefile"]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info", "*.tmp")
MARKERS = [BEGIN_SOLUTION.encode(), BEGIN_HIDDEN.encode()]
DOCUMENTS_FORMAT = ["README.md", "nnedu_instructor/*.py"]


class ReleaseError(RuntimeError):
    """The bundle cannot be built, or it would leak solutions."""


def leaks(folder):
    """Files under ``folder`` (relative paths, sorted) that contain a solution or hidden-test marker."""
    folder = Path(folder)
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if path.suffix != ".ipynb" and any(fnmatchcase(rel.as_posix(), p) for p in DOCUMENTS_FORMAT):
            continue
        data = path.read_bytes()
        if any(marker in data for marker in MARKERS) or rel.parts[0] == "solutions":
            found.append(rel.as_posix())
    return found


def release(dest, root=".", force=False, log=print):
    """Copy the student bundle from the repository at ``root`` into ``dest``; return the copied entries.

    Refuses (ReleaseError) when labs/ is stale, when ``dest`` is not empty (unless ``force``: then the
    bundle's entries in ``dest`` are replaced), or when the copy contains a marker (see ``leaks``: then
    the copied entries are removed again).
    """
    root, dest = Path(root).resolve(), Path(dest).resolve()
    stale = labs.check(root / "solutions", root / "labs")
    if stale:
        raise ReleaseError("labs/ is not in sync with solutions/ (run `make labs`):\n  " + "\n  ".join(stale))
    if dest == root:
        raise ReleaseError(f"{dest} is the repository itself; choose another folder")
    for name in CONTENTS:
        if dest == root / name or (root / name) in dest.parents:
            raise ReleaseError(f"{dest} is inside the repository's {name}; choose another folder")
    if dest.exists() and not dest.is_dir():
        raise ReleaseError(f"{dest} is not a folder")
    if dest.exists() and any(dest.iterdir()) and not force:
        raise ReleaseError(f"{dest} is not empty (use --force to replace the bundle in it)")
    dest.mkdir(parents=True, exist_ok=True)
    copied = []
    for name in CONTENTS:
        src, out = root / name, dest / name
        if not src.exists():
            log(f"release: {name} not found, skipped")
            continue
        if out.is_dir() and not out.is_symlink():
            shutil.rmtree(out)
        elif out.exists() or out.is_symlink():
            out.unlink()
        if src.is_dir():
            shutil.copytree(src, out, ignore=IGNORE)
        else:
            shutil.copy2(src, out)
        copied.append(name)
    found = leaks(dest)
    if found:
        for name in copied:  # leave no half-checked bundle behind
            if (dest / name).is_dir():
                shutil.rmtree(dest / name)
            else:
                (dest / name).unlink()
        raise ReleaseError(f"the bundle in {dest} would leak solutions or hidden tests (copy removed):\n  "
                           + "\n  ".join(found))
    return copied
