"""Training a classifier while recording VoG per training stage (paper Sec. 2.2).

:func:`train_with_vog` trains as its :class:`~vog.TrainOptions` say, and saves:
after each epoch it hands the model to a :class:`~vog.VoGRecorder`, which
streams the input gradients of the scored data sets into running per-window
statistics (no gradient is stored unless asked). Windows are sets of epochs (:mod:`vog.windows`).

Runs are resumable: with ``checkpoint_dir`` the full training state (model,
optimizer, scheduler, random generators, recorder, history) is written
atomically after every epoch (or every ``state_every`` seconds) and
``resume=True`` continues from it with bit-identical results.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

from ._checks import integer_labels, module_device
from .atomic import load_verified, save_verified
from .checkpoints import save_checkpoint
from .data import as_loader
from .gradients import frozen_eval
from .observers import Cost, Observer, check_observers, observer_call
from .recorder import VoGRecorder
from .train_options import TrainOptions
from .windows import check_windows, stage_windows

__all__ = [
    "CHECKPOINT_NAME",
    "STATE_FILE",
    "TrainResult",
    "checkpoint_path",
    "evaluate",
    "outputs",
    "train_with_vog",
]

#: The resumable training state in a checkpoint folder.
STATE_FILE = "train_state.pt"
#: The model checkpoint of an epoch in a checkpoint folder (:func:`checkpoint_path`).
CHECKPOINT_NAME = "epoch_{epoch:04d}.pt"


@dataclass
class TrainResult:
    """What :func:`train_with_vog` returns.

    Attributes
    ----------
    history : list of dict
        Per epoch: ``epoch``, ``lr``, ``train_loss``, ``train_acc`` and, with
        ``eval_data``, ``eval_acc`` (accuracies in [0, 1]).
    vog : dict[str, dict[str, Tensor]]
        ``vog[data_name][window]``: raw VoG, shape (N,), float64, higher = harder.
    magnitude : dict[str, dict[str, Tensor]]
        The same windows' gradient size (:meth:`vog.VoGAccumulator.magnitude`), (N,).
    labels : dict[str, Tensor]
        True labels of each scored data set, shape (N,).
    predictions : dict[str, Tensor]
        ``predictions[data_name]``: shape (K, N), argmax prediction at each VoG epoch.
    vog_epochs : list of int
        The epochs (0-based, after training that epoch) at which gradients were taken.
    gradients : dict[str, Tensor] or None
        With ``record_gradients=True``: shape ``(K, N, *P)``, float32.
    costs : dict[str, Cost]
        What each score cost over the whole run (resumed epochs included), by
        score: ``"VoG"`` (the recorder's time, per-pixel state and largest
        gradient batch) and every observer's scores (:class:`vog.observers.Cost`);
        a name reported twice gets the observer's class name appended.
    """

    history: list[dict] = field(default_factory=list)
    vog: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    magnitude: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    predictions: dict[str, torch.Tensor] = field(default_factory=dict)
    vog_epochs: list[int] = field(default_factory=list)
    gradients: dict[str, torch.Tensor] | None = None
    costs: dict[str, Cost] = field(default_factory=dict)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    data: Dataset | Sequence,
    *,
    batch_size: int = 512,
    device=None,
    num_workers: int = 0,
) -> float:
    """Top-1 accuracy of ``model`` on ``data`` in [0, 1] (eval mode, mode restored)."""
    device = torch.device(device or module_device(model))
    correct = total = 0
    loader = as_loader(
        data, batch_size=batch_size, num_workers=num_workers, pin_memory=device.type == "cuda"
    )
    with frozen_eval(model):
        for x, y in loader:
            pred = model(x.to(device)).argmax(dim=1).cpu()
            correct += int((pred == torch.as_tensor(y).cpu()).sum())
            total += len(y)
    return correct / max(total, 1)


@torch.no_grad()
def outputs(
    model: nn.Module,
    data: Dataset | Sequence,
    *,
    batch_size: int = 512,
    device=None,
    num_workers: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``model``'s outputs on every example of ``data``, in order (eval mode, mode restored).

    Returns
    -------
    outputs : Tensor, shape (N, ...), float32, on the CPU
        Logits for a classifier (or whatever ``model`` returns, e.g. features).
    labels : Tensor, shape (N,), int64, on the CPU
        The labels ``data`` gives (integral, checked).
    """
    device = torch.device(device or module_device(model))
    loader = as_loader(
        data, batch_size=batch_size, num_workers=num_workers, pin_memory=device.type == "cuda"
    )
    out, labels = [], []
    with frozen_eval(model):
        for x, y in loader:
            out.append(model(x.to(device)).float().cpu())
            labels.append(integer_labels(y).cpu())
    return torch.cat(out), torch.cat(labels)


