"""A class run with real nbgrader 0.9.6 and real accounts, scored by our sandboxed grader (``make test-class``).

The instructor (root) sets up an nbgrader course with ``nnedu_instructor.nbgrader_course init`` and releases the
toy lab (classkit.py) through the exchange; four student accounts fetch it, fill it in differently and submit:
alice (everything right, written answer too), bob (a hidden test and a visible assert fail, written answer left
as released), carol (everything right, after the due date), dave (his kernel dies in his second answer). The
instructor collects, autogrades (our grader), enters a manual score and a comment through formgrader's HTTP API,
generates and releases feedback, regrades one student and exports. At each step the students try to read what
is not theirs. Run as root (``useradd``); skipped loudly otherwise. The transcript is printed and written to
``$NNEDU_CLASS_TRANSCRIPT`` when set.
"""
import csv
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest
from classkit import (
    CRASH,
    FILL,
    FULL,
    LAB,
    ONE_THREAD,
    PARTIAL,
    SECRET,
    TESTS,
    Transcript,
    feedback_lines,
    nbgrader_venv,
    runnable_by_students,
    write_lab,
)

if os.geteuid() != 0:
    print("\n*** SKIPPING the class test: it creates student accounts with useradd and must run as root ***\n",
          file=sys.stderr)
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (useradd) for real student accounts")
SHOWN = "square(7) = 49"  # what alice's answer cell prints: formgrader shows it, her feedback does not
STUDENTS = {"alice": dict(FULL, square=FULL["square"] + "\nprint('square(7) =', square(7))"), "bob": PARTIAL,
            "carol": FULL, "dave": CRASH}
PEEK = """import json, os, sys
out = {}
for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, "rb").read(1)
        out[path] = "READ"
    except OSError as e:
        out[path] = type(e).__name__
print(json.dumps(out))
"""
SCORES = """import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    print(json.dumps({s.student_id: {"auto": {g.name: g.auto_score for nb in s.notebooks for g in nb.grades},
                                     "needs_manual": s.needs_manual_grade, "score": s.score,
                                     "penalty": s.late_submission_penalty, "timestamp": str(s.timestamp)}
                      for s in gb.assignment_submissions(sys.argv[1])}))
"""


