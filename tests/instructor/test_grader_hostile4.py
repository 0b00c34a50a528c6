"""Hostile submissions, round 2 (issue 23), what the first rounds left open: the host's disk (a working folder
capped in total), the sandbox's view of the host (mountinfo), the kernel's socket paths under a long TMPDIR,
the grader's own time (a probe's check) and memory (floods of output; the slowest in ``slow_hostile.py``).
Real gradings of the toy ``squares`` lab, honest and untouched students beside the attackers; everything
happens in the test's own temporary folders and processes.
"""
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from test_grader_hostile2 import HONEST, lab_with_probe, private_tmp, write  # noqa: F401 (a fixture)

from nnedu_instructor import grade, kernel, probes, sandbox

pytestmark = pytest.mark.skipif(sandbox.check() is not None, reason=f"no sandbox here: {sandbox.check()}")
RIGHT = "\nif held:\n    def square(x):\n        return x * x"  # an answer that is right only when a limit held


def free_bytes(path):
    info = os.statvfs(path)
    return info.f_bavail * info.f_frsize


def mounts_under(folder):
    """The mount points of this (the grader's) mount namespace inside ``folder``."""
    points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    return [p for p in points if p.startswith(f"{folder}/")]


def test_the_working_folder_cannot_fill_the_host_disk(tmp_path, private_tmp, monkeypatch):  # noqa: F811
    # 23.6: a kernel wrote 1.5 GiB to the host's disk through /work/submission. As root the working folder is a
    # tmpfs of sandbox.WORK_BYTES: 2 GiB in 1 MiB files stops there, and the host's free disk never drops.
    if os.geteuid() != 0:
        pytest.skip("only root can mount the working folder's tmpfs; without root RLIMIT_FSIZE caps each file only")
    monkeypatch.setattr(sandbox, "WORK_BYTES", 64 * 2**20)
    sol, lab = lab_with_probe(tmp_path)
    fill = ("import os\nwritten = 0\ntry:\n    for i in range(2048):\n        with open(f'f{i}', 'wb') as f:\n"
            "            f.write(bytes(2**20))\n        written += 2**20\nexcept OSError:\n    pass\n"
            "for name in os.listdir():\n    if name.startswith('f'):\n        os.remove(name)\n"
            "held = written < 64 * 2**20" + RIGHT)
    paths = [write(tmp_path / "s" / "fill.ipynb", lab, fill), write(tmp_path / "s" / "honest.ipynb", lab, HONEST),
             write(tmp_path / "s" / "untouched.ipynb", lab, None)]
    before, lowest, done = free_bytes(private_tmp), [free_bytes(private_tmp)], threading.Event()

    def watch():  # the host's free disk while the batch runs
        while not done.wait(0.05):
            lowest.append(free_bytes(private_tmp))
    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        grades = grade.grade_submissions(sol, paths, grade.Limits(cell_timeout=60), jobs=2)
    finally:
        done.set()
        watcher.join()
    assert {g.student: (g.total, g.status) for g in grades} == {"fill": (4, "ok"), "honest": (4, "ok"),
                                                               "untouched": (0, "ok")}
    # Other processes share this disk: a margin far below the 2 GiB the submission tried to write.
    assert before - min(lowest) < 512 * 2**20 and before - free_bytes(private_tmp) < 512 * 2**20
    assert mounts_under(private_tmp) == [] and list(private_tmp.iterdir()) == []


def test_the_sandbox_shows_no_host_path_of_its_folders(tmp_path, private_tmp):  # noqa: F811
    # 23.10: /proc/self/mountinfo in the sandbox showed the host paths of the grader's temporary folder (the
    # working and socket folders). Mount points are neutral (/work/submission, sandbox.COMM) and, as root, both
    # folders are file systems of their own (tmpfs), so no mount's root names a host folder either; the
    # kernel's command line and connection file name only sandbox paths. (The virtual environment's and
    # nnedu's host paths stay visible: they are the interpreter's own, in sys.path anyway; docs/grading.md.)
    sol, lab = lab_with_probe(tmp_path)
    hidden = [str(private_tmp), str(tmp_path)]
    fields = "(4, 5)" if os.geteuid() == 0 else "(5,)"  # without root the folders are bound from the host's disk
    look = ("import glob, os, sys\nlines = [line.split(' - ')[0].split(' ')\n"
            "         for line in open('/proc/self/mountinfo').read().splitlines()]\n"
            f"seen = [line[i - 1] for line in lines for i in {fields}]\n"
            "seen += [open('/proc/self/cmdline').read(), open('/proc/1/cmdline').read(), repr(sys.argv),\n"
            "         repr(dict(os.environ))] + [open(p).read() for p in glob.glob('/run/nnedu/*.json')]\n"
            f"held = len(lines) > 5 and not [t for t in seen for h in {hidden!r} if h in t]" + RIGHT)
    paths = [write(tmp_path / "s" / "look.ipynb", lab, look), write(tmp_path / "s" / "honest.ipynb", lab, HONEST)]
    grades = grade.grade_submissions(sol, paths, grade.Limits(cell_timeout=60), jobs=2)
    assert {g.student: (g.total, g.status) for g in grades} == {"look": (4, "ok"), "honest": (4, "ok")}


