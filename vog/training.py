"""Training a classifier while computing VoG over training stages (paper Sec. 2.2).

After every epoch that belongs to a VoG window, the input gradients of the
scored data sets are computed once and streamed into one
:class:`~vog.VoGAccumulator` per (data set, window); no gradient is stored
unless asked. Windows are sets of epochs: the toy's early [0, 5), middle
[5, 10), late [10, 15) and all [0, 15) (:func:`stage_windows`) or the first
and last three epochs of the CIFAR/ImageNet runs (:func:`first_last_windows`).

Runs are resumable: with ``checkpoint_dir`` the full training state (model,
optimizer, scheduler, random generators, accumulators, history) is written
atomically after every epoch and ``resume=True`` continues from it with
bit-identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset

from ._checks import check_choice
from .accumulator import VoGAccumulator
from .checkpoints import atomic_write, save_checkpoint
from .data import as_dataset, as_loader, dataset_labels
from .gradients import (
    TARGETS,
    frozen_eval,
    logits_and_gradients,
    pixel_shape_of,
    reduce_channels,
)

__all__ = ["stage_windows", "first_last_windows", "TrainResult", "train_with_vog", "evaluate"]

STATE_FILE = "train_state.pt"


def stage_windows(epochs: int, n_stages: int = 3) -> dict[str, range]:
    """Equal consecutive stages of the epochs plus ``"all"``.

    ``stage_windows(15)`` is the toy's ``{"early": range(0, 5), "middle": range(5, 10),
    "late": range(10, 15), "all": range(0, 15)}``. With ``n_stages != 3`` the
    stages are named ``"stage0"``, ``"stage1"``, ...
    """
    if epochs < 2 * n_stages:
        raise ValueError(f"{epochs} epochs cannot form {n_stages} stages of >= 2 checkpoints")
    names = ("early", "middle", "late") if n_stages == 3 else [f"stage{i}" for i in range(n_stages)]
    edges = [round(i * epochs / n_stages) for i in range(n_stages + 1)]
    out = {name: range(edges[i], edges[i + 1]) for i, name in enumerate(names)}
    out["all"] = range(epochs)
    return out


def first_last_windows(epochs: int, k: int = 3) -> dict[str, range]:
    """The paper's VoG(early-stage) (first ``k`` epochs), VoG(late-stage) (last ``k``) and all."""
    if k < 2 or epochs < k:
        raise ValueError(f"need 2 <= k <= epochs, got k={k}, epochs={epochs}")
    return {"early": range(k), "late": range(epochs - k, epochs), "all": range(epochs)}


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
    labels : dict[str, Tensor]
        True labels of each scored data set, shape (N,).
    predictions : dict[str, Tensor]
        ``predictions[data_name]``: shape (K, N), argmax prediction at each VoG epoch.
    vog_epochs : list of int
        The epochs (0-based, after training that epoch) at which gradients were taken.
    gradients : dict[str, Tensor] or None
        With ``record_gradients=True``: shape ``(K, N, *P)``, float32.
    """

    history: list[dict] = field(default_factory=list)
    vog: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    predictions: dict[str, torch.Tensor] = field(default_factory=dict)
    vog_epochs: list[int] = field(default_factory=list)
    gradients: dict[str, torch.Tensor] | None = None


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
    device = torch.device(device or next(model.parameters()).device)
    correct = total = 0
    loader = as_loader(
        data, batch_size=batch_size, num_workers=num_workers, pin_memory=device.type == "cuda"
    )
    with frozen_eval(model):
        for x, y in loader:
            pred = model(x.to(device)).argmax(dim=1).cpu()
            correct += int((pred == y).sum())
            total += len(y)
    return correct / max(total, 1)


def train_with_vog(
    model: nn.Module,
    train_data: Dataset | Sequence,
    *,
    epochs: int,
    vog_data: Mapping[str, Dataset | Sequence] | None = None,
    windows: Mapping[str, Iterable[int]] | None = None,
    lr: float = 0.1,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
    batch_size: int = 128,
    lr_milestones: Sequence[int] = (),
    lr_gamma: float = 0.1,
    lr_step: str = "epoch",
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    eval_data: Dataset | Sequence | None = None,
    target: str = "logit",
    seed: int = 0,
    device: torch.device | str | None = None,
    checkpoint_dir: str | Path | None = None,
    save_models: bool = False,
    resume: bool = False,
    record_gradients: bool = False,
    progress: bool = False,
    num_workers: int = 0,
) -> TrainResult:
    """Train ``model`` with SGD and compute VoG of ``vog_data`` over ``windows``.

    Parameters
    ----------
    model : nn.Module
        Classifier returning logits (N, C); trained in place.
    train_data : Dataset or (X, y)
        Training examples, shuffled every epoch by a generator seeded with ``seed``.
    epochs : int
        Number of epochs; VoG checkpoints are taken at the end of epochs 0..epochs-1.
    vog_data : mapping name -> data, keyword-only
        Data sets to score (default ``{"train": train_data}``), never augmented.
        An empty mapping scores nothing: with ``save_models`` the checkpoints
        are kept for :func:`vog.compute_vog` (sample-major, for data sets whose
        per-pixel state would not fit in memory).
    windows : mapping name -> epochs, keyword-only
        Epoch sets, each with >= 2 epochs (default :func:`stage_windows`).
    lr, momentum, weight_decay, batch_size : SGD settings.
    lr_milestones, lr_gamma : MultiStepLR settings (paper CIFAR: (150, 250), 0.1).
    lr_step : {"epoch", "iteration"}
        Step the schedule once per epoch (paper) or once per batch, as the
        authors' CIFAR script does (milestones then count batches).
    augment : callable, optional
        Applied to each training batch on the device (e.g. random crop + flip).
    eval_data : data, optional
        Accuracy recorded in the history after each epoch.
    target : {"logit", "probability"}
        See :func:`vog.input_gradients`.
    seed : int
        Seeds shuffling and the global torch generator (augmentation, dropout).
    device : optional
        Default: CUDA if available, else CPU.
    checkpoint_dir : path, optional
        Where ``train_state.pt`` (resumable state) and, with ``save_models``,
        ``epoch_XXXX.pt`` model checkpoints at the VoG epochs are written.
    resume : bool
        Continue from ``checkpoint_dir/train_state.pt`` if it exists.
    record_gradients : bool
        Also keep all gradient maps (small data only), e.g. for the authors'
        reference computation :func:`vog.authors_vog`.
    progress : bool
        Show a tqdm bar over epochs.
    num_workers : int
        DataLoader worker processes for reading ``train_data`` and the scored
        and evaluation sets (their order stays fixed by ``seed``).
    """
    check_choice("lr_step", lr_step, ("epoch", "iteration"))
    check_choice("target", target, TARGETS)
    if int(epochs) < 2:
        raise ValueError(f"epochs must be >= 2, got {epochs}")
    windows = {
        k: sorted(set(int(e) for e in v)) for k, v in (windows or stage_windows(epochs)).items()
    }
    for name, eps in windows.items():
        if len(eps) < 2 or eps[0] < 0 or eps[-1] >= epochs:
            raise ValueError(f"window {name!r} must hold >= 2 epochs in [0, {epochs}), got {eps}")
    if resume and checkpoint_dir is None:
        raise ValueError("resume=True needs checkpoint_dir")
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    model.to(device)
    if vog_data is None:
        vog_data = {"train": train_data}
    scored = {k: as_dataset(v) for k, v in vog_data.items()}
    vog_epochs = sorted(set().union(*windows.values()))
    gen = torch.Generator().manual_seed(int(seed))
    torch.manual_seed(int(seed))
    pin = device.type == "cuda"
    loader = as_loader(
        train_data,
        batch_size=batch_size,
        shuffle=True,
        generator=gen,
        num_workers=num_workers,
        pin_memory=pin,
    )
    optimizer = torch.optim.SGD(
        model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay
    )
    scheduler = torch.optim.lr_scheduler.MultiStepLR(
        optimizer, milestones=list(lr_milestones), gamma=lr_gamma
    )
    loss_fn = nn.CrossEntropyLoss()
    result = TrainResult(vog_epochs=vog_epochs, gradients={} if record_gradients else None)
    accs: dict[str, dict[str, VoGAccumulator]] = {}
    preds: dict[str, list[torch.Tensor]] = {k: [] for k in scored}
    grads_kept: dict[str, list[torch.Tensor]] = {k: [] for k in scored}
    start_epoch = 0
    state_path = Path(checkpoint_dir) / STATE_FILE if checkpoint_dir is not None else None

    if resume and state_path is not None and state_path.is_file():
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        gen.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if device.type == "cuda" and "cuda_rng" in state:
            torch.cuda.set_rng_state(state["cuda_rng"], device)
        result.history = list(state["history"])
        start_epoch = int(state["epoch"]) + 1
        preds = {k: list(v) for k, v in state["predictions"].items()}
        grads_kept = {k: list(v) for k, v in state["gradients"].items()}
        for name, per_window in state["accumulators"].items():
            accs[name] = {}
            for w, st in per_window.items():
                acc = VoGAccumulator(len(scored[name]), tuple(st["mean"].shape[1:]), device=device)
                acc.load_state_dict(st)
                accs[name][w] = acc

    epoch_iter = range(start_epoch, int(epochs))
    if progress:
        from tqdm.auto import tqdm

        epoch_iter = tqdm(epoch_iter, desc="epochs", initial=start_epoch, total=int(epochs))
    for epoch in epoch_iter:
        model.train()
        lr_now = optimizer.param_groups[0]["lr"]
        loss_sum, correct, seen = 0.0, 0, 0
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            if augment is not None:
                x = augment(x)
            optimizer.zero_grad(set_to_none=True)
            out = model(x)
            loss = loss_fn(out, y)
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
        record = {
            "epoch": epoch,
            "lr": lr_now,
            "train_loss": loss_sum / seen,
            "train_acc": correct / seen,
        }
        if eval_data is not None:
            record["eval_acc"] = evaluate(model, eval_data, device=device, num_workers=num_workers)
        result.history.append(record)

        if epoch in vog_epochs:
            for name, ds in scored.items():
                _score_epoch(
                    model,
                    ds,
                    name,
                    epoch,
                    windows,
                    accs,
                    preds,
                    grads_kept,
                    target=target,
                    batch_size=max(batch_size, 256),
                    device=device,
                    record=record_gradients,
                    num_workers=num_workers,
                )
            if save_models and checkpoint_dir is not None:
                save_checkpoint(model, Path(checkpoint_dir) / f"epoch_{epoch:04d}.pt", epoch=epoch)
        if state_path is not None:
            state = {
                "epoch": epoch,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "generator": gen.get_state(),
                "torch_rng": torch.get_rng_state(),
                "history": result.history,
                "predictions": preds,
                "gradients": grads_kept,
                "accumulators": {
                    n: {w: a.state_dict() for w, a in d.items()} for n, d in accs.items()
                },
            }
            if device.type == "cuda":
                state["cuda_rng"] = torch.cuda.get_rng_state(device)
            atomic_write(state_path, lambda p, s=state: torch.save(s, p))

    for name, ds in scored.items():
        result.labels[name] = dataset_labels(ds)
        result.vog[name] = {w: a.compute().cpu() for w, a in accs.get(name, {}).items()}
        result.predictions[name] = torch.stack(preds[name]) if preds[name] else torch.empty(0)
        if record_gradients:
            result.gradients[name] = torch.stack(grads_kept[name])
    return result


def _score_epoch(
    model,
    ds,
    name,
    epoch,
    windows,
    accs,
    preds,
    grads_kept,
    *,
    target,
    batch_size,
    device,
    record,
    num_workers=0,
):
    """Gradients of one data set at one epoch, streamed into every window holding the epoch."""
    n = len(ds)
    epoch_preds = torch.empty(n, dtype=torch.long)
    kept = []
    start = 0
    with frozen_eval(model):
        loader = as_loader(
            ds, batch_size=batch_size, num_workers=num_workers, pin_memory=device.type == "cuda"
        )
        for x, y in loader:
            x = x.to(device, non_blocking=True)
            idx = torch.arange(start, start + len(x))
            start += len(x)
            logits, _, g = logits_and_gradients(model, x, y.long().to(device), target=target)
            epoch_preds[idx] = logits.argmax(1).cpu()
            pixel_shape = pixel_shape_of(x)
            for w, eps in windows.items():
                if epoch in eps:
                    acc = accs.setdefault(name, {}).get(w)
                    if acc is None:
                        acc = accs[name][w] = VoGAccumulator(n, pixel_shape, device=device)
                    acc.update(idx.to(device), g)
            if record:
                kept.append(reduce_channels(g, pixel_shape).float().cpu())
    preds[name].append(epoch_preds)
    if record:
        grads_kept[name].append(torch.cat(kept))
