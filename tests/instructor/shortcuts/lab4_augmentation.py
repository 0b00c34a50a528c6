"""Lab 4's shortcut submission (issue 20 §1): ``warp`` through scipy.ndimage.affine_transform. The other
augmentations are honest (the solution's). See lab1_backprop.py for the format."""
ANSWERS = {
    "warp": '''
from scipy import ndimage


def warp(images, A, fill=0.0):
    images = np.asarray(images)
    H, W = images.shape[1:3]
    o = np.array([(H - 1) / 2, (W - 1) / 2])
    out = np.empty(images.shape)
    for n, m in enumerate(A):
        planes = images[n][..., None] if images.ndim == 3 else images[n]
        for c in range(planes.shape[-1]):
            target = out[n] if images.ndim == 3 else out[n, ..., c]
            target[...] = ndimage.affine_transform(planes[..., c].astype(float), m, offset=o - m @ o, order=1,
                                                   mode="grid-constant", cval=fill)
    return out.astype(images.dtype)
''',
}

WITHHELD = {"test_warp": "Lab 4 may not use scipy.ndimage"}
