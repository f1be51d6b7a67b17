"""Seeded random backgrounds: gradients, smooth noise textures, rooms (wall + floor) and clutter."""

import cv2
import numpy as np


def _colour(rng):
    return rng.integers(0, 256, 3).astype(np.float32)


def _gradient(rng, h, w):
    a, b = _colour(rng), _colour(rng)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (xx * np.cos(angle) + yy * np.sin(angle)) / max(h, w)
    t = (t - t.min()) / max(1e-6, float(t.max() - t.min()))
    return a + (b - a) * t[..., None]


def _texture(rng, h, w, amplitude):
    """Smooth random texture: low-resolution noise upsampled (per channel), zero mean."""
    cells = int(rng.integers(3, 24))
    low = rng.normal(0.0, amplitude, (cells, cells, 3)).astype(np.float32)
    return cv2.resize(low, (w, h), interpolation=cv2.INTER_CUBIC)


def _room(rng, h, w):
    horizon = int(rng.uniform(0.3, 0.75) * h)
    img = np.empty((h, w, 3), np.float32)
    img[:horizon] = _colour(rng)
    img[horizon:] = _colour(rng)
    return img


def _clutter(rng, img):
    h, w, _ = img.shape
    for _ in range(int(rng.integers(2, 25))):
        kind = rng.random()
        colour = tuple(float(v) for v in rng.integers(0, 256, 3))
        if kind < 0.6:  # rectangles, some of them thin poles that resemble limbs
            x1, y1 = int(rng.integers(0, w)), int(rng.integers(0, h))
            if rng.random() < 0.3:
                x2, y2 = x1 + int(rng.integers(2, max(3, w // 25))), y1 + int(rng.integers(h // 8, h // 2))
            else:
                x2, y2 = x1 + int(rng.integers(4, w // 3)), y1 + int(rng.integers(4, h // 3))
            cv2.rectangle(img, (x1, y1), (x2, y2), colour, -1)
        elif kind < 0.8:
            centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.circle(img, centre, int(rng.integers(3, max(4, w // 10))), colour, -1, cv2.LINE_AA)
        else:
            p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(img, p, q, colour, int(rng.integers(1, max(2, w // 60))), cv2.LINE_AA)


def random_background(seed: int, height: int, width: int) -> np.ndarray:
    """uint8 [height, width, 3] RGB background, a pure function of `seed`."""
    rng = np.random.default_rng(seed)
    kind = rng.random()
    if kind < 0.3:
        img = _gradient(rng, height, width)
    elif kind < 0.55:
        img = np.empty((height, width, 3), np.float32)
        img[:] = _colour(rng)
    else:
        img = _room(rng, height, width)
    if rng.random() < 0.7:
        img += _texture(rng, height, width, amplitude=rng.uniform(5, 45))
    if rng.random() < 0.6:
        _clutter(rng, img)
    if rng.random() < 0.3:  # fine-grained texture (carpet, grass)
        img += rng.normal(0.0, rng.uniform(3, 15), img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)
