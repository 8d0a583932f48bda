"""The paper's claims as checks: one definition, used by each chapter and by the diagnosis.

Each check takes the numbers a chapter computed and returns a :class:`Verdict`:
whether the claim holds, and the numbers it was decided on. The chapters run
them in hidden cells; the chapter "When do the claims hold?" runs the same
functions over the variants of a run (data set, schedule, window,
normalisation, label), so a verdict there means exactly what it means on the
chapter's page. ``CLAIMS`` lists them by name.

Bad scores never give a verdict: a NaN or infinite score raises ``ValueError``
saying how many there are. Ties follow one rule (module ``vog.analysis.metrics``):
examples with equal scores share their error, so the order of the examples
cannot decide a claim; constant scores give equal errors everywhere and a
NaN trend, and a claim decided on strict inequalities does not hold on them.
Differences below ``TOLERANCE`` (floating-point rounding) count as equal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from ..data import to_numpy
from .metrics import class_level, error_by_percentile, error_trend, instance_spread, tail_errors

__all__ = [
    "CLAIMS",
    "Verdict",
    "error_by_vog",
    "class_level_correlation",
    "early_late_flip",
    "memorisation",
    "stable_ranking",
    "beats_baselines",
    "quartile_shift",
]


@dataclass(frozen=True)
class Verdict:
    """The outcome of one claim check.

    Attributes
    ----------
    claim : str
        Which claim (a key of ``CLAIMS``).
    holds : bool
        Whether every condition of the claim holds.
    failed : tuple of str
        The conditions that do not hold (empty when ``holds``).
    numbers : dict
        What the conditions were decided on.
    """

    claim: str
    holds: bool
    failed: tuple[str, ...] = ()
    numbers: dict = field(default_factory=dict)

    def text(self) -> str:
        """``"reproduced"`` or ``"NOT reproduced: <the conditions that fail>"``."""
        return "reproduced" if self.holds else "NOT reproduced: " + "; ".join(self.failed)


#: Differences of errors or trends smaller than this are rounding, not evidence.
TOLERANCE = 1e-12


def _finite(name: str, values) -> np.ndarray:
    """``values`` as a float array; ``ValueError`` saying how many are NaN or infinite."""
    a = to_numpy(values).astype(float)
    bad = ~np.isfinite(a)
    if bad.any():
        n_nan, n_inf = int(np.isnan(a).sum()), int(np.isinf(a).sum())
        raise ValueError(
            f"{name} hold {n_nan} NaN and {n_inf} infinite values of {a.size}: no claim can be "
            "decided on them; find where they come from (a diverged run, a failed score)"
        )
    return a


def _verdict(claim: str, conditions: Mapping[str, bool], numbers: dict) -> Verdict:
    failed = tuple(name for name, ok in conditions.items() if not ok)
    return Verdict(claim, not failed, failed, numbers)


def error_by_vog(scores, correct, *, percent: float = 10.0, bins: int = 10) -> Verdict:
    """Paper Fig. 4 and 10: the top ``percent`` by VoG has a higher test error than the
    bottom ``percent``, and the bottom one a lower error than the whole set.

    ``numbers``: the three tail errors and the trend of error over ``bins``
    buckets (:func:`vog.analysis.error_trend`, reported, not a condition).
    Tied scores share their error (module docstring): constant scores give
    top = bottom = overall, and the claim does not hold. NaN or infinite
    scores raise ``ValueError``.
    """
    scores = _finite("scores", scores)
    tails = tail_errors(scores, correct, percent=percent)
    top, bottom, overall = tails[f"top {percent:g}%"], tails[f"bottom {percent:g}%"], tails["all"]
    trend = error_trend(error_by_percentile(scores, correct, bins=bins)[1])
    return _verdict(
        "error_by_vog",
        {
            f"top {percent:g}% error > bottom {percent:g}% error": top > bottom + TOLERANCE,
            f"bottom {percent:g}% error < overall error": bottom < overall - TOLERANCE,
        },
        {"top": top, "bottom": bottom, "all": overall, "trend": trend},
    )


def class_level_correlation(raw, labels, predictions) -> Verdict:
    """Paper Fig. 9: a class's mean VoG correlates positively with its false-negative rate."""
    cl = class_level(_finite("scores", raw), labels, predictions)
    r = cl["pearson_r"]
    return _verdict("class_level", {"class-level correlation > 0": bool(r > 0)}, {"r": r})


