"""Checkpoint-major (streaming) scoring: one checkpoint in memory at a time.

Each checkpoint is visited once; the gradients of every batch are streamed
into a :class:`~vog.VoGAccumulator` holding two per-pixel running maps per
example (paper Eq. 2-3 in Welford form), so no gradient is stored: O(N x
pixels) memory and only one model on the device.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence, Sized
from typing import cast

import torch
from torch import nn

from .._checks import integer_labels
from ..accumulator import VoGAccumulator
from ..fast_conv import fast_conv_route
from ..gradients import frozen_eval, logits_and_gradients, pixel_shape_of
from ..options import ScoringOptions
from .checkpoint_modules import Checkpoint, CheckpointCheck, as_module, last_first, working_copy

__all__ = ["score_streaming"]


def score_streaming(
    checkpoints: Sequence[Checkpoint],
    loader: Iterable,
    n: int,
    options: ScoringOptions,
    *,
    model: nn.Module | None = None,
) -> tuple[torch.Tensor, ...]:
    """Streaming scores of the ``n`` examples a loader yields, in its order.

    Returns raw VoG (float64), true labels, last-checkpoint predictions, the
    labels differentiated and the gradient magnitude, each of shape (N,) on
    the CPU.
    """
    device = options.torch_device()
    k = len(checkpoints)
    # files are loaded one after another into one private copy of the architecture
    target = working_copy(model, device) if model is not None else None
    true_labels = torch.empty(n, dtype=torch.long)
    predictions = torch.empty(n, dtype=torch.long)
    acc: VoGAccumulator | None = None
    check = CheckpointCheck()
    bar = None
    if options.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=k * len(cast(Sized, loader)), desc="VoG", unit="batch")
    try:
        for step, index in enumerate(last_first(k)):
            net = as_module(checkpoints[index], target, device, private=True)
            check.add(index, net)
            is_last = index == k - 1
            start = 0
            with (
                frozen_eval(net),
                fast_conv_route(net, options.fast_conv_setting, device),
            ):
                for x, y in loader:
                    x = x.to(device, non_blocking=True)
                    idx = torch.arange(start, start + x.shape[0])
                    start += x.shape[0]
                    if start > n:
                        raise ValueError(f"the loader yields more than the {n} examples announced")
                    if acc is None:
                        pixels = pixel_shape_of(x, channel_mean=options.channel_mean)
                        acc = VoGAccumulator(n, pixels, device=device)
                    y = integer_labels(y)
                    chosen: torch.Tensor | Callable[[torch.Tensor], torch.Tensor]
                    if options.labels == "true":
                        chosen = y.to(device)
                    elif is_last:
                        chosen = lambda z: z.argmax(dim=1)  # noqa: E731
                    else:
                        chosen = predictions[idx].to(device)
                    logits, _, grads = logits_and_gradients(net, x, chosen, target=options.target)
                    if step == 0:
                        true_labels[idx] = y.cpu()
                    if is_last:
                        predictions[idx] = logits.argmax(dim=1).cpu()
                    acc.update(idx.to(device), grads)
                    if bar is not None:
                        bar.update()
    finally:
        if bar is not None:
            bar.close()
    check.finish()
    assert acc is not None
    scored = true_labels if options.labels == "true" else predictions.clone()
    return acc.compute().cpu(), true_labels, predictions, scored, acc.magnitude().cpu()
