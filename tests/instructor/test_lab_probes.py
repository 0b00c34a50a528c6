"""Every lab's probes (solutions/probes/LAB.py) pass right answers and reject wrong ones, tried in this process
without a kernel (tests/instructor/probe_harness.py).

Right: the solution's answers and the lab's alternative submission (alternatives/LAB.py), each on the inputs of
seeds 0..9, and the other right answers in probe_cases/LAB.py (RIGHT). Wrong: the mistakes students make, in
probe_cases/LAB.py (WRONG): every probe has at least two, and each must fail on every seed tried, not only by luck
of the draw.

probe_cases/LAB.toml holds data: ``wrong`` and ``right`` = {test's grade_id: {what the answer is: {cell, source}
or {cell, base, edits}}}, the answer cell's full source, or a list of [old, new] edits (each old found there
exactly once) of a source named in ``sources`` or, without ``base``, of the solution's cell; ``clocked`` lists the
probes that time something, which run here on a virtual clock (``time.sleep`` advances it, with a few
milliseconds of overshoot as on a busy machine) and the solution's once on the real clock. Adding a lab takes its
solution, its probes, alternatives/LAB.py and probe_cases/LAB.toml.
"""
import time

import numpy as np
import pytest
from labkit import ALTERNATIVES, REPO, load_answers
from probe_harness import CASES, answer, failures, lab_cases, lab_namespace, lab_probes

SEEDS = range(10)
WRONG_SEEDS = range(3)
LABS = sorted(p.stem for p in (REPO / "solutions").glob("*.ipynb"))


def _cases(lab, kind):
    """[(lab, grade_id, what)] for the answers of ``kind`` ("wrong", "right") in probe_cases/LAB.toml."""
    if not (CASES / f"{lab}.toml").is_file():
        return []
    return [(lab, gid, what) for gid, answers in lab_cases(lab).get(kind, {}).items() for what in answers]


PROBED = [(lab, gid) for lab in LABS for gid in sorted(lab_probes(lab))]
WRONG = [case for lab in LABS for case in _cases(lab, "wrong")]
RIGHT = [case for lab in LABS for case in _cases(lab, "right")]
CLOCKED = [(lab, gid) for lab, gid in PROBED if (CASES / f"{lab}.toml").is_file()
           and gid in lab_cases(lab).get("clocked", ())]


class VirtualClock:
    """``time.sleep`` advances the clock by the duration plus 0 to 5 ms; the clocks read it."""

    def __init__(self, seed):
        self.now, self.rng = 1000.0, np.random.default_rng(seed)

    def sleep(self, seconds):
        self.now += seconds + self.rng.uniform(0.0, 0.005)

    def perf_counter(self):
        self.now += 1e-6
        return self.now

    def perf_counter_ns(self):
        return int(self.perf_counter() * 1e9)


@pytest.fixture
def clock(monkeypatch):
    """clock(lab, gid): for a probe the lab lists in CLOCKED, a function of the seed that installs a fresh virtual
    clock in the ``time`` module (every clock a timing function might read); None for any other probe."""
    def install(seed):
        c = VirtualClock(seed)
        for name in ("perf_counter", "monotonic", "time"):
            monkeypatch.setattr(time, name, c.perf_counter)
        for name in ("perf_counter_ns", "monotonic_ns", "time_ns"):
            monkeypatch.setattr(time, name, c.perf_counter_ns)
        monkeypatch.setattr(time, "sleep", c.sleep)
    return lambda lab, gid: install if (lab, gid) in CLOCKED else None


@pytest.mark.parametrize("lab", LABS)
def test_every_probe_has_wrong_answers(lab):
    path = CASES / f"{lab}.toml"
    assert path.is_file(), f"missing {path.relative_to(REPO)}: the wrong answers its probes must reject"
    cases, probed = lab_cases(lab), set(lab_probes(lab))
    assert set(cases["wrong"]) == probed
    assert all(len(wrong) >= 2 for wrong in cases["wrong"].values())
    assert set(cases.get("right", {})) <= probed and set(cases.get("clocked", ())) <= probed


@pytest.mark.parametrize("lab,gid", PROBED)
def test_the_solution_passes(lab, gid, tmp_path, clock):
    assert failures(lab, gid, lab_namespace(lab), SEEDS, tmp_path, before=clock(lab, gid)) == []


@pytest.mark.parametrize("lab,gid", PROBED)
def test_the_alternative_submission_passes(lab, gid, tmp_path, clock):
    namespace = lab_namespace(lab, load_answers(ALTERNATIVES / f"{lab}.py"))
    assert failures(lab, gid, namespace, SEEDS, tmp_path, before=clock(lab, gid)) == []


@pytest.mark.parametrize("lab,gid", CLOCKED)
def test_the_solution_passes_on_the_real_clock(lab, gid, tmp_path):
    assert failures(lab, gid, lab_namespace(lab), [0], tmp_path) == []


@pytest.mark.parametrize("lab,gid,what", RIGHT)
def test_another_right_answer_passes(lab, gid, what, tmp_path, clock):
    namespace = lab_namespace(lab, answer(lab, lab_cases(lab)["right"][gid][what]))
    assert failures(lab, gid, namespace, SEEDS, tmp_path, before=clock(lab, gid)) == []


@pytest.mark.parametrize("lab,gid,what", WRONG)
def test_a_wrong_answer_fails(lab, gid, what, tmp_path, clock):
    namespace = lab_namespace(lab, answer(lab, lab_cases(lab)["wrong"][gid][what]))
    failed = [seed for seed, _ in failures(lab, gid, namespace, WRONG_SEEDS, tmp_path, before=clock(lab, gid))]
    passed = [seed for seed in WRONG_SEEDS if seed not in failed]
    assert passed == [], f"{what}: passed the probe with seeds {passed}"
