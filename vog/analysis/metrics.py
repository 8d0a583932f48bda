"""The numbers the chapters report: rank correlations, error by score bucket, class level.

Every function takes plain arrays (NumPy or tensors) and returns NumPy values;
scores follow "higher = harder" (VoG) or "higher = more OoD".
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "spearman",
    "error_by_percentile",
    "tail_errors",
    "class_level",
    "quantile_shares",
    "ranked",
]


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


def error_by_percentile(scores, correct, *, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Error rate of examples bucketed by score percentile (paper Fig. 4, 5, 6, 8, 11).

    Parameters
    ----------
    scores : array (N,)
        VoG (or any score); ties are broken by example order.
    correct : array (N,) of bool
        Whether the model classified each example correctly.
    bins : int, keyword-only
        Number of equal-count buckets (10 = deciles).

    Returns
    -------
    upper : ndarray (bins,)
        Upper percentile of each bucket (10, 20, ..., 100 for deciles).
    error : ndarray (bins,)
        Error rate in [0, 1] of each bucket, lowest scores first.
    """
    s, c = _numpy(scores).ravel(), _numpy(correct).ravel().astype(bool)
    if s.shape != c.shape:
        raise ValueError(f"scores and correct differ in length: {s.shape[0]} vs {c.shape[0]}")
    if not 1 <= bins <= len(s):
        raise ValueError(f"bins must be between 1 and N={len(s)}, got {bins}")
    order = np.argsort(s, kind="stable")
    buckets = np.array_split(order, bins)
    error = np.array([1.0 - c[b].mean() for b in buckets])
    return 100.0 * np.arange(1, bins + 1) / bins, error


def tail_errors(scores, correct, *, percent: float = 10.0) -> dict[str, float]:
    """Error rate of the bottom and top ``percent`` percent by score, and of all (Fig. 10)."""
    s, c = _numpy(scores).ravel(), _numpy(correct).ravel().astype(bool)
    k = max(1, int(round(len(s) * percent / 100.0)))
    order = np.argsort(s, kind="stable")
    return {
        f"bottom {percent:g}%": float(1.0 - c[order[:k]].mean()),
        "all": float(1.0 - c.mean()),
        f"top {percent:g}%": float(1.0 - c[order[-k:]].mean()),
    }


def class_level(scores, labels, predictions) -> dict[str, np.ndarray | float]:
    """Per class: mean absolute score and false-negative rate, and their Pearson r (paper Fig. 9).

    Returns ``{"classes", "mean_abs_score", "fnr", "pearson_r", "p_value"}``.
    """
    from scipy.stats import pearsonr

    s, y, p = _numpy(scores).ravel(), _numpy(labels).ravel(), _numpy(predictions).ravel()
    classes = np.unique(y)
    mean_abs = np.array([np.abs(s[y == c]).mean() for c in classes])
    fnr = np.array([(p[y == c] != c).mean() for c in classes])
    if len(classes) < 3 or np.ptp(mean_abs) == 0 or np.ptp(fnr) == 0:
        r, pv = float("nan"), float("nan")
    else:
        res = pearsonr(mean_abs, fnr)
        r, pv = float(res.statistic), float(res.pvalue)
    return {
        "classes": classes,
        "mean_abs_score": mean_abs,
        "fnr": fnr,
        "pearson_r": r,
        "p_value": pv,
    }


def quantile_shares(score_in, score_out, *, q: int = 4) -> np.ndarray:
    """Share of the ``out`` examples in each score quantile of both sets ranked together.

    The examples of both sets are pooled, ranked by score (ties by order: ``in``
    before ``out``) and cut into ``q`` equal-count buckets, lowest scores first
    (paper Fig. 12b: quartiles, ``q=4``). Returns, for each bucket, the
    fraction of the ``out`` set that falls in it: shape (q,), sums to 1;
    ``1/q`` everywhere when the score does not tell the sets apart.
    """
    s_in, s_out = _numpy(score_in).ravel(), _numpy(score_out).ravel()
    if len(s_out) == 0:
        raise ValueError("score_out is empty")
    scores = np.r_[s_in, s_out]
    if not 1 <= q <= len(scores):
        raise ValueError(f"q must be between 1 and N={len(scores)}, got {q}")
    bucket = np.empty(len(scores), dtype=np.int64)
    bucket[np.argsort(scores, kind="stable")] = np.arange(len(scores)) * q // len(scores)
    out_bucket = bucket[len(s_in) :]
    return np.bincount(out_bucket, minlength=q) / len(s_out)


def ranked(scores, *, k: int = 25, among=None) -> dict[str, np.ndarray]:
    """Indices of the ``k`` lowest and ``k`` highest scores (optionally among a boolean mask).

    Returns ``{"lowest": idx, "highest": idx}``, each sorted from the extreme inwards.
    """
    s = _numpy(scores)
    pool = np.arange(len(s)) if among is None else np.flatnonzero(np.asarray(among))
    if len(pool) == 0:
        raise ValueError("no examples to rank")
    order = pool[np.argsort(s[pool], kind="stable")]
    k = min(k, len(order))
    return {"lowest": order[:k].copy(), "highest": order[::-1][:k].copy()}
