"""Hostile submissions, round 2 (issue 23), continued: the grader's own memory and time (a raced probe file,
millions of arrays) and the limits of each sandbox (file size, processes,
control group). Real gradings of the toy ``squares`` lab, honest and untouched students beside the attackers.
"""
import importlib
import io
import os
import subprocess
import sys
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


def test_a_probe_file_raced_by_a_writer_is_read_as_one_copy(tmp_path, monkeypatch):
    # 23.2: a thread of the kernel flips the array's header between (1,) and (67108864,) (512 MiB) while the
    # grader reads. Whatever the grader parses must come from one copy: the array it checked is the one it loads.
    path = tmp_path / "out.npz"
    with zipfile.ZipFile(path, "w") as z:  # stored, not compressed: the header bytes are in the file as is
        # y's header straddles 8 KiB, so that a buffered reader that reads it twice reads it from disk twice
        z.writestr("a.npy", npy((8192 - 40 - 35 - 35 - 128,), np.uint8))
        z.writestr("y.npy", npy((1,)))
    small = npy((1,))[:128]  # magic, header length, the header padded with spaces
    i = small.index(b"(1,), }")
    big = small[:i] + b"(67108864,), }" + small[i + 14:]  # the same length: the padding shrinks
    assert len(big) == len(small)
    offset = path.read_bytes().index(small)
    seen = []
    fmt = importlib.import_module(np.lib.format.read_array.__globals__["__name__"])  # numpy 2: lib._format_impl
    real = fmt._read_array_header

    def spy(*args, **kwargs):
        header = real(*args, **kwargs)
        seen[-1].append(header[0])
        return header
    monkeypatch.setattr(fmt, "_read_array_header", spy)

    # The writer is a process of its own, as the kernel is: no lock shared with the reader.
    flip = (f"import os\nfd = os.open({str(path)!r}, os.O_WRONLY)\nwhile True:\n"
            f"    os.pwrite(fd, {big!r}, {offset})\n    os.pwrite(fd, {small!r}, {offset})")
    writer = subprocess.Popen([sys.executable, "-c", flip])
    try:
        for _ in range(300):
            seen.append([])
            try:
                probe_io.read_outputs(path)
            except probe_io.ProbeFailed:
                pass
    finally:
        writer.kill()
        writer.wait()
    # Per array: the header checked, then the header of the array loaded (a refused one is not loaded).
    torn = [s for s in seen if any(s[k] != s[k + 1] for k in range(0, len(s) - 1, 2))]
    assert torn == [], f"{len(torn)} reads loaded another array than the one checked: {torn[:3]}"
    assert sum(shapes[-2:] == [(1,), (1,)] for shapes in seen) > 0  # some reads were whole and small


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
