"""The class hub with real student accounts (slow: `make test-release`; needs root, skipped loudly otherwise).

deploy/setup.sh in users mode puts the released course and the students' environment into NNEDU_HUB_SERVE
(here NNEDU_HUB_USERS_TEST_SERVE, default /var/tmp/nnedu-hub-users-test, kept between runs) and makes this
repository private. Two unprivileged accounts (useradd, in a group of their own; removed afterwards) log in
through the hub's login form (PAM). Each gets the course in their home, runs lecture 01 and their own lab
(answered with the solution's code, saved through their own server as JupyterLab saves) in their own kernel;
the instructor collects the labs and has grades and feedback next to them. Then, from inside each student's
kernel, every attempt to read the solutions, the probes, the grader, another student's home, the submissions,
the grades, the feedback and the hub's secrets fails, while the student's own files and the released course
read fine. The repository's modes are restored afterwards.
"""
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest
import websocket

from nnedu_instructor.cells import grade_id, is_solution

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
import hub_load  # noqa: E402 (deploy/ is not a package)
import nnedu_hub  # noqa: E402
from accountkit import runnable_by_others  # noqa: E402 (tests/, on the path through its conftest.py)

SERVE = Path(os.environ.get("NNEDU_HUB_USERS_TEST_SERVE", "/var/tmp/nnedu-hub-users-test"))
LAB = "lab1_backprop"
LECTURE = "01_neural_networks.ipynb"
PRIVATE_TREES = ("solutions", "submitted", "feedback", "deploy/state", ".git")


def loud_skip(reason):
    banner = "*" * 100
    print(f"\n{banner}\n*** SKIPPING the hub test with real accounts: {reason}\n{banner}", file=sys.stderr)
    pytest.skip(reason)


