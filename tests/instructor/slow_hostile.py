"""Hostile submissions too slow for ``make test`` (``make test-hostile``, run by ``.ci/run``): real gradings of the
toy ``squares`` lab whose attackers cost the grader a cell's whole time limit.
"""
import pytest
from test_grader_hostile2 import HONEST
from test_grader_hostile4 import FLOOD, grader_peaks

from nnedu_instructor import kernel, sandbox

pytestmark = pytest.mark.skipif(sandbox.check() is not None, reason=f"no sandbox here: {sandbox.check()}")


def test_a_600_mib_print_leaves_the_graders_memory_bounded(tmp_path):
    # 23.8: one 600 MiB print took the grader to 2.04 GB (3.4x the message). It is one message far over
    # kernel.MAX_MESSAGE_BYTES: the connection drops before it is read (the cell times out, the kernel is
    # stopped). A flood of 30 MiB messages (what the earlier 32 MiB cap let in, and a grader that let 1000
    # of them wait: +180 MiB measured) drops it the same way.
    cap = kernel.MAX_MESSAGE_BYTES
    (honest, before), (rows, after) = grader_peaks(tmp_path, {
        "print": "print('x' * 600 * 2**20)\n" + HONEST,
        "big_flood": FLOOD.format(cap=31 * 2**20) + HONEST})
    assert honest == {"honest": [4, "ok"]} and rows["honest"] == [4, "ok"]
    assert rows["print"][0] == rows["big_flood"][0] == 0
    assert after - before < (kernel.QUEUED_MESSAGES + 4) * cap, f"the grader grew by {(after - before) >> 20} MiB"
