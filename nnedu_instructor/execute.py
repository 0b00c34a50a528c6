"""Execute notebooks in place with nbclient, so their committed outputs match what nbval will see."""
import os
import time
from pathlib import Path

import nbclient
import nbformat


def execute_notebook(path, timeout=600, kernel_name="python3"):
    """Run every cell of the notebook at ``path`` top to bottom in a fresh kernel and save it in place.

    The kernel's working directory is the notebook's folder, as in JupyterLab. Returns the seconds it took.
    Raises nbclient's CellExecutionError (the file is left untouched) when a cell fails.
    """
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    # store_widget_state: the final state of every widget (finished progress bars, the playground) is saved in
    # the notebook's metadata, so JupyterLab shows it before the student runs anything (the notebook must be
    # trusted for that: `make lab` trusts the course's notebooks).
    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name=kernel_name, store_widget_state=True,
                                     resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # let the kernel use the inline backend
    client.execute(env=env)
    seconds = time.perf_counter() - start
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)  # never leave a half-written notebook
    return seconds
