"""What a VoG ranking holds beyond two simpler scores: the gradient's size and confidence.

VoG (paper Eq. 2-4) is a standard deviation of input gradients, so it follows
their size: an example with large gradients at every checkpoint varies more in
absolute terms. And the softmax probability's gradient carries the confidence
factor ``p_y (1 - p_y)``. This module measures how much of VoG's *ranking* those
two explain and tests whether what is left finds the examples VoG should find.

Everything is on ranks (Spearman's scale), so any monotone transform of a score
(a log, a square root) gives the same numbers: :func:`rank_r2` is the share of
the variance of a score's ranks that least squares on the covariates' ranks
explains, :func:`rank_residual` what is left, per example. The residual after
the gradient's size differs from the book's ``relative`` variant (VoG divided
by the gradient's size, :data:`vog.experiments.VARIANTS`): the ratio assumes
VoG is proportional to the size (slope 1 on a log-log scale, no intercept),
the residual fits the relation the data show (:func:`what_vog_adds` reports the
fitted log-log slope).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.stats import rankdata

from ..data import to_numpy
from .evidence import auroc
from .metrics import spearman

__all__ = ["rank_r2", "rank_residual", "log_slope", "what_vog_adds", "hard_auroc"]


def _vector(name: str, values) -> np.ndarray:
    a = to_numpy(values).astype(float).ravel()
    if not np.isfinite(a).all():
        raise ValueError(f"{name} has NaN or infinite values")
    return a


def _ranks(a: np.ndarray) -> np.ndarray:
    """Average ranks centred and scaled to unit variance (a constant: zeros)."""
    r = rankdata(a)
    r = r - r.mean()
    sd = r.std()
    return r / sd if sd > 0 else r


def _design(n: int, covariates: tuple) -> np.ndarray:
    columns = [_ranks(_vector(f"covariate {i}", c)) for i, c in enumerate(covariates)]
    if any(len(c) != n for c in columns):
        raise ValueError(f"covariates differ in length from the score's {n}")
    return np.column_stack([np.ones(n), *columns])


def rank_residual(score, *covariates) -> np.ndarray:
    """The ranks of ``score`` less their least-squares fit on the ranks of ``covariates``.

    Shape (N,), mean 0, in units of the score's rank standard deviation; higher =
    the score ranks the example higher than the covariates predict. Without
    covariates: the score's standardised ranks.
    """
    y = _ranks(_vector("score", score))
    if len(y) < 3:
        raise ValueError(f"need at least 3 examples, got {len(y)}")
    design = _design(len(y), covariates)
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return y - design @ coef


def rank_r2(score, *covariates) -> float:
    """The share of the variance of ``score``'s ranks that the ``covariates``' ranks
    explain (least squares), in [0, 1]; 1 = the covariates give its ranking.

    With one covariate, the square of Spearman's correlation.
    """
    y = _ranks(_vector("score", score))
    total = float((y**2).sum())
    if total == 0:
        return float("nan")  # a constant score: nothing to explain
    left = rank_residual(score, *covariates)
    return float(1 - (left**2).sum() / total)


def log_slope(score, size) -> float:
    """The least-squares slope of ``log score`` on ``log size`` (both > 0): 1 where the
    score is proportional to the size, as dividing by it (the ``relative`` variant)
    assumes."""
    s, g = _vector("score", score), _vector("size", size)
    if (s <= 0).any() or (g <= 0).any():
        raise ValueError("log_slope needs positive scores and sizes")
    x, y = np.log(g), np.log(s)
    x = x - x.mean()
    denom = float((x**2).sum())
    return float((x * (y - y.mean())).sum() / denom) if denom > 0 else float("nan")


def what_vog_adds(vog, size, confidence, *, hard) -> dict[str, float]:
    """What VoG's ranking holds beyond the gradient's size and the model's confidence.

    Parameters
    ----------
    vog : array (N,), > 0
        Raw VoG (Eq. 4) of one window; higher = harder.
    size : array (N,), > 0
        The gradient's size over the same checkpoints
        (``vog.accumulator.magnitude_from_moments``).
    confidence : array (N,), in [0, 1]
        The softmax probability of the differentiated label, averaged over the
        window's checkpoints; lower = harder.
    hard : array (N,), bool
        The examples a difficulty score should rank high (misclassified test
        images, shuffled training labels).

    Returns
    -------
    dict
        ``spearman_size`` and ``spearman_confidence`` (VoG against each);
        ``r2_size``, ``r2_confidence`` and ``r2_both``: the share of VoG's rank
        variance each explains (:func:`rank_r2`); ``left``: ``1 - r2_both``, the
        share of the ranking that survives; ``slope``: :func:`log_slope` of VoG on
        the size; and AUROCs in [0, 1] (0.5 = chance, hard examples positive,
        higher score = harder) of VoG, the size, ``1 - confidence``, VoG's
        residual after the size, after the confidence and after both, and
        ``relative`` (VoG / size). AUROCs are NaN where every example is hard or
        none is.
    """
    v, g = _vector("vog", vog), _vector("size", size)
    c, h = _vector("confidence", confidence), to_numpy(hard).astype(bool).ravel()
    if not (len(v) == len(g) == len(c) == len(h)):
        raise ValueError(f"inputs differ in length: {len(v)}, {len(g)}, {len(c)}, {len(h)}")
    scores: Mapping[str, np.ndarray] = {
        "vog": v,
        "size": g,
        "low confidence": 1 - c,
        "residual | size": rank_residual(v, g),
        "residual | confidence": rank_residual(v, c),
        "residual | both": rank_residual(v, g, c),
        "relative": v / np.maximum(g, np.finfo(float).tiny),
    }
    out = {
        "spearman_size": spearman(v, g)[0],
        "spearman_confidence": spearman(v, c)[0],
        "r2_size": rank_r2(v, g),
        "r2_confidence": rank_r2(v, c),
        "r2_both": rank_r2(v, g, c),
        "slope": log_slope(v, g) if (v > 0).all() and (g > 0).all() else float("nan"),
    }
    out["left"] = 1 - out["r2_both"]
    for name, s in scores.items():
        out[f"auroc {name}"] = hard_auroc(s, h)
    return out


def hard_auroc(score, hard) -> float:
    """AUROC in [0, 1] of ``score`` (higher = harder) for finding the ``hard`` examples
    (0.5 = chance; :func:`vog.analysis.evidence.auroc`); NaN where every example is hard
    or none is."""
    s, h = to_numpy(score).astype(float).ravel(), to_numpy(hard).astype(bool).ravel()
    return auroc(s[~h], s[h]) if 0 < h.sum() < len(h) else float("nan")
