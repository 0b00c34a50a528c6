"""The probes of Lab 4 (solutions/probes/lab4_augmentation.py) pass right answers and reject wrong ones.

Right: the solution's answers and the alternative submission (tests/alternatives/lab4_augmentation.py), each on
the inputs of seeds 0..9. Wrong: mistakes students make, each an answer cell replacing the solution's, which the
probe of that part must reject on every seed tried. Runs in this process (tests/probe_harness.py), no kernel.
"""
from pathlib import Path

import pytest
from labkit import load_answers
from probe_harness import (
    answer_source,
    failures,
    lab_namespace,
    lab_probes,
    probe_fails,
)

LAB = "lab4_augmentation"
SEEDS = range(10)
ALTERNATIVE = Path(__file__).resolve().parent / "alternatives" / f"{LAB}.py"
PROBED = sorted(lab_probes(LAB))


@pytest.fixture(scope="module")
def solution():
    return lab_namespace(LAB)


@pytest.fixture(scope="module")
def alternative():
    return lab_namespace(LAB, load_answers(ALTERNATIVE))


@pytest.mark.parametrize("gid", PROBED)
def test_the_solution_passes(solution, gid, tmp_path):
    assert failures(LAB, gid, solution, SEEDS, tmp_path) == []


@pytest.mark.parametrize("gid", PROBED)
def test_the_alternative_submission_passes(alternative, gid, tmp_path):
    assert failures(LAB, gid, alternative, SEEDS, tmp_path) == []


