"""How many BLAS threads a training run should use.

Splitting a small matrix product over threads costs more in synchronisation than it saves: on a
2-core machine a (64 x 64) @ (64 x 128) product gains nothing from a second thread, while a
(128 x 784) @ (784 x 256) one runs twice as fast. ``fit`` therefore runs small networks on one BLAS
thread and larger ones on all the threads BLAS is allowed (threadpoolctl). Limits set from outside
(``OPENBLAS_NUM_THREADS=1``, as ``make test`` does so that two notebooks can share two cores) are respected.
Other speed notes: docs/performance.md.
"""
import os
from contextlib import contextmanager

from threadpoolctl import threadpool_info, threadpool_limits

from .checks import check_int

# Multiply-adds of the largest matrix product in a step below which a second thread does not pay
# (measured on an idle 2-core machine: 64 x 64 x 128 = 5e5 gains nothing, 128 x 784 x 256 = 2.6e7 runs 2x faster).
SMALL_WORK = 2 ** 20


def current_blas_threads():
    """The number of threads the loaded BLAS libraries may use now (1 if none is found)."""
    counts = [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]
    return max(counts) if counts else 1


def blas_threads_for(sizes, batch_size, max_threads=None):
    """1 for networks whose largest per-step matrix product is small, else ``max_threads``
    (default: what BLAS is allowed now, normally one thread per core)."""
    if max_threads is not None:
        check_int(max_threads, "max_threads", what="a positive integer or None")
    max_threads = max_threads or current_blas_threads() or os.cpu_count() or 1
    work = batch_size * max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 1 if work < SMALL_WORK else max_threads


@contextmanager
def blas_threads(n):
    """Limit the BLAS thread pools to ``n`` threads inside the ``with`` block (``None``: leave as is)."""
    if n is None:
        yield
        return
    check_int(n, "n", what="a positive number of threads or None")
    with threadpool_limits(limits=n, user_api="blas"):
        yield
