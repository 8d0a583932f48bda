"""The 15 MNIST-C corruptions (Mu and Gilmer, 2019), written with NumPy, SciPy and scikit-image.

The original generator needs ImageMagick (wand) and NumPy APIs that no longer
exist, so these are re-implementations of the same corruption *families*
with the severities of the published set where it documents them. Scores
are therefore comparable in kind, not digit for digit, with the Zenodo
release; :func:`vog.datasets.mnist_c` reads that release where it is available.

All functions take and return float images of shape (N, 28, 28) or
(N, 1, 28, 28) in [0, 1] and draw randomness from a seeded generator.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import numpy as np
import torch
from scipy import ndimage

from .._checks import check_choice

__all__ = ["CORRUPTIONS", "corrupt"]


def _shot_noise(x, rng):
    return rng.poisson(x * 60.0) / 60.0


def _impulse_noise(x, rng):
    out = x.copy()
    mask = rng.random(x.shape)
    out[mask < 0.135] = 0.0
    out[mask > 1 - 0.135] = 1.0
    return out


def _glass_blur(x, rng):
    out = ndimage.gaussian_filter(x, sigma=0.7)
    h, w = out.shape
    for i in range(h - 1, 0, -1):
        for j in range(w - 1, 0, -1):
            di, dj = rng.integers(-1, 2, size=2)
            i2, j2 = min(max(i + di, 0), h - 1), min(max(j + dj, 0), w - 1)
            out[i, j], out[i2, j2] = out[i2, j2], out[i, j]
    return ndimage.gaussian_filter(out, sigma=0.7)


def _motion_blur(x, rng):
    length = 9
    angle = rng.uniform(-45, 45)
    kernel = np.zeros((length, length))
    kernel[length // 2, :] = 1.0
    kernel = ndimage.rotate(kernel, angle, reshape=False, order=1)
    kernel /= kernel.sum()
    return ndimage.convolve(x, kernel, mode="constant")


def _affine(x, matrix):
    centre = (np.array(x.shape) - 1) / 2
    offset = centre - matrix @ centre
    return ndimage.affine_transform(x, matrix, offset=offset, order=1, mode="constant")


def _shear(x, rng):
    s = rng.uniform(0.2, 0.8) * rng.choice([-1, 1])
    return _affine(x, np.array([[1.0, 0.0], [s, 1.0]]))


def _scale(x, rng):
    f = rng.uniform(0.4, 0.6)
    return _affine(x, np.eye(2) / f)


def _rotate(x, rng):
    return ndimage.rotate(x, rng.uniform(30, 60) * rng.choice([-1, 1]), reshape=False, order=1)


def _brightness(x, rng):
    return x + 0.4


def _translate(x, rng):
    shift = rng.integers(4, 7, size=2) * rng.choice([-1, 1], size=2)
    return ndimage.shift(x, shift, order=0, mode="constant")


def _stripe(x, rng):
    out = x.copy()
    start, width = int(rng.integers(4, 20)), int(rng.integers(3, 6))
    out[:, start : start + width] = 1.0 - out[:, start : start + width]
    return out


def _fog(x, rng):
    h, w = x.shape
    fog = np.zeros_like(x)
    for octave, weight in ((4, 1.0), (7, 0.5), (14, 0.25)):
        coarse = rng.random((octave, octave))
        fog += weight * ndimage.zoom(coarse, (h / octave, w / octave), order=3)[:h, :w]
    fog = (fog - fog.min()) / (np.ptp(fog) + 1e-8)
    return x + 0.6 * fog


def _spatter(x, rng):
    blobs = ndimage.gaussian_filter(rng.random(x.shape), sigma=1.5)
    mask = blobs > np.quantile(blobs, 0.88)
    out = x.copy()
    out[mask] = np.maximum(out[mask], 0.8)
    return out


def _line(x, rng, *, dotted: bool):
    from skimage.draw import line

    out = x.copy()
    h, w = x.shape
    r0, r1 = rng.integers(0, h, size=2)
    rr, cc = line(int(r0), 0, int(r1), w - 1)
    keep = slice(None, None, 2) if dotted else slice(None)
    out[rr[keep], cc[keep]] = 1.0
    return out


def _dotted_line(x, rng):
    return _line(x, rng, dotted=True)


def _zigzag(x, rng):
    from skimage.draw import line

    out = x.copy()
    h, w = x.shape
    cols = np.linspace(0, w - 1, 5).astype(int)
    rows = rng.integers(2, h - 2, size=5)
    for (r0, c0), (r1, c1) in pairwise(zip(rows, cols, strict=True)):
        rr, cc = line(int(r0), int(c0), int(r1), int(c1))
        out[rr, cc] = 1.0
    return out


def _canny_edges(x, rng):
    from skimage.feature import canny

    return canny(x, sigma=1.0).astype(x.dtype)


#: name -> function(image (28, 28) float in [0, 1], numpy Generator) -> image
CORRUPTIONS: dict[str, Callable[[np.ndarray, np.random.Generator], np.ndarray]] = {
    "shot_noise": _shot_noise,
    "impulse_noise": _impulse_noise,
    "glass_blur": _glass_blur,
    "motion_blur": _motion_blur,
    "shear": _shear,
    "scale": _scale,
    "rotate": _rotate,
    "brightness": _brightness,
    "translate": _translate,
    "stripe": _stripe,
    "fog": _fog,
    "spatter": _spatter,
    "dotted_line": _dotted_line,
    "zigzag": _zigzag,
    "canny_edges": _canny_edges,
}


def corrupt(images: torch.Tensor, name: str, *, seed: int = 0) -> torch.Tensor:
    """Apply one MNIST-C corruption to every image.

    Parameters
    ----------
    images : Tensor, shape (N, 28, 28) or (N, 1, 28, 28), float in [0, 1]
    name : str
        One of :data:`vog.datasets.CORRUPTIONS` (the 15 of MNIST-C).
    seed : int, keyword-only
        Seed of the random draws (noise, angles, positions).

    Returns
    -------
    Tensor, same shape, float32 in [0, 1]
    """
    check_choice("name", name, CORRUPTIONS)
    x = torch.as_tensor(images)
    if not x.dtype.is_floating_point:
        raise TypeError(f"images must be float in [0, 1], got {x.dtype}")
    squeeze = x.dim() == 4
    if squeeze and x.shape[1] != 1 or x.dim() not in (3, 4) or tuple(x.shape[-2:]) != (28, 28):
        raise ValueError(
            f"images must have shape (N, 28, 28) or (N, 1, 28, 28), got {tuple(x.shape)}"
        )
    arr = (x[:, 0] if squeeze else x).detach().cpu().double().numpy()
    rng = np.random.default_rng(seed)
    fn = CORRUPTIONS[name]
    out = np.stack([np.clip(fn(img.copy(), rng), 0.0, 1.0) for img in arr]).astype(np.float32)
    out_t = torch.from_numpy(out)
    return out_t.unsqueeze(1) if squeeze else out_t
