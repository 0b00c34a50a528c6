"""nnedu.images: area resizing, the bundled photo, digits as images, the image grid."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

import nnedu
from nnedu import images


def test_resize_is_an_area_average():
    rng = np.random.default_rng(0)
    a = rng.random((6, 9, 3))
    assert np.allclose(images.resize(a, (6, 9)), a)                      # same size: unchanged
    blocks = a.reshape(2, 3, 3, 3, 3).mean(axis=(1, 3))                  # 3x3 blocks
    assert np.allclose(images.resize(a, (2, 3)), blocks)
    g = rng.random((7, 5))
    small = images.resize(g, (3, 2))                                     # non-integer ratios
    assert small.shape == (3, 2) and np.isclose(small.mean(), g.mean())  # area weights keep the mean
    assert np.allclose(images.resize(np.full((10, 7), 0.3), (4, 3)), 0.3)


def test_resize_rejects_bad_input():
    with pytest.raises(ValueError, match="image: expected an"):
        images.resize(np.zeros(5), (2, 2))
    with pytest.raises(ValueError, match=r"shape\[1\]: expected a positive integer, got 0"):
        images.resize(np.zeros((4, 4)), (2, 0))


def test_sample_photo():
    photo = images.sample_photo()
    assert photo.shape == (64, 96, 3) and photo.dtype == np.float64
    assert 0 <= photo.min() and photo.max() <= 1 and photo.std() > 0.1
    flower = images.sample_photo("flower.jpg", shape=(32, 48))
    assert flower.shape == (32, 48, 3) and not np.allclose(flower.mean(axis=(0, 1)), photo.mean(axis=(0, 1)))
    with pytest.raises(ValueError, match="name: expected one of"):
        images.sample_photo("cat.jpg")


def test_digit_images_match_the_flat_digits():
    X, y = images.digit_images(classes=[3, 7])
    Xf, yf = nnedu.data.digits(classes=[3, 7])
    assert X.shape == (len(Xf), 8, 8) and np.array_equal(X.reshape(len(X), 64), Xf) and np.array_equal(y, yf)


def test_show_images():
    X, y = images.digit_images()
    fig = images.show_images(X[:10], titles=y[:10], cols=4, suptitle="digits")
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 12 and len(shown) == 10
    assert [ax.get_title() for ax in shown] == [str(v) for v in y[:10]]
    fig = images.show_images(np.stack([images.sample_photo()] * 2))
    assert len([ax for ax in fig.axes if ax.images]) == 2
    with pytest.raises(ValueError, match="images: expected a batch"):
        images.show_images(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="titles: expected 3 titles"):
        images.show_images(X[:3], titles=["a"])
    plt.close("all")
