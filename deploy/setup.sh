#!/bin/sh
# Make (or bring up to date) the hub's environments; `make hub` and `make test-hub` call this.
#   deploy/.venv-hub         JupyterHub itself (deploy/requirements-hub.txt)
#   deploy/node_modules      configurable-http-proxy (deploy/package.json, package-lock.json)
#   deploy/.venv-singleuser  the students' servers: a thin venv over the course's .venv (made by `make install`)
#                            that adds deploy/requirements-singleuser.txt, constrained by requirements.txt
# Each is remade only when its requirements file is newer than its stamp.
set -eu
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
COURSE_VENV=${VENV:-.venv}
stale() { [ ! -e "$1" ] || [ "$2" -nt "$1" ]; }

if stale deploy/.venv-hub/.installed deploy/requirements-hub.txt; then
    test -x deploy/.venv-hub/bin/python || "$PYTHON" -m venv deploy/.venv-hub
    deploy/.venv-hub/bin/pip install -q -r deploy/requirements-hub.txt
    touch deploy/.venv-hub/.installed
fi
if stale deploy/node_modules/.installed deploy/package-lock.json; then
    command -v npm >/dev/null || { echo "error: npm (Node.js) is needed for the hub's proxy" >&2; exit 1; }
    npm ci --prefix deploy --no-audit --no-fund --loglevel=error
    touch deploy/node_modules/.installed
fi
if stale deploy/.venv-singleuser/.installed deploy/requirements-singleuser.txt \
        || [ "$COURSE_VENV/.installed" -nt deploy/.venv-singleuser/.installed ]; then
    test -x "$COURSE_VENV/bin/python" || { echo "error: no course environment $COURSE_VENV: run make install" >&2; exit 1; }
    test -x deploy/.venv-singleuser/bin/python || "$COURSE_VENV/bin/python" -m venv deploy/.venv-singleuser
    course_site=$("$COURSE_VENV/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    own_site=$(deploy/.venv-singleuser/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    # the course's packages (and its editable nnedu, through its own .pth files) come after this venv's own
    echo "import site; site.addsitedir('$course_site')" > "$own_site/nnedu_course.pth"
    # and Jupyter's data and settings there (read by deploy/singleuser.sh)
    "$COURSE_VENV/bin/python" -c "import sys; print(sys.prefix)" > deploy/.venv-singleuser/course_prefix
    grep -v '^-e' requirements.txt > deploy/.venv-singleuser/constraints.txt
    deploy/.venv-singleuser/bin/pip install -q -c deploy/.venv-singleuser/constraints.txt \
        -r deploy/requirements-singleuser.txt
    deploy/.venv-singleuser/bin/python -c "import torch, nnedu, jupyterlab, jupyterhub.singleuser, nbgitpuller"
    touch deploy/.venv-singleuser/.installed
fi
