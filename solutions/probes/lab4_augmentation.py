"""Probes for Lab 4 (augmentation): each graded test, checked outside the student's kernel.

See nnedu_instructor/probes.py: ``*_inputs(rng)`` draws fresh inputs in the grader, ``*_kernel(inputs, <the
student's functions>)`` runs in the student's kernel (sent there by source) and returns what those functions
give, ``*_check(inputs, outputs)`` recomputes the answers here.

Every check restates its test cell (visible and hidden parts) on fresh batches of random sizes, with the test's
tolerances. The augmentations are random, so the checks test properties (every output is one of the allowed
images, every image has its own parameters, a seed reproduces the batch), never one particular draw: a
submission may use its generator in any valid way. The frequency checks have margins of at least 6 standard
deviations (a false failure is below 1e-8 per grading).
"""
import numpy as np

from nnedu_instructor.probe_kit import distinct_seeds
from nnedu_instructor.probes import Probe
from nnedu_instructor.rules import Rule


def _distinct_images(rng, shape, dtype=np.float64):
    """A batch whose pixels are all different and strictly inside (0, 1): no image equals its mirror or
    another image's window, and a zero border is never mistaken for a pixel."""
    size = int(np.prod(shape))
    return ((rng.permutation(size) + 1.0) / (size + 1.0)).reshape(shape).astype(dtype)


def _same_shape_dtype(out, ref, what):
    assert out.shape == ref.shape, f"{what}: shape {out.shape}, expected {ref.shape}"
    assert out.dtype == ref.dtype, f"{what}: dtype {out.dtype}, expected {ref.dtype}"


def _freq_margin(p, n):
    """Six standard deviations of a frequency p estimated from n Bernoulli draws (at least one draw)."""
    return 6 * np.sqrt(p * (1 - p) / n) + 1.0 / n


# --- Part A: random_flip ------------------------------------------------------------------------------------
def flip_inputs(rng):
    N, H, W = int(rng.integers(2000, 4001)), int(rng.integers(1, 7)), int(rng.integers(2, 8))
    n, h, w = int(rng.integers(10, 31)), int(rng.integers(2, 7)), int(rng.integers(2, 7))
    return {"G": _distinct_images(rng, (N, H, W)), "C": _distinct_images(rng, (n, h, w, 3), np.float32),
            "p": np.array(0.5 + rng.choice([-1, 1]) * rng.uniform(0.15, 0.4)), "seeds": distinct_seeds(rng, 8)}


def flip_kernel(inputs, random_flip):
    outputs = {}
    G, C, p, s = inputs["G"], inputs["C"], float(inputs["p"]), [int(v) for v in inputs["seeds"]]
    g = G.copy()
    outputs["half"] = random_flip(g, np.random.default_rng(s[0]))
    outputs["G_after"] = g
    outputs["half_again"] = random_flip(G.copy(), np.random.default_rng(s[0]))
    outputs["half_other"] = random_flip(G.copy(), np.random.default_rng(s[1]))
    outputs["p"] = random_flip(G.copy(), np.random.default_rng(s[2]), p=p)
    outputs["p0"] = random_flip(G.copy(), np.random.default_rng(s[3]), p=0.0)
    outputs["twice"] = random_flip(random_flip(G.copy(), np.random.default_rng(s[4]), p=1.0),
                                   np.random.default_rng(s[5]), p=1.0)
    c = C.copy()
    outputs["c1"] = random_flip(c, np.random.default_rng(s[6]), p=1.0)
    outputs["c_half"] = random_flip(c, np.random.default_rng(s[7]))
    outputs["C_after"] = c
    return outputs


