"""Class normalisation of VoG scores (paper Sec. 2, last paragraph).

Classes differ in their typical gradient variance, so the paper ranks an
example against the other examples of its own class: ``(VoG - mu_c) / sigma_c``
with the mean and (population) standard deviation of raw VoG in class ``c``.
"""

from __future__ import annotations

import torch

from ._checks import check_choice, check_finite, check_labels
from .options import CHOICES

__all__ = ["class_normalize"]


def class_normalize(
    scores: torch.Tensor,
    labels: torch.Tensor,
    *,
    mode: str = "zscore",
    on_degenerate: str = "zero",
) -> torch.Tensor:
    """Per-class z-score of VoG scores.

    Parameters
    ----------
    scores : Tensor, shape (N,)
        Raw VoG scores (finite).
    labels : Tensor, shape (N,)
        Integer class of each example (true or predicted); any non-negative ids.
    mode : {"zscore", "abs_zscore"}, keyword-only
        ``"zscore"`` (default): ``(s - mu_c) / sigma_c``, signed, higher = harder
        within the class. ``"abs_zscore"``: its absolute value, the authors'
        ``abs_normalize`` option (distance from the class mean in either direction).
    on_degenerate : {"zero", "raise"}, keyword-only
        What to do for a class whose scores have zero spread (a singleton class,
        or all scores equal): ``"zero"`` (default) gives its members the score 0
        (they sit exactly at their class mean); ``"raise"`` raises ``ValueError``.

    Returns
    -------
    Tensor, shape (N,), float64
        Normalised scores, never NaN. ``sigma_c`` is the population std (ddof=0),
        as in the authors' code (``np.std``).
    """
    check_choice("mode", mode, CHOICES["normalize"])
    check_choice("on_degenerate", on_degenerate, ("zero", "raise"))
    scores = torch.as_tensor(scores)
    if scores.dim() != 1:
        raise ValueError(f"scores must have shape (N,), got {tuple(scores.shape)}")
    if not scores.dtype.is_floating_point:
        raise TypeError(f"scores must be floating point, got {scores.dtype}")
    check_finite("scores", scores)
    labels = check_labels(labels, scores.shape[0]).to(scores.device)
    if scores.numel() == 0:
        return scores.double()
    if int(labels.min()) < 0:
        raise ValueError(f"labels must be non-negative, got {int(labels.min())}")
    s = scores.double()
    n_classes = int(labels.max()) + 1
    count = torch.bincount(labels, minlength=n_classes).double()
    total = torch.zeros(n_classes, dtype=torch.float64, device=s.device).index_add_(0, labels, s)
    mean = total / count.clamp_min(1)
    dev = s - mean[labels]
    sq = torch.zeros_like(total).index_add_(0, labels, dev * dev)
    std = (sq / count.clamp_min(1)).sqrt()
    # a spread below rounding noise of the class mean is treated as zero
    tiny = std <= 1e-12 * mean.abs().clamp_min(torch.finfo(torch.float64).tiny)
    degenerate = tiny & (count > 0)
    if on_degenerate == "raise" and bool(degenerate.any()):
        classes = torch.nonzero(degenerate).flatten().tolist()
        raise ValueError(
            f"classes {classes} have zero spread of VoG (singleton or constant scores); "
            "class normalisation is undefined for them"
        )
    safe_std = torch.where(degenerate, torch.ones_like(std), std)
    z = torch.where(degenerate[labels], torch.zeros_like(dev), dev / safe_std[labels])
    return z.abs() if mode == "abs_zscore" else z
