"""The data of an experiment run: what is trained on, what is scored, and its shape.

:func:`load_run_data` is the one way to get a run's data (an
:class:`~vog.experiments.Experiment` exposes it as ``run.dataset(split)`` and
``run.examples(split, idx)``). :data:`DATASETS` maps each
``ExperimentConfig.dataset`` name to a small loader; in-memory data sets come
back as tensors, ImageNet as lazy class folders. On top of the loader come
the fixed subsets of ``train_limit`` / ``test_limit`` and the shuffled
labels of the memorisation runs. :func:`crop_flip` is the CIFAR augmentation
applied to batches on the device.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import Dataset

from .._checks import check_choice
from ..datasets import cifar, digits, fashion_mnist, imagenet, imagenet_transform, mnist
from ..datasets.idx_sets import FASHION_MNIST_CLASSES, FASHION_MNIST_SOURCES, MNIST_SOURCES
from ..datasets.tabular import TABLES, TABULAR_SOURCES, load_tabular, standardize

__all__ = ["DATASETS", "SOURCES", "RunData", "load_run_data", "crop_flip", "shuffle_labels"]


@dataclass
class RunData:
    """The data of a run.

    Attributes
    ----------
    fit : Dataset or (X, y)
        The training data as trained on (shuffled labels included; for folders
        the augmentation is in their transform).
    scored : dict
        ``"train"`` (without augmentation, labels as trained) and ``"test"``.
    clean : dict[str, Tensor]
        The original labels of both splits, shape (N,).
    noisy : Tensor, shape (N_train,), bool
        Which training labels were shuffled.
    n_classes : int
    example : Tensor, shape (1, C, H, W)
        One input, for building the model.
    lazy : bool
        Whether the images are read from disk on demand (scored after training).
    class_names : tuple of str
        A name for each class index (the index itself where the data set has none).
    """

    fit: Dataset | tuple
    scored: dict[str, tuple[torch.Tensor, torch.Tensor] | _View]
    clean: dict[str, torch.Tensor]
    noisy: torch.Tensor
    n_classes: int
    example: torch.Tensor
    lazy: bool = False
    class_names: tuple[str, ...] = ()

    def fit_labels(self) -> torch.Tensor:
        """The training labels as trained on (N,)."""
        fit = self.scored["train"]
        return fit[1] if isinstance(fit, tuple) else fit.targets

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the data a run trains on and scores: part of the run's cache key.

        In-memory data: the bytes, dtype and shape of every tensor (images and
        labels of both splits, clean labels included), so replacing the data
        files gives another run (Fashion-MNIST's 70,000 images: about 0.3 s).
        Lazy folders: each split's file names (relative to its folder) and
        labels; a file replaced under the same name is not detected.
        """
        h = hashlib.sha256()
        for split in ("train", "test"):
            part = self.scored[split]
            if isinstance(part, tuple):
                tensors = [*part, self.clean[split]]
            else:  # a _View of an ImageFolder: its files and labels
                base = part.base
                names = [str(base.samples[int(i)][0]) for i in part.indices]
                folder = str(getattr(base, "root", ""))
                listing = "\n".join(n.removeprefix(folder) for n in names)
                h.update(listing.encode())
                tensors = [part.targets, self.clean[split]]
            for t in tensors:
                t = torch.as_tensor(t).detach().cpu().contiguous()
                h.update(f"{split}|{t.dtype}|{tuple(t.shape)}|".encode())
                h.update(t.reshape(-1).view(torch.uint8).numpy().data)
        return h.hexdigest()


class _View(Dataset):
    """Examples ``indices`` of ``base`` with the given labels (subsets, shuffled labels)."""

    def __init__(self, base: Dataset, indices: torch.Tensor, labels: torch.Tensor) -> None:
        self.base: Any = base  # a folder data set (its samples name its files)
        self.indices, self.targets = indices, labels

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int):
        return self.base[int(self.indices[i])][0], int(self.targets[i])


def _digits(cfg, root: Path) -> RunData:
    return _in_memory(*digits(seed=cfg.seed), cfg)