def flip_check(inputs, outputs):
    G, C, p = inputs["G"], inputs["C"], float(inputs["p"])
    assert np.array_equal(outputs["G_after"], G) and np.array_equal(outputs["C_after"], C), "modified its input"
    mirror = G[:, :, ::-1]

    def flipped(name):
        out = outputs[name]
        _same_shape_dtype(out, G, name)
        f, kept = np.all(out == mirror, axis=(1, 2)), np.all(out == G, axis=(1, 2))
        assert np.all(f | kept), f"{name}: an output image is neither the input nor its mirror"
        return f

    half = flipped("half")
    assert abs(half.mean() - 0.5) < _freq_margin(0.5, len(G)), "default p: not about half flipped"
    assert np.array_equal(outputs["half_again"], outputs["half"]), "the same seed gave another result"
    assert not np.array_equal(flipped("half_other"), half), "two seeds flipped the same images"
    assert abs(flipped("p").mean() - p) < _freq_margin(p, len(G)), "the fraction flipped does not follow p"
    assert not flipped("p0").any(), "p = 0 flipped images"
    assert np.array_equal(outputs["twice"], G), "flipping every image twice did not give the input back"
    _same_shape_dtype(outputs["c1"], C, "colour")
    assert np.array_equal(outputs["c1"], C[:, :, ::-1, :]), "colour, p = 1: not the width axis reversed"
    ch = outputs["c_half"]
    _same_shape_dtype(ch, C, "colour")
    assert np.all(np.all(ch == C[:, :, ::-1], axis=(1, 2, 3)) | np.all(ch == C, axis=(1, 2, 3))), \
        "colour: an output image is neither the input nor its mirror"


FLIP = Probe("test_random_flip", flip_inputs, flip_kernel, flip_check)


# --- Part B: random_crop ------------------------------------------------------------------------------------
def _window_index(out, imgs, pad, mode):
    """For each image n, the index dy * (2 pad + 1) + dx of the first window of the padded image that
    out[n] equals, -1 if none does."""
    H, W = imgs.shape[1:3]
    P = np.pad(imgs, [(0, 0), (pad, pad), (pad, pad)] + [(0, 0)] * (imgs.ndim - 3), mode=mode)
    axes = tuple(range(1, imgs.ndim))
    found = np.full(len(imgs), -1)
    for k in range((2 * pad + 1) ** 2)[::-1]:
        dy, dx = divmod(k, 2 * pad + 1)
        found[np.all(out == P[:, dy:dy + H, dx:dx + W], axis=axes)] = k
    return found


def crop_inputs(rng):
    pad = int(rng.integers(1, 4))
    K = (2 * pad + 1) ** 2
    H, W = (int(v) for v in rng.integers(pad + 1, pad + 6, size=2))   # every window overlaps the image
    return {"G": _distinct_images(rng, (200 * K, H, W)), "pad": np.array(pad),
            "C": _distinct_images(rng, (int(rng.integers(8, 20)), int(rng.integers(2, 7)),
                                        int(rng.integers(2, 7)), 3), np.float32),
            "E": rng.random((int(rng.integers(20, 41)), int(rng.integers(1, 8)), int(rng.integers(1, 8)))),
            "pad_e": np.array(int(rng.integers(1, 5))), "seeds": distinct_seeds(rng, 6)}


def crop_kernel(inputs, random_crop):
    outputs = {}
    G, C, E, s = inputs["G"], inputs["C"], inputs["E"], [int(v) for v in inputs["seeds"]]
    pad, pad_e = int(inputs["pad"]), int(inputs["pad_e"])
    g = G.copy()
    outputs["out"] = random_crop(g, np.random.default_rng(s[0]), pad=pad)
    outputs["G_after"] = g
    outputs["again"] = random_crop(G.copy(), np.random.default_rng(s[0]), pad=pad)
    outputs["other"] = random_crop(G.copy(), np.random.default_rng(s[1]), pad=pad)
    outputs["pad0"] = random_crop(G.copy(), np.random.default_rng(s[2]), pad=0)
    outputs["colour"] = random_crop(C.copy(), np.random.default_rng(s[3]), pad=1)
    outputs["edge"] = random_crop(E.copy(), np.random.default_rng(s[4]), pad=pad_e, mode="edge")
    return outputs