def test_a_long_tmpdir_costs_no_grading(tmp_path, private_tmp, monkeypatch):  # noqa: F811
    # A kernel's sockets are FOLDER/kernel-N, and a Unix socket's path holds at most 107 bytes: under a TMPDIR
    # of over ~60 characters every student was graded "error". The sockets then go to a short folder under
    # sandbox.SHORT_BASE (here one of the test's own), removed with the kernel.
    deep = private_tmp / ("t" * 90)
    short = private_tmp / "s"
    deep.mkdir()
    short.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(deep))
    monkeypatch.setattr(sandbox, "SHORT_BASE", str(short))
    sol, lab = lab_with_probe(tmp_path)
    paths = [write(tmp_path / "s" / "honest.ipynb", lab, HONEST), write(tmp_path / "s" / "untouched.ipynb", lab, None)]
    grades = grade.grade_submissions(sol, paths, grade.Limits(cell_timeout=60), jobs=2)
    assert {g.student: (g.total, g.status) for g in grades} == {"honest": (4, "ok"), "untouched": (0, "ok")}
    [unsafe] = grade.grade_submissions(sol, paths[:1], grade.Limits(cell_timeout=60), unsafe=True)  # no sandbox
    assert (unsafe.total, unsafe.status) == (4, "ok")
    assert list(deep.iterdir()) == [] and list(short.iterdir()) == [] and mounts_under(private_tmp) == []


def test_a_probe_check_past_its_time_fails(tmp_path, monkeypatch, caplog):
    # 23.8: the probe's check runs in the grader on the submission's outputs, which can steer its time (1.19 M
    # arrays cost ~100 s). Here a check walks the outputs in Python and an answer hands it 4 M numbers for the
    # probe's inputs only (the notebook's tests get right answers): past probes.CHECK_SECONDS the probe fails.
    monkeypatch.setattr(probes, "CHECK_SECONDS", 0.5)
    sol, lab = lab_with_probe(tmp_path)
    probe_file = sol.parent / "probes" / "squares.py"
    probe_file.write_text(probe_file.read_text().replace(
        "def check(inputs, outputs):\n",
        "def check(inputs, outputs):\n    for v in outputs['y'].ravel():  # its time is the outputs' size\n"
        "        assert abs(float(v)) >= 0\n"))
    slow = ("import numpy as np\ndef square(x):\n    x = np.asarray(x)\n"
            "    return x * x if np.all(x == np.round(x)) else np.zeros(4_000_000)")
    paths = [write(tmp_path / "s" / "slow.ipynb", lab, slow), write(tmp_path / "s" / "honest.ipynb", lab, HONEST)]
    caplog.set_level(logging.INFO, logger="nnedu_instructor.grade")
    grades = grade.grade_submissions(sol, paths, grade.Limits(cell_timeout=60), jobs=1)
    assert {g.student: (g.total, g.status) for g in grades} == {"slow": (0, "ok"), "honest": (4, "ok")}
    assert "the grader's check took longer than 0.5 s" in caplog.text


# Grades batches in a process of its own and prints, after each, its rows and the process's own peak RSS
# (RUSAGE_SELF: the grader's threads, none of its children, so no kernel's memory).
GRADE_AND_MEASURE = """import json, resource, sys
from nnedu_instructor import grade
out = []
for paths in json.loads(sys.argv[2]):
    grades = grade.grade_submissions(sys.argv[1], paths, grade.Limits(cell_timeout=20), jobs=1)
    out.append([{g.student: [g.total, g.status] for g in grades},
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024])
print(json.dumps(out))
"""
# Messages just under the grader's cap, each a new valid message (the kernel signs it with its key), sent from
# the kernel's IOPub thread as fast as it can, while the cell sleeps: far more than the grader can read at once.
FLOOD = """import time
k = get_ipython().kernel
text = 'x' * ({cap} - 2**20)
def flood():
    for _ in range(60):
        frames = k.session.serialize(k.session.msg('stream', {{'name': 'stdout', 'text': text}}))
        k.iopub_thread.socket.send_multipart([b'stream.stdout'] + frames)
k.iopub_thread.schedule(flood)
time.sleep(15)
"""


def grader_peaks(tmp_path, attacks):
    """Grade an honest batch, then ``attacks`` ({name: answer}) beside an honest student, in one grader process;
    [(rows, peak RSS in bytes)] after each batch."""
    sol, lab = lab_with_probe(tmp_path)
    first = [str(write(tmp_path / "a" / "honest.ipynb", lab, HONEST))]
    second = [str(write(tmp_path / "b" / f"{name}.ipynb", lab, code)) for name, code in attacks.items()]
    second.append(str(write(tmp_path / "b" / "honest.ipynb", lab, HONEST)))
    run = subprocess.run([sys.executable, "-c", GRADE_AND_MEASURE, str(sol), json.dumps([first, second])],
                         check=False, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.splitlines()[-1])


def test_a_flood_of_output_leaves_the_graders_memory_bounded(tmp_path):
    # 23.8: one 600 MiB print took the grader to 2.04 GB. A stream of prints and a flood of signed messages, each
    # just under kernel.MAX_MESSAGE_BYTES: the grader reads one at a time and lets at most QUEUED_MESSAGES wait.
    cap = kernel.MAX_MESSAGE_BYTES
    stream = f"import time\nfor _ in range(30):\n    print('x' * ({cap} - 2**20))\n    time.sleep(0.25)\n"
    (honest, before), (rows, after) = grader_peaks(tmp_path, {"stream": stream + HONEST,
                                                              "flood": FLOOD.format(cap=cap) + HONEST})
    assert honest == {"honest": [4, "ok"]} and rows["honest"] == [4, "ok"]
    assert after - before < (kernel.QUEUED_MESSAGES + 4) * cap, f"the grader grew by {(after - before) >> 20} MiB"
