"""The paper's claims as :class:`~vog.analysis.verdicts.Evidence`: estimates with intervals.

Each function takes the numbers a chapter computes (scores, correctness,
OoD scores) and returns the claim's conditions, each oriented so that a
positive value is the paper's direction, with a confidence interval; the
estimates are the ones :mod:`vog.analysis.claims` decides on, so a claim
whose interval lies above 0 is one the chapter's check calls reproduced.

Intervals: percentile bootstrap over examples (seeded) where the statistic
is a function of examples; Fisher's z interval for the class-level
correlation, whose sample is the classes; Welch's interval at the paper's
significance level (0.001) for memorisation. :func:`confidence_share`
measures how much of probability-VoG's ranking the model's confidence alone
explains (paper Eq. 1 differentiates the logit; the probability's gradient
is the logit gradients damped by ``p (1 - p)``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..data import to_numpy
from .metrics import (
    bootstrap_percentile_errors,
    class_level,
    quantile_shares,
    spearman,
    tail_errors,
)
from .verdicts import Condition, Evidence

__all__ = [
    "auroc",
    "error_evidence",
    "class_evidence",
    "flip_evidence",
    "memorisation_evidence",
    "msp_evidence",
    "shift_evidence",
    "oodc_evidence",
    "confidence_share",
]

Pair = tuple  # (score_in, score_out), each (N,), higher = more OoD


def _np(a) -> np.ndarray:
    return to_numpy(a).ravel()


def _interval(values: np.ndarray, level: float) -> tuple[float, float]:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return float(low), float(high)


def _boot_condition(name: str, estimate: float, boot: np.ndarray, level: float) -> Condition:
    """A condition whose interval is the percentile interval of its bootstrap ``boot``
    (kept as its replicates, for paired comparisons between runs)."""
    boot = np.asarray(boot, dtype=float)
    return Condition(name, float(estimate), *_interval(boot, level), replicates=boot)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")


def auroc(score_in, score_out) -> float:
    """P(an OoD score > an in-distribution score), ties counted half: AUROC in [0, 1].

    The Mann-Whitney form of :func:`vog.analysis.ood_metrics`' AUROC (same value).
    """
    from scipy.stats import rankdata

    s_in, s_out = _np(score_in).astype(float), _np(score_out).astype(float)
    if len(s_in) == 0 or len(s_out) == 0:
        raise ValueError("need at least one in-distribution and one OoD score")
    ranks = rankdata(np.r_[s_in, s_out])[len(s_in) :]
    n_out = len(s_out)
    return float((ranks.sum() - n_out * (n_out + 1) / 2) / (len(s_in) * n_out))


def error_evidence(
    scores, correct, *, percent: float = 10.0, n_boot: int = 200, level: float = 0.95, seed: int = 0
) -> Evidence:
    """Paper Fig. 4 and 10 (:func:`vog.analysis.claims.error_by_vog`) with bootstrap intervals.

    Conditions: top-``percent`` error minus bottom-``percent`` error, and the
    whole set's error minus the bottom one's (both > 0 in the paper). The
    test set is resampled ``n_boot`` times and each resample cut at its own
    percentiles. ``numbers``: the three errors of the data itself.
    """
    _check_level(level)
    s, c = _np(scores), _np(correct).astype(bool)
    if s.shape != c.shape:
        raise ValueError(f"scores and correct differ in length: {s.shape[0]} vs {c.shape[0]}")
    tails = tail_errors(s, c, percent=percent)
    top, bottom, overall = tails[f"top {percent:g}%"], tails[f"bottom {percent:g}%"], tails["all"]
    k = max(1, int(round(len(s) * percent / 100.0)))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(s), size=(int(n_boot), len(s)))
    wrong = ~c[np.take_along_axis(idx, np.argsort(s[idx], axis=1, kind="stable"), axis=1)]
    b_top, b_bottom, b_all = wrong[:, -k:].mean(1), wrong[:, :k].mean(1), wrong.mean(1)
    name = f"{percent:g}%"
    return Evidence(
        "error",
        (
            _boot_condition(
                f"top-{name} minus bottom-{name} error", top - bottom, b_top - b_bottom, level
            ),
            _boot_condition(
                f"overall minus bottom-{name} error", overall - bottom, b_all - b_bottom, level
            ),
        ),
        level,
        {"top": top, "bottom": bottom, "all": overall},
    )


def class_evidence(raw, labels, predictions, *, level: float = 0.95) -> Evidence:
    """Paper Fig. 9: Pearson r of class mean VoG with the false-negative rate, Fisher interval.

    The sample of this correlation is the classes (10 on CIFAR-10): the
    interval is Fisher's z interval with ``n_classes - 3`` degrees of
    freedom (undefined, hence within noise, under 4 classes).
    """
    from scipy.stats import norm

    _check_level(level)
    cl = class_level(raw, labels, predictions)
    r, n = float(cl["pearson_r"]), int(np.size(cl["classes"]))
    if n > 3 and np.isfinite(r):
        z = np.arctanh(np.clip(r, -0.999999, 0.999999))
        half = norm.ppf(0.5 + level / 2) / np.sqrt(n - 3)
        low, high = float(np.tanh(z - half)), float(np.tanh(z + half))
    else:
        low = high = float("nan")
    return Evidence(
        "class",
        (Condition("class-level Pearson r", r, low, high),),
        level,
        {"r": r, "p": float(cl["p_value"]), "classes": n},
    )


def flip_evidence(
    early, late, correct, *, bins: int = 10, n_boot: int = 200, level: float = 0.95, seed: int = 0
) -> Evidence:
    """Paper Fig. 5, 8, 11 (:func:`vog.analysis.claims.early_late_flip`) with bootstrap intervals.

    Conditions: minus the trend of error over VoG(early) deciles (error
    falls) and the trend over VoG(late) deciles (error rises); trends are
    :func:`vog.analysis.error_trend`, intervals from
    :func:`vog.analysis.bootstrap_percentile_errors`.
    """
    trends = []
    for scores, offset in ((early, 0), (late, 1)):
        b = bootstrap_percentile_errors(
            scores, correct, bins=bins, n_boot=n_boot, level=level, seed=seed + offset
        )
        trends.append((float(b["trend"]), float(b["trend_low"]), float(b["trend_high"]), b))
    (e, e_low, e_high, b_early), (t, t_low, t_high, b_late) = trends
    return Evidence(
        "flip",
        (
            Condition(
                "minus early trend", -e, -e_high, -e_low, replicates=-np.asarray(b_early["trends"])
            ),
            Condition("late trend", t, t_low, t_high, replicates=np.asarray(b_late["trends"])),
        ),
        level,
        {"early": e, "late": t},
    )


def memorisation_evidence(clean, shuffled, *, alpha: float = 1e-3) -> Evidence:
    """Paper Sec. 4.1 (:func:`vog.analysis.claims.memorisation`): Welch interval at ``1 - alpha``.

    Condition: mean score of the shuffled-label examples minus the clean
    ones'. Its ``1 - alpha`` Welch interval excludes 0 exactly when the
    two-sided Welch test has p < ``alpha`` (paper: 0.001).
    """
    from scipy.stats import ttest_ind

    clean, shuffled = _np(clean).astype(float), _np(shuffled).astype(float)
    if len(clean) < 2 or len(shuffled) < 2:
        raise ValueError("need at least two clean and two shuffled scores")
    test = ttest_ind(shuffled, clean, equal_var=False)
    ci = test.confidence_interval(confidence_level=1 - alpha)
    return Evidence(
        "memorisation",
        (
            Condition(
                "shuffled minus clean mean",
                shuffled.mean() - clean.mean(),
                float(ci.low),
                float(ci.high),
            ),
        ),
        1 - alpha,
        {
            "clean_mean": clean.mean(),
            "shuffled_mean": shuffled.mean(),
            "t": float(test.statistic),
            "p": float(test.pvalue),
        },
    )


def _resampled(pairs: Mapping[str, Pair], n_boot: int, seed: int) -> dict[str, tuple]:
    """Per set: bootstrap indices of its in- and out-of-distribution examples, shapes
    (n_boot, n_in) and (n_boot, n_out); the in-distribution draws are shared by the sets
    when they score the same number of in-distribution examples."""
    rng = np.random.default_rng(seed)
    lengths = {name: (len(_np(p[0])), len(_np(p[1]))) for name, p in pairs.items()}
    shared = len({n_in for n_in, _ in lengths.values()}) == 1
    draws: dict[str, tuple] = {}
    first = None
    for name, (n_in, n_out) in lengths.items():
        if first is None or not shared:
            first = rng.integers(0, n_in, size=(int(n_boot), n_in))
        draws[name] = (first, rng.integers(0, n_out, size=(int(n_boot), n_out)))
    return draws


def _auroc_rows(s_in: np.ndarray, s_out: np.ndarray) -> np.ndarray:
    """:func:`auroc` of every row of ``s_in`` (B, n_in) against the same row of ``s_out``."""
    from scipy.stats import rankdata

    n_in, n_out = s_in.shape[1], s_out.shape[1]
    ranks = rankdata(np.concatenate([s_in, s_out], axis=1), axis=1)[:, n_in:]
    return (ranks.sum(1) - n_out * (n_out + 1) / 2) / (n_in * n_out)


def _gap_evidence(claim, label, method, others, *, n_boot, level, seed, numbers) -> Evidence:
    """Mean AUROC over the sets of ``method`` minus that of each of ``others``."""
    _check_level(level)
    names = list(method)
    for o in others.values():
        if set(o) != set(names):
            raise ValueError(f"every method needs the same sets; got {sorted(o)} vs {names}")
    arrays = {
        m: {k: (_np(v[0]).astype(float), _np(v[1]).astype(float)) for k, v in per.items()}
        for m, per in {"_method": method, **others}.items()
    }
    draws = _resampled(method, n_boot, seed)
    point = {m: float(np.mean([auroc(*per[k]) for k in names])) for m, per in arrays.items()}
    boot = {
        m: np.mean(
            [_auroc_rows(per[k][0][draws[k][0]], per[k][1][draws[k][1]]) for k in names], axis=0
        )
        for m, per in arrays.items()
    }
    conditions = tuple(
        _boot_condition(
            f"{label} minus {o} mean AUROC",
            point["_method"] - point[o],
            boot["_method"] - boot[o],
            level,
        )
        for o in others
    )
    auc = {label: point["_method"], **{o: point[o] for o in others}}
    return Evidence(claim, conditions, level, {**numbers, "mean_auroc": auc})


def msp_evidence(
    vog: Mapping[str, Pair],
    msp: Mapping[str, Pair],
    *,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> Evidence:
    """Paper Table 3: VoG's mean AUROC over the OoD sets minus -MSP's, bootstrap interval.

    ``vog`` and ``msp``: ``{set: (score_in, score_out)}``, higher = more OoD
    (:func:`vog.analysis.vog_and_msp`). In- and out-of-distribution examples
    are resampled separately, the same draws for both methods.
    """
    return _gap_evidence(
        "msp", "VoG", vog, {"MSP": msp}, n_boot=n_boot, level=level, seed=seed, numbers={}
    )


def oodc_evidence(
    vog: Mapping[str, Pair],
    baselines: Mapping[str, Mapping[str, Pair]],
    *,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int = 0,
) -> Evidence:
    """Paper Table 1: VoG's mean AUROC over the MNIST-C corruptions minus each baseline's.

    ``baselines``: ``{method: {corruption: (score_in, score_out)}}`` (the
    chapter's check compares with PCA and KDE).
    """
    return _gap_evidence(
        "oodc", "VoG", vog, dict(baselines), n_boot=n_boot, level=level, seed=seed, numbers={}
    )


def shift_evidence(
    pairs: Mapping[str, Pair], *, q: int = 4, n_boot: int = 200, level: float = 0.95, seed: int = 0
) -> Evidence:
    """Paper Fig. 12b (:func:`vog.analysis.claims.quartile_shift`), one condition per shifted set.

    Condition: the shifted set's share in the top VoG quantile minus its
    share in the bottom one (:func:`vog.analysis.quantile_shares`).
    """
    _check_level(level)
    arrays = {k: (_np(v[0]).astype(float), _np(v[1]).astype(float)) for k, v in pairs.items()}

    def gap(s_in, s_out) -> float:
        shares = quantile_shares(s_in, s_out, q=q)
        return float(shares[-1] - shares[0])

    def gap_rows(s_in: np.ndarray, s_out: np.ndarray) -> np.ndarray:
        return np.array([gap(i, o) for i, o in zip(s_in, s_out, strict=True)])

    draws = _resampled(arrays, n_boot, seed)
    return Evidence(
        "shift",
        tuple(
            _boot_condition(
                f"{k}: top minus bottom quartile share",
                gap(*arrays[k]),
                gap_rows(s_in[draws[k][0]], s_out[draws[k][1]]),
                level,
            )
            for k, (s_in, s_out) in arrays.items()
        ),
        level,
        {k: quantile_shares(*arrays[k], q=q) for k in arrays},
    )


def confidence_share(prob_vog, logit_vog, confidence) -> dict[str, float]:
    """How much of probability-VoG's ranking the model's confidence alone explains.

    The softmax probability's input gradient factorises,
    ``d p_y / dx = p_y (1 - p_y) (d z_y / dx - sum_{k != y} p_k / (1 - p_y) d z_k / dx)``:
    a confidence factor ``p_y (1 - p_y)`` times logit gradients. Taking logs,
    ``log VoG_prob`` is roughly ``log`` (confidence factor) plus ``log`` (a
    logit-gradient VoG). The fit of that decomposition tells whether
    probability-VoG is a re-expressed confidence.

    Parameters
    ----------
    prob_vog, logit_vog : arrays (N,), > 0
        Raw VoG of the probability and of the logit on the same examples.
    confidence : array (N,), >= 0
        The confidence factor, e.g. the root mean square over the window's
        checkpoints of ``p_y (1 - p_y)``.

    Returns
    -------
    dict
        ``spearman_confidence`` and ``spearman_logit``: rank correlation of
        probability-VoG with each; ``r2_confidence``, ``r2_logit`` and
        ``r2_both``: the share of the variance of ``log VoG_prob`` explained
        by least squares on ``log`` confidence, on ``log VoG_logit``, and on
        both.
    """
    p, g, c = _np(prob_vog).astype(float), _np(logit_vog).astype(float), _np(confidence)
    c = c.astype(float)
    if not (len(p) == len(g) == len(c)):
        raise ValueError(f"inputs differ in length: {len(p)}, {len(g)}, {len(c)}")
    tiny = np.finfo(float).tiny
    y = np.log(np.maximum(p, tiny))
    xc, xg = np.log(np.maximum(c, tiny)), np.log(np.maximum(g, tiny))

    def r2(*columns) -> float:
        design = np.column_stack([np.ones_like(y), *columns])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ coef
        total = ((y - y.mean()) ** 2).sum()
        return float(1 - (resid**2).sum() / total) if total > 0 else float("nan")

    return {
        "spearman_confidence": spearman(p, c)[0],
        "spearman_logit": spearman(p, g)[0],
        "r2_confidence": r2(xc),
        "r2_logit": r2(xg),
        "r2_both": r2(xc, xg),
    }
