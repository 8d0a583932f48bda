"""VoG recorded during training: the model is observed after each epoch of a window.

:class:`VoGRecorder` is what a training loop calls to compute VoG per stage
without storing gradients: after an epoch, :meth:`VoGRecorder.observe` takes
the input gradients of every scored data set once (paper Eq. 1) and streams
them into one :class:`~vog.VoGAccumulator` per (data set, window) that holds
the epoch (Eq. 2-3 in running form). :func:`vog.train_with_vog` uses it; a
custom training loop can too::

    rec = vog.VoGRecorder({"test": test_set}, vog.first_last_windows(90))
    for epoch in range(90):
        train_one_epoch(model)
        rec.observe(model, epoch)
    scores = rec.result().vog["test"]["late"]

Observing never changes training: the model is scored in eval mode with
parameters not requiring grad (both restored) and the scoring loaders draw
nothing from the global random generator.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.data import Dataset

from ._checks import check_choice, integer_labels, module_device
from .accumulator import VoGAccumulator
from .data import as_dataset, as_loader, dataset_labels
from .fast_conv import fast_conv_route
from .gradients import frozen_eval, logits_and_gradients, pixel_shape_of, reduce_channels
from .observers import Cost
from .options import CHOICES
from .windows import check_windows

__all__ = ["VoGRecorder", "Recording"]


@dataclass
class Recording:
    """What a :class:`VoGRecorder` has computed.

    Attributes
    ----------
    vog : dict[str, dict[str, Tensor]]
        ``vog[data_name][window]``: raw VoG (paper Eq. 4), shape (N,), float64,
        >= 0, higher = harder.
    magnitude : dict[str, dict[str, Tensor]]
        The same windows' gradient size (:meth:`vog.VoGAccumulator.magnitude`), (N,).
    labels : dict[str, Tensor]
        True labels of each scored data set, shape (N,), int64.
    predictions : dict[str, Tensor]
        Argmax prediction at each observed epoch, shape (K, N).
    epochs : list of int
        The epochs observed, in order.
    gradients : dict[str, Tensor] or None
        With ``keep_gradients=True``: every gradient map, shape ``(K, N, *P)``, float32.
    """

    vog: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    magnitude: dict[str, dict[str, torch.Tensor]] = field(default_factory=dict)
    labels: dict[str, torch.Tensor] = field(default_factory=dict)
    predictions: dict[str, torch.Tensor] = field(default_factory=dict)
    epochs: list[int] = field(default_factory=list)
    gradients: dict[str, torch.Tensor] | None = None


class VoGRecorder:
    """Running VoG of named data sets over named windows of epochs.

    An :class:`vog.observers.Observer` of :func:`vog.train_with_vog`.

    Parameters
    ----------
    data : mapping name -> Dataset or (X, y)
        The data sets to score, each in a fixed order (never augmented).
    windows : mapping name -> epochs
        Each window holds >= 2 epochs (see :mod:`vog.windows`).
    target : {"logit", "probability"}, keyword-only
        The class score differentiated (paper: the logit).
    batch_size, num_workers : int, keyword-only
        Scoring batches and DataLoader workers.
    keep_gradients : bool, keyword-only
        Also keep every gradient map (small data only), e.g. for the authors'
        reference computation :func:`vog.reference.authors_vog`.
    fast_conv : bool or None, keyword-only
        Input gradients of stride-1 convolutions as forward convolutions
        (:func:`vog.scoring.conv_as_forward`, the same gradients up to float32
        rounding); None (default): measured, each layer takes the route timed
        faster for its kind (:func:`vog.fast_conv.fast_conv_route`).
    """

    def __init__(
        self,
        data: Mapping[str, Dataset | Sequence],
        windows: Mapping[str, Iterable[int]],
        *,
        target: str = "logit",
        batch_size: int = 256,
        num_workers: int = 0,
        keep_gradients: bool = False,
        fast_conv: bool | None = None,
    ) -> None:
        check_choice("target", target, CHOICES["target"])
        if fast_conv is not None and not isinstance(fast_conv, bool):
            raise ValueError(f"fast_conv must be True, False or None, got {fast_conv!r}")
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.data = {str(k): as_dataset(v) for k, v in data.items()}
        self._given = {str(k): v for k, v in data.items()}  # the objects as given (accuracy_on)
        for name, ds in self.data.items():
            if len(ds) == 0:
                raise ValueError(f"data set {name!r} to score is empty")
        windows = {k: [int(e) for e in eps] for k, eps in windows.items()}
        last = max((max(eps) for eps in windows.values() if eps), default=0)
        self.windows = check_windows(windows, last + 1)
        self.epochs = sorted(set().union(*self.windows.values()))
        self.target = target
        self.batch_size = int(batch_size)
        self.num_workers = int(num_workers)
        self.keep_gradients = bool(keep_gradients)
        self.fast_conv = fast_conv
        self._acc: dict[str, dict[str, VoGAccumulator]] = {}
        self._preds: dict[str, list[torch.Tensor]] = {k: [] for k in self.data}
        self._grads: dict[str, list[torch.Tensor]] = {k: [] for k in self.data}
        self._observed: list[int] = []
        self._pending: dict | None = None  # a loaded state, placed on the first device seen
        self._labels: dict[str, torch.Tensor] = {}  # the labels the loader gave, as differentiated
        self.working_bytes = 0  # the largest batch of gradients held at once
        self.seconds = 0.0  # time spent observing

    def observe(self, model: nn.Module, epoch: int) -> bool:
        """Score every data set with ``model`` as it is after ``epoch``.

        Does nothing (and returns False) if no window holds ``epoch``; an
        epoch already observed is refused. The model's mode and flags are
        restored afterwards.
        """
        epoch = int(epoch)
        if epoch not in self.epochs:
            return False
        if epoch in self._observed:
            raise ValueError(f"epoch {epoch} was already observed")
        t0 = time.perf_counter()
        device = module_device(model)
        self._place(device)
        with ExitStack() as stack:
            stack.enter_context(frozen_eval(model))
            # after freezing (conv_as_forward changes frozen convolutions only)
            stack.enter_context(fast_conv_route(model, self.fast_conv, device))
            for name, ds in self.data.items():
                self._observe_one(model, name, ds, epoch, device)
        self._observed.append(epoch)
        self.seconds += time.perf_counter() - t0
        return True

    def _observe_one(self, model, name, ds, epoch, device) -> None:
        n = len(ds)
        preds = torch.empty(n, dtype=torch.long)
        labels = torch.empty(n, dtype=torch.long)
        kept = []
        start = 0
        loader = as_loader(
            ds,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            pin_memory=device.type == "cuda",
        )
        for x, y in loader:
            x = x.to(device, non_blocking=True)
            idx = torch.arange(start, start + len(x))
            start += len(x)
            y = integer_labels(y)
            labels[idx] = y.cpu()
            logits, _, g = logits_and_gradients(model, x, y.to(device), target=self.target)
            self.working_bytes = max(self.working_bytes, g.element_size() * g.numel())
            preds[idx] = logits.argmax(1).cpu()
            pixel_shape = pixel_shape_of(x)
            for w, eps in self.windows.items():
                if epoch in eps:
                    per = self._acc.setdefault(name, {})
                    if w not in per:
                        per[w] = VoGAccumulator(n, pixel_shape, device=device)
                    per[w].update(idx.to(device), g)
            if self.keep_gradients:
                kept.append(reduce_channels(g, pixel_shape).float().cpu())
        self._preds[name].append(preds)
        self._labels.setdefault(name, labels)
        if self.keep_gradients:
            self._grads[name].append(torch.cat(kept))

    def accuracy_on(self, data: Any, epoch: int) -> float | None:
        """Top-1 accuracy on ``data`` from the logits this recorder computed at ``epoch``.

        ``data`` must be the very object given as one of the recorder's data
        sets (compared by identity) and ``epoch`` its latest observation; else
        None. These are the logits of the model in eval mode, as
        :func:`vog.training.evaluate` computes them, so a training loop that
        evaluates the scored set need not run its forward pass again.
        """
        if not self._observed or self._observed[-1] != int(epoch):
            return None
        for name, given in self._given.items():
            if given is data and self._preds[name] and name in self._labels:
                labels = self._labels[name]
                return int((self._preds[name][-1] == labels).sum()) / max(len(labels), 1)
        return None

    def result(self) -> Recording:
        """The raw VoG of every (data set, window) whose epochs have all been observed."""
        self._place(torch.device("cpu"))
        rec = Recording(epochs=list(self._observed), gradients={} if self.keep_gradients else None)
        for name, ds in self.data.items():
            rec.labels[name] = self._labels[name] if name in self._labels else dataset_labels(ds)
            done = {w for w, eps in self.windows.items() if set(eps) <= set(self._observed)}
            finished = {w: a for w, a in self._acc.get(name, {}).items() if w in done}
            rec.vog[name] = {w: a.compute().cpu() for w, a in finished.items()}
            rec.magnitude[name] = {w: a.magnitude().cpu() for w, a in finished.items()}
            preds = self._preds[name]
            rec.predictions[name] = torch.stack(preds) if preds else torch.empty(0, len(ds))
            if rec.gradients is not None:
                grads = self._grads[name]
                rec.gradients[name] = torch.stack(grads) if grads else torch.empty(0)
        return rec

    def cost(self) -> dict[str, Cost]:
        """``{"VoG": Cost}``: time observing, per-pixel state and the largest gradient batch."""
        return {"VoG": Cost(self.seconds, self.memory(), self.working_bytes)}

    def memory(self) -> int:
        """Bytes of running per-pixel state (two float maps per example and window)."""
        return sum(
            t.element_size() * t.numel()
            for per in self._acc.values()
            for acc in per.values()
            for t in (acc.mean, acc.m2)
        )

    def state_dict(self) -> dict:
        """Everything needed to continue (plain tensors, lists and dicts)."""
        if self._pending is not None:
            return self._pending
        return {
            "observed": list(self._observed),
            "labels": dict(self._labels),
            "seconds": self.seconds,
            "working_bytes": self.working_bytes,
            "predictions": {k: list(v) for k, v in self._preds.items()},
            "gradients": {k: list(v) for k, v in self._grads.items()},
            "accumulators": {
                n: {w: a.state_dict() for w, a in d.items()} for n, d in self._acc.items()
            },
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from :meth:`state_dict`; accumulators move to the device of the next model."""
        unknown = set(state["accumulators"]) - set(self.data)
        if unknown:
            raise ValueError(f"saved state scores data sets {sorted(unknown)} not given here")
        self._pending = state
        self._acc = {}
        self._observed = [int(e) for e in state["observed"]]
        self._labels = {k: v.clone() for k, v in state["labels"].items()}
        self.seconds = float(state["seconds"])
        self.working_bytes = int(state["working_bytes"])
        self._preds = {k: list(state["predictions"].get(k, [])) for k in self.data}
        self._grads = {k: list(state["gradients"].get(k, [])) for k in self.data}

    def _place(self, device: torch.device) -> None:
        """Build the accumulators of a loaded state on ``device``."""
        if self._pending is None:
            return
        for name, per_window in self._pending["accumulators"].items():
            self._acc[name] = {}
            for w, st in per_window.items():
                acc = VoGAccumulator(
                    len(self.data[name]), tuple(st["mean"].shape[1:]), device=device
                )
                acc.load_state_dict(st)
                self._acc[name][w] = acc
        self._pending = None
