"""The numbers the chapters report: rank correlations, error by score bucket, class level.

Every function takes plain arrays (NumPy or tensors) and returns NumPy values;
scores follow "higher = harder" (VoG) or "higher = more OoD".

Ties: the bucket errors (:func:`error_by_percentile`, :func:`tail_errors`,
:func:`bootstrap_percentile_errors`) and :func:`quantile_shares` never break
ties by example order, which would let the order of the data decide a claim.
Examples with equal scores are indistinguishable by the score, so they share:
each member of a group of tied scores counts with the group's mean error (or
mean share), i.e. a tie group that straddles a bucket edge is split evenly
between the buckets in proportion to the positions it fills. With distinct
scores nothing changes; with constant scores every bucket has the overall
error (no trend, top = bottom).
"""

from __future__ import annotations

import numpy as np
import torch

from ..data import to_numpy

__all__ = [
    "spearman",
    "error_by_percentile",
    "error_trend",
    "bootstrap_percentile_errors",
    "tail_errors",
    "class_level",
    "quantile_shares",
    "ranked",
    "instance_spread",
    "class_percentile",
    "detection_metrics",
    "top_overlap",
]


def _share_ties(sorted_scores: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` (in score order, along the last axis) replaced by their tie group's mean.

    ``sorted_scores`` (..., N) ascending along the last axis; tie groups are
    runs of equal scores. Returns float64 of the same shape.
    """
    s = np.asarray(sorted_scores)
    v = np.asarray(values, dtype=np.float64)
    n = s.shape[-1]
    if n == 0:
        return v
    new = np.ones(s.shape, dtype=bool)
    new[..., 1:] = s[..., 1:] != s[..., :-1]  # a group starts here
    last = np.ones(s.shape, dtype=bool)
    last[..., :-1] = new[..., 1:]  # a group ends here
    idx = np.broadcast_to(np.arange(n), s.shape)
    start = np.maximum.accumulate(np.where(new, idx, 0), axis=-1)
    end = np.flip(np.minimum.accumulate(np.flip(np.where(last, idx, n - 1), -1), axis=-1), -1)
    csum = np.concatenate([np.zeros((*s.shape[:-1], 1)), np.cumsum(v, axis=-1)], axis=-1)
    total = np.take_along_axis(csum, end + 1, -1) - np.take_along_axis(csum, start, -1)
    return total / (end - start + 1)


def spearman(a, b) -> tuple[float, float]:
    """Spearman rank correlation and its two-sided p-value.

    Returns ``(nan, nan)`` without a warning when either input is constant
    (the correlation is undefined), e.g. VoG of a linear model's logit, which
    is the same for every example of a class.
    """
    from scipy.stats import spearmanr

    a, b = to_numpy(a).ravel(), to_numpy(b).ravel()
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
        VoG (or any score); tied scores share their error (module docstring).
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
    s, c = to_numpy(scores).ravel(), to_numpy(correct).ravel().astype(bool)
    if s.shape != c.shape:
        raise ValueError(f"scores and correct differ in length: {s.shape[0]} vs {c.shape[0]}")
    if not 1 <= bins <= len(s):
        raise ValueError(f"bins must be between 1 and N={len(s)}, got {bins}")
    order = np.argsort(s, kind="stable")
    wrong = _share_ties(s[order], ~c[order])
    error = np.array([b.mean() for b in np.array_split(wrong, bins)])
    return 100.0 * np.arange(1, bins + 1) / bins, error


def error_trend(error) -> float:
    """How error changes across the score buckets, lowest first: Spearman of bucket index vs error.

    In [-1, 1]: +1 when error rises with every bucket (paper Fig. 4: higher
    VoG, higher error), -1 when it falls (the early stage of Fig. 5, 8, 11),
    NaN when the error is the same in every bucket.
    """
    e = to_numpy(error).ravel()
    return spearman(np.arange(len(e)), e)[0]


def bootstrap_percentile_errors(
    scores, correct, *, bins: int = 10, n_boot: int = 200, level: float = 0.95, seed: int = 0
) -> dict[str, np.ndarray | float]:
    """:func:`error_by_percentile` and :func:`error_trend` with bootstrap confidence intervals.

    The examples are resampled with replacement ``n_boot`` times (seeded);
    each resample is bucketed by its own score percentiles, as the paper's
    figures bucket a test set. Percentile intervals at ``level``.

    Returns
    -------
    dict
        ``upper`` (bins,), ``error`` (bins,) of the data itself, ``low`` and
        ``high`` (bins,) the interval of each bucket's error, ``trend`` (float),
        its interval ``trend_low``, ``trend_high`` and ``trends`` (n_boot,), the
        trend of every resample (the same ``seed`` and length draw the same resamples).
    """
    s, c = to_numpy(scores).ravel(), to_numpy(correct).ravel().astype(bool)
    upper, error = error_by_percentile(s, c, bins=bins)
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(s), size=(int(n_boot), len(s)))
    order = np.take_along_axis(idx, np.argsort(s[idx], axis=1, kind="stable"), axis=1)
    wrong = ~c[order]  # (n_boot, N), sorted by score within each resample
    if np.unique(s).size < s.size:  # tied scores share (repeats of one example need not)
        wrong = _share_ties(s[order], wrong)
    edges = [len(b) for b in np.array_split(np.arange(len(s)), bins)]
    starts = np.r_[0, np.cumsum(edges)[:-1]]
    boot = np.add.reduceat(wrong, starts, axis=1) / np.asarray(edges)
    ranks = np.arange(bins)
    trends = np.array([spearman(ranks, b)[0] for b in boot])
    alpha = (1 - level) / 2
    low, high = np.quantile(boot, [alpha, 1 - alpha], axis=0)
    finite = trends[np.isfinite(trends)]
    t_low, t_high = np.quantile(finite, [alpha, 1 - alpha]) if finite.size else (np.nan, np.nan)
    return {
        "upper": upper,
        "error": error,
        "low": low,
        "high": high,
        "trend": error_trend(error),
        "trend_low": float(t_low),
        "trend_high": float(t_high),
        "trends": trends,
    }


def tail_errors(scores, correct, *, percent: float = 10.0) -> dict[str, float]:
    """Error rate of the bottom and top ``percent`` percent by score, and of all (Fig. 10).

    Tied scores share their error (module docstring): with constant scores
    all three are the overall error.
    """
    s, c = to_numpy(scores).ravel(), to_numpy(correct).ravel().astype(bool)
    if s.shape != c.shape:
        raise ValueError(f"scores and correct differ in length: {s.shape[0]} vs {c.shape[0]}")
    k = max(1, int(round(len(s) * percent / 100.0)))
    order = np.argsort(s, kind="stable")
    wrong = _share_ties(s[order], ~c[order])
    return {
        f"bottom {percent:g}%": float(wrong[:k].mean()),
        "all": float(wrong.mean()),
        f"top {percent:g}%": float(wrong[-k:].mean()),
    }


def class_level(scores, labels, predictions) -> dict[str, np.ndarray | float]:
    """Per class: mean absolute score and false-negative rate, and their Pearson r (paper Fig. 9).

    Returns ``{"classes", "mean_abs_score", "fnr", "pearson_r", "p_value"}``.
    """
    from scipy.stats import pearsonr

    s, y, p = to_numpy(scores).ravel(), to_numpy(labels).ravel(), to_numpy(predictions).ravel()
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

    The examples of both sets are pooled, ranked by score (tied examples share:
    each counts with its tie group's share of ``out`` examples, so ties never
    push the ``out`` set up) and cut into ``q`` equal-count buckets, lowest scores first
    (paper Fig. 12b: quartiles, ``q=4``). Returns, for each bucket, the
    fraction of the ``out`` set that falls in it: shape (q,), sums to 1;
    ``1/q`` everywhere when the score does not tell the sets apart.
    """
    s_in, s_out = to_numpy(score_in).ravel(), to_numpy(score_out).ravel()
    if len(s_out) == 0:
        raise ValueError("score_out is empty")
    scores = np.r_[s_in, s_out]
    if not 1 <= q <= len(scores):
        raise ValueError(f"q must be between 1 and N={len(scores)}, got {q}")
    order = np.argsort(scores, kind="stable")
    is_out = _share_ties(scores[order], order >= len(s_in))
    bucket = np.arange(len(scores)) * q // len(scores)
    return np.bincount(bucket, weights=is_out, minlength=q) / len(s_out)


def ranked(scores, *, k: int = 25, among=None) -> dict[str, np.ndarray]:
    """Indices of the ``k`` lowest and ``k`` highest scores (optionally among a boolean mask).

    Returns ``{"lowest": idx, "highest": idx}``, each sorted from the extreme inwards.
    """
    s = to_numpy(scores)
    pool = np.arange(len(s)) if among is None else np.flatnonzero(np.asarray(among))
    if len(pool) == 0:
        raise ValueError("no examples to rank")
    order = pool[np.argsort(s[pool], kind="stable")]
    k = min(k, len(order))
    return {"lowest": order[:k].copy(), "highest": order[::-1][:k].copy()}


def instance_spread(raw: list, labels: list) -> dict[str, float]:
    """How much each example's VoG varies between runs (paper Sec. 3 (3), Fig. 6).

    Parameters
    ----------
    raw : list of arrays (N,)
        Raw VoG of the same N examples from each of R >= 2 runs.
    labels : list of arrays (N,)
        The labels each run normalised within (for the normalised spread).

    Returns
    -------
    dict
        ``mean instance std (raw VoG)`` (population std over runs, averaged over
        examples), ``mean raw VoG``, ``relative std`` (their ratio),
        ``mean instance std (normalised VoG)`` and ``mean pairwise Spearman``
        between the runs' scores (1 = the same ranking).
    """
    from ..normalize import class_normalize

    if len(raw) < 2 or len(raw) != len(labels):
        raise ValueError(
            f"need >= 2 runs and one label array per run, got {len(raw)}, {len(labels)}"
        )
    r = np.stack([to_numpy(a).ravel().astype(float) for a in raw])
    z = np.stack(
        [
            class_normalize(torch.tensor(row), torch.as_tensor(np.array(to_numpy(y)))).numpy()
            for row, y in zip(r, labels, strict=True)
        ]
    )
    pairs = [spearman(r[i], r[j])[0] for i in range(len(r)) for j in range(i + 1, len(r))]
    std = r.std(axis=0).mean()
    return {
        "mean instance std (raw VoG)": float(std),
        "mean raw VoG": float(r.mean()),
        "relative std": float(std / r.mean()),
        "mean instance std (normalised VoG)": float(z.std(axis=0).mean()),
        "mean pairwise Spearman": float(np.mean(pairs)),
    }


def class_percentile(scores, labels) -> np.ndarray:
    """Each example's percentile rank of ``scores`` within its class, (N,), in [0, 100].

    0 is the smallest score of the class and 100 the largest (ties by example
    order); a class of one example is at 0.
    """
    s, y = to_numpy(scores).ravel(), to_numpy(labels).ravel()
    if s.shape != y.shape:
        raise ValueError(f"scores and labels differ in length: {s.shape[0]} vs {y.shape[0]}")
    out = np.zeros(len(s))
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        ranks = np.argsort(np.argsort(s[members], kind="stable"), kind="stable")
        out[members] = 100.0 * ranks / max(len(members) - 1, 1)
    return out


def detection_metrics(scores, positives, *, budgets=(0.05, 0.10)) -> dict[str, float]:
    """How well a score flags the ``positives`` (e.g. shuffled labels), higher score first.

    Returns AUROC and average precision (scikit-learn), and for each budget
    ``b`` the precision among the top ``b`` fraction of examples by score
    (``"precision@5%"``: the share of positives an auditor finds by looking at
    the 5% highest-scored examples; ties broken by example order). Chance:
    AUROC 0.5, average precision and precision@b the positives' share.
    """
    from .ood import ood_metrics

    s, pos = to_numpy(scores).ravel().astype(float), to_numpy(positives).ravel().astype(bool)
    if s.shape != pos.shape:
        raise ValueError(f"scores and positives differ in length: {s.shape[0]} vs {pos.shape[0]}")
    if pos.all() or not pos.any():
        raise ValueError("positives must hold both True and False")
    found = ood_metrics(s[~pos], s[pos])  # the positives play the OoD examples
    out = {"AUROC": found["auroc"], "AP": found["aupr_out"]}
    order = np.argsort(-s, kind="stable")
    for b in budgets:
        k = max(1, int(round(b * len(s))))
        out[f"precision@{100 * b:g}%"] = float(pos[order[:k]].mean())
    return out


def top_overlap(a, b, *, fraction: float = 0.01) -> float:
    """Share of the top ``fraction`` of examples by ``a`` that are also in the top of ``b``.

    In [0, 1]; ``fraction`` of it is expected by chance. Ties by example order.
    """
    a, b = to_numpy(a).ravel(), to_numpy(b).ravel()
    if a.shape != b.shape:
        raise ValueError(f"inputs differ in length: {a.shape[0]} vs {b.shape[0]}")
    k = max(1, int(round(fraction * len(a))))
    top_a = set(np.argsort(-a, kind="stable")[:k].tolist())
    top_b = set(np.argsort(-b, kind="stable")[:k].tolist())
    return len(top_a & top_b) / k
