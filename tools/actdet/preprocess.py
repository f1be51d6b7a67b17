"""Frame -> network input, exactly as vigil's CLI does it (apps/vigil/preprocess.cpp).

Bilinear resize with pixel centres aligned (source coordinate (x + 0.5) * in/out - 0.5, clamped to the
image), computed in float64 from the uint8 pixels, divided by 255, no letterbox, RGB order, NCHW float32.
Training and evaluation both use this, so the deployed model sees what the trained one saw.
"""

import numpy as np


def _axis(n_in: int, n_out: int):
    f = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0.0, n_in - 1.0)
    i0 = f.astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, f - i0


def to_input(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 [H,W,3] RGB -> float32 [3,height,width] in [0,1]."""
    y0, y1, wy = _axis(rgb.shape[0], height)
    x0, x1, wx = _axis(rgb.shape[1], width)
    img = rgb.astype(np.float64)
    wx = wx[None, :, None]
    top = img[y0][:, x0] * (1 - wx) + img[y0][:, x1] * wx
    bottom = img[y1][:, x0] * (1 - wx) + img[y1][:, x1] * wx
    out = (top * (1 - wy[:, None, None]) + bottom * wy[:, None, None]) / 255.0
    return np.ascontiguousarray(out.transpose(2, 0, 1), dtype=np.float32)