def crop_check(inputs, outputs):
    G, C, E, pad = inputs["G"], inputs["C"], inputs["E"], int(inputs["pad"])
    out = outputs["out"]
    _same_shape_dtype(out, G, "grayscale")
    assert np.array_equal(outputs["G_after"], G), "modified its input"
    assert np.array_equal(outputs["again"], out), "the same seed gave another result"
    _same_shape_dtype(outputs["pad0"], G, "pad 0")
    assert np.array_equal(outputs["pad0"], G), "pad = 0 did not give the images back"
    windows = _window_index(out, G, pad, "constant")
    assert np.all(windows >= 0), "an output is not a window of the zero-padded image"
    K = (2 * pad + 1) ** 2
    counts = np.bincount(windows, minlength=K)
    # Each of the K offsets is expected len(G) / K = 200 times; 100 is 7 standard deviations below.
    assert counts.min() >= 0.5 * len(G) / K, "the offsets do not cover 0..2*pad uniformly in both directions"
    other = outputs["other"]
    _same_shape_dtype(other, G, "grayscale")
    assert not np.array_equal(other, out), "two seeds gave the same crops"
    colour = outputs["colour"]
    _same_shape_dtype(colour, C, "colour")
    assert np.all(_window_index(colour, C, 1, "constant") >= 0), "colour: not one window for all channels"
    edge = outputs["edge"]
    _same_shape_dtype(edge, E, "edge")
    assert np.all(_window_index(edge, E, int(inputs["pad_e"]), "edge") >= 0), "mode='edge' not used"


CROP = Probe("test_random_crop", crop_inputs, crop_kernel, crop_check)


# --- Part C: color_cast -------------------------------------------------------------------------------------
def cast_inputs(rng):
    n, h, w = int(rng.integers(10, 41)), int(rng.integers(2, 6)), int(rng.integers(2, 6))
    return {"C": rng.uniform(0.2, 0.5, size=(n, h, w, 3)), "G": rng.uniform(0.3, 0.7, size=(n, h, w)),
            "many": rng.uniform(0.2, 0.5, size=(3000, int(rng.integers(1, 3)), int(rng.integers(1, 3)), 3)),
            "scale": np.array(rng.uniform(0.1, 0.4)), "shift": np.array(rng.uniform(0.05, 0.15)),
            "seeds": distinct_seeds(rng, 12)}


def cast_kernel(inputs, color_cast):
    outputs = {}
    C, G, many = inputs["C"], inputs["G"], inputs["many"]
    scale, shift, s = float(inputs["scale"]), float(inputs["shift"]), [int(v) for v in inputs["seeds"]]

    def rng(k):
        return np.random.default_rng(s[k])
    c, gr = C.copy(), G.copy()
    outputs["out"] = color_cast(c, rng(0))
    outputs["again"] = color_cast(C.copy(), rng(0))
    outputs["other"] = color_cast(C.copy(), rng(1))
    outputs["id_c"] = color_cast(C.copy(), rng(2), scale=0.0, shift=0.0)
    outputs["id_g"] = color_cast(gr, rng(3), scale=0.0, shift=0.0)
    outputs["gain_c"] = color_cast(C.copy(), rng(4), scale=scale, shift=0.0)
    outputs["shift_c"] = color_cast(C.copy(), rng(5), scale=0.0, shift=shift)
    outputs["gain_g"] = color_cast(G.copy(), rng(6), scale=scale, shift=0.0)
    outputs["shift_g"] = color_cast(G.copy(), rng(7), scale=0.0, shift=shift)
    outputs["big_c"] = color_cast(C.copy(), rng(8), scale=3.0, shift=1.0)
    outputs["big_g"] = color_cast(G.copy(), rng(9), scale=5.0, shift=2.0)
    outputs["f32"] = color_cast(C.astype(np.float32), rng(10))
    outputs["many"] = color_cast(many.copy(), rng(11), scale=scale, shift=0.0)
    outputs["C_after"], outputs["G_after"] = c, gr
    return outputs


