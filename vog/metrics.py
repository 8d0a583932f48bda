"""Evaluation helpers shared by the notebooks."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["spearman"]


def _numpy(a) -> np.ndarray:
    return a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)


def spearman(a, b) -> tuple[float, float]:
    """Spearman rank correlation and its two-sided p-value.

    Returns ``(nan, nan)`` without a warning when either input is constant
    (the correlation is undefined), e.g. VoG of a linear model's logit, which
    is the same for every example of a class.
    """
    from scipy.stats import spearmanr

    a, b = _numpy(a).ravel(), _numpy(b).ravel()
    if a.shape != b.shape:
        raise ValueError(f"inputs differ in length: {a.shape[0]} vs {b.shape[0]}")
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan"), float("nan")
    res = spearmanr(a, b)
    return float(res.statistic), float(res.pvalue)
