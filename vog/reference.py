"""The authors' reference computation of VoG, kept to document how it differs.

The public script of the paper's toy experiment (``toy_script.py`` in the
authors' repository) differs from paper Eq. 1-4 in two ways that change the
numbers; both are reproduced here from stored gradients so the book can show
their effect. Nothing else in the package uses them.

1. **Accumulated gradients.** The input tensor's ``.grad`` is never zeroed, so
   the "gradient" at epoch t is the sum of the gradients of epochs 0..t.
2. **Stage-window mean.** The mean of Eq. 2 sums the gradients of *all*
   epochs but divides by the number of epochs in the window.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ._checks import check_finite

__all__ = ["authors_vog"]


def authors_vog(
    grads: torch.Tensor,
    window: Sequence[int],
    *,
    cumulative: bool = True,
    window_mean: bool = True,
) -> torch.Tensor:
    """VoG as the authors' toy script computes it.

    Parameters
    ----------
    grads : Tensor, shape ``(K, N, *P)``
        Fresh (non-accumulated) gradient maps (of shape P) of every epoch
        0..K-1, in order.
    window : sequence of int
        Epochs of the stage, e.g. ``range(0, 5)`` for early.
    cumulative : bool, keyword-only
        Reproduce difference 1 (gradients summed over epochs). False uses the fresh ones.
    window_mean : bool, keyword-only
        Reproduce difference 2 (all-epoch sum divided by the window length).
        False uses the window's own mean (Eq. 2).

    Returns
    -------
    Tensor, shape (N,), float64
        Same as :func:`vog.vog_from_gradients` on ``grads[window]`` when both
        flags are False.
    """
    window = list(window)
    if len(window) < 2:
        raise ValueError(f"window must hold >= 2 epochs, got {window}")
    if min(window) < 0 or max(window) >= grads.shape[0]:
        raise ValueError(f"window {window} is outside the {grads.shape[0]} stored epochs")
    check_finite("grads", grads.transpose(0, 1))
    g = grads.double()
    if cumulative:
        g = g.cumsum(dim=0)
    sel = g[window]
    mean = g.sum(dim=0) / len(window) if window_mean else sel.mean(dim=0)
    std = ((sel - mean) ** 2).sum(dim=0).div(len(window)).sqrt()
    return std.reshape(grads.shape[1], -1).mean(dim=1)
