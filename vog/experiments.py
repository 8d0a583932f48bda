"""Reproducible training runs shared by the notebooks, cached on disk.

:func:`run_experiment` trains one model on one data set with
:func:`vog.train_with_vog`, scoring the train and test splits at every VoG
epoch, and stores the outcome under ``cache_dir/<name>-<hash of the
configuration>/``. A second notebook asking for the same configuration reads
it back instead of training again; an interrupted run resumes from its last
epoch. Everything is written atomically and loaded with ``weights_only=True``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch.utils.data import Dataset

from ._checks import check_choice
from .checkpoints import atomic_write
from .data import as_dataset
from .experiment_data import (
    DATASETS,
    LAZY_DATASETS,
    RunData,
    crop_flip,
    load_run_data,
)
from .models import MLP, DenseNetBC, LeNet, ResNet18, WideResNet, resnet50
from .training import evaluate, train_with_vog

__all__ = [
    "MODELS",
    "ExperimentConfig",
    "Experiment",
    "make_model",
    "run_experiment",
    "vog_windows",
]

#: Valid values of ``ExperimentConfig.model``.
MODELS = ("mlp", "lenet", "resnet18", "densenet_bc", "wrn28_10", "resnet50")


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines a run (its hash names the cache folder).

    ``vog_every``: epochs between checkpoints of the "all" window (paper: 10);
    ``stage``: epochs in the early/late windows (paper: 3). ``label_noise``: the
    fraction of training labels shuffled among themselves (paper Sec. 4.1: 0.2).
    ``augment``: random crop + flip (CIFAR: 4-pixel padding; ImageNet: random
    resized crop). ``image_size``: ImageNet's crop size (paper: 224).
    ``train_limit`` / ``test_limit``: keep that many examples (the first ones;
    for ImageNet, whose folders are sorted by class, a fixed random subset).
    ``data_source`` (MNIST, CIFAR): the embedded digits, a torchvision download,
    or files already on disk (ImageNet is always read from disk).

    ImageNet runs do not fit the per-pixel streaming state in memory: their
    model checkpoints are saved and VoG is computed afterwards in sample-major
    mode (:func:`vog.compute_vog`), which gives the same scores.
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
    image_size: int = 224
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
    Splits are ``"train"`` and ``"test"`` (ImageNet: the validation set).
    """

    config: ExperimentConfig
    history: list[dict] = field(default_factory=list)
    vog: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    clean_labels: dict[str, torch.Tensor] = field(default_factory=dict)
    predictions: dict[str, torch.Tensor] = field(default_factory=dict)
    noisy: torch.Tensor | None = None
    test_acc: float = float("nan")
    folder: Path | None = None
    _splits: RunData | None = field(default=None, repr=False, init=False)

    def checkpoints(self, window: str) -> list[Path]:
        """Model checkpoint files of the epochs in ``window`` (for :func:`vog.compute_vog`)."""
        return _window_files(self.config, self.folder, window)

    def model(self) -> torch.nn.Module:
        """A fresh instance of the run's architecture (load a checkpoint into it)."""
        return make_model(self.config, self._data().example, self._data().n_classes)

    def dataset(self, split: str) -> Dataset:
        """The examples of ``split`` as scored (no augmentation, training labels as trained)."""
        check_choice("split", split, ("train", "test"))
        return as_dataset(self._data().scored[split])

    def examples(self, split: str, indices) -> torch.Tensor:
        """Images of ``split`` at ``indices`` (int sequence or tensor), shape (len, C, H, W)."""
        ds = self.dataset(split)
        idx = torch.as_tensor(indices, dtype=torch.long).reshape(-1)
        if len(idx) == 0:
            return ds[0][0].new_empty((0, *ds[0][0].shape))
        if hasattr(ds, "tensors"):
            return ds.tensors[0][idx]
        return torch.stack([ds[int(i)][0] for i in idx])

    def _data(self) -> RunData:
        if self._splits is None:
            raise RuntimeError("this Experiment has no data attached; use vog.run_experiment")
        return self._splits


def _window_files(cfg: ExperimentConfig, folder: Path | None, window: str) -> list[Path]:
    windows = vog_windows(cfg.epochs, every=cfg.vog_every, stage=cfg.stage)
    check_choice("window", window, windows)
    if folder is None:
        raise RuntimeError("this Experiment has no folder; use vog.run_experiment")
    files = [folder / f"epoch_{e:04d}.pt" for e in windows[window]]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"checkpoints {missing} are not in {folder}")
    return files


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
    if cfg.model == "resnet50":
        if c != 3:
            raise ValueError(f"resnet50 needs 3-channel images, got {c} channels")
        return resnet50(n_classes)
    return ResNet18(n_classes, in_channels=c, width=cfg.width)


