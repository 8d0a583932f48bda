"""The data of an experiment run: in-memory tensors or lazy ImageNet folders.

:func:`load_data` gives the small data sets (digits, MNIST, CIFAR) as tensors;
:func:`load_run_data` adds ImageNet (read lazily from its class folders), the
fixed subsets of ``train_limit`` / ``test_limit``, the shuffled labels of the
memorisation runs and what the model is built for. :func:`crop_flip` is the
CIFAR augmentation applied to batches on the device.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch.utils.data import Dataset

from ._checks import check_choice
from .datasets import _imagenet_transform, cifar, digits, imagenet, mnist

if TYPE_CHECKING:
    from .experiments import ExperimentConfig

__all__ = ["DATASETS", "LAZY_DATASETS", "RunData", "load_data", "load_run_data", "crop_flip"]

#: Valid values of ``ExperimentConfig.dataset``.
DATASETS = ("digits", "mnist", "cifar10", "cifar100", "imagenet")
#: Data sets read lazily from disk (too large for memory); scored sample-major.
LAZY_DATASETS = ("imagenet",)


@dataclass
class RunData:
    """The data of a run: what is trained on, what is scored, and its shape.

    ``fit``: the training data as trained on (augmentation of folders in their
    transform, shuffled labels included); ``scored``: ``"train"`` (without
    augmentation) and ``"test"``; ``clean``: the original labels; ``noisy``:
    which training labels were shuffled; ``example``: one input, (1, C, H, W).
    """

    fit: Dataset | tuple
    scored: dict[str, Dataset | tuple]
    clean: dict[str, torch.Tensor]
    noisy: torch.Tensor
    n_classes: int
    example: torch.Tensor

    def fit_labels(self) -> torch.Tensor:
        fit = self.scored["train"]
        return fit[1] if isinstance(fit, tuple) else fit.targets


class _View(Dataset):
    """Examples ``indices`` of ``base`` with the given labels (subsets, shuffled labels)."""

    def __init__(self, base: Dataset, indices: torch.Tensor, labels: torch.Tensor) -> None:
        self.base, self.indices, self.targets = base, indices, labels

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        return self.base[int(self.indices[i])][0], int(self.targets[i])


def load_data(cfg: ExperimentConfig, root: str | Path = "data"):
    """``(x_train, y_train), (x_test, y_test)`` of the configured data set as tensors.

    Not for ImageNet (it does not fit in memory): use :func:`vog.imagenet`.
    """
    check_choice("dataset", cfg.dataset, DATASETS)
    if cfg.dataset in LAZY_DATASETS:
        raise ValueError(
            f"{cfg.dataset} is read lazily and cannot be loaded as tensors; "
            "use vog.imagenet(...) or Experiment.dataset(split)"
        )
    if cfg.dataset == "digits":
        (xtr, ytr), (xte, yte) = digits(seed=cfg.seed)
    elif cfg.dataset == "mnist":
        xtr, ytr = mnist(root, train=True, source=cfg.data_source)
        xte, yte = mnist(root, train=False, source=cfg.data_source)
    else:
        download = cfg.data_source == "torchvision"
        xtr, ytr = cifar(root, name=cfg.dataset, train=True, download=download)
        xte, yte = cifar(root, name=cfg.dataset, train=False, download=download)
    return (xtr[: cfg.train_limit], ytr[: cfg.train_limit]), (
        xte[: cfg.test_limit],
        yte[: cfg.test_limit],
    )


def _subset(n: int, limit: int | None) -> torch.Tensor:
    """All indices, or a fixed random ``limit`` of them in increasing order."""
    if limit is None or limit >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(0))[:limit].sort().values


def load_run_data(cfg: ExperimentConfig, root: str | Path) -> RunData:
    if cfg.dataset not in LAZY_DATASETS:
        (xtr, ytr), (xte, yte) = load_data(cfg, root)
        train_y, noisy = _noisy_labels(ytr, cfg)
        return RunData(
            fit=(xtr, train_y),
            scored={"train": (xtr, train_y), "test": (xte, yte)},
            clean={"train": ytr, "test": yte},
            noisy=noisy,
            n_classes=int(torch.cat([ytr, yte]).max()) + 1,
            example=xtr[:1],
        )
    train_base = imagenet(root, train=True, size=cfg.image_size)
    # the training folder is listed once (1.28 M files); the fitted copy differs in transform
    fit_base = copy.copy(train_base)
    fit_base.transform = _imagenet_transform(cfg.image_size, augment=cfg.augment)
    test_base = imagenet(root, train=False, size=cfg.image_size)
    if train_base.classes != test_base.classes:
        raise ValueError("ImageNet train/ and val/ hold different class folders")
    itr = _subset(len(train_base), cfg.train_limit)
    ite = _subset(len(test_base), cfg.test_limit)
    ytr = torch.as_tensor(train_base.targets)[itr]
    yte = torch.as_tensor(test_base.targets)[ite]
    train_y, noisy = _noisy_labels(ytr, cfg)
    return RunData(
        fit=_View(fit_base, itr, train_y),
        scored={"train": _View(train_base, itr, train_y), "test": _View(test_base, ite, yte)},
        clean={"train": ytr, "test": yte},
        noisy=noisy,
        n_classes=len(train_base.classes),
        example=train_base[0][0].unsqueeze(0),
    )


def _noisy_labels(y: torch.Tensor, cfg: ExperimentConfig) -> tuple[torch.Tensor, torch.Tensor]:
    if cfg.label_noise > 0:
        return _shuffle_labels(y, cfg.label_noise, cfg.seed)
    return y, torch.zeros_like(y, dtype=torch.bool)


def _shuffle_labels(
    y: torch.Tensor, fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed + 1)
    n = int(round(fraction * len(y)))
    chosen = torch.randperm(len(y), generator=g)[:n]
    noisy_y = y.clone()
    noisy_y[chosen] = y[chosen][torch.randperm(n, generator=g)]
    return noisy_y, noisy_y != y


def crop_flip(x: torch.Tensor, *, padding: int = 4) -> torch.Tensor:
    """Random crop with zero padding and random horizontal flip (paper's CIFAR augmentation)."""
    n, _, h, w = x.shape
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    dy = torch.randint(0, 2 * padding + 1, (n,), device=x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), device=x.device)
    rows = (dy.view(n, 1) + torch.arange(h, device=x.device)).view(n, 1, h, 1)
    cols = (dx.view(n, 1) + torch.arange(w, device=x.device)).view(n, 1, 1, w)
    out = padded[
        torch.arange(n, device=x.device).view(n, 1, 1, 1),
        torch.arange(x.shape[1], device=x.device).view(1, -1, 1, 1),
        rows,
        cols,
    ]
    flip = torch.rand(n, device=x.device) < 0.5
    out[flip] = out[flip].flip(-1)
    return out
