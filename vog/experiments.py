"""Reproducible training runs shared by the notebooks, cached on disk.

:func:`run_experiment` trains one model on one data set with
:func:`vog.train_with_vog`, scoring the train and test splits at every VoG
epoch, and stores the outcome under ``cache_dir/<name>-<hash of the
configuration>/``. A second notebook asking for the same configuration reads
it back instead of training again; an interrupted run resumes from its last
epoch. Everything is written atomically and loaded with ``weights_only=True``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ._checks import check_choice
from .checkpoints import atomic_write
from .datasets import cifar, digits, mnist
from .models import MLP, DenseNetBC, LeNet, ResNet18, WideResNet
from .training import evaluate, train_with_vog

__all__ = [
    "DATASETS",
    "MODELS",
    "ExperimentConfig",
    "Experiment",
    "load_data",
    "make_model",
    "crop_flip",
    "run_experiment",
    "vog_windows",
]

#: Valid values of ``ExperimentConfig.dataset``.
DATASETS = ("digits", "mnist", "cifar10", "cifar100")
#: Valid values of ``ExperimentConfig.model``.
MODELS = ("mlp", "lenet", "resnet18", "densenet_bc", "wrn28_10")


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines a run (its hash names the cache folder).

    ``vog_every``: epochs between checkpoints of the "all" window (paper: 10);
    ``stage``: epochs in the early/late windows (paper: 3). ``label_noise``: the
    fraction of training labels shuffled among themselves (paper Sec. 4.1: 0.2).
    """

    dataset: str = "mnist"
    model: str = "lenet"
    epochs: int = 15
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    batch_size: int = 128
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.1
    augment: bool = False
    width: int = 64
    vog_every: int = 1
    stage: int = 3
    label_noise: float = 0.0
    train_limit: int | None = None
    test_limit: int | None = None
    data_source: str = "embedded"
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, DATASETS)
        check_choice("model", self.model, MODELS)
        check_choice("data_source", self.data_source, ("embedded", "torchvision", "disk"))
        # lists from papermill/YAML parameters become tuples (hashable, stable key)
        object.__setattr__(self, "lr_milestones", tuple(int(m) for m in self.lr_milestones))
        if not 0.0 <= self.label_noise < 1.0:
            raise ValueError(f"label_noise must lie in [0, 1), got {self.label_noise}")
        if self.epochs < 2 * self.stage:
            raise ValueError(
                f"epochs={self.epochs} is too short for early/late windows of {self.stage}"
            )

    def key(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True)
        return f"{self.dataset}-{self.model}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


@dataclass
class Experiment:
    """A finished run: its configuration, history and VoG of both splits.

    ``vog[split][window]`` are raw scores (N,), higher = harder; ``labels`` are
    the labels trained/scored with (noisy ones included), ``clean_labels`` the
    original ones, ``noisy`` marks shuffled training labels, ``predictions``
    the final model's predictions and ``test_acc`` its test accuracy in [0, 1].
    """

    config: ExperimentConfig
    history: list[dict] = field(default_factory=list)
    vog: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    clean_labels: dict[str, torch.Tensor] = field(default_factory=dict)
    predictions: dict[str, torch.Tensor] = field(default_factory=dict)
    noisy: torch.Tensor | None = None
    test_acc: float = float("nan")
    images: dict[str, torch.Tensor] = field(default_factory=dict)
    folder: Path | None = None

    def checkpoints(self, window: str) -> list[Path]:
        """Model checkpoint files of the epochs in ``window`` (for :func:`vog.compute_vog`)."""
        windows = vog_windows(
            self.config.epochs, every=self.config.vog_every, stage=self.config.stage
        )
        check_choice("window", window, windows)
        files = [self.folder / f"epoch_{e:04d}.pt" for e in windows[window]]
        missing = [f.name for f in files if not f.is_file()]
        if missing:
            raise FileNotFoundError(f"checkpoints {missing} are not in {self.folder}")
        return files

    def model(self) -> torch.nn.Module:
        """A fresh instance of the run's architecture (load a checkpoint into it)."""
        (xtr, ytr), (_, yte) = load_data(self.config, self._data_root)
        return make_model(self.config, xtr[:1], int(torch.cat([ytr, yte]).max()) + 1)

    _data_root: Path = Path("data")


def load_data(cfg: ExperimentConfig, root: str | Path = "data"):
    """``(x_train, y_train), (x_test, y_test)`` of the configured data set."""
    check_choice("dataset", cfg.dataset, DATASETS)
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


