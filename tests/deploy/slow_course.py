"""The released course used as a student and an image builder use it (slow: `make test-release`).

1. `make release` into a folder kept between runs (NNEDU_COURSE_TEST_DIR, default /var/tmp/nnedu-course-test),
   again with --force each time: the course's .venv, made by its own `make install`, is reused while the pins
   stay the same;
2. inside it, its own `make test` (strict nbval on every lecture, then the labs' visible tests) with Lab 1
   answered with the solution's code: every visible test of it passes;
3. `make check` with one answer wrong reports FAIL and fails; half answered, `make test`'s lab step reports
   the rest as waiting and passes; the grader cannot be imported in the course's environment;
4. binder/postBuild in a fresh venv, with a clone of the course as working directory; then, with that clone
   gone and HOME elsewhere (Zero to JupyterHub: the user's volume hides the image's copy), `import nnedu`
   works, from the environment's own site-packages.
"""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import nbformat
import pytest

from nnedu_instructor.cells import grade_id, is_solution
from nnedu_instructor.release import release

ROOT = Path(__file__).resolve().parents[2]
WORK = Path(os.environ.get("NNEDU_COURSE_TEST_DIR", "/var/tmp/nnedu-course-test"))
LAB = "lab1_backprop"
# what a shell of the student's has: no make of ours around it, no virtual environment of the instructor's
ENV = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "VIRTUAL_ENV")}
ENV["PATH"] = ":".join(p for p in os.environ["PATH"].split(":") if not p.startswith(str(ROOT)))
# the course's `make` makes its .venv with PYTHON: the Python this repository's .venv was made with (the lock
# needs 3.11.5 or later, which the system's python3 may not be)
PYTHON = f"PYTHON={os.path.realpath(sys.executable)}"


@pytest.fixture(scope="module")
def course():
    dest = WORK / "nnedu-course"
    dest.mkdir(parents=True, exist_ok=True)
    release(dest, root=ROOT, force=True, log=print)
    return dest


def run(cmd, cwd, env=ENV, timeout=1800):
    t = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    print(f"$ {' '.join(map(str, cmd))}  ({time.perf_counter() - t:.0f} s, exit {result.returncode})")
    return result


def answer(course, upto=None, wrong=False):
    """Write the solution's answers into the course's Lab 1 (the first ``upto`` answer cells), marker lines
    dropped; ``wrong``: the linear layer forgets its bias."""
    solution = nbformat.read(ROOT / "solutions" / f"{LAB}.ipynb", as_version=4)
    answers = {grade_id(c): "\n".join(line for line in c.source.split("\n") if "SOLUTION" not in line)
               for c in solution.cells if is_solution(c) and c.cell_type == "code"}
    keep = list(answers)[:upto]
    path = course / "labs" / f"{LAB}.ipynb"
    lab = nbformat.read(path, as_version=4)
    for cell in lab.cells:
        if grade_id(cell) in keep:
            cell.source = answers[grade_id(cell)]
            if wrong and "def linear_forward" in cell.source:
                assert "z @ W + b" in cell.source, "the lab's linear layer changed: update this test's wrong answer"
                cell.source = cell.source.replace("z @ W + b", "z @ W")
    nbformat.write(lab, path)


def test_the_courses_own_make_test_passes_with_a_lab_answered(course):
    answer(course)
    result = run(["make", "test", PYTHON], course)
    print(result.stdout[-3000:], result.stderr[-3000:])
    assert result.returncode == 0
    summary = re.search(r"^=+ (.*) in [0-9.]+s", result.stdout, re.M).group(1)   # pytest's last line (nbval)
    assert "passed" in summary and "failed" not in summary and "error" not in summary and "skipped" not in summary
    assert f"labs/{LAB}.ipynb: ran in" in result.stdout and " FAIL " not in result.stdout
    assert re.search(r"visible tests: (\d+) of \1 pass", result.stdout)   # every visible test of Lab 1
    assert result.stdout.count(": not started") == len(list((course / "labs").glob("*.ipynb"))) - 1


def test_make_check_fails_on_a_wrong_answer_and_waits_for_missing_ones(course):
    answer(course, wrong=True)
    result = run(["make", "check", f"LAB={LAB}", PYTHON], course)
    print(result.stdout[-2000:])
    assert result.returncode != 0
    assert re.search(r"FAIL +test_linear_forward \(\d+ points\): AssertionError", result.stdout)
    release(course, root=ROOT, force=True, log=print)   # the lab as handed out again
    answer(course, upto=1)
    python = course / ".venv" / "bin" / "python"
    result = run([python, "tests/check_lab.py", "--started", f"labs/{LAB}.ipynb"], course)   # make test's lab step
    print(result.stdout[-2000:])
    assert result.returncode == 0 and " waiting " in result.stdout and " FAIL " not in result.stdout
    assert run([python, "-c", "import nnedu_instructor"], course).returncode != 0   # the grader is not there