def _mnist(cfg, root: Path) -> RunData:
    train = mnist(root, train=True, source=cfg.source())
    test = mnist(root, train=False, source=cfg.source())
    return _in_memory(train, test, cfg)


def _fashion_mnist(cfg, root: Path) -> RunData:
    train = fashion_mnist(root, train=True, source=cfg.source())
    test = fashion_mnist(root, train=False, source=cfg.source())
    return _in_memory(train, test, cfg, names=FASHION_MNIST_CLASSES)


def _cifar(name: str) -> Callable:
    def load(cfg, root: Path) -> RunData:
        download = cfg.source() == "torchvision"
        train = cifar(root, name=name, train=True, download=download)
        test = cifar(root, name=name, train=False, download=download)
        return _in_memory(train, test, cfg, names=CIFAR10_CLASSES if name == "cifar10" else ())

    load.__name__ = f"_{name}"
    return load


def _imagenet(cfg, root: Path) -> RunData:
    train_base = imagenet(root, train=True, size=cfg.image_size)
    # the training folder is listed once (1.28 M files); the fitted copy differs in transform
    fit_base = copy.copy(train_base)
    fit_base.transform = imagenet_transform(cfg.image_size, augment=cfg.augment)
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
        lazy=True,
        class_names=tuple(train_base.classes),
    )


def _tabular(name: str) -> Callable:
    """Features standardised with the training split's column statistics (both splits)."""

    def load(cfg, root: Path) -> RunData:
        (xtr, ytr), (xte, yte) = (
            load_tabular(name, root, train=split, source=cfg.source()) for split in (True, False)
        )
        xtr, xte = standardize(xtr, xte)
        return _in_memory((xtr, ytr), (xte, yte), cfg, names=TABLES[name].classes)

    load.__name__ = f"_{name}"
    return load


def _fortunes(cfg, root: Path) -> RunData:
    """Sentence embeddings of the fortune topics (frozen all-MiniLM-L6-v2 encoder, cached):
    a run trains a classifier head on them, and VoG is taken w.r.t. the sentence embedding."""
    from ..datasets.text import FORTUNE_TOPICS, fortune_embeddings

    train = fortune_embeddings(root, train=True, limit=cfg.train_limit)
    test = fortune_embeddings(root, train=False, limit=cfg.test_limit)
    return _in_memory(train, test, cfg, names=FORTUNE_TOPICS)


def _fortune_tokens(cfg, root: Path) -> RunData:
    """Token embeddings of the same fortune texts (MiniLM's frozen word-piece table, zero rows
    as padding): a run fine-tunes the encoder on them, and VoG is taken w.r.t. the tokens."""
    from ..datasets.text import FORTUNE_TOPICS
    from ..datasets.tokens import fortune_tokens

    train = fortune_tokens(train=True, limit=cfg.train_limit)
    test = fortune_tokens(train=False, limit=cfg.test_limit)
    return _in_memory(train, test, cfg, names=FORTUNE_TOPICS)


#: CIFAR-10's class names, in label order.
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
#: ``ExperimentConfig.dataset`` name -> loader ``(config, data root) -> RunData``.
DATASETS: dict[str, Callable] = {
    "digits": _digits,
    "mnist": _mnist,
    "fashion_mnist": _fashion_mnist,
    "cifar10": _cifar("cifar10"),
    "cifar100": _cifar("cifar100"),
    "imagenet": _imagenet,
    **{name: _tabular(name) for name in TABLES},
    "fortunes": _fortunes,
    "fortunes_tokens": _fortune_tokens,
}
#: Where each data set can come from (``ExperimentConfig.data_source``); the first
#: is the default. ``"bundled"``: ships with a library (scikit-learn's digits).
SOURCES: dict[str, tuple[str, ...]] = {
    "digits": ("bundled",),
    "mnist": MNIST_SOURCES,
    "fashion_mnist": FASHION_MNIST_SOURCES,
    "cifar10": ("torchvision", "disk"),
    "cifar100": ("torchvision", "disk"),
    "imagenet": ("disk",),
    **TABULAR_SOURCES,
    "fortunes": ("debian",),
    "fortunes_tokens": ("debian",),
}


