"""Lab 4 (augmentation): right answers its probes must accept, wrong ones they must reject (see test_lab_probes.py).

The augmentations are random, so another right answer may use its generator in another way (other draws, another
order). Each wrong answer is one of the right answers below (FLIP, CROP, CAST, MATRICES) or the solution's cell
with one mistake that the test cell, visible or hidden, rejects.
"""
from probe_harness import edited

FLIP = '''
def random_flip(images, rng, p=0.5):
    flip = rng.random(len(images)) < p
    out = images.copy()
    out[flip] = images[flip][:, :, ::-1]
    return out
'''
CROP = '''
def random_crop(images, rng, pad=1, mode="constant"):
    N, H, W = images.shape[:3]
    padded = np.pad(images, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (images.ndim - 3), mode=mode)
    dy, dx = rng.integers(0, 2 * pad + 1, size=N), rng.integers(0, 2 * pad + 1, size=N)
    rows = (dy[:, None] + np.arange(H))[:, :, None]
    cols = (dx[:, None] + np.arange(W))[:, None, :]
    return padded[np.arange(N)[:, None, None], rows, cols]
'''
CAST = '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    size = (len(images), 1, 1) + images.shape[3:]
    gain, offset = rng.uniform(1 - scale, 1 + scale, size=size), rng.uniform(-shift, shift, size=size)
    centre = images.mean(axis=(1, 2), keepdims=True) if images.ndim == 3 else 0
    return np.clip(centre + gain * (images - centre) + offset, 0, 1).astype(images.dtype)
'''
CAST_RETURN = "    return np.clip(centre + gain * (images - centre) + offset, 0, 1).astype(images.dtype)\n"
MATRICES = '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    t = np.deg2rad(rng.uniform(-max_angle, max_angle, n))
    s, k = rng.uniform(-max_shear, max_shear, n), rng.uniform(1 - max_scale, 1 + max_scale, n)
    R = np.stack([np.stack([np.cos(t), -np.sin(t)], -1), np.stack([np.sin(t), np.cos(t)], -1)], -2)
    S = np.tile(np.eye(2), (n, 1, 1))
    S[:, 0, 1] = s
    return k[:, None, None] * (R @ S)
'''
ANGLES = "t = np.deg2rad(rng.uniform(-max_angle, max_angle, n))"
WARP_POINTS = "p = q @ np.transpose(A, (0, 2, 1)) + o + 1"

RIGHT = {
    "test_random_flip": {
        "flip_boolean_rows": ("random_flip", FLIP),
        "flip_integers": ("random_flip", '''
def random_flip(images, rng, p=0.5):
    out = np.array(images)
    u = rng.uniform(size=len(out))
    for n in np.flatnonzero(u < p):
        out[n] = out[n][:, ::-1]
    return out
'''),
    },
    "test_random_crop": {
        "crop_fancy_indexing": ("random_crop", CROP),
        "crop_dx_first": ("random_crop", '''
def random_crop(images, rng, pad=1, mode="constant"):
    images = np.asarray(images)
    N, H, W = images.shape[:3]
    dx = rng.integers(0, 2 * pad + 1, size=N)
    dy = rng.integers(0, 2 * pad + 1, size=N)
    padded = np.pad(images, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (images.ndim - 3), mode=mode)
    return np.stack([padded[n, dy[n]:dy[n] + H, dx[n]:dx[n] + W] for n in range(N)])
'''),
    },
    "test_color_cast": {
        "cast_one_formula": ("color_cast", CAST),
        "cast_offsets_first": ("color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    images = np.asarray(images)
    shape = (len(images), 1, 1) + images.shape[3:]
    offset = rng.uniform(-shift, shift, size=shape)
    gain = rng.uniform(1 - scale, 1 + scale, size=shape)
    centre = images.mean(axis=(1, 2), keepdims=True) if images.ndim == 3 else 0
    return np.clip(centre + gain * (images - centre) + offset, 0, 1).astype(images.dtype)
'''),
    },
    "test_affine_matrices": {
        "matrices_tiled_shear": ("affine_matrices", MATRICES),
        "matrices_scale_first": ("affine_matrices", '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    k = 1 + rng.uniform(-max_scale, max_scale, n)
    s = rng.uniform(-max_shear, max_shear, n)
    t = rng.uniform(-max_angle, max_angle, n) * np.pi / 180
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]).transpose(2, 0, 1)
    S = np.array([[np.ones(n), s], [np.zeros(n), np.ones(n)]]).transpose(2, 0, 1)
    return np.einsum("n,nij,njk->nik", k, R, S)
'''),
    },
}

