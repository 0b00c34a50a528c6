"""An alternative correct submission of Lab 4 (augmentation), written differently from the solution.

``random_flip`` draws Bernoulli decisions with ``rng.binomial`` and builds the output with ``np.where``;
``random_crop`` draws both offsets in one ``(N, 2)`` call and picks each image's window from
``sliding_window_view``; ``color_cast`` draws gains as ``1 + scale * U(-1, 1)`` and handles grayscale by adding a
channel axis; ``affine_matrices`` draws the three parameters in one ``(3, n)`` call and fills the four entries of
k R S directly; ``warp`` sums the four bilinear neighbours in a loop with an inside-the-image mask instead of
padding. ``tests/instructor/slow_alternatives.py`` puts these sources into the student lab and requires full
automatic marks.
"""

ANSWERS = {
    "random_flip": '''
def random_flip(images, rng, p=0.5):
    """Flip each image of a batch left-right with probability p; a new array of the same shape and dtype."""
    batch = np.array(images, copy=True)
    decide = rng.binomial(1, p, size=batch.shape[0]).astype(bool)
    shape = (-1,) + (1,) * (batch.ndim - 1)
    return np.where(decide.reshape(shape), batch[:, :, ::-1], batch)
''',
    "random_crop": '''
from numpy.lib.stride_tricks import sliding_window_view


def random_crop(images, rng, pad=1, mode="constant"):
    """Pad by `pad` pixels (np.pad with `mode`) and cut each image's window at its own random offset."""
    batch = np.asarray(images)
    n, h, w = batch.shape[:3]
    extra = [(0, 0)] * (batch.ndim - 3)
    padded = np.pad(batch, [(0, 0), (pad, pad), (pad, pad)] + extra, mode=mode)
    offsets = rng.integers(0, 2 * pad + 1, size=(n, 2))
    windows = sliding_window_view(padded, (h, w), axis=(1, 2))   # (n, 2p+1, 2p+1, [C,] h, w)
    picked = windows[np.arange(n), offsets[:, 0], offsets[:, 1]]  # (n, [C,] h, w)
    if batch.ndim == 4:
        picked = np.moveaxis(picked, 1, -1)
    return np.ascontiguousarray(picked).astype(batch.dtype)
''',
    "color_cast": '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    """Per-image (and per-channel) gain and offset for colour; contrast/brightness around the mean for grayscale."""
    batch = np.asarray(images)
    gray = batch.ndim == 3
    x = batch[..., None] if gray else batch
    n, channels = x.shape[0], x.shape[-1]
    gain = 1.0 + scale * rng.uniform(-1.0, 1.0, size=(n, 1, 1, channels))
    offset = shift * rng.uniform(-1.0, 1.0, size=(n, 1, 1, channels))
    centre = x.mean(axis=(1, 2), keepdims=True) if gray else 0.0
    y = np.clip(centre + gain * (x - centre) + offset, 0.0, 1.0)
    return (y[..., 0] if gray else y).astype(batch.dtype)
''',
    "affine_matrices": '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    """n random matrices k R(theta) S(s), filled entry by entry."""
    u = rng.uniform(-1.0, 1.0, size=(3, n))
    theta = np.radians(max_angle * u[0])
    s = max_shear * u[1]
    k = 1.0 + max_scale * u[2]
    c, si = np.cos(theta), np.sin(theta)
    A = np.empty((n, 2, 2))
    A[:, 0, 0] = k * c
    A[:, 0, 1] = k * (c * s - si)
    A[:, 1, 0] = k * si
    A[:, 1, 1] = k * (si * s + c)
    return A
''',
    "warp": '''
def warp(images, A, fill=0.0):
    """Bilinear resampling of image n at p = A[n] (q - o) + o; outside the image counts as `fill`."""
    batch = np.asarray(images)
    n, h, w = batch.shape[:3]
    rows, cols = np.indices((h, w))
    centre_y, centre_x = (h - 1) / 2, (w - 1) / 2
    qy, qx = (rows - centre_y).ravel(), (cols - centre_x).ravel()
    A = np.asarray(A, dtype=np.float64)
    py = A[:, 0, 0, None] * qy + A[:, 0, 1, None] * qx + centre_y          # (n, h*w)
    px = A[:, 1, 0, None] * qy + A[:, 1, 1, None] * qx + centre_x
    y0, x0 = np.floor(py), np.floor(px)
    fy, fx = py - y0, px - x0
    y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
    x = batch.astype(np.float64)
    total = 0.0
    image_index = np.arange(n)[:, None]
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
            values = x[image_index, np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)]
            weight = wy * wx
            if batch.ndim == 4:
                inside, weight = inside[..., None], weight[..., None]
            total = total + weight * np.where(inside, values, fill)
    return total.reshape(batch.shape).astype(batch.dtype)
''',
}
