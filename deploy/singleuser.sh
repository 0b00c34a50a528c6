#!/bin/sh
# Start one student's JupyterLab (the hub's spawner calls this with the single-user command as arguments).
# deploy/setup.sh installs it as SERVE/env/bin/nnedu-singleuser, in the students' environment: a student's
# server runs nothing from the instructor's repository.
# - per-process cap on data size (prlimit --data = MEM_LIMIT, which the spawner sets from mem_limit): a backstop
#   when the hub cannot put the server into a memory cgroup (see nnedu_spawners.py); it caps each process,
#   not the student's total.
# - BLAS/OpenMP threads per kernel = the student's CPU share (CPU_LIMIT, at least 1).
# - the course notebooks are trusted once (their committed widget outputs display before anything runs).
set -eu
umask 077
threads=$(printf '%.0f' "${CPU_LIMIT:-1}" 2>/dev/null || echo 1)
[ "$threads" -ge 1 ] 2>/dev/null || threads=1
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
bin=$(dirname "$1")
cd "$HOME"
if [ ! -e "$HOME/.nnedu-trusted" ]; then
    "$bin/jupyter" trust lectures/*.ipynb labs/*.ipynb >/dev/null 2>&1 || true
    touch "$HOME/.nnedu-trusted"
fi
if [ -n "${MEM_LIMIT:-}" ] && command -v prlimit >/dev/null 2>&1; then
    exec prlimit --data="$MEM_LIMIT" -- "$@"
fi
exec "$@"