WRONG = {
    "test_random_flip": {
        "flip_global_rng": ("random_flip", edited(FLIP, ("rng.random(", "np.random.random("))),
        "flip_p_ignored": ("random_flip", edited(FLIP, ("< p", "< 0.5"))),
        "flip_in_place": ("random_flip", edited(FLIP, ("    out = images.copy()\n", ""), ("out[flip]", "images[flip]"),
                                                ("return out", "return images"))),
        "flip_last_axis": ("random_flip", edited(FLIP, ("[:, :, ::-1]", "[..., ::-1]"))),
    },
    "test_random_crop": {
        "crop_one_offset": ("random_crop", edited(CROP, (
            CROP[CROP.index("    dy, dx"):],
            "    dy, dx = rng.integers(0, 2 * pad + 1, size=2)\n    return padded[:, dy:dy + H, dx:dx + W]\n"))),
        "crop_offsets_to_2pad_minus_1": ("random_crop", edited(CROP, (
            "rng.integers(0, 2 * pad + 1, size=N), rng.integers(0, 2 * pad + 1, size=N)",
            "rng.integers(0, max(2 * pad, 1), size=N), rng.integers(0, max(2 * pad, 1), size=N)"))),
        "crop_mode_ignored": ("random_crop", edited(CROP, (", mode=mode)", ")"))),
    },
    "test_color_cast": {
        "cast_one_gain_for_all_channels": ("color_cast", edited(CAST, ("images.shape[3:]",
                                                                       "(1,) * (images.ndim - 3)"))),
        "cast_grayscale_without_mean": ("color_cast", edited(CAST, (
            CAST[CAST.index("    centre"):],
            "    return np.clip(gain * images + offset, 0, 1).astype(images.dtype)\n"))),
        "cast_colour_shift_ignored": ("color_cast", edited(CAST, (CAST[CAST.index("    centre"):], (
            "    if images.ndim == 3:\n        centre = images.mean(axis=(1, 2), keepdims=True)\n    " + CAST_RETURN
            + "    return np.clip(gain * images, 0, 1).astype(images.dtype)\n")))),
        "cast_not_clipped": ("color_cast", edited(CAST, ("np.clip(centre + gain * (images - centre) + offset, 0, 1)",
                                                         "(centre + gain * (images - centre) + offset)"))),
        "cast_float64_out": ("color_cast", edited(CAST, (".astype(images.dtype)", ""))),
        "cast_half_range": ("color_cast", edited(CAST, ("1 - scale, 1 + scale", "1 - scale / 2, 1 + scale / 2"))),
    },
    "test_affine_matrices": {
        "matrices_radians": ("affine_matrices", edited(MATRICES, (ANGLES,
                                                                  "t = rng.uniform(-max_angle, max_angle, n)"))),
        "matrices_shear_transposed": ("affine_matrices", edited(MATRICES, ("S[:, 0, 1] = s", "S[:, 1, 0] = s"))),
        "matrices_S_before_R": ("affine_matrices", edited(MATRICES, ("(R @ S)", "(S @ R)"))),
        "matrices_one_angle": ("affine_matrices", edited(MATRICES, (
            ANGLES, "t = np.full(n, np.deg2rad(rng.uniform(-max_angle, max_angle)))"))),
    },
    "test_warp": {
        "warp_around_the_corner": ("warp", [(WARP_POINTS, "p = (q + o) @ np.transpose(A, (0, 2, 1)) + 1")]),
        "warp_A_not_transposed": ("warp", [(WARP_POINTS, "p = q @ A + o + 1")]),
        "warp_fill_ignored": ("warp", [("constant_values=fill", "constant_values=0.0")]),
        "warp_nearest_pixel": ("warp", [("a, b = y - y0, x - x0", "a, b = np.round(y - y0), np.round(x - x0)")]),
    },
}
