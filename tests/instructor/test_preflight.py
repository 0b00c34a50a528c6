"""The preflight: before any student, the grader grades the solution in the same sandbox with the same limits;
when the solution loses a point the grader's environment is broken (issue 22: a kernel that could not import
the course's nnedu gave every student 0 with status "ok"), so no student is graded and the message says why."""
from pathlib import Path

import pytest
from labkit import ADD, by_id, cli, make_lab, solution_notebook, submit, write_solution

import nnedu
from nnedu_instructor import grade, labs, sandbox

UNSAFE = sandbox.check() is not None


def lab_needing_a_module(root):
    """The toy lab whose setup imports ``labhelper``, a module next to the solution that no kernel can see
    (it is neither in nnedu nor declared as the lab's data)."""
    nb = solution_notebook()
    cells = by_id(nb)
    cells["setup"].source = "import math\nfrom labhelper import THREE\nprint('ready')"
    cells["test_add"].source = cells["test_add"].source.replace("== 3", "== THREE")
    sol = write_solution(root, nb=nb)
    (sol.parent / "labhelper.py").write_text("THREE = 3\n")
    labs.generate(root / "solutions", root / "labs")
    return sol, labs.make_lab(nb)


def test_a_solution_that_loses_points_stops_the_batch_before_any_student(tmp_path, capsys):
    sol, lab = lab_needing_a_module(tmp_path)
    alice = submit(tmp_path / "subs", "alice", lab)
    seen = []
    with pytest.raises(grade.PreflightFailed) as failed:
        grade.grade_submissions(sol, [alice], progress=seen.append, unsafe=UNSAFE)
    message = str(failed.value)
    assert seen == []
    assert "`test_add`: failed" in message and "name 'THREE' is not defined" in message
    assert "ModuleNotFoundError: No module named 'labhelper'" in message and "`setup`" in message
    assert "not a student's work" in message and "0 / 5" not in message and "2 / 5" not in message
    assert "scored 3 / 5" in message  # test_mul passed: only what failed is named
    # The command line: exit code 4, nothing written.
    out = tmp_path / "grades.csv"
    code, _, err = cli(capsys, "grade", sol, alice, "--out", out, "--feedback", tmp_path / "fb",
                       *(["--unsafe"] if UNSAFE else []))
    assert code == 4 and "preflight failed" in err and "labhelper" in err
    assert not out.exists() and not (tmp_path / "fb").exists()


def test_a_sound_solution_passes_and_returns_its_grade(tmp_path):
    sol, _ = make_lab(tmp_path)
    g = grade.preflight(sol, grade.Limits(cell_timeout=30), unsafe=UNSAFE)
    assert (g.status, g.total, g.max_auto, g.needs_manual) == ("ok", 5, 5, 1)


@pytest.mark.skipif(UNSAFE, reason=f"no sandbox here: {sandbox.check()}")
def test_a_sandbox_without_the_course_nnedu_is_the_graders_failure(tmp_path, monkeypatch, capsys):
    # The case: the sandbox mounts no (or another) nnedu, so the lab's `import nnedu` fails in the kernel.
    nb = solution_notebook()
    by_id(nb)["setup"].source = "import math\nimport nnedu\nprint('ready')"
    by_id(nb)["test_add"].source = "assert nnedu.MLP\n" + by_id(nb)["test_add"].source
    sol = write_solution(tmp_path, nb=nb)
    alice = submit(tmp_path / "subs", "alice", labs.make_lab(nb), add=ADD)
    package = str(Path(nnedu.__file__).resolve().parent)
    real = sandbox.readonly_paths
    monkeypatch.setattr(sandbox, "readonly_paths", lambda: [p for p in real() if p != package])
    out = tmp_path / "grades.csv"
    code, _, err = cli(capsys, "grade", sol, alice, "--out", out)
    assert code == 4 and not out.exists()
    assert "No module named 'nnedu'" in err and f"mounts nnedu from {package}" in err
