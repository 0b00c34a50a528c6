#!/bin/sh
# Start one student's JupyterLab (called by the hub's spawner with the single-user command as arguments).
# - per-process cap on data size (prlimit --data = MEM_LIMIT, which the spawner sets from mem_limit): a backstop
#   when the hub cannot put the server into a memory cgroup (see nnedu_spawners.py); it caps each process,
#   not the student's total.
# - BLAS/OpenMP threads per kernel = the student's CPU share (CPU_LIMIT, at least 1).
# - the course notebooks are trusted once (their committed widget outputs display before anything runs).
set -eu
threads=$(printf '%.0f' "${CPU_LIMIT:-1}" 2>/dev/null || echo 1)
[ "$threads" -ge 1 ] 2>/dev/null || threads=1
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
bin=$(dirname "$1")
# deploy/.venv-singleuser is layered over the course's venv (deploy/setup.sh): Jupyter's data (JupyterLab's
# assets, widget extensions, kernels) and server-extension settings live in the course venv's prefix
course_prefix=$(cat "$bin/../course_prefix" 2>/dev/null || true)
if [ -n "$course_prefix" ]; then
    export JUPYTER_PATH="$course_prefix/share/jupyter${JUPYTER_PATH:+:$JUPYTER_PATH}"
    export JUPYTER_CONFIG_PATH="${JUPYTER_CONFIG_PATH:+$JUPYTER_CONFIG_PATH:}$(dirname "$bin")/etc/jupyter:$course_prefix/etc/jupyter"
    export JUPYTERLAB_DIR="$course_prefix/share/jupyter/lab"
fi
cd "$HOME"
if [ ! -e "$HOME/.nnedu-trusted" ]; then
    "$bin/jupyter" trust lectures/*.ipynb labs/*.ipynb >/dev/null 2>&1 || true
    touch "$HOME/.nnedu-trusted"
fi
if [ -n "${MEM_LIMIT:-}" ] && command -v prlimit >/dev/null 2>&1; then
    exec prlimit --data="$MEM_LIMIT" -- "$@"
fi
exec "$@"
