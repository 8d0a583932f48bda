"""VoG scores of a dataset from a sequence of checkpoints (checkpoint-major streaming)."""

from __future__ import annotations

import copy
import os
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import Dataset

from ._checks import check_choice
from .accumulator import VoGAccumulator
from .checkpoints import load_checkpoint
from .data import as_dataset, as_loader
from .fast_conv import conv_as_forward
from .gradients import TARGETS, frozen_eval, logits_and_gradients, pixel_shape_of
from .normalize import NORMALIZE_MODES, class_normalize
from .sample_major import LABEL_MODES, score_loader

__all__ = [
    "LABEL_MODES",
    "SCORING_MODES",
    "VoGResult",
    "compute_vog",
    "load_models",
]

#: Valid values of the ``mode`` option.
SCORING_MODES = ("streaming", "sample_major")


@dataclass(frozen=True)
class VoGResult:
    """Scores of N examples.

    Attributes
    ----------
    raw : Tensor, shape (N,), float64
        VoG of paper Eq. 4; >= 0, higher = harder.
    normalized : Tensor, shape (N,), float64
        ``raw`` z-scored within the class in ``scored_labels`` (paper Sec. 2).
    labels : Tensor, shape (N,), int64
        True labels from the data.
    predictions : Tensor, shape (N,), int64
        Argmax prediction of the last checkpoint.
    scored_labels : Tensor, shape (N,), int64
        The class whose logit was differentiated (``labels`` or ``predictions``).
    """

    raw: torch.Tensor
    normalized: torch.Tensor
    labels: torch.Tensor
    predictions: torch.Tensor
    scored_labels: torch.Tensor

    @classmethod
    def from_raw(cls, raw, labels, predictions, scored_labels, *, normalize: str = "zscore"):
        """Build a result from raw scores, class-normalising within ``scored_labels``."""
        return cls(
            raw=raw,
            normalized=class_normalize(raw, scored_labels, mode=normalize),
            labels=labels,
            predictions=predictions,
            scored_labels=scored_labels,
        )

    def to_frame(self):
        """A pandas DataFrame with one row per example, indexed by example index."""
        import pandas as pd

        return pd.DataFrame(
            {
                "label": self.labels.numpy(),
                "prediction": self.predictions.numpy(),
                "scored_label": self.scored_labels.numpy(),
                "vog": self.raw.numpy(),
                "vog_normalized": self.normalized.numpy(),
            }
        ).rename_axis("index")


def _as_module(ckpt, model: nn.Module | None, device: torch.device) -> nn.Module:
    """One checkpoint as a module on ``device`` (a file is loaded into ``model``)."""
    if isinstance(ckpt, nn.Module):
        return ckpt.to(device)
    if isinstance(ckpt, (str, os.PathLike)):
        if model is None:
            raise ValueError(
                "checkpoints given as files need model=<an instance of the architecture>"
            )
        return load_checkpoint(model.to(device), ckpt)
    raise TypeError(
        f"each checkpoint must be an nn.Module or a file path, got {type(ckpt).__name__}"
    )


def load_models(
    checkpoints: Sequence[nn.Module | str | os.PathLike],
    *,
    model: nn.Module | None = None,
    device: torch.device | str = "cpu",
    channels_last: bool = False,
    compile: bool = False,
) -> list[nn.Module]:
    """All K checkpoints as modules on ``device``; files are loaded into copies of ``model``.

    ``compile=True`` wraps each in :func:`torch.compile` (one compilation is
    shared: the checkpoints have one architecture).
    """
    out = []
    for ckpt in checkpoints:
        template = copy.deepcopy(model) if isinstance(ckpt, (str, os.PathLike)) else model
        m = _as_module(ckpt, template, torch.device(device))
        if channels_last:
            m = m.to(memory_format=torch.channels_last)
        out.append(torch.compile(m) if compile else m)
    return out


