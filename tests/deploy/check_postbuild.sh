#!/bin/sh
# binder/postBuild's commands in a fresh venv (part of `make test-hub`; slow-ish, so not in `make test`).
# repo2docker first installs binder/requirements.txt; here the fresh venv sees the course's installed packages
# through a .pth (the same pins; reinstalling torch and co. would download gigabytes), then postBuild runs in a
# clean copy of the repository (git's files only) with NB_PYTHON_PREFIX at the fresh venv, and HOME elsewhere.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
course=${VENV:-$root/.venv}
work=$(mktemp -d /tmp/nnedu-postbuild-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$course/bin/python" -m venv "$work/venv"
site=$("$work/venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
course_site=$("$course/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
echo "import site; site.addsitedir('$course_site')" > "$site/zz_course.pth"
mkdir "$work/repo" "$work/home"
(cd "$root" && git ls-files -z | xargs -0 cp --parents -t "$work/repo")
mkdir -p "$work/repo/binder" && cp "$root"/binder/* "$work/repo/binder/"   # the working copy's binder/, committed or not
cd "$work/repo"
test -x binder/postBuild
env HOME="$work/home" NB_PYTHON_PREFIX="$work/venv" PATH="$work/venv/bin:$course/bin:$PATH" binder/postBuild
cmp jupyter/lab/settings/overrides.json "$work/venv/share/jupyter/lab/settings/overrides.json"
"$work/venv/bin/python" - "$work" <<'PY'
import json, sys
from pathlib import Path
work = Path(sys.argv[1])
import nnedu
assert str(Path(nnedu.__file__).resolve()).startswith(str(work / "repo")), nnedu.__file__
hide = json.loads((work / "venv/etc/jupyter/jupyter_server_config.d/nnedu.json").read_text())["ContentsManager"]["hide_globs"]
assert "*.egg-info" in hide, hide
assert list((work / "home").rglob("nbsignatures.db")), "notebooks not trusted"
print("postBuild: nnedu from the repository, JupyterLab settings and server settings in place, notebooks trusted")
PY