def make_model(cfg: ExperimentConfig, x: torch.Tensor, n_classes: int) -> torch.nn.Module:
    """The configured architecture for inputs shaped like ``x`` (N, C, H, W)."""
    check_choice("model", cfg.model, MODELS)
    c, h = x.shape[1], x.shape[2]
    if cfg.model == "mlp":
        return MLP(int(x[0].numel()), (256, 128), n_classes)
    if cfg.model == "lenet":
        return LeNet(c, n_classes, image_size=h)
    if cfg.model == "densenet_bc":
        return DenseNetBC(n_classes, in_channels=c)
    if cfg.model == "wrn28_10":
        return WideResNet(n_classes, in_channels=c)
    return ResNet18(n_classes, in_channels=c, width=cfg.width)


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


def vog_windows(epochs: int, *, every: int = 1, stage: int = 3) -> dict[str, list[int]]:
    """Early (first ``stage`` epochs), late (last ``stage``), all (every ``every``-th + last)."""
    all_epochs = sorted(set(range(0, epochs, every)) | {epochs - 1})
    return {
        "early": list(range(stage)),
        "late": list(range(epochs - stage, epochs)),
        "all": all_epochs,
    }


def _shuffle_labels(
    y: torch.Tensor, fraction: float, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed + 1)
    n = int(round(fraction * len(y)))
    chosen = torch.randperm(len(y), generator=g)[:n]
    noisy_y = y.clone()
    noisy_y[chosen] = y[chosen][torch.randperm(n, generator=g)]
    return noisy_y, noisy_y != y


def run_experiment(
    cfg: ExperimentConfig,
    *,
    cache_dir: str | Path = "data/runs",
    data_root: str | Path = "data",
    device: str | None = None,
    keep_images: bool = False,
    progress: bool = False,
) -> Experiment:
    """Train (or load from ``cache_dir``) the run described by ``cfg``."""
    folder = Path(cache_dir) / cfg.key()
    result_path = folder / "result.pt"
    (xtr, ytr), (xte, yte) = load_data(cfg, data_root)
    if result_path.is_file():
        exp = _load(result_path, cfg)
    else:
        torch.manual_seed(cfg.seed)
        train_y, noisy = (ytr, torch.zeros_like(ytr, dtype=torch.bool))
        if cfg.label_noise > 0:
            train_y, noisy = _shuffle_labels(ytr, cfg.label_noise, cfg.seed)
        n_classes = int(torch.cat([ytr, yte]).max()) + 1
        model = make_model(cfg, xtr, n_classes)
        run = train_with_vog(
            model,
            (xtr, train_y),
            epochs=cfg.epochs,
            vog_data={"train": (xtr, train_y), "test": (xte, yte)},
            windows=vog_windows(cfg.epochs, every=cfg.vog_every, stage=cfg.stage),
            lr=cfg.lr,
            momentum=cfg.momentum,
            weight_decay=cfg.weight_decay,
            batch_size=cfg.batch_size,
            lr_milestones=cfg.lr_milestones,
            lr_gamma=cfg.lr_gamma,
            augment=crop_flip if cfg.augment else None,
            eval_data=(xte, yte),
            seed=cfg.seed,
            device=device,
            checkpoint_dir=folder,
            resume=True,
            progress=progress,
            save_models=True,
        )
        exp = Experiment(
            config=cfg,
            history=run.history,
            vog=run.vog,
            labels={"train": train_y, "test": yte},
            clean_labels={"train": ytr, "test": yte},
            predictions={k: v[-1] for k, v in run.predictions.items()},
            noisy=noisy,
            test_acc=evaluate(model, (xte, yte), device=device),
        )
        state = {
            k: getattr(exp, k)
            for k in (
                "history",
                "vog",
                "labels",
                "clean_labels",
                "predictions",
                "noisy",
                "test_acc",
            )
        }
        state["config"] = asdict(cfg)
        atomic_write(result_path, lambda p: torch.save(state, p))
        (folder / "train_state.pt").unlink(missing_ok=True)
    if keep_images:
        exp.images = {"train": xtr, "test": xte}
    exp.folder, exp._data_root = folder, Path(data_root)
    return exp


def _load(path: Path, cfg: ExperimentConfig) -> Experiment:
    state = torch.load(path, map_location="cpu", weights_only=True)
    saved = state.pop("config")
    if saved != asdict(cfg):
        raise ValueError(f"{path} was written for another configuration; delete the folder")
    return Experiment(config=cfg, **state)