def early_late_flip(early, late, correct, *, bins: int = 10) -> Verdict:
    """Paper Sec. 3 (5): error falls with VoG(early) and rises with VoG(late).

    NaN or infinite scores raise ``ValueError``; constant scores give a NaN
    trend, which is neither rising nor falling.
    """
    early, late = _finite("early scores", early), _finite("late scores", late)
    t_early = error_trend(error_by_percentile(early, correct, bins=bins)[1])
    t_late = error_trend(error_by_percentile(late, correct, bins=bins)[1])
    return _verdict(
        "flip",
        {"early trend < 0": bool(t_early < 0), "late trend > 0": bool(t_late > 0)},
        {"early": t_early, "late": t_late},
    )


def memorisation(clean, shuffled, *, alpha: float = 1e-3) -> Verdict:
    """Paper Sec. 4.1: shuffled-label examples have a higher mean VoG (Welch p < ``alpha``)."""
    from scipy.stats import ttest_ind

    clean, shuffled = _finite("clean scores", clean), _finite("shuffled scores", shuffled)
    test = ttest_ind(shuffled, clean, equal_var=False)
    return _verdict(
        "memorisation",
        {
            "shuffled mean > clean mean": bool(shuffled.mean() > clean.mean()),
            f"Welch p < {alpha:g}": bool(test.pvalue < alpha),
        },
        {
            "clean_mean": clean.mean(),
            "clean_std": clean.std(),
            "shuffled_mean": shuffled.mean(),
            "shuffled_std": shuffled.std(),
            "t": float(test.statistic),
            "p": float(test.pvalue),
        },
    )


def stable_ranking(raw: list, labels: list, *, min_spearman: float = 0.5) -> Verdict:
    """Paper Sec. 3 (3): independently trained runs rank the examples alike.

    The paper reports small absolute deviations (1e-9 to 1e-5), which depend on
    the scale of the inputs and the network; the check is the scale-free part:
    a mean pairwise Spearman correlation of at least ``min_spearman``.
    """
    numbers = instance_spread([_finite(f"scores of run {i}", r) for i, r in enumerate(raw)], labels)
    rho = numbers["mean pairwise Spearman"]
    return _verdict(
        "stability",
        {f"mean pairwise Spearman >= {min_spearman:g}": bool(rho >= min_spearman)},
        numbers,
    )


def beats_baselines(auroc: Mapping[str, float], *, method: str, baselines: tuple[str, ...]):
    """Paper Table 1 and 3: ``method``'s mean AUROC is above each of ``baselines``'."""
    _finite("AUROCs", [auroc[name] for name in (method, *baselines)])
    return _verdict(
        f"{method} beats {', '.join(baselines)}",
        {f"{method} > {b}": bool(auroc[method] > auroc[b]) for b in baselines},
        {name: auroc[name] for name in (method, *baselines)},
    )


def quartile_shift(shares) -> Verdict:
    """Paper Fig. 12b: the shifted images are more frequent in the top VoG quartile than in
    the bottom one (``shares``: the four quartile shares, lowest VoG first)."""
    shares = _finite("quartile shares", shares)
    return _verdict(
        "quartile_shift",
        {"top-quartile share > bottom-quartile share": bool(shares[-1] > shares[0])},
        {"top": shares[-1], "bottom": shares[0]},
    )


#: The claim checks by name.
CLAIMS: dict[str, Callable[..., Verdict]] = {
    "error_by_vog": error_by_vog,
    "class_level": class_level_correlation,
    "flip": early_late_flip,
    "memorisation": memorisation,
    "stability": stable_ranking,
    "beats_baselines": beats_baselines,
    "quartile_shift": quartile_shift,
}
