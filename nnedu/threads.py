"""How many BLAS threads a training run should use.

Splitting a small matrix product over threads costs more in synchronisation than it saves: on a
2-core machine a (64 x 64) @ (64 x 128) product is slower with 2 threads than with 1. ``fit`` therefore
runs small networks on one BLAS thread and large ones on all of them (threadpoolctl).
"""
import os
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

# Multiply-adds of the largest matrix product in a step below which one thread is faster
# (measured with benchmarks/bench_mlp.py: (128 x 784) @ (784 x 256) = 2.6e7 still gains little from a 2nd thread).
SMALL_WORK = 2 ** 25


def blas_threads_for(sizes, batch_size, max_threads=None):
    """1 for networks whose largest per-step matrix product is small, else ``max_threads`` (all cores)."""
    max_threads = max_threads or os.cpu_count() or 1
    work = batch_size * max(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 1 if work < SMALL_WORK else max_threads


@contextmanager
def blas_threads(n):
    """Limit the BLAS thread pools to ``n`` threads inside the ``with`` block (``None``: leave as is)."""
    if n is None:
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield
