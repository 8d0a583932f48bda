"""MNIST-C (Mu and Gilmer, 2019) in the layout of its Zenodo release.

``root/<corruption>/{train,test}_images.npy`` (uint8, (N, 28, 28, 1)) and
``{train,test}_labels.npy``. Offline, :func:`vog.datasets.corrupt` generates
the 15 corruptions and :func:`write_mnist_c` stores them in this layout.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_write
from .corruptions import CORRUPTIONS, corrupt
from .formats import images_to_tensor, save_npy

__all__ = ["mnist_c", "mnist_c_sets", "write_mnist_c"]


def mnist_c(
    root: str | os.PathLike, corruption: str, *, train: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """One MNIST-C corruption in the layout of its Zenodo release.

    Reads ``root/<corruption>/{train,test}_images.npy`` (uint8, (N, 28, 28, 1))
    and ``{train,test}_labels.npy``; returns (N, 1, 28, 28) in [0, 1].
    """
    split = "train" if train else "test"
    folder = Path(root) / corruption
    img, lab = folder / f"{split}_images.npy", folder / f"{split}_labels.npy"
    if not img.is_file() or not lab.is_file():
        have = sorted(p.name for p in Path(root).iterdir()) if Path(root).is_dir() else []
        raise FileNotFoundError(f"{img} not found (corruptions present in {root}: {have})")
    x = np.load(img, allow_pickle=False)
    y = np.load(lab, allow_pickle=False)
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or x.dtype != np.uint8:
        raise ValueError(f"{img}: expected uint8 of shape (N, 28, 28, 1), got {x.dtype} {x.shape}")
    if len(x) != len(y):
        raise ValueError(f"{img} has {len(x)} images but {lab} has {len(y)} labels")
    return images_to_tensor(x), torch.as_tensor(y.astype(np.int64))


def write_mnist_c(
    root: str | os.PathLike,
    corruption: str,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    train: bool = False,
) -> Path:
    """Write images (N, 1, 28, 28) in [0, 1] in the MNIST-C layout (atomically)."""
    split = "train" if train else "test"
    folder = Path(root) / corruption
    x = (images.clamp(0, 1) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    y = labels.numpy().astype(np.int64)
    atomic_write(folder / f"{split}_images.npy", lambda p: save_npy(p, x))
    atomic_write(folder / f"{split}_labels.npy", lambda p: save_npy(p, y))
    return folder


def mnist_c_sets(
    clean: torch.Tensor, *, root: str | os.PathLike | None = None, seed: int = 0
) -> dict[str, torch.Tensor]:
    """The 15 MNIST-C test sets, as many images each as ``clean`` (N, 1, 28, 28).

    With ``root``, the first N test images of each corruption of the Zenodo
    release (:func:`mnist_c`); without, ``clean`` corrupted by
    :func:`vog.datasets.corrupt` (the same digits, so the sets differ from
    the clean one only by the corruption). Keys in :data:`vog.datasets.CORRUPTIONS` order.
    """
    if root is not None:
        return {name: mnist_c(root, name)[0][: len(clean)] for name in CORRUPTIONS}
    return {name: corrupt(clean, name, seed=seed) for name in CORRUPTIONS}
