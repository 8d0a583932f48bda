"""Turning user data into batches of ``(x, y)`` with stable example indices.

Scoring must never change training: a loader built here for scoring or
evaluation has its own random generator, so iterating it draws nothing from
the global one (a ``DataLoader`` without a generator draws its base seed from
the global generator at every iteration, which would shift the shuffling,
augmentation and dropout of the epochs that follow).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

from ._checks import integer_labels

__all__ = ["SizedDataset", "as_dataset", "as_loader", "dataset_labels", "to_numpy"]


class SizedDataset(Dataset):
    """A map-style data set that knows its length: what :func:`as_dataset` returns.

    For type checkers only (``torch.utils.data.Dataset`` declares no
    ``__len__``); no instance of it is ever made.
    """

    def __len__(self) -> int:
        raise NotImplementedError


def as_dataset(data: Dataset | Sequence) -> SizedDataset:
    """Accept a map-style ``Dataset`` of ``(x, y)`` pairs or a pair ``(X, y)`` of arrays.

    Arrays (NumPy or tensors) become a :class:`~torch.utils.data.TensorDataset`
    with ``X`` as float32 (unless already floating point) and ``y`` as int64.
    """
    if isinstance(data, Dataset):
        return cast(SizedDataset, data)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = (torch.as_tensor(np.asarray(v) if not torch.is_tensor(v) else v) for v in data)
        if not x.dtype.is_floating_point:
            x = x.float()
        y = integer_labels(y, name="labels y")
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"X has {x.shape[0]} examples but y has {y.shape[0]} labels")
        if y.dim() != 1:
            raise ValueError(f"labels y must have shape (N,), got {tuple(y.shape)}")
        return cast(SizedDataset, TensorDataset(x, y))
    raise TypeError(
        "data must be a torch Dataset of (x, y) pairs or a pair (X, y) of arrays; "
        f"got {type(data).__name__}"
    )


def as_loader(
    data: Dataset | Sequence,
    *,
    batch_size: int,
    shuffle: bool = False,
    generator: torch.Generator | None = None,
    num_workers: int = 0,
    pin_memory: bool = False,
) -> DataLoader | TensorBatches:
    """Batches of :func:`as_dataset` (``data``) in a fixed order unless ``shuffle``.

    An unshuffled loader gets a private generator (its iteration draws nothing
    from the global RNG); a shuffled one needs ``generator``.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if shuffle and generator is None:
        raise ValueError(
            "shuffle=True needs a seeded generator (training order must be reproducible)"
        )
    ds = as_dataset(data)
    if isinstance(ds, TensorDataset) and not shuffle and num_workers == 0:
        return TensorBatches(ds, int(batch_size))
    if generator is None:
        generator = torch.Generator().manual_seed(0)
    return DataLoader(
        ds,
        batch_size=int(batch_size),
        shuffle=shuffle,
        generator=generator,
        num_workers=num_workers,
        pin_memory=pin_memory,
    )


class TensorBatches:
    """Unshuffled batches of a TensorDataset by slicing (no per-item indexing or collation)."""

    def __init__(self, dataset: TensorDataset, batch_size: int) -> None:
        self.dataset, self.batch_size = dataset, batch_size

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        n = len(self.dataset)
        for start in range(0, n, self.batch_size):
            yield tuple(t[start : start + self.batch_size] for t in self.dataset.tensors)


def dataset_labels(data: Dataset | Sequence) -> torch.Tensor:
    """All labels of a dataset as int64, shape (N,); inputs are not loaded where avoidable."""
    ds = as_dataset(data)
    if isinstance(ds, TensorDataset):
        return integer_labels(ds.tensors[1])
    targets = getattr(ds, "targets", None)
    if targets is not None:
        return integer_labels(np.asarray(targets))
    return integer_labels(torch.as_tensor([ds[i][1] for i in range(len(ds))]))


def to_numpy(a) -> np.ndarray:
    """A tensor (any device, detached) or array-like as a NumPy array, shape and dtype kept."""
    return a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)