# Other right answers (another use of the generator, another order of the draws): must pass too.
VALID = {
    "flip_integers": ("test_random_flip", "random_flip", '''
def random_flip(images, rng, p=0.5):
    out = np.array(images)
    u = rng.uniform(size=len(out))
    for n in np.flatnonzero(u < p):
        out[n] = out[n][:, ::-1]
    return out
'''),
    "crop_dx_first": ("test_random_crop", "random_crop", '''
def random_crop(images, rng, pad=1, mode="constant"):
    images = np.asarray(images)
    N, H, W = images.shape[:3]
    dx = rng.integers(0, 2 * pad + 1, size=N)
    dy = rng.integers(0, 2 * pad + 1, size=N)
    padded = np.pad(images, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (images.ndim - 3), mode=mode)
    return np.stack([padded[n, dy[n]:dy[n] + H, dx[n]:dx[n] + W] for n in range(N)])
'''),
    "cast_offsets_first": ("test_color_cast", "color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    images = np.asarray(images)
    shape = (len(images), 1, 1) + images.shape[3:]
    offset = rng.uniform(-shift, shift, size=shape)
    gain = rng.uniform(1 - scale, 1 + scale, size=shape)
    centre = images.mean(axis=(1, 2), keepdims=True) if images.ndim == 3 else 0
    return np.clip(centre + gain * (images - centre) + offset, 0, 1).astype(images.dtype)
'''),
    "matrices_scale_first": ("test_affine_matrices", "affine_matrices", '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    k = 1 + rng.uniform(-max_scale, max_scale, n)
    s = rng.uniform(-max_shear, max_shear, n)
    t = rng.uniform(-max_angle, max_angle, n) * np.pi / 180
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]).transpose(2, 0, 1)
    S = np.array([[np.ones(n), s], [np.zeros(n), np.ones(n)]]).transpose(2, 0, 1)
    return np.einsum("n,nij,njk->nik", k, R, S)
'''),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_other_right_answers_pass(name, tmp_path):
    gid, answer, source = VALID[name]
    ns = lab_namespace(LAB, {answer: source})
    assert [probe_fails(LAB, gid, ns, seed, tmp_path) for seed in range(3)] == [None] * 3


# Wrong answers: (probe, answer cell, source). Each is a mistake the test cell (visible or hidden) rejects.
WRONG = {
    "flip_global_rng": ("test_random_flip", "random_flip", '''
def random_flip(images, rng, p=0.5):
    flip = np.random.random(len(images)) < p
    out = images.copy()
    out[flip] = images[flip][:, :, ::-1]
    return out
'''),
    "flip_p_ignored": ("test_random_flip", "random_flip", '''
def random_flip(images, rng, p=0.5):
    flip = rng.random(len(images)) < 0.5
    out = images.copy()
    out[flip] = images[flip][:, :, ::-1]
    return out
'''),
    "flip_in_place": ("test_random_flip", "random_flip", '''
def random_flip(images, rng, p=0.5):
    flip = rng.random(len(images)) < p
    images[flip] = images[flip][:, :, ::-1]
    return images
'''),
    "flip_last_axis": ("test_random_flip", "random_flip", '''
def random_flip(images, rng, p=0.5):
    flip = rng.random(len(images)) < p
    out = images.copy()
    out[flip] = images[flip][..., ::-1]
    return out
'''),
    "crop_one_offset": ("test_random_crop", "random_crop", '''
def random_crop(images, rng, pad=1, mode="constant"):
    N, H, W = images.shape[:3]
    padded = np.pad(images, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (images.ndim - 3), mode=mode)
    dy, dx = rng.integers(0, 2 * pad + 1, size=2)
    return padded[:, dy:dy + H, dx:dx + W]
'''),
    "crop_offsets_to_2pad_minus_1": ("test_random_crop", "random_crop", '''
def random_crop(images, rng, pad=1, mode="constant"):
    N, H, W = images.shape[:3]
    padded = np.pad(images, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (images.ndim - 3), mode=mode)
    dy, dx = rng.integers(0, max(2 * pad, 1), size=N), rng.integers(0, max(2 * pad, 1), size=N)
    rows = (dy[:, None] + np.arange(H))[:, :, None]
    cols = (dx[:, None] + np.arange(W))[:, None, :]
    return padded[np.arange(N)[:, None, None], rows, cols]
'''),
    "crop_mode_ignored": ("test_random_crop", "random_crop", '''
def random_crop(images, rng, pad=1, mode="constant"):
    N, H, W = images.shape[:3]
    padded = np.pad(images, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (images.ndim - 3))
    dy, dx = rng.integers(0, 2 * pad + 1, size=N), rng.integers(0, 2 * pad + 1, size=N)
    rows = (dy[:, None] + np.arange(H))[:, :, None]
    cols = (dx[:, None] + np.arange(W))[:, None, :]
    return padded[np.arange(N)[:, None, None], rows, cols]
'''),
    "cast_one_gain_for_all_channels": ("test_color_cast", "color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    size = (len(images), 1, 1) + (1,) * (images.ndim - 3)
    gain, offset = rng.uniform(1 - scale, 1 + scale, size=size), rng.uniform(-shift, shift, size=size)
    centre = images.mean(axis=(1, 2), keepdims=True) if images.ndim == 3 else 0
    return np.clip(centre + gain * (images - centre) + offset, 0, 1).astype(images.dtype)
'''),
    "cast_grayscale_without_mean": ("test_color_cast", "color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    size = (len(images), 1, 1) + images.shape[3:]
    gain, offset = rng.uniform(1 - scale, 1 + scale, size=size), rng.uniform(-shift, shift, size=size)
    return np.clip(gain * images + offset, 0, 1).astype(images.dtype)
'''),
    "cast_colour_shift_ignored": ("test_color_cast", "color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    size = (len(images), 1, 1) + images.shape[3:]
    gain, offset = rng.uniform(1 - scale, 1 + scale, size=size), rng.uniform(-shift, shift, size=size)
    if images.ndim == 3:
        centre = images.mean(axis=(1, 2), keepdims=True)
        return np.clip(centre + gain * (images - centre) + offset, 0, 1).astype(images.dtype)
    return np.clip(gain * images, 0, 1).astype(images.dtype)
'''),
    "cast_not_clipped": ("test_color_cast", "color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    size = (len(images), 1, 1) + images.shape[3:]
    gain, offset = rng.uniform(1 - scale, 1 + scale, size=size), rng.uniform(-shift, shift, size=size)
    centre = images.mean(axis=(1, 2), keepdims=True) if images.ndim == 3 else 0
    return (centre + gain * (images - centre) + offset).astype(images.dtype)
'''),
    "cast_float64_out": ("test_color_cast", "color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    size = (len(images), 1, 1) + images.shape[3:]
    gain, offset = rng.uniform(1 - scale, 1 + scale, size=size), rng.uniform(-shift, shift, size=size)
    centre = images.mean(axis=(1, 2), keepdims=True) if images.ndim == 3 else 0
    return np.clip(centre + gain * (images - centre) + offset, 0, 1)
'''),
    "cast_half_range": ("test_color_cast", "color_cast", '''
def color_cast(images, rng, scale=0.2, shift=0.1):
    size = (len(images), 1, 1) + images.shape[3:]
    gain, offset = rng.uniform(1 - scale / 2, 1 + scale / 2, size=size), rng.uniform(-shift, shift, size=size)
    centre = images.mean(axis=(1, 2), keepdims=True) if images.ndim == 3 else 0
    return np.clip(centre + gain * (images - centre) + offset, 0, 1).astype(images.dtype)
'''),
    "matrices_radians": ("test_affine_matrices", "affine_matrices", '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    t = rng.uniform(-max_angle, max_angle, n)
    s, k = rng.uniform(-max_shear, max_shear, n), rng.uniform(1 - max_scale, 1 + max_scale, n)
    R = np.stack([np.stack([np.cos(t), -np.sin(t)], -1), np.stack([np.sin(t), np.cos(t)], -1)], -2)
    S = np.tile(np.eye(2), (n, 1, 1))
    S[:, 0, 1] = s
    return k[:, None, None] * (R @ S)
'''),
    "matrices_shear_transposed": ("test_affine_matrices", "affine_matrices", '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    t = np.deg2rad(rng.uniform(-max_angle, max_angle, n))
    s, k = rng.uniform(-max_shear, max_shear, n), rng.uniform(1 - max_scale, 1 + max_scale, n)
    R = np.stack([np.stack([np.cos(t), -np.sin(t)], -1), np.stack([np.sin(t), np.cos(t)], -1)], -2)
    S = np.tile(np.eye(2), (n, 1, 1))
    S[:, 1, 0] = s
    return k[:, None, None] * (R @ S)
'''),
    "matrices_S_before_R": ("test_affine_matrices", "affine_matrices", '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    t = np.deg2rad(rng.uniform(-max_angle, max_angle, n))
    s, k = rng.uniform(-max_shear, max_shear, n), rng.uniform(1 - max_scale, 1 + max_scale, n)
    R = np.stack([np.stack([np.cos(t), -np.sin(t)], -1), np.stack([np.sin(t), np.cos(t)], -1)], -2)
    S = np.tile(np.eye(2), (n, 1, 1))
    S[:, 0, 1] = s
    return k[:, None, None] * (S @ R)
'''),
    "matrices_one_angle": ("test_affine_matrices", "affine_matrices", '''
def affine_matrices(n, rng, max_angle=15.0, max_shear=0.1, max_scale=0.1):
    t = np.full(n, np.deg2rad(rng.uniform(-max_angle, max_angle)))
    s, k = rng.uniform(-max_shear, max_shear, n), rng.uniform(1 - max_scale, 1 + max_scale, n)
    R = np.stack([np.stack([np.cos(t), -np.sin(t)], -1), np.stack([np.sin(t), np.cos(t)], -1)], -2)
    S = np.tile(np.eye(2), (n, 1, 1))
    S[:, 0, 1] = s
    return k[:, None, None] * (R @ S)
'''),
}

# warp: the solution's code with one line changed.
WARP_LINES = {
    "warp_around_the_corner": ("p = q @ np.transpose(A, (0, 2, 1)) + o + 1",
                               "p = (q + o) @ np.transpose(A, (0, 2, 1)) + 1"),
    "warp_A_not_transposed": ("p = q @ np.transpose(A, (0, 2, 1)) + o + 1", "p = q @ A + o + 1"),
    "warp_fill_ignored": ("constant_values=fill", "constant_values=0.0"),
    "warp_nearest_pixel": ("a, b = y - y0, x - x0", "a, b = np.round(y - y0), np.round(x - x0)"),
}


for _name, (_old, _new) in WARP_LINES.items():
    WRONG[_name] = ("test_warp", "warp", None, _old, _new)


@pytest.mark.parametrize("name", sorted(WRONG))
def test_wrong_answers_are_rejected(name, tmp_path):
    gid, answer, source, *edit = WRONG[name]
    if source is None:
        old, new = edit
        source = answer_source(LAB, answer)
        assert old in source, f"{name}: the solution no longer has {old!r}"
        source = source.replace(old, new)
    ns = lab_namespace(LAB, {answer: source})
    assert all(probe_fails(LAB, gid, ns, seed, tmp_path) for seed in range(3)), f"{name} passed the probe"
