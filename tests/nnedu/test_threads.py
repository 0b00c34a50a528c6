"""The BLAS thread choice of fit()."""
from threadpoolctl import threadpool_info

import nnedu
from nnedu.threads import SMALL_WORK, blas_threads, blas_threads_for


def blas_num_threads():
    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_small_networks_get_one_thread_large_ones_all():
    assert blas_threads_for([64, 128, 10], 64, max_threads=8) == 1
    assert blas_threads_for([1024, 1024, 1024, 10], 256, max_threads=8) == 8
    assert 64 * 128 * 64 < SMALL_WORK < 128 * 784 * 256


def test_blas_threads_limits_inside_the_block_only():
    before = blas_num_threads()
    with blas_threads(1):
        assert set(blas_num_threads()) == {1}
    assert blas_num_threads() == before
    with blas_threads(None):
        assert blas_num_threads() == before


def test_fit_accepts_explicit_threads():
    X, y = nnedu.data.moons(50)
    h = nnedu.fit(nnedu.MLP([2, 5, 2]), X, y, epochs=2, threads=1, progress=False)
    assert len(h.train_loss) == 2


def test_default_maximum_is_the_current_blas_limit():
    with blas_threads(1):
        assert blas_threads_for([1024, 1024, 10], 256) == 1
