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

from ..atomic import atomic_write, file_error
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
    x, y = _npy(img), _npy(lab)
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1) or x.dtype != np.uint8:
        what = f"expected uint8 images of shape (N, 28, 28, 1), got {x.dtype} {x.shape}"
        raise file_error(img, what, _TODO)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise file_error(lab, f"expected integer labels (N,), got {y.dtype} {y.shape}", _TODO)
    if len(x) != len(y):
        raise file_error(lab, f"{len(y)} labels but {img} holds {len(x)} images", _TODO)
    return images_to_tensor(x), torch.as_tensor(y.astype(np.int64))


#: What to do about a damaged MNIST-C file.
_TODO = "replace it from the Zenodo release, or write it again with write_mnist_c"


def _npy(path: Path) -> np.ndarray:
    """A ``.npy`` array (no pickles); a damaged file raises naming it."""
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:  # truncated, bad header, a pickle, not .npy at all
        what = f"not a readable .npy array ({type(exc).__name__}: {exc})"
        raise file_error(path, what, _TODO) from exc


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
