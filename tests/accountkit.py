"""What the tests with real student accounts share (tests/class/, tests/deploy/slow_hub_users.py)."""
import contextlib
import os
import stat
import sys
from pathlib import Path


@contextlib.contextmanager
def runnable_by_others(python, base_prefix):
    """Let other users run ``python`` (whose ``sys.base_prefix`` is ``base_prefix``) for the test: a folder above
    it closed to them (pyenv's under /root on the course machines) is opened for traversal only (o+x, no
    listing) and closed again afterwards; a class server installs its Python where everyone can run it."""
    real = Path(os.path.realpath(python))
    base = Path(os.path.realpath(base_prefix))
    opened = []
    for path in (real, base / "lib"):
        for folder in [*reversed(path.parents), path]:
            if folder.is_dir() and not folder.stat().st_mode & stat.S_IXOTH and folder not in opened:
                opened.append(folder)
    for folder in opened:
        print(f"*** for this test only: other users may traverse {folder} (o+x) to run {real}", file=sys.stderr)
        folder.chmod(folder.stat().st_mode | stat.S_IXOTH)
    try:
        yield real
    finally:
        for folder in opened:
            folder.chmod(folder.stat().st_mode & ~stat.S_IXOTH)
