"""Hostile submissions, round 2 (issue 23), continued: the grader's own memory and time (a raced probe file,
millions of arrays) and the limits of each sandbox (file size, processes,
control group). Real gradings of the toy ``squares`` lab, honest and untouched students beside the attackers.
"""
import importlib
import io
import os
import time
import zipfile

import numpy as np
import pytest
from test_grader_hostile2 import HONEST, lab_with_probe, write

from nnedu_instructor import cgroup, grade, kernel, probe_io, sandbox

pytestmark = pytest.mark.skipif(sandbox.check() is not None, reason=f"no sandbox here: {sandbox.check()}")


def npy(shape, dtype=float):
    out = io.BytesIO()
    np.lib.format.write_array(out, np.zeros(shape, dtype))
    return out.getvalue()


def test_a_probe_file_rewritten_between_two_reads_is_read_as_one_copy(tmp_path, monkeypatch):
    """23.2: a kernel thread flipped an array's header between ``(1,)`` and ``(67108864,)`` (512 MiB) while the
    grader read the file, and ``zipfile`` read each member from disk twice (header check, then ``read_array``).

    Deterministic, not a race: a race against a writer process was lost by the old reader too most of the time,
    so the test passed on the old code. Here the write is injected exactly between the two reads (a spy on
    numpy's header parser flips the header on disk right after the check has parsed it). The control, the old
    reader (the same parser fed the file on disk, unbuffered: every read goes to the disk), is fooled every
    time; ``read_outputs``, which parses one in-memory copy, never is."""
    monkeypatch.setattr(probe_io, "MAX_OUTPUT_ITEMS", 1000)  # the cap the flip gets past: 2**20 elements
    path, data = tmp_path / "out.npz", npy((2**20,))
    with zipfile.ZipFile(path, "w") as z:  # stored, not compressed: the header bytes are in the file as is
        z.writestr("y.npy", data)  # the zip's checksum is the big array's: reading it whole raises nothing
    big = data[:128]  # magic, header length, the header padded with spaces
    i = big.index(b"(1048576,), }")
    small = big[:i] + b"(1,), }" + b" " * 6 + big[i + 13:]  # the same length: the padding grows
    assert len(big) == len(small)
    offset = path.read_bytes().index(big)
    fmt = importlib.import_module(np.lib.format.read_array.__globals__["__name__"])  # numpy 2: lib._format_impl
    real, seen = fmt._read_array_header, []

    def header(raw):
        fd = os.open(path, os.O_WRONLY)
        os.pwrite(fd, raw, offset)
        os.close(fd)

    def spy(*args, **kwargs):  # the kernel's write lands right after the grader's check of the header
        parsed = real(*args, **kwargs)
        seen.append(parsed[0])
        if len(seen) == 1:
            header(big)
        return parsed
    monkeypatch.setattr(fmt, "_read_array_header", spy)

    def read(reader):
        seen.clear()
        header(small)  # the file as the check will see it: one number
        return reader()

    def old_reader():
        with open(path, "rb", buffering=0) as f:
            return probe_io._read_npz(f)
    for _ in range(3):
        outputs = read(old_reader)
        assert seen == [(1,), (2**20,)] and outputs["y"].shape == (2**20,), \
            "the control was not fooled: the test would not catch the old reader"
        outputs = read(lambda: probe_io.read_outputs(path))
        assert seen == [(1,), (1,)] and outputs["y"].shape == (1,)


def test_probe_outputs_with_many_arrays_are_refused_at_once(tmp_path):
    # 23.8: 1.19 M empty arrays (under the size cap) cost the grader ~100 s; the count is checked first.
    path = tmp_path / "out.npz"
    empty = npy((0,))
    with zipfile.ZipFile(path, "w") as z:
        for i in range(20_000):
            z.writestr(f"a{i}.npy", empty)
    start = time.process_time()
    with pytest.raises(probe_io.ProbeFailed, match="more than 256 arrays"):
        probe_io.read_outputs(path)
    assert time.process_time() - start < 0.5


def test_limits_hold_per_sandbox(tmp_path, monkeypatch):
    # 23.6: a file past RLIMIT_FSIZE, processes past the group's count, the group itself. Each answer is right
    # only when the limit held (the group's two only where groups can be made here).
    monkeypatch.setattr(kernel, "MAX_FILE_BYTES", 2**20)
    monkeypatch.setattr(cgroup, "PIDS", 40)
    groups = cgroup.create()
    cgroup.remove(groups)
    sol, lab = lab_with_probe(tmp_path)
    right = "\nif held:\n    def square(x):\n        return x * x"
    answers = {
        "big_file": "try:\n    open('big', 'wb').write(bytes(2 * 2**20))\n    held = False\nexcept OSError:\n"
                    "    held = True" + right,
        "group": "held = 'nnedu-sandbox-' in open('/proc/self/cgroup').read()" + right,
        "forker": "import subprocess\nkids = []\ntry:\n    for _ in range(60):\n"
                  "        kids.append(subprocess.Popen(['sleep', '30']))\n    held = False\nexcept OSError:\n"
                  "    held = True\nfor k in kids:\n    k.kill()\n    k.wait()" + right,
    }
    paths = [write(tmp_path / "s" / f"{name}.ipynb", lab, code) for name, code in answers.items()]
    paths.append(write(tmp_path / "s" / "honest.ipynb", lab, HONEST))
    grades = grade.grade_submissions(sol, paths, grade.Limits(cell_timeout=30), jobs=2)
    scores = {g.student: g.total for g in grades}
    grouped = 4 if groups else 0
    assert scores == {"big_file": 4, "group": grouped, "forker": grouped, "honest": 4}
    left = [p for p in cgroup.ROOT.rglob(f"nnedu-sandbox-{os.getpid()}-*")] if groups else []
    assert left == [], "a sandbox's control group was left behind"
