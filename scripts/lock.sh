#!/bin/sh
# `make lock`: compile the exact pins from pyproject.toml with pip-tools (pip-compile keeps the pins already in
# the output file; UPGRADE=1 lets them move to the newest releases that fit).
#   requirements.txt                          every extra except nbgrader: what `make install` puts into .venv
#   nnedu_instructor/student/requirements.txt the extras lab, test and torch with the same pins: what the
#                                             released course (`make release`) installs
# torch: the course machines find PyTorch's CPU build (2.13.0+cpu); the lock says torch==2.13.0, which that build
# satisfies, so a Mac or Windows machine gets PyPI's wheel of the same release. A lock that asks for NVIDIA's
# CUDA packages was compiled against PyPI's Linux torch, the multi-GB CUDA build: refused.
set -eu
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
TOOLS=$VENV/pip-tools
if [ ! -x "$TOOLS/bin/pip-compile" ]; then
    "$PYTHON" -m venv "$TOOLS"
    "$TOOLS/bin/pip" install -q pip-tools==7.7.0
fi
upgrade=${UPGRADE:+--upgrade}
compile() {   # OUTPUT EXTRAS [pip-compile options]
    out=$1 extras=$2
    shift 2
    CUSTOM_COMPILE_COMMAND="make lock" "$TOOLS/bin/pip-compile" -q $upgrade --extra "$extras" --strip-extras \
        --no-emit-find-links --no-emit-index-url --annotation-style line "$@" -o "$out" pyproject.toml
    sed -i 's/^torch==\([0-9.]*\)+[a-z0-9]*/torch==\1/' "$out"
    if grep -q '^nvidia-' "$out"; then
        echo "error: $out pins NVIDIA's CUDA packages: compile where pip finds torch's CPU build" >&2
        exit 1
    fi
    echo "$out: $(grep -c '==' "$out") pins"
}
compile requirements.txt lab,torch,test,instructor,dev,browser
compile nnedu_instructor/student/requirements.txt lab,torch,test -c requirements.txt
# in the course's repository this file is requirements.txt itself: drop the constraint from the annotations
sed -i 's/# via -c requirements.txt, /# via /' nnedu_instructor/student/requirements.txt
