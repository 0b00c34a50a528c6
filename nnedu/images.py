"""Images for the augmentation and transfer-learning parts: a real colour photo shipped with
scikit-learn (nothing downloads), the digits as 8x8 images, area resizing, and a grid plot.

    from nnedu import images
    photo = images.sample_photo()                 # (64, 96, 3) float64 in [0, 1]
    X, y = images.digit_images()                  # (1797, 8, 8) in [0, 1], labels 0..9
    images.show_images(X[:16], titles=y[:16])     # a grid of images; returns the figure
"""
import matplotlib.pyplot as plt
import numpy as np

from .checks import check_int
from .data import digits

PHOTOS = ("china.jpg", "flower.jpg")


def _area_matrix(n_in, n_out):
    """(n_out, n_in) matrix averaging the input cells each output cell covers (rows sum to 1)."""
    ratio = n_in / n_out
    lo = np.arange(n_out)[:, None] * ratio          # output cell i covers [i r, (i + 1) r)
    j = np.arange(n_in)[None, :]                    # input cell j covers [j, j + 1)
    overlap = np.clip(np.minimum(j + 1, lo + ratio) - np.maximum(j, lo), 0.0, None)
    return overlap / ratio


def resize(image, shape):
    """Resize an (H, W) or (H, W, C) image to ``shape = (h, w)`` by area averaging (each output
    pixel is the mean of the input pixels it covers; for shrinking). Returns float64."""
    image = np.asarray(image)
    if image.dtype.kind not in "biuf":
        raise TypeError(f"image: expected an array of real numbers, got dtype {image.dtype}")
    image = image.astype(np.float64)
    if image.ndim not in (2, 3) or 0 in image.shape:
        raise ValueError(f"image: expected an (H, W) or (H, W, C) array, got shape {image.shape}")
    if not isinstance(shape, (tuple, list)) or len(shape) != 2:
        raise ValueError(f"shape: expected two positive integers (h, w), got {shape!r}")
    for i, s in enumerate(shape):
        check_int(s, f"shape[{i}]")
    rows, cols = _area_matrix(image.shape[0], shape[0]), _area_matrix(image.shape[1], shape[1])
    return np.einsum("ih,hw...,jw->ij...", rows, image, cols, optimize=True)


def sample_photo(name="china.jpg", shape=(64, 96)):
    """One of scikit-learn's bundled colour photos (``"china.jpg"`` or ``"flower.jpg"``, 427 x 640),
    shrunk to ``shape`` (default 64 x 96) by area averaging: an (h, w, 3) float64 array in [0, 1]."""
    from sklearn.datasets import load_sample_image
    if name not in PHOTOS:
        raise ValueError(f"name: expected one of {list(PHOTOS)}, got {name!r}")
    photo = load_sample_image(name) / 255.0
    return np.clip(resize(photo, shape), 0.0, 1.0)


def digit_images(classes=None):
    """scikit-learn's 8x8 digits as images: ``(X, y)`` with X (N, 8, 8) in [0, 1] (see ``data.digits``)."""
    X, y = digits(classes)
    return X.reshape(-1, 8, 8), y


def show_images(images, titles=None, cols=8, size=1.4, cmap="gray", suptitle=None):
    """Draw a batch of images (N, H, W) grayscale or (N, H, W, 3) colour, values in [0, 1], in a grid.

    titles: one label per image (strings or numbers) or None. Returns the figure (end the cell with
    ``plt.show()``).
    """
    images = np.asarray(images)
    if images.dtype.kind not in "biuf":
        raise TypeError(f"images: expected an array of real numbers in [0, 1], got dtype {images.dtype}")
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] != 3) or images.shape[0] == 0:
        raise ValueError(f"images: expected a batch (N, H, W) or (N, H, W, 3), got shape {images.shape}")
    n = images.shape[0]
    check_int(cols, "cols", what="a positive number of columns")
    if titles is not None and len(titles) != n:
        raise ValueError(f"titles: expected {n} titles (one per image), got {len(titles)}")
    cols = max(1, min(cols, n))
    rows = int(np.ceil(n / cols))
    aspect = images.shape[2] / images.shape[1]
    title_space = 0.3 if titles is not None else 0.05
    height = (size + title_space) * rows + 0.4 * bool(suptitle)
    fig, axes = plt.subplots(rows, cols, figsize=(size * aspect * cols, height),
                             squeeze=False, layout="constrained")
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k >= n:
            continue
        ax.imshow(np.clip(images[k], 0, 1), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


__all__ = ["sample_photo", "digit_images", "resize", "show_images", "PHOTOS"]
