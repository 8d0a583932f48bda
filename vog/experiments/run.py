"""Reproducible training runs shared by the notebooks, cached on disk.

:func:`run_experiment` trains one model on one data set with
:func:`vog.train_with_vog`, scoring the train and test splits at every VoG
epoch, and stores the outcome under ``cache_dir/<name>-<hash of the
configuration>/``. A second notebook asking for the same configuration reads
it back instead of training again; an interrupted run resumes from its last
epoch. Everything is written atomically and loaded with ``weights_only=True``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset

from .._checks import check_choice
from ..analysis.difficulty import TrainingDynamics
from ..atomic import atomic_write
from ..data import as_dataset
from ..scoring import VoGResult, compute_vog, read_scores, write_scores
from ..training import evaluate, outputs, train_with_vog
from .config import ExperimentConfig
from .data import RunData, crop_flip, load_run_data
from .models import make_model

__all__ = ["Experiment", "run_experiment"]

RESULT_FILE = "result.pt"
#: Seconds between two writes of a run's resumable training state (it can be gigabytes).
STATE_EVERY = 120.0
#: What a finished run stores in its ``result.pt`` (with its configuration).
_STORED = (
    "history",
    "vog",
    "magnitude",
    "dynamics",
    "costs",
    "labels",
    "clean_labels",
    "predictions",
    "noisy",
    "test_acc",
)


@dataclass
class Experiment:
    """A finished run: its configuration, history, VoG of both splits, data and checkpoints.

    ``vog[split][window]`` are raw scores (N,), higher = harder, and
    ``magnitude[split][window]`` the same windows' gradient size
    (:meth:`vog.VoGAccumulator.magnitude`; not recorded for lazy data sets,
    which are scored after training); with ``record_dynamics``,
    ``dynamics[split][score]`` the other difficulty scores (higher = harder) and
    ``costs[score]`` what each took in this run (seconds per epoch, bytes of
    running state and at the peak: state plus its largest temporary tensors); ``labels`` are
    the labels trained/scored with (noisy ones included), ``clean_labels`` the
    original ones, ``noisy`` marks shuffled training labels, ``predictions``
    the final model's predictions and ``test_acc`` its test accuracy in [0, 1].
    Splits are ``"train"`` and ``"test"`` (ImageNet: the validation set).
    Built by :func:`run_experiment`.
    """

    config: ExperimentConfig
    folder: Path
    data: RunData = field(repr=False)
    history: list[dict] = field(default_factory=list)
    vog: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    magnitude: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    dynamics: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    costs: dict[str, dict[str, float]] = field(default_factory=dict)
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    clean_labels: dict[str, torch.Tensor] = field(default_factory=dict)
    predictions: dict[str, torch.Tensor] = field(default_factory=dict)
    noisy: torch.Tensor | None = None
    test_acc: float = float("nan")

    @property
    def class_names(self) -> tuple[str, ...]:
        """A name for each class index of the run's data set."""
        return self.data.class_names

    def windows(self) -> dict[str, Sequence[int]]:
        """The run's VoG windows (epochs), as in :meth:`ExperimentConfig.windows`."""
        return self.config.windows()

    def checkpoints(self, window: str) -> list[Path]:
        """Model checkpoint files of the epochs in ``window`` (for :func:`vog.compute_vog`)."""
        return _window_files(self.config, self.folder, window)

    def predicted(self, split: str, window: str) -> VoGResult:
        """VoG of ``split`` over ``window`` with the *predicted* label (paper Sec. 3 (4)).

        The logit of the final checkpoint's predicted class is differentiated
        at every checkpoint of the window (the saved checkpoints, scored
        streaming for in-memory data, with the gradient magnitude, and
        sample-major for lazy data). Cached in the run's folder: computed once,
        shared by the chapters.
        """
        check_choice("split", split, ("train", "test"))
        part = self.folder / f"predicted_{split}_{window}.pt"
        if part.is_file():
            return read_scores(part)
        res = compute_vog(
            self.checkpoints(window),
            self.dataset(split),
            model=self.model(),
            labels="predicted",
            mode="sample_major" if self.data.lazy else "streaming",
            batch_size=512,
        )
        write_scores(res, part)
        return res

    def model(self) -> nn.Module:
        """A fresh instance of the run's architecture (load a checkpoint into it)."""
        return _build_model(self.config, self.data)

    def dataset(self, split: str) -> Dataset:
        """The examples of ``split`` as scored (no augmentation, training labels as trained)."""
        check_choice("split", split, ("train", "test"))
        return as_dataset(self.data.scored[split])

    def examples(self, split: str, indices=None) -> torch.Tensor:
        """Inputs of ``split`` at ``indices`` (default: all), shape (len, C, H, W)."""
        ds = self.dataset(split)
        if indices is None:
            indices = range(len(ds))
        idx = torch.as_tensor(indices, dtype=torch.long).reshape(-1)
        if hasattr(ds, "tensors"):
            return ds.tensors[0][idx]
        if len(idx) == 0:
            return ds[0][0].new_empty((0, *ds[0][0].shape))
        return torch.stack([ds[int(i)][0] for i in idx])


def _build_model(cfg: ExperimentConfig, data: RunData) -> nn.Module:
    return make_model(cfg.model, data.example, data.n_classes, width=cfg.width)