def test_postbuild_in_a_fresh_venv_then_nnedu_from_another_home(course, tmp_path):
    """As repo2docker: binder/requirements.txt's packages installed (here: the course's .venv seen through a
    .pth, the same pins; downloading torch again would cost gigabytes), then binder/postBuild in the course."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site, course_site = (subprocess.run([str(python), "-c", purelib], capture_output=True, text=True,
                                        check=True).stdout.strip()
                         for python in (venv / "bin" / "python", course / ".venv" / "bin" / "python"))
    Path(site, "zz_course.pth").write_text(course_site + "\n")   # a plain path: the course's editable nnedu stays out
    clone = tmp_path / "image-home" / "course"
    subprocess.run(["git", "clone", "-q", str(course), str(clone)], check=True)
    env = dict(ENV, HOME=str(tmp_path / "image-home"), NB_PYTHON_PREFIX=str(venv),
               PATH=f"{venv / 'bin'}:{course / '.venv' / 'bin'}:{ENV['PATH']}")
    result = run(["binder/postBuild"], clone, env=env)
    print(result.stdout[-2000:], result.stderr[-2000:])
    assert result.returncode == 0
    assert (venv / "share/jupyter/lab/settings/overrides.json").read_bytes() == \
        (course / "jupyter/lab/settings/overrides.json").read_bytes()
    assert "*.egg-info" in (venv / "etc/jupyter/jupyter_server_config.d/nnedu.json").read_text()
    assert list((tmp_path / "image-home").rglob("nbsignatures.db")), "notebooks not trusted"
    assert not (clone / "build").exists() and not (clone / "nnedu.egg-info").exists()
    shutil.rmtree(clone)   # Zero to JupyterHub: the user's volume hides the image's home
    other = tmp_path / "student-home"
    other.mkdir()
    code = ("import importlib.util, nnedu; print(nnedu.__file__); print(importlib.util.find_spec('nnedu_instructor'));"
            "print(nnedu.MLP([2, 3, 2]).loss(__import__('numpy').zeros((1, 2))).shape)")
    result = run([venv / "bin" / "python", "-c", code], other, env=dict(ENV, HOME=str(other)))
    assert result.returncode == 0, result.stderr
    where, grader, shape = result.stdout.split("\n")[:3]
    assert Path(where).resolve().is_relative_to(Path(site).resolve()), where   # installed, not editable
    assert grader == "None" and shape == "(1, 2)"
    assert sysconfig.get_paths()["purelib"] not in where


def test_make_lab_serves_the_course_with_its_settings(course):
    """The course's `make lab`: JupyterLab on lectures/, build folders hidden, the course's JupyterLab settings."""
    import signal

    import requests
    proc = subprocess.Popen(["make", "lab", PYTHON], cwd=course, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()   # reads what make lab prints, so that waiting for it has a deadline
    try:
        url, deadline = None, time.time() + 300
        while url is None and time.time() < deadline and (proc.poll() is None or reader.is_alive()):
            found = re.search(r"(http://(?:127\.0\.0\.1|localhost):\d+)(/lab\S*)\?token=(\w+)", "".join(lines))
            url = found and found.groups()
            time.sleep(0.5)
        assert url, "make lab printed no URL:\n" + "".join(lines)[-3000:]
        base, path, token = url
        assert path == "/lab/tree/lectures"   # the URL it prints opens on the lectures
        web = requests.Session()
        web.headers["Authorization"] = f"token {token}"
        first = web.get(f"{base}/", allow_redirects=False, timeout=60)
        assert first.headers["Location"].split("?")[0].endswith("/lab/tree/lectures")
        top = {item["name"] for item in web.get(f"{base}/api/contents", timeout=60).json()["content"]}
        assert {"lectures", "labs", "nnedu"} <= top and not any(n.endswith(".egg-info") for n in top), top
        note = web.get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification", timeout=60).json()
        assert note["schema"]["properties"]["checkForUpdates"]["default"] is False   # jupyter/lab/settings read
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)   # make, jupyter lab and its children: the group this test started
        except ProcessLookupError:
            pass
        proc.wait(60)
