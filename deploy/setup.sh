#!/bin/sh
# Make (or bring up to date) what the hub runs; `make hub` and `make test-hub` call this. The hub serves the
# released course, never this repository:
#   deploy/.venv-hub       JupyterHub itself (deploy/requirements-hub.txt); runs as the hub's user (root for users)
#   deploy/node_modules    configurable-http-proxy (deploy/package.json, package-lock.json)
#   SERVE/course           the students' course, written by `python -m nnedu_instructor release` (lectures, labs,
#                          nnedu, settings): students' homes are filled from here
#   SERVE/env              the students' servers' environment: a venv with the course's own lock and
#                          deploy/requirements-singleuser.txt, finished by the course's binder/postBuild (nnedu
#                          installed non-editable, the course's JupyterLab settings); it holds no instructor file
# SERVE is NNEDU_HUB_SERVE: by default deploy/serve for a trial, /srv/nnedu for a class (NNEDU_HUB_MODE=users).
# The students' environment is made with NNEDU_HUB_PYTHON (default PYTHON, python3); for a class, every user must
# be able to run it (a Python under root's home, pyenv's for example, is refused: use /usr/bin/python3).
# For a class it also makes this repository private (0700: solutions, probes, the grader, submissions, grades,
# feedback and the hub's state are the instructor's) and SERVE readable by all but writable by root only.
# The environment is remade when its requirements change; nnedu in it whenever the released course changed.
set -eu
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-python3}
COURSE_VENV=${VENV:-.venv}
MODE=${NNEDU_HUB_MODE:-trial}
case "$MODE" in
    trial) SERVE=${NNEDU_HUB_SERVE:-$REPO/deploy/serve} ;;
    users) SERVE=${NNEDU_HUB_SERVE:-/srv/nnedu} ;;
    *) echo "error: NNEDU_HUB_MODE must be 'trial' or 'users', not '$MODE'" >&2; exit 1 ;;
esac
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

# -- the course, as students get it
test -x "$COURSE_VENV/bin/python" || { echo "error: no environment $COURSE_VENV: run make install" >&2; exit 1; }
umask 022
mkdir -p "$SERVE"
"$COURSE_VENV/bin/python" -m nnedu_instructor release "$SERVE/course" --force >/dev/null
echo "hub: course released into $SERVE/course ($(git -C "$SERVE/course" rev-parse --short HEAD))"

# -- the students' environment, from the course's files only
ENV=$SERVE/env
STUDENTS_PYTHON=${NNEDU_HUB_PYTHON:-$PYTHON}
if [ "$MODE" = users ]; then
    "$STUDENTS_PYTHON" - <<'PY' || exit 1
import os, stat, sys
# the interpreter and its standard library, and every folder above them, must be open to other users (x)
for path in {os.path.realpath(sys.executable), os.path.realpath(os.path.join(sys.base_prefix, "lib"))}:
    parts = path.split(os.sep)
    for i in range(2, len(parts) + 1):
        here = os.sep.join(parts[:i])
        if not os.stat(here).st_mode & stat.S_IXOTH:
            sys.exit(f"error: students cannot run {sys.executable} ({here} is closed to other users): "
                     "set NNEDU_HUB_PYTHON to a Python every user can run, e.g. /usr/bin/python3")
PY
fi
wanted=$( (cat "$SERVE/course/requirements.txt" deploy/requirements-singleuser.txt
           "$STUDENTS_PYTHON" -c "import os, sys; print(os.path.realpath(sys.executable), sys.version)") \
         | sha256sum | cut -c1-16)
if [ "$(cat "$ENV/.requirements" 2>/dev/null)" != "$wanted" ]; then
    echo "hub: making the students' environment $ENV (a few minutes)"
    rm -rf "$ENV"
    "$STUDENTS_PYTHON" -m venv "$ENV"
    "$ENV/bin/pip" install -q -r "$SERVE/course/requirements.txt" -r deploy/requirements-singleuser.txt
    echo "$wanted" > "$ENV/.requirements"
fi
course=$(git -C "$SERVE/course" rev-parse HEAD)
if [ "$(cat "$ENV/.course" 2>/dev/null)" != "$course" ]; then
    scratch=$(mktemp -d)
    (cd "$SERVE/course" && env HOME="$scratch" NB_PYTHON_PREFIX="$ENV" PATH="$ENV/bin:$PATH" binder/postBuild)
    rm -rf "$scratch"
    echo "$course" > "$ENV/.course"
fi
cp deploy/singleuser.sh "$ENV/bin/nnedu-singleuser"
chmod 0755 "$ENV/bin/nnedu-singleuser"
# checked from / (not from here, where nnedu/ and nnedu_instructor/ lie in the current folder)
(cd / && "$ENV/bin/python" -c "import torch, nnedu, jupyterlab, jupyterhub.singleuser, nbgitpuller")
if (cd / && "$ENV/bin/python" -c "import nnedu_instructor" 2>/dev/null); then
    echo "error: the students' environment $ENV can import nnedu_instructor" >&2
    exit 1
fi

# -- a class: the instructor's side private, the course readable by all, writable by root only
if [ "$MODE" = users ]; then
    case "$SERVE/" in
        "$REPO"/*) echo "error: NNEDU_HUB_SERVE=$SERVE is inside this repository, which students must not" \
                        "read: choose a folder outside it (default /srv/nnedu)" >&2; exit 1 ;;
    esac
    chmod go-rwx "$REPO"
    for private in solutions submitted feedback deploy/state .git; do
        if [ -e "$private" ]; then chmod -R go-rwx "$private"; fi
    done
    find "$REPO" -maxdepth 1 -name 'grades*.csv' -exec chmod 0600 {} +
    chmod -R go-w,a+rX "$SERVE"
    echo "hub: $REPO is private (0700); students' servers run from $ENV"
fi