def compute_vog(
    checkpoints: Sequence[nn.Module | str | os.PathLike],
    data: Dataset | Sequence,
    *,
    model: nn.Module | None = None,
    labels: str = "true",
    target: str = "logit",
    normalize: str = "zscore",
    channel_mean: bool = True,
    batch_size: int = 256,
    device: torch.device | str | None = None,
    num_workers: int = 0,
    progress: bool = False,
    mode: str = "streaming",
    vectorize: bool = False,
    autocast: str | None = None,
    channels_last: bool = False,
    compile: bool = False,
    fast_conv: bool = False,
) -> VoGResult:
    """VoG of every example of ``data`` over ``checkpoints`` (paper Eq. 1-4 and Sec. 2).

    Checkpoints are visited one at a time; per-pixel running statistics
    (:class:`~vog.VoGAccumulator`) are kept, never the gradients themselves.

    Parameters
    ----------
    checkpoints : sequence of nn.Module or paths, length K >= 2
        Models at K training checkpoints, or checkpoint files (then ``model``
        gives the architecture and is loaded in turn; see :func:`vog.load_checkpoint`).
    data : Dataset of (x, y) or pair (X, y)
        Examples in a fixed order; scores are returned in the same order.
    labels : {"true", "predicted"}, keyword-only
        Differentiate the logit of the true label or of the last checkpoint's
        prediction (paper Sec. 3.4, no labels needed).
    target : {"logit", "probability"}, keyword-only
        See :func:`vog.input_gradients`.
    normalize : {"zscore", "abs_zscore"}, keyword-only
        Class normalisation of :func:`vog.class_normalize`, within ``scored_labels``.
    channel_mean : bool, keyword-only
        Average the colour channels of image gradients first (paper); default True.
    batch_size, device, num_workers, progress
        Batching, where to compute (default: CUDA if available), DataLoader
        workers and a tqdm progress bar.
    mode : {"streaming", "sample_major"}, keyword-only
        ``"streaming"`` (default): one checkpoint in memory at a time, per-pixel
        running state for every example, O(N * P) memory. ``"sample_major"``:
        all K checkpoints in memory, each batch reduced to one VoG per example
        at once, O(N) memory (see :func:`vog.batch_vog`).
    vectorize, autocast, channels_last, compile
        ``"sample_major"`` only: run the K checkpoints in one ``vmap`` call;
        ``torch.autocast`` dtype (``"bfloat16"`` or ``"float16"``); channels-last
        memory format for the models and inputs; :func:`torch.compile` the
        models (not with ``vectorize``).
    fast_conv : bool, keyword-only
        Back-propagate through eligible 2-D convolutions with forward
        convolutions (:func:`vog.conv_as_forward`): same gradients, much faster
        on CPUs for convolutions with few channels. Not with ``vectorize``,
        ``autocast`` or ``compile``.

    Returns
    -------
    VoGResult
    """
    check_choice("labels", labels, LABEL_MODES)
    check_choice("target", target, TARGETS)
    check_choice("normalize", normalize, NORMALIZE_MODES)
    check_choice("mode", mode, SCORING_MODES)
    if mode == "streaming" and (vectorize or autocast or channels_last or compile):
        raise ValueError("vectorize, autocast, channels_last and compile need mode='sample_major'")
    if vectorize and compile:
        raise ValueError("compile=True works on the per-checkpoint loop, not with vectorize=True")
    if fast_conv and (vectorize or autocast or compile):
        raise ValueError("fast_conv=True works without vectorize, autocast and compile")
    checkpoints = list(checkpoints)
    if len(checkpoints) < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got {len(checkpoints)}")
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    dataset = as_dataset(data)
    n = len(dataset)
    if n == 0:
        raise ValueError("data is empty")
    loader = as_loader(
        dataset, batch_size=batch_size, num_workers=num_workers, pin_memory=device.type == "cuda"
    )
    if mode == "sample_major":
        models = load_models(
            checkpoints, model=model, device=device, channels_last=channels_last, compile=compile
        )
        raw, true_labels, predictions, scored = score_loader(
            models,
            loader,
            labels=labels,
            target=target,
            channel_mean=channel_mean,
            vectorize=vectorize,
            autocast=autocast,
            channels_last=channels_last,
            fast_conv=fast_conv,
            progress=progress,
        )
        return VoGResult.from_raw(raw, true_labels, predictions, scored, normalize=normalize)
    # with predicted labels the last checkpoint goes first: its predictions are the labels
    order = list(range(len(checkpoints)))
    if labels == "predicted":
        order = order[-1:] + order[:-1]
    true_labels = torch.empty(n, dtype=torch.long)
    predictions = torch.empty(n, dtype=torch.long)
    acc: VoGAccumulator | None = None
    ordered = [checkpoints[i] for i in order]
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(ordered) * len(loader), desc="VoG", unit="batch")
    for step, ckpt in enumerate(ordered):
        net = _as_module(ckpt, model, device)
        is_last = order[step] == len(checkpoints) - 1
        start = 0
        with frozen_eval(net), conv_as_forward(net) if fast_conv else nullcontext():
            for x, y in loader:
                x = x.to(device, non_blocking=True)
                idx = torch.arange(start, start + x.shape[0])
                start += x.shape[0]
                if acc is None:
                    acc = VoGAccumulator(
                        n, pixel_shape_of(x, channel_mean=channel_mean), device=device
                    )
                if labels == "true":
                    chosen = torch.as_tensor(y).long().to(device)
                elif is_last:
                    chosen = lambda z: z.argmax(dim=1)  # noqa: E731
                else:
                    chosen = predictions[idx].to(device)
                logits, _, grads = logits_and_gradients(net, x, chosen, target=target)
                if step == 0:
                    true_labels[idx] = torch.as_tensor(y).long().cpu()
                if is_last:
                    predictions[idx] = logits.argmax(dim=1).cpu()
                acc.update(idx.to(device), grads)
                if bar is not None:
                    bar.update()
    if bar is not None:
        bar.close()
    assert acc is not None
    raw = acc.compute().cpu()
    scored = true_labels if labels == "true" else predictions
    return VoGResult.from_raw(raw, true_labels, predictions, scored.clone(), normalize=normalize)