def sh(*cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def accounts():
    """Two student accounts with passwords, in a group of their own: [(name, password)], removed afterwards."""
    if os.geteuid() != 0:
        loud_skip("not root (useradd, PAM logins and servers run as other users need root)")
    if not shutil.which("useradd") or not Path("/etc/pam.d/login").exists():
        loud_skip("no useradd or no PAM 'login' service on this machine")
    tag = secrets.token_hex(3)
    group, users = f"nnedut{tag}", [(f"nnedut{tag}{s}", secrets.token_hex(10)) for s in "ab"]
    sh("groupadd", group)
    made = []
    try:
        for name, password in users:
            sh("useradd", "--create-home", "--shell", "/bin/bash", "--gid", group, name)
            made.append(name)
            subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
        yield group, users
    finally:
        for name in made:
            uid = pwd.getpwnam(name).pw_uid
            for p in psutil.process_iter(["uids"]):   # what the hub started as them, if anything is left
                if p.info["uids"] and p.info["uids"].real == uid:
                    p.kill()
            subprocess.run(["userdel", "--remove", name], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)


def _modes(paths):
    out = {}
    for top in paths:
        if top.exists():
            out[top] = top.stat().st_mode
            if top.is_dir():
                for base, dirs, names in os.walk(top):
                    for n in dirs + names:
                        p = Path(base) / n
                        if not p.is_symlink():
                            out[p] = p.stat().st_mode
    return out


@pytest.fixture(scope="module")
def students_python():
    """The Python the students' environment is made with: the course's own (the lock was compiled with it; the
    system's may be too old for it, Debian 12's 3.11.2 is). Where it lies under a folder closed to other users
    (pyenv's under /root on the course machines) that folder is opened for traversal only (o+x, no listing)
    for the test, and closed again afterwards: a class server installs its Python where everyone can run it."""
    with runnable_by_others(sys.executable, sys.base_prefix) as python:
        yield python


@pytest.fixture(scope="module")
def layout(accounts, students_python):
    """deploy/setup.sh for a class; this repository's modes are put back afterwards."""
    before = _modes([ROOT / p for p in PRIVATE_TREES]) | {ROOT: ROOT.stat().st_mode}
    env = dict(os.environ, NNEDU_HUB_MODE="users", NNEDU_HUB_SERVE=str(SERVE), PYTHON="python3",
               NNEDU_HUB_PYTHON=str(students_python), VENV=str(ROOT / ".venv"))
    t = time.perf_counter()
    run = subprocess.run([str(ROOT / "deploy" / "setup.sh")], env=env, capture_output=True, text=True)
    print(f"deploy/setup.sh (users): {time.perf_counter() - t:.0f} s\n{run.stdout[-2000:]}")
    try:
        assert run.returncode == 0, run.stderr[-3000:]
        yield SERVE
    finally:
        for path, mode in before.items():
            if path.exists():
                path.chmod(stat.S_IMODE(mode))


@pytest.fixture(scope="module")
def hub(layout, accounts):
    group, _ = accounts
    state = Path(tempfile.mkdtemp(prefix="nnedu-hub-users-"))
    h = hub_load.Hub(state, mode="users", env={"NNEDU_HUB_SERVE": str(layout), "NNEDU_HUB_GROUP": group})
    try:
        h.start()
        yield h
    finally:
        survivors = h.stop()
        log = [line for line in (state / "hub.log").read_text(errors="replace").splitlines()
               if "200 GET /hub/api/users" not in line]   # not the test's polling
        print("hub log (last lines):\n  " + "\n  ".join(log[-60:]))
        print(f"hub stopped; processes left and killed: {survivors}")
        shutil.rmtree(state, ignore_errors=True)


def test_the_students_environment_holds_no_instructor_file(layout):
    env, course = layout / "env", layout / "course"
    assert not [p for p in env.rglob("*nnedu_instructor*")] and not [p for p in env.rglob("solutions")]
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(sh(env / "bin" / "python", "-c", purelib).stdout.strip())
    installed = list(site.glob("*.pth")) + list(site.glob("*/direct_url.json")) + list(site.glob("*/RECORD"))
    mentions = [p for p in installed if str(ROOT) in p.read_text(errors="replace")]
    assert mentions == []   # nothing installed from, or pointing into, the instructor's repository
    where = sh(env / "bin" / "python", "-c", "import nnedu; print(nnedu.__file__)", cwd="/").stdout.strip()
    assert Path(where).is_relative_to(site)   # installed, not editable
    from nnedu_instructor.release import leaks
    assert leaks(course) == [] and not (course / "solutions").exists()
    assert nnedu_hub.readable_by_others(ROOT) == []
    assert ROOT.stat().st_mode & 0o077 == 0


def _answered_lab(home_lab):
    """The student's lab with the solution's answers typed in (marker lines left out)."""
    solution = nbformat.read(ROOT / "solutions" / f"{LAB}.ipynb", as_version=4)
    answers = {grade_id(c): "\n".join(line for line in c.source.split("\n") if "SOLUTION" not in line)
               for c in solution.cells if is_solution(c) and c.cell_type == "code"}
    lab = nbformat.read(home_lab, as_version=4)
    for cell in lab.cells:
        if grade_id(cell) in answers:
            cell.source = answers[grade_id(cell)]
    return lab


def _work(hub, name, result):
    """A student's session: the lecture, then their lab saved through their server and run. Never raises."""
    result.update(name=name, errors=[])
    try:
        student = hub_load.Student(hub, name)
        home = Path(pwd.getpwnam(name).pw_dir)
        for path, cells in ((f"lectures/{LECTURE}", None), (f"labs/{LAB}.ipynb", "answered")):
            if cells:
                lab = _answered_lab(home / path)
                r = hub.http.put(f"{student.base}/api/contents/{path}", timeout=60,
                                 json={"type": "notebook", "format": "json", "content": lab})
                r.raise_for_status()
            session = student.session(path)
            t = time.perf_counter()
            try:
                errors = student.run_cells(session, hub_load.code_cells(home / path))
            finally:
                student.end_session(session)
            result[path] = time.perf_counter() - t
            result["errors"] += [f"{path} cell {i}: {e}: {v}" for i, e, v in errors]
    except Exception as e:  # noqa: BLE001 (reported by the test)
        result["errors"].append(f"{type(e).__name__}: {e}")


ATTACK = r"""
import json, os, sys
def attempt(kind, path):
    try:
        if kind == "list":
            return "ok: " + str(len(os.listdir(path))) + " entries"
        if kind == "import":
            return "ok: " + str(__import__(path))
        with open(path, "rb") as f:
            return "ok: " + str(len(f.read())) + " bytes"
    except BaseException as e:
        return type(e).__name__
print("ATTACK" + json.dumps({label: attempt(kind, path) for label, (kind, path) in TARGETS.items()}))
print("WHO" + json.dumps({"uid": os.getuid(), "python": sys.executable,
                          "nnedu": __import__("nnedu").__file__}))
"""


def _in_kernel(hub, name, code):
    student = hub_load.Student(hub, name)
    session = student.session(f"labs/{LAB}.ipynb")
    try:
        kid = session["kernel"]["id"]
        ws = websocket.create_connection(student.base.replace("http://", "ws://")
                                         + f"/api/kernels/{kid}/channels?session_id={uuid.uuid4().hex}",
                                         timeout=120, header=[f"Authorization: token {hub.token}"])
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({"header": {"msg_id": msg_id, "username": name, "session": session["id"],
                                       "msg_type": "execute_request", "version": "5.3", "date": ""},
                            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
                            "content": {"code": code, "silent": False, "store_history": False,
                                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        out, done = "", False
        while not done:
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if msg["header"]["msg_type"] == "stream":
                out += msg["content"]["text"]
            elif msg["header"]["msg_type"] == "error":
                raise AssertionError(f"the attack code itself failed: {msg['content']['evalue']}")
            done = msg["header"]["msg_type"] == "status" and msg["content"]["execution_state"] == "idle"
        ws.close()
    finally:
        student.end_session(session)
    attack = next(line for line in out.splitlines() if line.startswith("ATTACK"))
    who = next(line for line in out.splitlines() if line.startswith("WHO"))
    return json.loads(attack[len("ATTACK"):]), json.loads(who[len("WHO"):])


def test_students_work_and_cannot_read_what_is_not_theirs(hub, accounts, layout):
    _, users = accounts
    names = [name for name, _ in users]
    # 1. each logs in with their system password through the login form and gets the course
    for name, password in users:
        problems = hub_load.student_login(hub, name, password)
        assert problems == [], problems
    homes = {name: Path(pwd.getpwnam(name).pw_dir) for name in names}
    for name, home in homes.items():
        assert home.stat().st_mode & 0o777 == 0o700 and home.stat().st_uid == pwd.getpwnam(name).pw_uid
        assert (home / "labs" / f"{LAB}.ipynb").stat().st_uid == pwd.getpwnam(name).pw_uid
    # 2. both work at once: lecture 01, then their own lab, answered and saved through their own server
    results = [{} for _ in names]
    threads = [threading.Thread(target=_work, args=(hub, n, r)) for n, r in zip(names, results)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    for r in results:
        print(json.dumps(r))
        assert r["errors"] == [], r
    # 3. the instructor collects the labs; grades and feedback lie next to them (world-readable on purpose: the
    #    layout, not each file's mode, is what keeps them from students)
    tag = names[0][:-1]
    collect = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-m", "nnedu_instructor", "collect", LAB,
                              "--from", f"/home/{tag}*/labs/{{lab}}.ipynb", "--to", str(ROOT / "submitted")],
                             cwd=ROOT, capture_output=True, text=True)
    assert collect.returncode == 0, collect.stderr
    grades = ROOT / f"grades-{tag}.csv"
    feedback = ROOT / "feedback" / LAB
    made = [ROOT / "submitted" / n for n in names] + [grades] + [feedback / f"{n}.md" for n in names]
    try:
        grades.write_text("student,total\n" + "".join(f"{n},24\n" for n in names))
        feedback.mkdir(parents=True, exist_ok=True)
        for n in names:
            (feedback / f"{n}.md").write_text(f"# {n}: 24/24\n")
        for p in [grades] + [feedback / f"{n}.md" for n in names]:
            p.chmod(0o644)
        pids = {n: hub.api("GET", f"/users/{n}")["servers"][""]["state"]["pid"] for n in names}
        # 4. from inside each student's kernel
        for me, other in ((names[0], names[1]), (names[1], names[0])):
            targets = {
                "the solutions folder": ("list", ROOT / "solutions"),
                "a solution notebook": ("read", ROOT / "solutions" / f"{LAB}.ipynb"),
                "a probe": ("read", ROOT / "solutions" / "probes" / f"{LAB}.py"),
                "the grader's source": ("read", ROOT / "nnedu_instructor" / "grade.py"),
                "the alternative answers": ("read", ROOT / "tests" / "instructor" / "alternatives" / f"{LAB}.py"),
                "the instructor's repository": ("list", ROOT),
                "its git history": ("read", ROOT / ".git" if (ROOT / ".git").is_file() else ROOT / ".git" / "HEAD"),
                "the instructor's environment": ("list", ROOT / ".venv"),
                "the submissions": ("list", ROOT / "submitted"),
                "another student's submission": ("read", ROOT / "submitted" / other / LAB / f"{LAB}.ipynb"),
                "one's own submission": ("read", ROOT / "submitted" / me / LAB / f"{LAB}.ipynb"),
                "the grades": ("read", grades),
                "one's own feedback": ("read", feedback / f"{me}.md"),
                "another student's feedback": ("read", feedback / f"{other}.md"),
                "another student's home": ("list", homes[other]),
                "another student's lab": ("read", homes[other] / "labs" / f"{LAB}.ipynb"),
                "another student's server environment": ("read", f"/proc/{pids[other]}/environ"),
                "the hub's database": ("read", hub.state / "jupyterhub.sqlite"),
                "the hub's cookie secret": ("read", hub.state / "jupyterhub_cookie_secret"),
                "the hub's environment (admin token)": ("read", f"/proc/{hub.proc.pid}/environ"),
                "the grader package": ("import", "nnedu_instructor"),
                # controls: what is theirs, and the released course, reads fine
                "CONTROL one's own lab": ("read", homes[me] / "labs" / f"{LAB}.ipynb"),
                "CONTROL the released course": ("read", layout / "course" / "README.md"),
            }
            code = "TARGETS = " + repr({k: (kind, str(p)) for k, (kind, p) in targets.items()}) + "\n" + ATTACK
            attempts, who = _in_kernel(hub, me, code)
            print(f"{me}:\n" + "\n".join(f"  {label}: {result}" for label, result in attempts.items()))
            assert who["uid"] == pwd.getpwnam(me).pw_uid
            assert Path(who["python"]).is_relative_to(layout / "env"), who
            assert Path(who["nnedu"]).is_relative_to(layout / "env"), who
            for label, result in attempts.items():
                if label.startswith("CONTROL"):
                    assert result.startswith("ok"), (me, label, result)
                elif label == "the grader package":
                    assert result == "ModuleNotFoundError", (me, label, result)
                else:
                    assert result == "PermissionError", (me, label, result)
    finally:
        for p in made:
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
        for folder in (feedback, ROOT / "feedback", ROOT / "submitted"):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