def vog_windows(epochs: int, *, every: int = 1, stage: int = 3) -> dict[str, list[int]]:
    """Early (first ``stage`` epochs), late (last ``stage``), all (every ``every``-th + last)."""
    all_epochs = sorted(set(range(0, epochs, every)) | {epochs - 1})
    return {
        "early": list(range(stage)),
        "late": list(range(epochs - stage, epochs)),
        "all": all_epochs,
    }


def run_experiment(
    cfg: ExperimentConfig,
    *,
    cache_dir: str | Path = "data/runs",
    data_root: str | Path = "data",
    device: str | None = None,
    num_workers: int | None = None,
    progress: bool = False,
) -> Experiment:
    """Train (or load from ``cache_dir``) the run described by ``cfg``.

    ``num_workers``: DataLoader workers (default: 0 for in-memory data sets,
    up to 8 for ImageNet).
    """
    folder = Path(cache_dir) / cfg.key()
    result_path = folder / "result.pt"
    splits = load_run_data(cfg, data_root)
    lazy = cfg.dataset in LAZY_DATASETS
    if num_workers is None:
        num_workers = min(8, os.cpu_count() or 1) if lazy else 0
    if result_path.is_file():
        exp = _load(result_path, cfg)
    else:
        torch.manual_seed(cfg.seed)
        model = make_model(cfg, splits.example, splits.n_classes)
        windows = vog_windows(cfg.epochs, every=cfg.vog_every, stage=cfg.stage)
        run = train_with_vog(
            model,
            splits.fit,
            epochs=cfg.epochs,
            # lazy data: checkpoints only, VoG afterwards in sample-major mode
            vog_data={} if lazy else splits.scored,
            windows=windows,
            lr=cfg.lr,
            momentum=cfg.momentum,
            weight_decay=cfg.weight_decay,
            batch_size=cfg.batch_size,
            lr_milestones=cfg.lr_milestones,
            lr_gamma=cfg.lr_gamma,
            augment=crop_flip if cfg.augment and not lazy else None,
            eval_data=splits.scored["test"],
            seed=cfg.seed,
            device=device,
            checkpoint_dir=folder,
            resume=True,
            progress=progress,
            save_models=True,
            num_workers=num_workers,
        )
        vog_scores = run.vog
        predictions = {k: v[-1] for k, v in run.predictions.items()}
        if lazy:
            vog_scores, predictions = _score_saved(
                cfg, folder, model, splits, windows, device, num_workers, progress
            )
        exp = Experiment(
            config=cfg,
            history=run.history,
            vog=vog_scores,
            labels={"train": splits.fit_labels(), "test": splits.clean["test"]},
            clean_labels=splits.clean,
            predictions=predictions,
            noisy=splits.noisy,
            test_acc=evaluate(model, splits.scored["test"], device=device, num_workers=num_workers),
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
        for part in folder.glob("scores_*.pt"):
            part.unlink()
    exp.folder, exp._splits = folder, splits
    return exp


def _score_saved(cfg, folder, model, splits, windows, device, num_workers, progress):
    """VoG of every split and window from the saved checkpoints (sample-major).

    Each (split, window) result is written to ``folder`` as it is finished, so
    an interrupted scoring resumes with the next one.
    """
    from .scoring import compute_vog

    vog_scores: dict[str, dict[str, torch.Tensor]] = {}
    predictions: dict[str, torch.Tensor] = {}
    for split, data in splits.scored.items():
        vog_scores[split] = {}
        for window in windows:
            part = folder / f"scores_{split}_{window}.pt"
            if part.is_file():
                saved = torch.load(part, map_location="cpu", weights_only=True)
            else:
                res = compute_vog(
                    _window_files(cfg, folder, window),
                    data,
                    model=copy.deepcopy(model),
                    mode="sample_major",
                    batch_size=max(cfg.batch_size, 64),
                    device=device,
                    num_workers=num_workers,
                    progress=progress,
                )
                saved = {"raw": res.raw, "predictions": res.predictions}
                atomic_write(part, lambda p, s=saved: torch.save(s, p))
            vog_scores[split][window] = saved["raw"]
            if window == "all":  # its last checkpoint is the final model
                predictions[split] = saved["predictions"]
    return vog_scores, predictions


def _load(path: Path, cfg: ExperimentConfig) -> Experiment:
    state = torch.load(path, map_location="cpu", weights_only=True)
    saved = state.pop("config")
    if saved != asdict(cfg):
        raise ValueError(f"{path} was written for another configuration; delete the folder")
    return Experiment(config=cfg, **state)