def cast_check(inputs, outputs):
    C, G, many = inputs["C"], inputs["G"], inputs["many"]
    scale, shift = float(inputs["scale"]), float(inputs["shift"])
    out = outputs["out"]
    _same_shape_dtype(out, C, "colour")
    assert np.array_equal(outputs["C_after"], C) and np.array_equal(outputs["G_after"], G), "modified its input"
    assert np.array_equal(outputs["again"], out), "the same seed gave another result"
    for name, ref in (("id_c", C), ("id_g", G), ("gain_c", C), ("shift_c", C), ("gain_g", G), ("shift_g", G),
                      ("big_c", C), ("big_g", G), ("other", C), ("many", many)):
        _same_shape_dtype(outputs[name], ref, name)
    assert not np.allclose(outputs["other"], out), "two seeds gave the same cast"
    assert np.allclose(outputs["id_c"], C) and np.allclose(outputs["id_g"], G), "scale = shift = 0: not identity"
    gain = outputs["gain_c"] / C
    assert np.allclose(gain, gain[:, :1, :1, :]), "colour: not one gain per image and channel"
    g = gain[:, 0, 0, :]
    assert g.min() >= 1 - scale - 1e-9 and g.max() <= 1 + scale + 1e-9, "colour gains out of range"
    assert np.std(g, axis=1).min() > 0 and np.std(g[:, 0]) > 0, "gains do not differ between channels/images"
    diff = outputs["shift_c"] - C
    assert np.allclose(diff, diff[:, :1, :1, :]) and np.abs(diff).max() <= shift + 1e-9, "colour offsets wrong"
    assert np.std(diff[:, 0, 0, :]) > 0, "colour offsets do not vary (shift ignored)"
    # Grayscale: x' - m = g (x - m), one g per image (fitted by least squares, then every pixel checked).
    m = G.mean(axis=(1, 2), keepdims=True)
    dx, dy = G - m, outputs["gain_g"] - m
    ratio = np.sum(dx * dy, axis=(1, 2), keepdims=True) / np.sum(dx * dx, axis=(1, 2), keepdims=True)
    assert np.allclose(dy, ratio * dx), "grayscale: x' - m = g (x - m) with one contrast gain g per image"
    assert ratio.min() >= 1 - scale - 1e-9 and ratio.max() <= 1 + scale + 1e-9 and np.std(ratio) > 0, \
        "grayscale gains out of range or all equal"
    d = outputs["shift_g"] - G
    assert np.allclose(d, d[:, :1, :1]) and np.abs(d).max() <= shift + 1e-9 and np.std(d[:, 0, 0]) > 0, \
        "grayscale offsets wrong"
    for name in ("big_c", "big_g"):
        assert outputs[name].min() >= 0 and outputs[name].max() <= 1, "values not clipped to [0, 1]"
    assert outputs["f32"].dtype == np.float32 and outputs["f32"].shape == C.shape, "float32 in, float32 out"
    # The gains are U(1 - scale, 1 + scale): mean and standard deviation within 0.05 * scale (the test's 0.01
    # for scale 0.2; over 9000 gains that is more than 6 standard deviations of either estimate).
    gains = (outputs["many"] / many)[:, 0, 0, :].reshape(-1)
    assert abs(gains.mean() - 1) < 0.05 * scale, "the gains are not centred on 1"
    assert abs(gains.std() - 2 * scale / np.sqrt(12)) < 0.05 * scale, "the gains are not uniform on the range"


CAST = Probe("test_color_cast", cast_inputs, cast_kernel, cast_check)


# --- Part D1: affine_matrices -------------------------------------------------------------------------------
def matrices_inputs(rng):
    return {"n": np.array(int(rng.integers(300, 601))), "angle": np.array(rng.uniform(10.0, 40.0)),
            "shear": np.array(rng.uniform(0.05, 0.3)), "scale": np.array(rng.uniform(0.05, 0.2)),
            "seeds": distinct_seeds(rng, 7)}


def matrices_kernel(inputs, affine_matrices):
    outputs = {}
    n, s = int(inputs["n"]), [int(v) for v in inputs["seeds"]]
    angle, shear, scale = float(inputs["angle"]), float(inputs["shear"]), float(inputs["scale"])

    def rng(k):
        return np.random.default_rng(s[k])
    outputs["A"] = affine_matrices(n, rng(0), max_angle=angle, max_shear=shear, max_scale=scale)
    outputs["eye"] = affine_matrices(n, rng(1), 0.0, 0.0, 0.0)
    outputs["same1"] = affine_matrices(n, rng(2), angle, shear, scale)
    outputs["same2"] = affine_matrices(n, rng(2), angle, shear, scale)
    outputs["R"] = affine_matrices(n, rng(3), max_angle=angle, max_shear=0.0, max_scale=0.0)
    outputs["S"] = affine_matrices(n, rng(4), max_angle=0.0, max_shear=shear, max_scale=0.0)
    outputs["K"] = affine_matrices(n, rng(5), max_angle=0.0, max_shear=0.0, max_scale=scale)
    return outputs


