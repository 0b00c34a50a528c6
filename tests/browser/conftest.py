"""Fixtures for the browser test: a JupyterLab server on copies of the course notebooks, and Chromium.

Run with `make test-browser` (not part of `make test`). Needs the `playwright` package (requirements.txt) and a
Chromium binary: Debian's `apt-get install chromium` (/usr/bin/chromium) or the path in $CHROMIUM;
`playwright install` is not used (it downloads browsers, which the course machines cannot do).
"""
import os
import shutil
import signal
import sys
from pathlib import Path

import pytest
from jupyterlab_driver import REPO, LabServer

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


# A SIGTERM (CI's timeout, `kill`) unwinds like Ctrl-C, so the fixtures stop their servers and Chromium.
signal.signal(signal.SIGTERM, _interrupt)


def pytest_collection_modifyitems(config, items):
    # Without a browser this whole folder is skipped, loudly (`make test-browser` installs nothing itself).
    reason = None
    try:
        import playwright  # noqa: F401
    except ImportError:
        reason = "the browser test needs the playwright package (pip install -r requirements.txt)"
    if reason is None and not Path(CHROMIUM).exists():
        reason = f"the browser test needs Chromium at {CHROMIUM} (apt-get install chromium, or set $CHROMIUM)"
    if reason:
        sys.stderr.write(f"\n*** SKIPPING THE BROWSER TEST: {reason} ***\n")
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    """Folder for screenshots (kept after the run; its path is printed at the end)."""
    folder = Path(os.environ.get("NNEDU_BROWSER_SHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    sys.stderr.write(f"\nbrowser test screenshots: {folder}\n")


def copy_course(dest):
    """Copy lectures/ and labs/ (JupyterLab autosaves: the test never touches the committed notebooks)."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for folder in ("lectures", "labs"):
        shutil.copytree(REPO / folder, Path(dest) / folder, ignore=ignore)
    return Path(dest)


@pytest.fixture(scope="session")
def course_copy(tmp_path_factory):
    return copy_course(tmp_path_factory.mktemp("course"))


@pytest.fixture(scope="session")
def server(course_copy, tmp_path_factory):
    lab = LabServer(course_copy, tmp_path_factory.mktemp("jupyter-home"))
    lab.trust()
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM,
                                     args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()
