"""`python -m nnedu_instructor collect`: students' labs from their homes into the grader's submitted layout."""
import csv
import json
import os
from pathlib import Path

import pytest

from nnedu_instructor import report
from nnedu_instructor.__main__ import main
from nnedu_instructor.collect import (
    COLLECTED_CSV,
    CollectError,
    collect,
    collected_time,
    read_roster,
)

LAB = "lab1_backprop"


def _notebook(text="x = 1"):
    return json.dumps({"cells": [{"cell_type": "code", "source": text, "metadata": {}, "outputs": [],
                                  "execution_count": None}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def _home(root, student, text=None):
    labs = root / "home" / student / "labs"
    labs.mkdir(parents=True)
    if text is not None:
        (labs / f"{LAB}.ipynb").write_text(_notebook(text))
    return labs


def _tree(path):
    """Every file and folder under ``path`` with its mode and mtime: homes must come out unchanged."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            out[p] = (st.st_mode, st.st_mtime_ns, st.st_size)
    return out


@pytest.fixture
def homes(tmp_path):
    _home(tmp_path, "alice", "a = 1")
    _home(tmp_path, "bob", "b = 2")
    _home(tmp_path, "carol")  # no copy of the lab: simply not collected
    return tmp_path


def test_collects_into_submitted_layout_that_grader_reads(homes, tmp_path):
    os.utime(homes / "home" / "alice" / "labs" / f"{LAB}.ipynb", (1e9, 1e9))  # touch -d 2001-09-09
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    before = _tree(homes / "home")
    results = collect(LAB, pattern, tmp_path / "submitted")
    assert [r.student for r in results] == ["alice", "bob"]
    assert all(not r.problem for r in results)
    for r in results:
        target = tmp_path / "submitted" / r.student / LAB / f"{LAB}.ipynb"
        assert r.target == str(target)
        assert target.read_bytes() == (homes / "home" / r.student / "labs" / f"{LAB}.ipynb").read_bytes()
        assert report.student_name(target, LAB) == r.student
        # the copy's modification time is when it was collected, never the one the student set
        assert target.stat().st_mtime_ns != os.stat(r.source).st_mtime_ns
    assert _tree(homes / "home") == before, "collect wrote into a student's home"


def test_collect_again_updates_the_copy(homes, tmp_path):
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    collect(LAB, pattern, tmp_path / "out")
    (homes / "home" / "alice" / "labs" / f"{LAB}.ipynb").write_text(_notebook("a = 42"))
    collect(LAB, pattern, tmp_path / "out")
    assert "a = 42" in (tmp_path / "out" / "alice" / LAB / f"{LAB}.ipynb").read_text()


def test_symlink_out_of_the_home_is_refused(homes, tmp_path):
    bob_lab = homes / "home" / "bob" / "labs" / f"{LAB}.ipynb"
    mallory = _home(homes, "mallory")
    (mallory / f"{LAB}.ipynb").symlink_to(bob_lab)  # copy bob's work
    eve = _home(homes, "eve")
    secret = tmp_path / "secret.txt"
    secret.write_text("instructor's key")
    (eve / f"{LAB}.ipynb").symlink_to(secret)
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    results = {r.student: r for r in collect(LAB, pattern, tmp_path / "out")}
    for student in ("mallory", "eve"):
        assert "outside the student's home" in results[student].problem
        assert not results[student].target
        assert not (tmp_path / "out" / student).exists()
    assert not results["bob"].problem


def test_symlinked_folder_out_of_the_home_is_refused(homes, tmp_path):
    trudy = homes / "home" / "trudy"
    trudy.mkdir()
    (trudy / "labs").symlink_to(homes / "home" / "alice" / "labs")
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    results = {r.student: r for r in collect(LAB, pattern, tmp_path / "out")}
    assert "outside the student's home" in results["trudy"].problem


def test_symlink_inside_the_home_is_followed(homes, tmp_path):
    dave = homes / "home" / "dave"
    (dave / "work").mkdir(parents=True)
    (dave / "work" / "mine.ipynb").write_text(_notebook("d = 4"))
    (dave / "labs").mkdir()
    (dave / "labs" / f"{LAB}.ipynb").symlink_to(dave / "work" / "mine.ipynb")
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    results = {r.student: r for r in collect(LAB, pattern, tmp_path / "out")}
    assert not results["dave"].problem
    assert "d = 4" in (tmp_path / "out" / "dave" / LAB / f"{LAB}.ipynb").read_text()


def test_too_large_and_not_regular_files_are_refused(homes, tmp_path):
    big = _home(homes, "frank")
    (big / f"{LAB}.ipynb").write_bytes(b" " * (2 * 2**20))
    odd = _home(homes, "grace")
    (odd / f"{LAB}.ipynb").mkdir()
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    results = {r.student: r for r in collect(LAB, pattern, tmp_path / "out", max_bytes=2**20)}
    assert "over the limit" in results["frank"].problem and "2.0 MiB" in results["frank"].problem
    assert "not a regular file" in results["grace"].problem
    assert not results["alice"].problem
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alice", "bob", COLLECTED_CSV]


def test_pattern_without_wildcard_is_an_error(tmp_path):
    with pytest.raises(CollectError, match="no wildcard"):
        collect(LAB, str(tmp_path / "alice" / "{lab}.ipynb"), tmp_path / "out")


def test_command_line(homes, tmp_path, capsys):
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    assert main(["collect", LAB, "--from", pattern, "--to", str(tmp_path / "sub")]) == 0
    out = capsys.readouterr().out
    assert "collected 2 of the 2 file(s) found" in out
    (homes / "home" / "carol" / "labs" / f"{LAB}.ipynb").symlink_to("/etc/passwd")
    assert main(["collect", LAB, "--from", pattern, "--to", str(tmp_path / "sub")]) == 1
    captured = capsys.readouterr()
    assert "carol: NOT collected" in captured.err and "collected 2 of the 3 file(s) found" in captured.out
    assert main(["collect", "lab9", "--from", pattern, "--to", str(tmp_path / "sub")]) == 2
    assert "nothing matches" in capsys.readouterr().err


def test_a_student_swapping_their_files_meanwhile_gets_nothing_else_collected(tmp_path):
    # Issue 23.4: between a check and the copy, a loop of renameat2(RENAME_EXCHANGE) swapped ~/labs with a link
    # to a root-only folder, the lab with a FIFO (collect hung) or with a 1 GiB sparse file (copied past the
    # limit). Each student here swaps as fast as they can while collect runs again and again.
    import ctypes
    import threading
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        pytest.skip("no renameat2 in this C library")
    secret = tmp_path / "root-only"
    secret.mkdir()
    (secret / f"{LAB}.ipynb").write_text(_notebook("SECRET"))
    _home(tmp_path, "alice", "a = 1")
    swaps = []
    mallory = _home(tmp_path, "mallory", "m = 1").parent
    (mallory / "link").symlink_to(secret)
    swaps.append((mallory / "labs", mallory / "link"))
    fred = _home(tmp_path, "fred", "f = 1")
    os.mkfifo(fred / "fifo")
    swaps.append((fred / f"{LAB}.ipynb", fred / "fifo"))
    sam = _home(tmp_path, "sam", "s = 1")
    with open(sam / "big", "wb") as f:
        f.truncate(2**30)
    swaps.append((sam / f"{LAB}.ipynb", sam / "big"))
    stop = threading.Event()

    def swap(a, b):
        while not stop.is_set():
            libc.renameat2(-100, bytes(a), -100, bytes(b), 2)  # AT_FDCWD, RENAME_EXCHANGE
    threads = [threading.Thread(target=swap, args=pair, daemon=True) for pair in swaps]
    pattern = str(tmp_path / "home" / "*" / "labs" / "{lab}.ipynb")
    outcomes = []

    def collect_again_and_again():
        for i in range(40):
            out = tmp_path / f"out{i}"
            results = {r.student: r for r in collect(LAB, pattern, out, max_bytes=2**20)}
            copies = {s: (out / s / LAB / f"{LAB}.ipynb") for s in results if not results[s].problem}
            outcomes.append({s: p.read_bytes() for s, p in copies.items()})
    for t in threads:
        t.start()
    collector = threading.Thread(target=collect_again_and_again, daemon=True)
    collector.start()
    collector.join(60)
    stop.set()
    assert not collector.is_alive(), "collect hung"
    assert len(outcomes) == 40 and all("a = 1" in o["alice"].decode() for o in outcomes)
    for o in outcomes:
        assert not any(b"SECRET" in data for data in o.values()), "a root-only file was collected"
        assert all(len(data) <= 2**20 for data in o.values()), "a file over the limit was collected"
        assert set(o) <= {"alice", "mallory", "fred", "sam"}


def _records(dest):
    with open(dest / COLLECTED_CSV, newline="") as f:
        return {(r["student"], r["lab"]): r for r in csv.DictReader(f)}


def test_the_collection_time_is_recorded_not_the_students(homes, tmp_path):
    lab_file = homes / "home" / "alice" / "labs" / f"{LAB}.ipynb"
    os.utime(lab_file, (1e9, 1e9))  # the student claims 2001-09-09
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    now = 1_800_000_000  # 2027-01-15T08:00:00Z
    collect(LAB, pattern, tmp_path / "sub", now=now)
    copy = tmp_path / "sub" / "alice" / LAB / f"{LAB}.ipynb"
    assert copy.stat().st_mtime == now
    records = _records(tmp_path / "sub")
    assert records[("alice", LAB)]["collected"] == "2027-01-15T08:00:00Z" == collected_time(copy, LAB)
    assert records[("alice", LAB)]["state"] == "collected" and records[("alice", LAB)]["bytes"] == str(
        lab_file.stat().st_size)
    assert collected_time(lab_file, LAB) == ""  # a file collect did not copy has no collection time


def test_roster_missing_and_deleted_students_are_reported(homes, tmp_path):
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    dest = tmp_path / "sub"
    collect("lab2", str(homes / "home" / "*" / "labs" / f"{LAB}.ipynb"), dest)  # another lab: left as it is
    results = {r.student: r for r in collect(LAB, pattern, dest, roster=["alice", "bob", "carol", "dave"])}
    assert results["carol"].state == results["dave"].state == "missing"
    assert "missing: nothing matches" in results["dave"].problem and not results["dave"].target
    assert results["alice"].state == "collected"
    # alice deletes her lab: her earlier copy is moved aside, not kept to be graded again
    (homes / "home" / "alice" / "labs" / f"{LAB}.ipynb").unlink()
    results = {r.student: r for r in collect(LAB, pattern, dest, roster=["alice", "bob", "carol"], now=1e9)}
    alice = results["alice"]
    assert alice.state == "deleted" and "deleted since the last collect" in alice.problem
    assert not (dest / "alice" / LAB / f"{LAB}.ipynb").exists()
    assert Path(alice.moved) == dest / ".moved-aside" / "alice" / LAB / f"{LAB}-20010909T014640Z.ipynb"
    assert "a = 1" in Path(alice.moved).read_text()
    assert sorted(dest.glob(f"*/{LAB}/*.ipynb")) == [dest / "bob" / LAB / f"{LAB}.ipynb"]  # what grade globs
    records = _records(dest)
    assert {s: records[(s, LAB)]["state"] for s in ("alice", "bob", "carol")} == {
        "alice": "deleted", "bob": "collected", "carol": "missing"}
    assert records[("alice", LAB)]["collected"] == ""
    assert ("dave", LAB) not in records
    assert records[("alice", "lab2")]["state"] == "collected" and (dest / "alice" / "lab2" / "lab2.ipynb").exists()


def test_command_line_with_a_roster(homes, tmp_path, capsys):
    pattern = str(homes / "home" / "*" / "labs" / "{lab}.ipynb")
    roster = tmp_path / "roster.txt"
    roster.write_text("alice\nbob\ncarol  # no file yet\n")
    assert main(["collect", LAB, "--from", pattern, "--to", str(tmp_path / "sub"), "--roster", str(roster)]) == 0
    captured = capsys.readouterr()
    assert "collected 2 of the 2 file(s) found" in captured.out
    assert "; roster: 3 student(s); missing: carol" in captured.out
    assert "carol: missing: nothing matches" in captured.err
    assert read_roster(roster) == ["alice", "bob", "carol"]
    roster.write_text("alice\n../etc\n")
    assert main(["collect", LAB, "--from", pattern, "--to", str(tmp_path / "sub"), "--roster", str(roster)]) == 2
    assert "not usable student names" in capsys.readouterr().err