def matrices_check(inputs, outputs):
    n = int(inputs["n"])
    angle, shear, scale = float(inputs["angle"]), float(inputs["shear"]), float(inputs["scale"])
    for name in ("A", "eye", "same1", "same2", "R", "S", "K"):
        assert outputs[name].shape == (n, 2, 2), f"{name}: expected shape {(n, 2, 2)}"
    assert np.allclose(outputs["eye"], np.eye(2)), "all ranges 0: not identity matrices"
    assert np.array_equal(outputs["same1"], outputs["same2"]), "the same seed gave other matrices"
    eye = np.eye(2)
    # Rotations only; the angles (degrees) lie within the range and reach its last sixth at both ends
    # (missed by n >= 300 uniform draws with probability below 1e-11).
    Rm = outputs["R"]
    assert np.allclose(Rm @ Rm.transpose(0, 2, 1), eye) and np.allclose(np.linalg.det(Rm), 1), "not rotations"
    th = np.degrees(np.arctan2(Rm[:, 1, 0], Rm[:, 0, 0]))
    assert th.min() >= -angle - 1e-9 and th.max() <= angle + 1e-9, "angles out of range (degrees?)"
    assert th.min() < -5 / 6 * angle and th.max() > 5 / 6 * angle, "angles do not spread over the range"
    Sm = outputs["S"]
    assert np.allclose(Sm[:, 0, 0], 1) and np.allclose(Sm[:, 1, 1], 1) and np.allclose(Sm[:, 1, 0], 0), \
        "shear only: not [[1, s], [0, 1]]"
    assert np.abs(Sm[:, 0, 1]).max() <= shear + 1e-9 and np.std(Sm[:, 0, 1]) > 0.25 * shear, "shears wrong"
    Km = outputs["K"]
    k = Km[:, 0, 0]
    assert np.allclose(Km, k[:, None, None] * eye) and k.min() >= 1 - scale - 1e-9 and k.max() <= 1 + scale + 1e-9, \
        "scale only: not k I with k in range"
    # All three: A = k R S, so A^T A = k^2 [[1, s], [s, 1 + s^2]].
    A = outputs["A"]
    AtA = A.transpose(0, 2, 1) @ A
    k2 = AtA[:, 0, 0]
    assert k2.min() > 0, "singular matrices"
    s, kk = AtA[:, 0, 1] / k2, np.sqrt(k2)
    assert kk.min() >= 1 - scale - 1e-9 and kk.max() <= 1 + scale + 1e-9 and np.abs(s).max() <= shear + 1e-9, \
        "k R S: scale or shear out of range"
    S_inv = np.zeros_like(A)
    S_inv[:, 0, 0], S_inv[:, 0, 1], S_inv[:, 1, 1] = 1, -s, 1
    Rr = A @ S_inv / kk[:, None, None]
    assert np.allclose(Rr @ Rr.transpose(0, 2, 1), eye) and np.allclose(np.linalg.det(Rr), 1), "not k R S"
    th = np.degrees(np.arctan2(Rr[:, 1, 0], Rr[:, 0, 0]))
    assert th.min() >= -angle - 1e-9 and th.max() <= angle + 1e-9 and np.std(th) > 0.25 * angle, \
        "k R S: angles out of range"
    assert len(np.unique(np.round(A[:, 0, 0], 12))) == n, "matrices repeat"


MATRICES = Probe("test_affine_matrices", matrices_inputs, matrices_kernel, matrices_check)


# --- Part D2: warp ------------------------------------------------------------------------------------------
def warp_inputs(rng):
    N, H, W = int(rng.integers(3, 9)), int(rng.integers(2, 11)), int(rng.integers(2, 11))
    n, side = int(rng.integers(2, N + 1)), int(rng.integers(2, 9))      # n <= N: colour_M uses M[:n]
    return {"G": rng.random((N, H, W)), "S": rng.random((n, side, side)),
            "C": rng.random((n, H, W, 3)).astype(np.float32),
            "M": np.eye(2) + rng.uniform(-0.4, 0.4, size=(N, 2, 2)), "fill": np.array(rng.uniform(0.1, 0.9)),
            "zoom": np.array(rng.uniform(0.9, 1.3))}


