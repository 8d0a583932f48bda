"""On-disk formats the data set readers share: IDX files, uint8 images, ``.npy`` writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

__all__ = ["read_idx", "images_to_tensor", "save_npy"]


def images_to_tensor(x: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W) or (N, H, W, C) -> float32 (N, C, H, W) in [0, 1]."""
    t = torch.from_numpy(np.array(x, dtype=np.uint8, copy=True))
    if t.dim() == 3:
        t = t.unsqueeze(-1)
    return t.permute(0, 3, 1, 2).float().div(255.0).contiguous()


def read_idx(source: Path | bytes) -> np.ndarray:
    """An IDX file of unsigned bytes (MNIST, Fashion-MNIST) as an array of its header's shape.

    ``source`` is the file's path or its (uncompressed) bytes.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    name = "IDX data" if isinstance(source, bytes) else str(source)
    if len(data) < 4:
        raise ValueError(f"{name} is too short to be an IDX file")
    magic = int.from_bytes(data[:4], "big")
    if magic >> 8 != 0x08:
        raise ValueError(f"{name} is not an IDX file of unsigned bytes (magic {magic:#x})")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{name}: header says {shape} but holds {body.size} values (truncated?)")
    return body.reshape(shape)


def save_npy(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to exactly ``path`` (np.save would append ".npy" to a temporary name)."""
    with path.open("wb") as f:
        np.save(f, array, allow_pickle=False)
