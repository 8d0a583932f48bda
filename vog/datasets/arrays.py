"""scikit-learn's digits and CIFAR-10/100 as in-memory tensors, read from their real formats.

Images come back as float32 tensors of shape (N, C, H, W) in [0, 1] with int64
labels of shape (N,).

- :func:`digits`: scikit-learn ``load_digits`` (8x8); ships with scikit-learn.
- :func:`cifar`: CIFAR-10/100 python pickle batches, read with an unpickler
  that admits only NumPy arrays.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np
import torch

from .._checks import check_choice
from ..atomic import file_error

__all__ = ["CIFAR_NAMES", "Split", "digits", "cifar"]

Split = tuple[torch.Tensor, torch.Tensor]
#: Valid values of ``cifar(name=...)``.
CIFAR_NAMES = ("cifar10", "cifar100")


def digits(*, test_fraction: float = 0.2, seed: int = 0) -> tuple[Split, Split]:
    """scikit-learn's 1,797 handwritten 8x8 digits, split into train and test.

    Returns ``(x_train, y_train), (x_test, y_test)`` with x of shape (N, 1, 8, 8) in [0, 1].
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = torch.as_tensor(d.images / 16.0, dtype=torch.float32).unsqueeze(1)
    y = torch.as_tensor(d.target, dtype=torch.long)
    idx_tr, idx_te = train_test_split(
        np.arange(len(y)), test_size=test_fraction, random_state=seed, stratify=d.target
    )
    return (x[idx_tr], y[idx_tr]), (x[idx_te], y[idx_te])


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR batches: plain containers and NumPy arrays only, no other code."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a CIFAR batch")


#: What to do about a damaged CIFAR batch.
_REDOWNLOAD = "delete the batch folder and download it again (cifar(..., download=True))"


def _load_batch(path: Path, keys: tuple[str, ...]) -> dict:
    """One CIFAR batch, with ``keys`` checked; a damaged file raises naming it."""
    if not path.is_file():
        raise FileNotFoundError(f"CIFAR batch {path} not found; use download=True")
    try:
        batch = _ArrayUnpickler(io.BytesIO(path.read_bytes()), encoding="latin1").load()
    except pickle.UnpicklingError as exc:
        if "refusing" in str(exc):  # code in the pickle: never run, an UnpicklingError still
            raise pickle.UnpicklingError(f"{path}: {exc}; {_REDOWNLOAD}") from exc
        what = f"not a readable CIFAR batch (truncated or corrupt: {exc})"
        raise file_error(path, what, _REDOWNLOAD) from exc
    except Exception as exc:  # EOFError, ValueError, ... from a damaged pickle
        what = f"not a readable CIFAR batch (truncated or corrupt: {type(exc).__name__}: {exc})"
        raise file_error(path, what, _REDOWNLOAD) from exc
    if not isinstance(batch, dict):
        raise file_error(path, f"not a CIFAR batch (holds a {type(batch).__name__})", _REDOWNLOAD)
    missing = [k for k in keys if k not in batch]
    if missing:
        what = f"not a CIFAR batch of this set: it lacks {missing} (has {sorted(batch)[:6]})"
        raise file_error(path, what, _REDOWNLOAD)
    return batch


def cifar(
    root: str | os.PathLike = "data",
    *,
    name: str = "cifar10",
    train: bool = True,
    download: bool = False,
    limit: int | None = None,
) -> Split:
    """CIFAR-10 or CIFAR-100 from the official python pickle batches, (N, 3, 32, 32) in [0, 1].

    Reads ``root/cifar-10-batches-py/{data_batch_1..5,test_batch}`` or
    ``root/cifar-100-python/{train,test}`` (fine labels). ``download=True``
    fetches and verifies the archive with torchvision first. Batches are
    unpickled with an unpickler that admits only NumPy arrays.
    """
    check_choice("name", name, CIFAR_NAMES)
    if download:
        from torchvision.datasets import CIFAR10, CIFAR100

        (CIFAR10 if name == "cifar10" else CIFAR100)(str(root), train=train, download=True)
    if name == "cifar10":
        folder = Path(root) / "cifar-10-batches-py"
        files = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
        key = "labels"
    else:
        folder = Path(root) / "cifar-100-python"
        files = ["train" if train else "test"]
        key = "fine_labels"
    xs, ys = [], []
    for f in files:
        batch = _load_batch(folder / f, ("data", key))
        data = np.asarray(batch["data"], dtype=np.uint8)
        labels = np.asarray(batch[key], dtype=np.int64)
        if data.ndim != 2 or data.shape[1] != 3072:
            what = f"expected data of shape (n, 3072), got {data.shape}"
            raise file_error(folder / f, what, _REDOWNLOAD)
        if labels.shape != (len(data),):
            what = f"{len(data)} images but labels of shape {labels.shape}"
            raise file_error(folder / f, what, _REDOWNLOAD)
        xs.append(data.reshape(-1, 3, 32, 32))
        ys.append(labels)
    x, y = np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]
    return torch.as_tensor(x).float().div(255.0), torch.as_tensor(y)
