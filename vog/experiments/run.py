"""Reproducible training runs shared by the notebooks, cached on disk.

:func:`run_experiment` trains one model on one data set with
:func:`vog.train_with_vog`, scoring the train and test splits at every VoG
epoch, and stores the outcome under ``cache_dir/<name>-<hash of the
configuration>/``. A second notebook asking for the same configuration reads
it back instead of training again; an interrupted run resumes from its last
epoch. Everything is written atomically with its SHA-256 beside it and
verified before it is loaded with ``weights_only=True``: a damaged cache is
recomputed (with a warning), never read. The folder's name ends in the
fingerprint of the run's data (:meth:`RunData.fingerprint`), so replacing the
data files under ``data_root`` gives a new run.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .._checks import check_choice
from ..analysis.difficulty import TrainingDynamics
from ..atomic import load_cached, remove, save_verified, usable_cache
from ..data import SizedDataset, as_dataset
from ..scoring import VoGResult, compute_vog, read_scores, write_scores
from ..training import (
    STATE_FILE,
    TrainResult,
    checkpoint_path,
    evaluate,
    outputs,
    train_with_vog,
)
from .config import ExperimentConfig
from .data import RunData, crop_flip, load_run_data
from .models import make_model
from .provenance import note_run

__all__ = ["Experiment", "run_experiment"]

RESULT_FILE = "result.pt"
#: Seconds between two writes of a run's resumable training state (it can be gigabytes).
STATE_EVERY = 120.0


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
        if usable_cache(part, what="predicted-label VoG"):  # verified; recomputed if damaged
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

    def dataset(self, split: str) -> SizedDataset:
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


#: What a finished run stores in its ``result.pt`` (with its configuration): every field of
#: :class:`Experiment` but those a run is loaded with.
_STORED = tuple(f.name for f in fields(Experiment) if f.name not in ("config", "folder", "data"))


def _build_model(cfg: ExperimentConfig, data: RunData) -> nn.Module:
    return make_model(cfg.model, data.example, data.n_classes, width=cfg.width)


def _window_files(cfg: ExperimentConfig, folder: Path, window: str) -> list[Path]:
    windows = cfg.windows()
    check_choice("window", window, windows)
    files = [checkpoint_path(folder, e) for e in windows[window]]
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
    data = load_run_data(cfg, data_root)
    # the key holds the data's fingerprint: other data files under data_root are another run
    fingerprint = data.fingerprint()
    folder = Path(cache_dir) / f"{cfg.key()}-{fingerprint[:12]}"
    if num_workers is None:
        num_workers = cfg.train.num_workers or (min(8, os.cpu_count() or 1) if data.lazy else 0)
    result_path = folder / RESULT_FILE
    stored = load_cached(result_path, what="cached run")  # None if absent or damaged
    if stored is not None:
        loaded = _load(stored, result_path, cfg)
        note_run("experiment", folder.name, fingerprint, folder, cached=True)
        return Experiment(config=cfg, folder=folder, data=data, **loaded)
    options = replace(
        cfg.train,
        device=device if device is not None else cfg.train.device,
        num_workers=num_workers,
        progress=progress or cfg.train.progress,
    )
    torch.manual_seed(options.seed)
    model = _build_model(cfg, data)
    dynamics = (
        TrainingDynamics(
            {"train": data.scored["train"], "test": data.scored["test"]},
            early_epoch=max(1, round(0.1 * options.epochs)),
            grand_data=("train",),
        )
        if cfg.record_dynamics
        else None
    )
    run = train_with_vog(
        model,
        data.fit,
        options,
        # lazy data: checkpoints only, VoG afterwards in sample-major mode
        vog_data={} if data.lazy else _scored(cfg, data),
        windows=cfg.windows(),
        augment=crop_flip if cfg.augment and not data.lazy else None,
        eval_data=data.scored["test"],
        checkpoint_dir=folder,
        resume=True,
        state_every=0.0 if data.lazy else STATE_EVERY,  # lazy runs keep no per-pixel state
        save_models=True,
        observers=[dynamics] if dynamics is not None else [],
    )
    vog_scores, magnitude = run.vog, run.magnitude
    predictions = {k: v[-1] for k, v in run.predictions.items()}
    if data.lazy:
        vog_scores, predictions = _score_saved(
            cfg, folder, model, data, options.device, num_workers, options.progress
        )
    elif "train" not in predictions:  # the training set was not scored: predict it once
        logits, _ = outputs(model, data.scored["train"], num_workers=num_workers)
        predictions["train"] = logits.argmax(1)
    state: dict[str, Any] = {
        "history": run.history,
        "vog": vog_scores,
        "magnitude": magnitude,
        "dynamics": dynamics.result() if dynamics is not None else {},
        "costs": _costs(run),
        "labels": {"train": data.fit_labels(), "test": data.clean["test"]},
        "clean_labels": data.clean,
        "predictions": predictions,
        "noisy": data.noisy,
        "test_acc": evaluate(
            model, data.scored["test"], device=options.device, num_workers=num_workers
        ),
    }
    stored = {**state, "config": cfg.identity()}
    save_verified(stored, result_path)
    remove(folder / STATE_FILE)
    for part in folder.glob("scores_*.pt"):
        remove(part)
    note_run("experiment", folder.name, fingerprint, folder, cached=False)
    return Experiment(config=cfg, folder=folder, data=data, **state)


def _costs(run: TrainResult) -> dict[str, dict[str, float]]:
    """Seconds per epoch and bytes of state of VoG and of each other score, in this run."""
    return {name: cost.per_epoch(len(run.history)) for name, cost in run.costs.items()}


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
            if usable_cache(part, what="VoG of a finished window"):  # verified
                res = read_scores(part)
            else:
                res = compute_vog(
                    _window_files(cfg, folder, window),
                    split_data,
                    model=model,
                    mode="sample_major",
                    batch_size=max(cfg.train.batch_size, 64),
                    device=device,
                    num_workers=num_workers,
                    progress=progress,
                )
                write_scores(res, part)
            vog_scores[split][window] = res.raw
            if window == "all":  # its last checkpoint is the final model
                predictions[split] = res.predictions
    return vog_scores, predictions


def _load(state: dict, path: Path, cfg: ExperimentConfig) -> dict[str, Any]:
    saved = state.pop("config", None)
    missing = [k for k in _STORED if k not in state]
    if saved != cfg.identity() or missing:
        why = f"lacks {missing} (an older version)" if missing else "is of another configuration"
        raise ValueError(f"{path} {why}; delete its folder to train the run again")
    return {k: state[k] for k in _STORED}
