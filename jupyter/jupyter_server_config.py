"""JupyterLab settings for the course, loaded by `make lab` (and the browser test) with
--config=jupyter/jupyter_server_config.py.

The released course (make release) ships this folder as it is; binder/postBuild there copies its settings
into the environment of Binder and JupyterHub images.

Without `make`: jupyter lab --config=jupyter/jupyter_server_config.py
"""
from pathlib import Path

c = get_config()  # noqa: F821 (provided by Jupyter when it loads this file)

# lab/settings/overrides.json: save widget state in the notebook (so widget outputs still display after
# the server restarts) and never ask about or fetch Jupyter news (the course runs offline).
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab" / "settings")

# Open on the course: the file browser starts in lectures/ (labs/ is next to it; every other folder stays
# reachable from the file browser's root).
c.LabApp.default_url = "/lab/tree/lectures"

# Keep the package's build metadata and caches out of the student's file browser.
c.ContentsManager.hide_globs = [
    "__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~",  # JupyterLab's defaults
    "*.egg-info", ".pytest_cache", ".ipynb_checkpoints",
]