def train_with_vog(
    model: nn.Module,
    train_data: Dataset | Sequence,
    options: TrainOptions | None = None,
    *,
    vog_data: Mapping[str, Dataset | Sequence] | None = None,
    windows: Mapping[str, Iterable[int]] | None = None,
    eval_data: Dataset | Sequence | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    observers: Sequence[Observer] = (),
    checkpoint_dir: str | Path | None = None,
    save_models: bool = False,
    resume: bool = False,
    state_every: float = 0.0,
    record_gradients: bool = False,
    **option_values: Any,
) -> TrainResult:
    """Train ``model`` and compute VoG of ``vog_data`` over ``windows`` (paper Sec. 2.2).

    Parameters
    ----------
    model : nn.Module
        Classifier returning logits (N, C); trained in place.
    train_data : Dataset or (X, y)
        Training examples, shuffled every epoch by a generator seeded with
        ``options.seed``.
    options : TrainOptions
        How to train: epochs, optimiser, learning-rate schedule, VoG target,
        seed, device, workers (see :class:`vog.TrainOptions`).
    vog_data : mapping name -> data, keyword-only
        Data sets to score (default ``{"train": train_data}``), never augmented.
        An empty mapping scores nothing: with ``save_models`` the checkpoints
        are kept for :func:`vog.compute_vog` (sample-major, for data sets whose
        per-pixel state would not fit in memory).
    windows : mapping name -> epochs, keyword-only
        Epoch sets, each with >= 2 epochs (default :func:`vog.stage_windows`).
    eval_data : data, optional, keyword-only
        Accuracy recorded in the history after each epoch. When ``eval_data``
        is one of the ``vog_data`` sets (the same object) and the epoch is
        observed, the accuracy comes from the recorder's logits (the same
        eval-mode forward pass) instead of a second pass.
    augment : callable, optional, keyword-only
        Applied to each training batch on the device (e.g. random crop + flip).
    observers : sequence of Observer, keyword-only
        More objects that watch training like the VoG recorder (the
        :class:`vog.observers.Observer` protocol, e.g.
        :class:`vog.analysis.difficulty.TrainingDynamics`); they are observed
        after the VoG recorder, every epoch, and resumed with it. Only
        ``observe(model, epoch)`` is required; the other methods default as
        :class:`vog.observers.ObserverBase` does.
    checkpoint_dir : path, optional, keyword-only
        Where ``train_state.pt`` (resumable state) and, with ``save_models``,
        the model checkpoints at the VoG epochs (:func:`vog.training.checkpoint_path`) are written.
    save_models : bool, keyword-only
        Save the model at every VoG epoch into ``checkpoint_dir``.
    resume : bool, keyword-only
        Continue from ``checkpoint_dir/train_state.pt`` if it exists.
    state_every : float, keyword-only
        Least seconds between two writes of the resumable state (0: after
        every epoch). The state holds the running per-pixel statistics (16
        bytes per pixel, example and window: gigabytes for 60,000 images), so
        long runs write it every few minutes and an interruption loses at most
        that much work.
    record_gradients : bool, keyword-only
        Also keep all gradient maps (small data only), e.g. for the authors'
        reference computation :func:`vog.reference.authors_vog`.
    **option_values
        The training options given by name, e.g. ``epochs=15, lr=0.05``
        (applied on top of ``options``).

    Returns
    -------
    TrainResult

    Notes
    -----
    Scoring and evaluation draw nothing from the shuffling generator or the
    global one: the same options train the same weights whatever is scored.
    """
    opts = TrainOptions.build(options, **option_values)
    epochs = opts.epochs
    windows = check_windows(stage_windows(epochs) if windows is None else windows, epochs)
    if resume and checkpoint_dir is None:
        raise ValueError("resume=True needs checkpoint_dir")
    device = opts.torch_device()
    model.to(device)
    if opts.channels_last:
        model.to(memory_format=torch.channels_last)
    recorder = VoGRecorder(
        {"train": train_data} if vog_data is None else vog_data,
        windows,
        target=opts.target,
        batch_size=max(opts.batch_size, 256),
        num_workers=opts.num_workers,
        keep_gradients=record_gradients,
    )
    gen = torch.Generator().manual_seed(opts.seed)
    torch.manual_seed(opts.seed)
    loader = as_loader(
        train_data,
        batch_size=opts.batch_size,
        shuffle=True,
        generator=gen,
        num_workers=opts.num_workers,
        pin_memory=device.type == "cuda",
    )
    optimizer = opts.make_optimizer(model.parameters())
    scheduler = opts.make_scheduler(optimizer)
    observers = check_observers(observers)
    state = _Resumable(
        checkpoint_dir, model, optimizer, scheduler, gen, [recorder, *observers], state_every
    )
    history = state.load(device) if resume else []

    epoch_iter: Iterable[int] = range(len(history), epochs)
    if opts.progress:
        from tqdm.auto import tqdm

        epoch_iter = tqdm(epoch_iter, desc="epochs", initial=len(history), total=epochs)
    for epoch in epoch_iter:
        record = _train_epoch(model, loader, optimizer, scheduler, opts, augment, device, epoch)
        scored = recorder.observe(model, epoch)
        if eval_data is not None:
            # an epoch whose VoG scored eval_data itself has its logits already
            acc = recorder.accuracy_on(eval_data, epoch)
            record["eval_acc"] = (
                acc
                if acc is not None
                else evaluate(model, eval_data, device=device, num_workers=opts.num_workers)
            )
        history.append(record)
        if scored and save_models and checkpoint_dir is not None:
            save_checkpoint(model, checkpoint_path(checkpoint_dir, epoch), epoch=epoch)
        for obs in observers:
            obs.observe(model, epoch)
        state.save(history, device)

    rec = recorder.result()
    costs: dict[str, Cost] = {}
    for obs in [recorder, *observers]:
        for name, cost in observer_call(obs, "cost").items():
            if name in costs:  # e.g. a second VoG recorder: named by its class
                name = f"{name} ({type(obs).__name__})"
            if name in costs:
                raise ValueError(f"two observers report a score named {name!r}")
            costs[name] = cost
    return TrainResult(
        history=history,
        vog=rec.vog,
        magnitude=rec.magnitude,
        labels=rec.labels,
        predictions=rec.predictions,
        vog_epochs=recorder.epochs,
        gradients=rec.gradients,
        costs=costs,
    )