def _window_files(cfg: ExperimentConfig, folder: Path, window: str) -> list[Path]:
    windows = cfg.windows()
    check_choice("window", window, windows)
    files = [folder / f"epoch_{e:04d}.pt" for e in windows[window]]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"checkpoints {missing} are not in {folder}")
    return files


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
    data = load_run_data(cfg, data_root)
    if num_workers is None:
        num_workers = min(8, os.cpu_count() or 1) if data.lazy else 0
    result_path = folder / RESULT_FILE
    if result_path.is_file():
        return Experiment(config=cfg, folder=folder, data=data, **_load(result_path, cfg))
    torch.manual_seed(cfg.seed)
    model = _build_model(cfg, data)
    dynamics = (
        TrainingDynamics(
            {"train": data.scored["train"], "test": data.scored["test"]},
            early_epoch=max(1, round(0.1 * cfg.epochs)),
            grand_data=("train",),
        )
        if cfg.record_dynamics
        else None
    )
    run = train_with_vog(
        model,
        data.fit,
        # lazy data: checkpoints only, VoG afterwards in sample-major mode
        vog_data={} if data.lazy else _scored(cfg, data),
        windows=cfg.windows(),
        **cfg.schedule(),
        augment=crop_flip if cfg.augment and not data.lazy else None,
        eval_data=data.scored["test"],
        seed=cfg.seed,
        device=device,
        checkpoint_dir=folder,
        resume=True,
        state_every=0.0 if data.lazy else STATE_EVERY,  # lazy runs keep no per-pixel state
        progress=progress,
        save_models=True,
        num_workers=num_workers,
        observers=[dynamics] if dynamics is not None else [],
    )
    vog_scores, magnitude = run.vog, run.magnitude
    predictions = {k: v[-1] for k, v in run.predictions.items()}
    if data.lazy:
        vog_scores, predictions = _score_saved(
            cfg, folder, model, data, device, num_workers, progress
        )
    elif "train" not in predictions:  # the training set was not scored: predict it once
        logits, _ = outputs(model, data.scored["train"], num_workers=num_workers)
        predictions["train"] = logits.argmax(1)
    state = {
        "history": run.history,
        "vog": vog_scores,
        "magnitude": magnitude,
        "dynamics": dynamics.result() if dynamics is not None else {},
        "costs": _costs(run, dynamics),
        "labels": {"train": data.fit_labels(), "test": data.clean["test"]},
        "clean_labels": data.clean,
        "predictions": predictions,
        "noisy": data.noisy,
        "test_acc": evaluate(model, data.scored["test"], device=device, num_workers=num_workers),
    }
    stored = {**state, "config": asdict(cfg)}
    atomic_write(result_path, lambda p: torch.save(stored, p))
    (folder / "train_state.pt").unlink(missing_ok=True)
    for part in folder.glob("scores_*.pt"):
        part.unlink()
    return Experiment(config=cfg, folder=folder, data=data, **state)


def _costs(run, dynamics) -> dict[str, dict[str, float]]:
    """Seconds per epoch and bytes of state of VoG and of each other score, in this run."""
    epochs = max(len(run.history), 1)
    costs = {
        "VoG": {
            "seconds per epoch": run.vog_seconds / epochs,
            "state bytes": float(run.state_bytes),
            "peak bytes": float(run.state_bytes + run.working_bytes),
        }
    }
    if dynamics is not None:
        memory = dynamics.memory()
        for score in dynamics.SCORES:
            part = "GraNd" if score == "GraNd" else "forward pass"
            costs[score] = {
                "seconds per epoch": dynamics.seconds[part] / epochs,
                "state bytes": float(memory[score]),
                "peak bytes": float(memory[score] + dynamics.working[part]),
            }
    return costs


def _scored(cfg: ExperimentConfig, data: RunData) -> dict:
    """The splits scored during training: the test set, and the training set if asked."""
    return data.scored if cfg.score_train else {"test": data.scored["test"]}


def _score_saved(cfg, folder, model, data, device, num_workers, progress):
    """VoG of every split and window from the saved checkpoints (sample-major).

    Each (split, window) result is written to ``folder`` as it is finished, so
    an interrupted scoring resumes with the next one.
    """
    vog_scores: dict[str, dict[str, torch.Tensor]] = {}
    predictions: dict[str, torch.Tensor] = {}
    for split, split_data in data.scored.items():
        vog_scores[split] = {}
        for window in cfg.windows():
            part = folder / f"scores_{split}_{window}.pt"
            if part.is_file():
                saved = torch.load(part, map_location="cpu", weights_only=True)
            else:
                res = compute_vog(
                    _window_files(cfg, folder, window),
                    split_data,
                    model=model,
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


def _load(path: Path, cfg: ExperimentConfig) -> dict:
    state = torch.load(path, map_location="cpu", weights_only=True)
    saved = state.pop("config")
    missing = [k for k in _STORED if k not in state]
    if saved != asdict(cfg) or missing:
        why = f"lacks {missing} (an older version)" if missing else "is of another configuration"
        raise ValueError(f"{path} {why}; delete its folder to train the run again")
    return {k: state[k] for k in _STORED}
