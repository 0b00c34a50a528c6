"""Hostile submissions, round 2 (issue 23): one submission must never cost the batch, the instructor or another
student. Each test is a real grading of the toy ``squares`` lab (test_grader_hostile.py) with an honest and an
untouched student beside the attackers; afterwards the other students' rows and the instructor's files are
checked. Everything happens in the test's own temporary folders and processes.
"""
import copy
import os
import platform
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest
from labkit import by_id, cli
from test_grader_hostile import PROBE, make_squares

from nnedu_instructor import grade, sandbox
from nnedu_instructor.files import remove_tree

pytestmark = pytest.mark.skipif(sandbox.check() is not None, reason=f"no sandbox here: {sandbox.check()}")
HONEST = "def square(x):\n    return x * x"
# Answers that are right only when the attack failed: a contained attack scores 4/4, a working one 0.
ATTACKS = {
    # issue 23.1: a 3000-deep folder tree made the temporary folder's clean-up raise RecursionError
    "deep": "import os\nfor _ in range(3000):\n    os.mkdir('d')\n    os.chdir('d')\nos.chdir('/work/submission')\n"
            + HONEST,
    # 23.3: a read-only folder holding links to the instructor's files; clean-up must not chmod their targets
    "links": "import os\nos.mkdir('ro')\nfor i, p in enumerate({targets!r}):\n    os.symlink(p, f'ro/l{{i}}')\n"
             "os.chmod('ro', 0o555)\n" + HONEST,
    # 23.10: the grader's working folder (OLDPWD), PWD and the launcher's pid must not reach the kernel
    "env": "import os\nif not {{'OLDPWD', 'PWD', 'JPY_PARENT_PID'}} & set(os.environ):\n    def square(x):\n"
           "        return x * x",
}
INJECTED = '=HYPERLINK("evil.example","x")\x1b[31m\u202e'


def write(path, lab, answer):
    nb = copy.deepcopy(lab)
    if answer is not None:
        by_id(nb)["square"].source = answer
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def lab_with_probe(tmp_path):
    sol, lab = make_squares(tmp_path)
    (sol.parent / "probes").mkdir()
    (sol.parent / "probes" / "squares.py").write_text(PROBE)
    return sol, lab


