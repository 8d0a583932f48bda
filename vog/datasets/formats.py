"""On-disk formats the data set readers share: IDX files, uint8 images, ``.npy`` writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from ..atomic import file_error

__all__ = ["read_idx", "images_to_tensor", "save_npy"]

#: What to do about a damaged data file, unless the caller knows better.
REFETCH = "delete it and fetch the data again (`make data`, or the loader's source/download)"


def images_to_tensor(x: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W) or (N, H, W, C) -> float32 (N, C, H, W) in [0, 1]."""
    t = torch.from_numpy(np.array(x, dtype=np.uint8, copy=True))
    if t.dim() == 3:
        t = t.unsqueeze(-1)
    return t.permute(0, 3, 1, 2).float().div(255.0).contiguous()


def read_idx(
    source: Path | bytes,
    *,
    name: str | Path | None = None,
    ndim: int | None = None,
    todo: str = REFETCH,
) -> np.ndarray:
    """An IDX file of unsigned bytes (MNIST, Fashion-MNIST) as an array of its header's shape.

    ``source`` is the file's path or its (uncompressed) bytes; ``name`` the
    file named in errors (default: the path); ``ndim`` the number of
    dimensions expected (3 for images, 1 for labels). A truncated or corrupt
    file, or one of the other kind, raises :class:`vog.atomic.CorruptFileError`
    (a ``ValueError``) naming the file, what is wrong and ``todo``.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    name = name if name is not None else ("IDX data" if isinstance(source, bytes) else source)
    if len(data) < 4:
        raise file_error(name, f"{len(data)} bytes: too short to be an IDX file", todo)
    magic = int.from_bytes(data[:4], "big")
    dims = magic & 0xFF
    if magic >> 8 != 0x08 or not 1 <= dims <= 4:
        raise file_error(name, f"not an IDX file of unsigned bytes (magic {magic:#x})", todo)
    if len(data) < 4 + 4 * dims:
        raise file_error(name, "the IDX header is truncated", todo)
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != int(np.prod(shape)):
        what = f"the header says {shape} but the file holds {body.size} values (truncated?)"
        raise file_error(name, what, todo)
    if ndim is not None and dims != ndim:
        kind = {1: "labels", 3: "images"}
        raise file_error(
            name,
            f"expected an IDX {kind.get(ndim, f'{ndim}-D')} file ({ndim} dimensions), got "
            f"{dims} dimensions {shape}: a {kind.get(dims, 'different')} file (images and "
            "labels files swapped?)",
            "put the right file under this name",
        )
    return body.reshape(shape)


def save_npy(path: Path, array: np.ndarray) -> None:
    """Write ``array`` to exactly ``path`` (np.save would append ".npy" to a temporary name)."""
    with path.open("wb") as f:
        np.save(f, array, allow_pickle=False)