def checkpoint_path(folder: str | os.PathLike, epoch: int) -> Path:
    """The file :func:`vog.train_with_vog` saves the model after ``epoch`` to.

    For example ``epoch_0007.pt``.
    """
    return Path(folder) / CHECKPOINT_NAME.format(epoch=int(epoch))


def _train_epoch(model, loader, optimizer, scheduler, opts, augment, device, epoch) -> dict:
    """One epoch of SGD on cross-entropy; returns the epoch's history record."""
    lr_step = opts.lr_step
    model.train()
    lr_now = optimizer.param_groups[0]["lr"]
    loss_sum, correct, seen = 0.0, 0, 0
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        if augment is not None:
            x = augment(x)
        if opts.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        optimizer.zero_grad(set_to_none=True)
        out = model(x)
        loss = nn.functional.cross_entropy(out, y)
        if not torch.isfinite(loss):
            raise FloatingPointError(
                f"training loss became {loss.item()} in epoch {epoch}; lower the learning rate"
            )
        loss.backward()
        optimizer.step()
        if lr_step == "iteration":
            scheduler.step()
        loss_sum += float(loss.detach()) * len(y)
        correct += int((out.argmax(1) == y).sum())
        seen += len(y)
    if lr_step == "epoch":
        scheduler.step()
    return {
        "epoch": epoch,
        "lr": lr_now,
        "train_loss": loss_sum / seen,
        "train_acc": correct / seen,
    }


class _Resumable:
    """The training state written after every epoch and read back on resume."""

    def __init__(self, folder, model, optimizer, scheduler, generator, observers, every) -> None:
        self.path = Path(folder) / STATE_FILE if folder is not None else None
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.generator, self.observers = generator, observers
        self.every, self.last = float(every), time.monotonic()

    def save(self, history: list[dict], device: torch.device) -> None:
        """Write the state, unless the last write was less than ``every`` seconds ago."""
        if self.path is None or time.monotonic() - self.last < self.every:
            return
        state = {
            "history": history,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "observers": [observer_call(o, "state_dict") for o in self.observers],
        }
        if device.type == "cuda":
            state["cuda_rng"] = torch.cuda.get_rng_state(device)
        save_verified(state, self.path)
        self.last = time.monotonic()

    def load(self, device: torch.device) -> list[dict]:
        """The history so far (empty if there is no saved state); restores everything else."""
        if self.path is None or not self.path.is_file():
            return []
        todo = "delete it (and its .sha256) to start training again from the first epoch"
        state = load_verified(self.path, todo=todo)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if device.type == "cuda" and "cuda_rng" in state:
            torch.cuda.set_rng_state(state["cuda_rng"], device)
        saved = state["observers"]
        if len(saved) != len(self.observers):
            raise ValueError(
                f"{self.path} was saved with {len(saved)} observers, this run has "
                f"{len(self.observers)}; resume with the same ones or start a new folder"
            )
        for obs, st in zip(self.observers, saved, strict=True):
            observer_call(obs, "load_state_dict", st)
        return list(state["history"])