@pytest.fixture
def private_tmp(tmp_path, monkeypatch):
    """The grader's temporary folders go here, so that what it leaves behind can be seen. A short path under
    /tmp, not pytest's: the kernels' IPC sockets live there and a Unix socket's path holds at most 107 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="ng-", dir="/tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    remove_tree(folder)


def modes(*paths):
    return {p: stat.S_IMODE(os.lstat(p).st_mode) for p in paths}


def test_the_batch_survives_and_names_are_inert(tmp_path, private_tmp, capsys):
    sol, lab = lab_with_probe(tmp_path)
    out, fb = tmp_path / "out" / "grades.csv", tmp_path / "out" / "feedback"
    out.parent.mkdir()
    out.write_text("old grades\n")
    targets = [str(out), str(tmp_path / "labs"), str(sol.parent), str(sol)]
    before = modes(*targets)
    subs = tmp_path / "submitted"
    paths = [write(subs / "honest.ipynb", lab, HONEST), write(subs / "untouched.ipynb", lab, None),
             write(subs / f"{INJECTED}.ipynb", lab, HONEST)]
    paths += [write(subs / f"{name}.ipynb", lab, code.format(targets=targets)) for name, code in ATTACKS.items()]
    code, stdout, stderr = cli(capsys, "grade", sol, *paths, "--out", out, "--feedback", fb, "--jobs", 2,
                               "--timeout", 60, "--replace")  # "old grades" is no grades CSV: never merged
    assert code == 0, stderr
    rows = {line.split(",")[0]: line for line in out.read_text().splitlines()[1:]}
    assert len(rows) == len(paths)
    for name in ["honest", *ATTACKS]:
        assert rows[name].endswith(",4,4,0,5,ok"), rows[name]
    assert rows["untouched"].endswith(",0,4,0,5,ok")
    # 23.9: the name reaches the CSV as text, not a formula, and nothing prints a control character
    [injected] = [row for name, row in rows.items() if "HYPERLINK" in name]
    assert injected.startswith("\"'=HYPERLINK(") and injected.endswith(",4,4,0,5,ok")
    texts = [out.read_text(), stdout, stderr] + [p.read_text() for p in (fb / "squares").iterdir()]
    assert len(texts) == 3 + len(paths)
    assert not [t for t in texts if "\x1b" in t or "\u202e" in t]
    assert modes(*targets) == before, "the clean-up changed the instructor's files"
    assert list(private_tmp.iterdir()) == [], "the grader left folders behind"


def test_remove_tree_never_follows_links_nor_recurses():
    # As the files' owner (not root, who needs no chmod): the clean-up of 23.1 and 23.3 on a tree like theirs.
    from nnedu_instructor.files import remove_tree
    tmp_path = Path(tempfile.mkdtemp(prefix="nnedu-test-"))  # pytest's folders are private to root
    tmp_path.chmod(0o777)
    pid = os.fork()
    if pid == 0:  # the child: the owner of the tree and of the victim, with no privilege
        try:
            if os.geteuid() == 0:
                os.setgid(sandbox.NOBODY)
                os.setuid(sandbox.NOBODY)
            victim = tmp_path / "instructor"
            victim.mkdir(mode=0o755)
            (victim / "grades.csv").write_text("x")
            tree = tmp_path / "tree"
            (tree / "ro" / "sub").mkdir(parents=True)
            os.symlink(victim, tree / "ro" / "link")
            os.symlink(victim / "grades.csv", tree / "ro" / "sub" / "file")
            os.mkfifo(tree / "fifo")
            os.chdir(tree)
            for _ in range(3000):
                os.mkdir("d")
                os.chdir("d")
            os.chdir(tmp_path)
            for folder in (tree / "ro" / "sub", tree / "ro", tree / "d"):
                folder.chmod(0o500 if folder.name != "d" else 0)
            problems = remove_tree(tree)
            ok = problems == [] and not tree.exists() and stat.S_IMODE(victim.stat().st_mode) == 0o755 \
                and stat.S_IMODE((victim / "grades.csv").stat().st_mode) == 0o644
            os._exit(0 if ok else 1)
        except BaseException as e:
            print(repr(e), file=sys.stderr)
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    remove_tree(tmp_path)
    assert os.waitstatus_to_exitcode(status) == 0


def test_rows_are_written_as_soon_as_known(tmp_path):
    # 23.1: a grader stopped half-way (here by SIGKILL, in a hanging submission) keeps the rows it finished.
    sol, lab = make_squares(tmp_path)
    paths = [write(tmp_path / "honest.ipynb", lab, HONEST), write(tmp_path / "hang.ipynb", lab, "import time\n"
                                                                  "time.sleep(600)")]
    out = tmp_path / "g.csv"
    grader = subprocess.Popen([sys.executable, "-m", "nnedu_instructor", "grade", str(sol), *map(str, paths),
                               "--out", str(out), "--feedback", str(tmp_path / "fb")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240  # seconds on a loaded machine; the wait ends when the row is there
        while not out.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        grader.kill()
        grader.wait()
    assert out.read_text().splitlines()[1].startswith("honest,") and out.read_text().endswith(",4,4,0,5,ok\n")
    assert (tmp_path / "fb" / "squares" / "honest.md").exists()


def test_host_sockets_and_keyrings_stay_out_of_reach(tmp_path):
    # 23.5: the kernel swaps its sockets for links to a host socket and dies: the grader must not connect.
    # 23.7: a kernel leaves the answer in the user and session keyrings: the next kernel must not find it.
    if platform.machine() not in ("x86_64", "aarch64"):
        pytest.skip("the keyring attack calls add_key/keyctl by their x86_64 and aarch64 numbers")
    sol, lab = make_squares(tmp_path)
    host = tmp_path / "host.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(host))
    listener.listen(64)
    host.chmod(0o777)
    accepted = []
    listener.settimeout(0.2)

    def accept():
        while listener.fileno() >= 0:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                pass
    threading.Thread(target=accept, daemon=True).start()
    swap = ("import glob, os\nfrom ipykernel.kernelapp import IPKernelApp\n"
            "comm = os.path.dirname(IPKernelApp.instance().connection_file)\n"
            "for s in glob.glob(comm + '/kernel-*'):\n    try:\n        os.unlink(s)\n"
            "        os.symlink({host!r}, s)\n    except OSError:\n        pass\nos._exit(0)")
    add_key, keyctl = {"x86_64": (248, 250), "aarch64": (217, 219)}[platform.machine()]
    # The keeper stores the answer and finds it again in its own kernel (so keyrings work here); the finder,
    # graded next, looks for it.
    keys = ("import ctypes\nlibc = ctypes.CDLL(None)\nANSWER = {answer!r}\n"
            "for ring in (-4, -3):  # KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING\n"
            "    if ANSWER:\n"
            "        libc.syscall({add_key}, b'user', b'nnedu-answer', ANSWER, len(ANSWER), ring)\n"
            "    key = libc.syscall({keyctl}, 10, ring, b'user', b'nnedu-answer', 0)  # KEYCTL_SEARCH\n"
            "    buf = ctypes.create_string_buffer(4096)\n"
            "    if key > 0 and libc.syscall({keyctl}, 11, key, buf, 4096) > 0:  # KEYCTL_READ\n"
            "        exec(buf.value.decode())\n")
    paths = [write(tmp_path / "s" / "swap.ipynb", lab, swap.format(host=str(host))),
             write(tmp_path / "s" / "keeper.ipynb", lab, keys.format(answer=HONEST.encode(), add_key=add_key,
                                                                      keyctl=keyctl)),
             write(tmp_path / "s" / "finder.ipynb", lab, keys.format(answer=b"", add_key=add_key, keyctl=keyctl)),
             write(tmp_path / "s" / "honest.ipynb", lab, HONEST)]
    try:
        grades = grade.grade_submissions(sol, paths, grade.Limits(cell_timeout=30), jobs=1)
        time.sleep(1)
    finally:
        listener.close()
    assert accepted == [], "the grader connected to a host socket"
    scores = {g.student: (g.total, g.status) for g in grades}
    assert scores["swap"][0] == 0 and scores["honest"] == (4, "ok")
    if scores["keeper"] != (4, "ok"):
        pytest.skip(f"keyrings are not usable in a sandbox here (the keeper scored {scores['keeper']})")
    assert scores["finder"] == (0, "ok"), "a kernel found what an earlier kernel left in a keyring"