def warp_kernel(inputs, warp):
    outputs = {}
    G, S, C, M, fill = inputs["G"], inputs["S"], inputs["C"], inputs["M"], float(inputs["fill"])
    N, n = len(G), len(S)

    def tile(m, k):
        return np.tile(np.asarray(m, dtype=float), (k, 1, 1))
    g = G.copy()
    outputs["eye"] = warp(g, tile(np.eye(2), N))
    outputs["G_after"] = g
    outputs["hflip"] = warp(G.copy(), tile(np.diag([1.0, -1.0]), N))
    outputs["vflip"] = warp(G.copy(), tile(np.diag([-1.0, 1.0]), N))
    outputs["rot"] = warp(S.copy(), tile([[0.0, -1.0], [1.0, 0.0]], n))
    outputs["colour"] = warp(C.copy(), tile(np.eye(2), n) * float(inputs["zoom"]))
    outputs["half"] = warp(G.copy(), tile(np.eye(2), N) * 0.5)
    outputs["M0"] = warp(G.copy(), M.copy())
    outputs["M_fill"] = warp(G.copy(), M.copy(), fill=fill)
    outputs["colour_M"] = warp(C.astype(np.float64), M[:n].copy())
    outputs["far"] = warp(G.copy(), tile(np.eye(2), N) * 50.0, fill=fill)
    return outputs


def _scipy_warp(images, M, fill):
    """The reference: scipy's order-1 affine_transform around the centre, outside = fill."""
    from scipy import ndimage
    H, W = images.shape[1:3]
    o = np.array([(H - 1) / 2, (W - 1) / 2])

    def one(img, m):
        return ndimage.affine_transform(img, m, offset=o - m @ o, order=1, mode="grid-constant", cval=fill)
    if images.ndim == 3:
        return np.stack([one(img, m) for img, m in zip(images, M)])
    return np.stack([np.stack([one(img[..., c], m) for c in range(images.shape[3])], axis=-1)
                     for img, m in zip(images, M)])


def warp_check(inputs, outputs):
    G, S, C, M, fill = inputs["G"], inputs["S"], inputs["C"], inputs["M"], float(inputs["fill"])
    n = len(S)
    for name in ("eye", "hflip", "vflip", "half", "M0", "M_fill", "far"):
        _same_shape_dtype(outputs[name], G, name)
    assert np.array_equal(outputs["G_after"], G), "modified its input"
    assert np.allclose(outputs["eye"], G), "the identity did not give the images back"
    assert np.allclose(outputs["hflip"], G[:, :, ::-1]), "diag(1, -1) is not the horizontal flip"
    assert np.allclose(outputs["vflip"], G[:, ::-1, :]), "diag(-1, 1) is not the vertical flip"
    _same_shape_dtype(outputs["rot"], S, "square")
    assert np.allclose(outputs["rot"], np.rot90(S, k=-1, axes=(1, 2))), "R(90 deg) is not rot90"
    _same_shape_dtype(outputs["colour"], C, "colour")
    zoom = np.tile(np.eye(2), (n, 1, 1)) * float(inputs["zoom"])
    assert np.allclose(outputs["colour"], _scipy_warp(C.astype(np.float64), zoom, 0.0), atol=1e-6), \
        "colour: every channel warped like a grayscale image"
    assert outputs["half"].min() >= 0 and outputs["half"].max() <= 1 + 1e-12, "values leave [0, 1]"
    assert np.allclose(outputs["M0"], _scipy_warp(G, M, 0.0), atol=1e-8), "not bilinear at p = A (q - o) + o"
    assert np.allclose(outputs["M_fill"], _scipy_warp(G, M, fill), atol=1e-8), "outside pixels do not read fill"
    _same_shape_dtype(outputs["colour_M"], C.astype(np.float64), "colour")
    assert np.allclose(outputs["colour_M"], _scipy_warp(C.astype(np.float64), M[:n], 0.0), atol=1e-6), \
        "colour: not bilinear at p = A (q - o) + o"
    assert np.allclose(outputs["far"][:, 0, 0], fill), "far outside: not fill"


WARP = Probe("test_warp", warp_inputs, warp_kernel, warp_check)


PROBES = [FLIP, CROP, CAST, MATRICES, WARP]

# --- what the answers may not use (nnedu_instructor/rules.py) ----------------------------------------------
# Each augmentation is a few lines of numpy indexing and arithmetic; image libraries do them in one call.
IMAGE_LIBRARIES = ["scipy.ndimage", "skimage", "cv2", "torch", "torchvision", "PIL.ImageOps"]
FORBIDDEN = [Rule(IMAGE_LIBRARIES + [f"PIL.Image:Image.{method}" for method in ("transform", "rotate", "transpose")],
                  [p.grade_id for p in PROBES], "write the augmentation with numpy arrays")]