@pytest.fixture
def accounts():
    tag = f"{os.getpid() % 100000}"
    names = {s: f"nnc{tag}{s[0]}" for s in STUDENTS}
    try:
        for name in names.values():
            subprocess.run(["useradd", "-m", "-s", "/bin/bash", name], check=True)
            os.chmod(f"/home/{name}", 0o700)
        yield names
    finally:
        for name in names.values():
            subprocess.run(["userdel", "-r", "-f", name], capture_output=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port, token, path, data=None, page=False):
    """formgrader's JSON API at ``path`` (``page``: the HTML page at /formgrader/``path``)."""
    url = f"http://127.0.0.1:{port}/formgrader/{'' if page else 'api/'}{path}"
    req = urllib.request.Request(url, method="PUT" if data else "GET", data=json.dumps(data).encode() if data else None,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read().decode() if page else json.loads(r.read())


def formgrade(python, course, env, log, student, score, comment):
    """A manual score and a comment for ``student``'s written answer, through formgrader's HTTP API; returns the
    HTML of formgrader's page of that submission."""
    port, token = free_port(), os.urandom(16).hex()
    server = subprocess.Popen([str(python), "-m", "jupyter_server", "--no-browser", "--allow-root",
                               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}",
                               f"--ServerApp.root_dir={course}"], cwd=course, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                api(port, token, "status")
                break
            except OSError:
                time.sleep(0.5)
        [sub] = [s for s in api(port, token, f"submitted_notebooks/{LAB}/{LAB}") if s["student"] == student]
        [grade] = [g for g in api(port, token, f"grades?submission_id={sub['id']}") if g["name"] == "why"]
        [note] = [c for c in api(port, token, f"comments?submission_id={sub['id']}") if c["name"] == "why"]
        log.add(f"[instructor] formgrader API: PUT /formgrader/api/grade/{grade['id']} manual_score={score}; "
                f"PUT /formgrader/api/comment/{note['id']} manual_comment={comment!r}")
        api(port, token, f"grade/{grade['id']}", {"manual_score": score})
        api(port, token, f"comment/{note['id']}", {"manual_comment": comment})
        return api(port, token, f"submissions/{sub['id']}/", page=True)
    finally:
        server.terminate()
        server.wait(30)


@pytest.fixture
def python():
    python = nbgrader_venv()
    with runnable_by_students(python):
        yield python


def test_a_class_with_nbgrader(accounts, python, tmp_path):
    start, log = time.perf_counter(), Transcript()
    root = Path(tempfile.mkdtemp(prefix="nnedu-class-", dir="/tmp"))
    os.chmod(root, 0o755)
    course, exchange, solutions = root / "course", root / "exchange", write_lab(tmp_path)
    # nbgrader's venv borrows nbconvert from the course's (classkit): its HTML templates are found there
    env = {"PATH": f"{python.parent}:/usr/bin:/bin", "HOME": str(root), **ONE_THREAD,
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    try:
        log.add(f"[instructor] $ python -m nnedu_instructor.nbgrader_course init course {LAB} --exchange exchange")
        subprocess.run([sys.executable, "-m", "nnedu_instructor.nbgrader_course", "init", str(course), LAB,
                        "--exchange", str(exchange), "--solutions", str(solutions)], check=True, capture_output=True)
        os.chmod(course, 0o700)

        def teacher(*args, check=True):
            return log.run("instructor", [str(python), "-m", "nbgrader", *args], course, env, check)

        def student(name, *args, check=True, label=None):
            user, home = accounts[name], f"/home/{accounts[name]}"
            senv = {"PATH": env["PATH"], "HOME": home, "USER": user, **ONE_THREAD}
            return log.run(user, [str(python), *args], home, senv, check, label=label)

        def peek(name, *paths):  # what student ``name`` can read of ``paths``
            run = student(name, "-c", PEEK, *map(str, paths), label="tries to read: " + ", ".join(map(str, paths)))
            return json.loads(run.stdout)

        (course / "roster.csv").write_text("id,first_name,last_name\n" + "".join(
            f"{user},{name.title()},Student\n" for name, user in accounts.items()))
        teacher("db", "student", "import", "roster.csv")
        teacher("db", "assignment", "add", LAB, "--duedate=2099-01-01 00:00:00 UTC")
        teacher("generate_assignment", LAB)
        teacher("release_assignment", LAB)
        for name, user in accounts.items():
            student(name, "-m", "nbgrader", "fetch_assignment", LAB, "--course=nnedu",
                    f"--Exchange.root={exchange}")
            student(name, "-c", FILL, f"/home/{user}/{LAB}/{LAB}.ipynb", json.dumps(STUDENTS[name]),
                    label=f"({name}) writes {', '.join(STUDENTS[name])} into {LAB}/{LAB}.ipynb")
            if name == "carol":
                continue
            student(name, "-m", "nbgrader", "submit", LAB, "--course=nnedu", f"--Exchange.root={exchange}")
        due = (datetime.now(timezone.utc) + timedelta(seconds=1)).strftime("%Y-%m-%d %H:%M:%S UTC")  # after theirs
        teacher("db", "assignment", "add", LAB, f"--duedate={due}")
        time.sleep(2.5)
        student("carol", "-m", "nbgrader", "submit", LAB, "--course=nnedu", f"--Exchange.root={exchange}")

        secret = [course / "source" / LAB / f"{LAB}.ipynb", course / "gradebook.db", course / "nbgrader_config.py",
                  solutions / f"{LAB}.ipynb", exchange / "nnedu" / "inbound", f"/home/{accounts['alice']}/{LAB}"]
        seen = peek("bob", *secret)
        log.add(f"[bob] reads the instructor's files, the inbound folder, alice's lab: {seen}")
        assert set(seen.values()) == {"PermissionError"}, seen

        teacher("collect", LAB)
        graded = teacher("autograde", LAB)
        assert "has changed" not in graded.stderr, graded.stderr  # no false "checksum has changed" warnings
        for line in graded.stderr.splitlines():
            if "nnedu grader:" in line or "Autograding" in line or "seconds late" in line:
                log.add("  " + line.split("] ", 1)[-1])
        scores = json.loads(subprocess.run([str(python), "-c", SCORES, LAB], cwd=course, env=env, check=True,
                                           capture_output=True, text=True).stdout)
        by = {name: scores[user] for name, user in accounts.items()}
        full = {gid: float(pts) for gid, (pts, _, _) in TESTS.items()}
        assert by["alice"]["auto"] == {**full, "why": None} and by["carol"]["auto"] == {**full, "why": None}
        assert by["bob"]["auto"] == {"test_square": 2.0, "test_cube": 0.0, "test_mean": 0.0, "why": 0.0}
        assert by["dave"]["auto"] == {"test_square": 2.0, "test_cube": 0.0, "test_mean": 0.0, "why": 0.0}
        assert by["carol"]["penalty"] == pytest.approx(0.6) and not by["alice"]["penalty"]
        for name, s in by.items():
            log.add(f"  {name}: automatic {s['auto']} score {s['score']:g} late penalty {s['penalty'] or 0:g} "
                    f"(submitted {s['timestamp']}, due {due})")

        autograded = nbformat.read(course / "autograded" / accounts["alice"] / LAB / f"{LAB}.ipynb", as_version=4)
        assert [o.get("text") for o in autograded.cells[2].outputs] == [SHOWN + "\n"], autograded.cells[2]
        page = formgrade(python, course, env, log, accounts["alice"], 1, "Right: the tests see only the values.")
        assert SHOWN in page, page[-3000:]  # formgrader shows what her answer cell printed
        log.add(f"[instructor] formgrader's page of alice's submission shows her answer cell's output: {SHOWN!r}")
        teacher("autograde", LAB, f"--student={accounts['bob']}", "--force")  # a regrade merges
        teacher("generate_feedback", LAB)
        teacher("release_feedback", LAB)
        fb = {}
        for name, user in accounts.items():
            student(name, "-m", "nbgrader", "fetch_feedback", LAB, "--course=nnedu", f"--Exchange.root={exchange}")
            [page] = Path(f"/home/{user}/{LAB}/feedback").glob(f"*/{LAB}.html")
            fb[name] = page.read_text()
            assert SECRET not in fb[name] and "BEGIN HIDDEN" not in fb[name] and "cube(-1.0)" not in fb[name]
        bob = feedback_lines(fb["bob"])
        at = [i for i, line in enumerate(bob) if line.startswith(("test_cube:", "test_mean:"))]
        shown = [bob[i] for i in at]
        visible_line = [bob[i + 1] for i in at if bob[i].startswith("test_mean:")]
        dave = [line for line in feedback_lines(fb["dave"]) if line.startswith("test_cube:")]
        log.add("  bob's feedback: " + " | ".join(shown + visible_line))
        log.add("  dave's feedback: " + " | ".join(dave))
        assert "Right: the tests see only the values." in fb["alice"] and SHOWN not in fb["alice"]
        seen = peek("bob", exchange / "nnedu" / "feedback", f"/home/{accounts['alice']}/{LAB}/feedback")
        log.add(f"[bob] reads the feedback folder and alice's feedback: {seen}")
        assert set(seen.values()) == {"PermissionError"}, seen

        teacher("export", "--to=grades.csv")
        rows = {r["student_id"]: r for r in csv.DictReader(open(course / "grades.csv"))}
        final = {name: float(rows[user]["score"]) for name, user in accounts.items()}
        assert final == {"alice": 7.0, "bob": 2.0, "carol": pytest.approx(5.4), "dave": 2.0}, final
        assert float(rows[accounts["carol"]]["late_submission_penalty"]) == pytest.approx(0.6)
        log.add(f"  export (score after the late penalty, of {rows[accounts['alice']]['max_score']}): {final}")
        teacher("export", "--exporter=nnedu_instructor.nbgrader_policy.LmsExport", "--LmsExport.lms=canvas",
                "--to=canvas.csv")
        canvas = list(csv.reader(open(course / "canvas.csv")))
        assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB]
        assert canvas[1][5] == "7" and [r[3:] for r in canvas[2:] if r[3] == accounts["carol"]] == [
            [accounts["carol"], "", "5.4"]]
        log.add(f"  canvas.csv: {canvas[0]} / {canvas[1]} / ... {len(canvas) - 2} students")
        teacher("export", "--exporter=nnedu_instructor.nbgrader_policy.LmsExport", "--LmsExport.lms=moodle",
                "--to=moodle.csv")
        moodle = {r["Username"]: r for r in csv.DictReader(open(course / "moodle.csv"))}
        assert moodle[accounts["alice"]][LAB] == "7" and moodle[accounts["bob"]]["First name"] == "Bob"

        assert "test_cube: 0 / 3: AssertionError in a hidden test" in shown, bob  # the type only, never the source
        assert "test_mean: 0 / 1: AssertionError: mean([1, 2, 3]) should be 2.0, got 1.5" in shown, bob  # in full
        assert dave and "the kernel died in `cube` (your answer cell)" in dave[0], dave
    finally:
        shutil.rmtree(root, ignore_errors=True)
        log.add(f"run time: {time.perf_counter() - start:.0f} s")
        out = os.environ.get("NNEDU_CLASS_TRANSCRIPT")
        if out:
            Path(out).parent.mkdir(parents=True, exist_ok=True)
            Path(out).write_text("\n".join(log.lines) + "\n")
