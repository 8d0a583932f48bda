"""VoG of a data set from a sequence of checkpoints: the one entry point, a dispatcher."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from torch import nn
from torch.utils.data import Dataset

from ..data import as_dataset, as_loader
from ..options import ScoringOptions
from .checkpoint_modules import checkpoint_list, load_models
from .result import VoGResult
from .sample_major import score_loader
from .streaming import score_streaming

__all__ = ["compute_vog"]


def _streaming(checkpoints, loader, n, options, model):
    return score_streaming(checkpoints, loader, n, options, model=model)


def _sample_major(checkpoints, loader, n, options, model):
    models = load_models(
        checkpoints,
        model=model,
        device=options.torch_device(),
        channels_last=options.channels_last,
        compile=options.compile,
    )
    return score_loader(models, loader, options)


#: The scoring loops, by ``mode``: each returns (raw, labels, predictions, scored labels,
#: gradient magnitude).
LOOPS: dict[str, Callable] = {"streaming": _streaming, "sample_major": _sample_major}


def compute_vog(
    checkpoints: Sequence[nn.Module | str | os.PathLike],
    data: Dataset | Sequence,
    *,
    model: nn.Module | None = None,
    options: ScoringOptions | None = None,
    **option_values: Any,
) -> VoGResult:
    """VoG of every example of ``data`` over ``checkpoints`` (paper Eq. 1-4 and Sec. 2).

    Parameters
    ----------
    checkpoints : sequence of nn.Module or paths, length K >= 2
        Models at K training checkpoints, or checkpoint files (then ``model``
        gives the architecture; see :func:`vog.load_checkpoint`). All must be
        of one architecture; duplicates are warned about.
    data : Dataset of (x, y) or pair (X, y)
        Examples in a fixed order; scores are returned in the same order.
    model : nn.Module, keyword-only
        The architecture for checkpoint files. Never modified: files are loaded
        into a private copy.
    options : ScoringOptions, keyword-only
        How to score (labels, target, normalisation, mode, batching, device,
        speed options); see :class:`vog.ScoringOptions`.
    **option_values
        The same options given by name, e.g. ``labels="predicted",
        mode="sample_major"`` (applied on top of ``options``).

    Returns
    -------
    VoGResult
        ``raw`` (N,), higher = harder; ``normalized`` within the scored class.

    Notes
    -----
    The checkpoints, the caller's ``model``, their mode (train/eval), weights
    and ``requires_grad`` flags are exactly as they were after the call.
    """
    opts = ScoringOptions.build(options, **option_values)
    checkpoints = checkpoint_list(checkpoints, model)
    dataset = as_dataset(data)
    n = len(dataset)
    if n == 0:
        raise ValueError("data is empty")
    loader = as_loader(
        dataset,
        batch_size=opts.batch_size,
        num_workers=opts.num_workers,
        pin_memory=opts.torch_device().type == "cuda",
    )
    raw, labels, predictions, scored, size = LOOPS[opts.mode](checkpoints, loader, n, opts, model)
    return VoGResult.from_raw(
        raw, labels, predictions, scored, normalize=opts.normalize, magnitude=size
    )