def load_run_data(cfg, root: str | Path = "data") -> RunData:
    """The data of the run ``cfg`` (an :class:`~vog.experiments.ExperimentConfig`)."""
    check_choice("dataset", cfg.dataset, DATASETS)
    return DATASETS[cfg.dataset](cfg, Path(root))


def _in_memory(train, test, cfg, names: tuple[str, ...] = ()) -> RunData:
    """Tensors cut to the configured limits (the first examples), with shuffled labels."""
    (xtr, ytr), (xte, yte) = train, test
    xtr, ytr = xtr[: cfg.train_limit], ytr[: cfg.train_limit]
    xte, yte = xte[: cfg.test_limit], yte[: cfg.test_limit]
    train_y, noisy = _noisy_labels(ytr, cfg)
    return RunData(
        fit=(xtr, train_y),
        scored={"train": (xtr, train_y), "test": (xte, yte)},
        clean={"train": ytr, "test": yte},
        noisy=noisy,
        n_classes=(n := int(torch.cat([ytr, yte]).max()) + 1),
        example=xtr[:1],
        class_names=tuple(names) or tuple(str(c) for c in range(n)),
    )


def _subset(n: int, limit: int | None) -> torch.Tensor:
    """All indices, or a fixed random ``limit`` of them in increasing order."""
    if limit is None or limit >= n:
        return torch.arange(n)
    return torch.randperm(n, generator=torch.Generator().manual_seed(0))[:limit].sort().values


def _noisy_labels(y: torch.Tensor, cfg) -> tuple[torch.Tensor, torch.Tensor]:
    if cfg.label_noise > 0:
        return shuffle_labels(y, cfg.label_noise, seed=cfg.seed)
    return y, torch.zeros_like(y, dtype=torch.bool)


def shuffle_labels(
    y: torch.Tensor, fraction: float, *, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Shuffle the labels of a random ``fraction`` of the examples among themselves.

    Zhang et al.'s set-up (paper Sec. 4.1: 20%). Returns the new labels (N,)
    and a mask (N,) of the examples whose label changed (a shuffled label may
    land on its own class; those count as clean).
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], got {fraction}")
    g = torch.Generator().manual_seed(seed + 1)
    n = int(round(fraction * len(y)))
    chosen = torch.randperm(len(y), generator=g)[:n]
    noisy_y = y.clone()
    noisy_y[chosen] = y[chosen][torch.randperm(n, generator=g)]
    return noisy_y, noisy_y != y


def crop_flip(
    x: torch.Tensor, *, padding: int = 4, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Random crop with zero padding and random horizontal flip (paper's CIFAR augmentation).

    Each image (N, C, H, W) is padded by ``padding`` pixels on every side, an
    H x W window is cut at a uniformly random offset in ``[0, 2 * padding]``
    per axis, and the result is mirrored left-right with probability 1/2.
    Draws from ``generator`` (on ``x``'s device; default: the global
    generator, seeded by the training loop).
    """
    n, _, h, w = x.shape
    padded = torch.nn.functional.pad(x, (padding,) * 4)
    dy = torch.randint(0, 2 * padding + 1, (n,), generator=generator, device=x.device)
    dx = torch.randint(0, 2 * padding + 1, (n,), generator=generator, device=x.device)
    rows = (dy.view(n, 1) + torch.arange(h, device=x.device)).view(n, 1, h, 1)
    cols = (dx.view(n, 1) + torch.arange(w, device=x.device)).view(n, 1, 1, w)
    out = padded[
        torch.arange(n, device=x.device).view(n, 1, 1, 1),
        torch.arange(x.shape[1], device=x.device).view(1, -1, 1, 1),
        rows,
        cols,
    ]
    flip = torch.rand(n, generator=generator, device=x.device) < 0.5
    out[flip] = out[flip].flip(-1)
    return out
