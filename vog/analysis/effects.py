"""Effects, not verdict counts: how far a factor moves a claim's deciding estimate.

A claim's verdict on one run (:mod:`vog.analysis.verdicts`) is a three-way
reading of one interval, so two runs can differ by a verdict while their
estimates barely move, and a seed alone can flip a cell. This module states a
factor's effect instead: the difference between the claim's deciding estimate
on the factor's run and on the base run, with a 95% interval, judged against
the base's *seed noise* (the spread of the estimate over replicate seeds of the
base).

- :func:`paired_effect`: both runs score the same examples (the same test
  images): the examples are resampled jointly, so what the two runs share
  cancels (a paired bootstrap).
- :func:`unpaired_effect`: the runs score different examples: the difference of
  two estimates whose intervals are independent (normal approximation).
- :func:`condition_effect`: the effect on one condition of a claim
  (:class:`vog.analysis.verdicts.Condition`): paired through the conditions'
  bootstrap replicates where both runs resampled the same examples with the same
  draws, else unpaired.
- :func:`seed_noise`: the range of the base's estimate over its seeds.
- :func:`moves`: a factor moves a claim only when its effect's interval excludes
  0 **and** the effect is larger than the seed noise.
- :func:`effect_table` and :func:`forest_plot`: every run's effect on one claim,
  as a table and as a forest plot with the seed band shaded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ..data import to_numpy
from .verdicts import Condition

__all__ = [
    "Effect",
    "paired_effect",
    "unpaired_effect",
    "condition_effect",
    "seed_noise",
    "moves",
    "effect_table",
    "forest_plot",
]


@dataclass(frozen=True)
class Effect:
    """A factor's effect on one claim: the run's estimate minus the base's.

    Attributes
    ----------
    estimate, low, high : float
        The difference and its interval at ``level`` (positive = the run moves the
        estimate in the paper's direction, where the estimate is oriented so).
    level : float
    paired : bool
        Whether the interval comes from resampling shared examples jointly.
    """

    estimate: float
    low: float
    high: float
    level: float = 0.95
    paired: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")


def paired_effect(
    statistic: Callable[..., float],
    base: Sequence,
    run: Sequence,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> Effect:
    """The effect ``statistic(*run) - statistic(*base)`` on shared examples, with a paired
    percentile-bootstrap interval.

    Parameters
    ----------
    statistic : callable
        ``statistic(*arrays) -> float``: the claim's deciding estimate from per-example
        arrays (e.g. scores and correctness).
    base, run : sequence of arrays, each (N,)
        The two runs' per-example arrays, row ``i`` the same example in both.
    n_boot, level, seed
        Resamples, interval level and the seed of the resampling (the same example
        indices are drawn for both runs).
    """
    _check_level(level)
    b = [to_numpy(a).ravel() for a in base]
    r = [to_numpy(a).ravel() for a in run]
    n = len(b[0])
    if any(len(a) != n for a in b + r):
        raise ValueError("paired runs must score the same examples: arrays differ in length")
    if n < 2:
        raise ValueError(f"need at least 2 shared examples, got {n}")
    estimate = float(statistic(*r) - statistic(*b))
    rng = np.random.default_rng(seed)
    diffs = np.empty(int(n_boot))
    for i in range(int(n_boot)):
        idx = rng.integers(0, n, n)
        diffs[i] = statistic(*(a[idx] for a in r)) - statistic(*(a[idx] for a in b))
    finite = diffs[np.isfinite(diffs)]
    if finite.size == 0:
        return Effect(estimate, float("nan"), float("nan"), level, True)
    alpha = (1 - level) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return Effect(estimate, float(low), float(high), level, True)


def unpaired_effect(
    base: tuple[float, float, float],
    run: tuple[float, float, float],
    *,
    levels: tuple[float, float] = (0.95, 0.95),
    level: float = 0.95,
) -> Effect:
    """The effect of ``run`` over ``base`` from independent intervals.

    Each is ``(estimate, low, high)`` with its interval at ``levels`` (base, run); the
    standard error of each is read from its interval's width (``(high - low) / (2 z)``,
    ``z`` the normal quantile of its level), and the difference gets
    ``estimate +- z_level sqrt(se_base^2 + se_run^2)``.
    """
    from scipy.stats import norm

    _check_level(level)
    (eb, lb, hb), (er, lr, hr) = base, run
    for lo, hi in ((lb, hb), (lr, hr)):
        if lo > hi:
            raise ValueError(f"interval bounds in the wrong order: [{lo}, {hi}]")
    for lv in levels:
        _check_level(lv)
    zb, zr = (float(norm.ppf(0.5 + lv / 2)) for lv in levels)
    se = np.hypot((hb - lb) / (2 * zb), (hr - lr) / (2 * zr))
    z = float(norm.ppf(0.5 + level / 2))
    d = float(er - eb)
    return Effect(d, float(d - z * se), float(d + z * se), level, False)


def condition_effect(
    base: Condition,
    run: Condition,
    *,
    paired: bool,
    levels: tuple[float, float] = (0.95, 0.95),
    level: float = 0.95,
) -> Effect:
    """The effect ``run.estimate - base.estimate`` on one condition of a claim.

    Parameters
    ----------
    base, run : Condition
        The condition on the base run and on the factor's run.
    paired : bool
        Whether the two runs scored the same examples. Then, where both conditions
        carry bootstrap replicates of one length (the evidence functions draw the same
        resamples for the same seed and number of examples), the interval is the
        percentile interval of the replicate-by-replicate differences: a paired
        bootstrap. Otherwise :func:`unpaired_effect` of the two intervals.
    levels : (float, float)
        The levels of the two conditions' intervals (memorisation: 0.999).
    """
    rb, rr = base.replicates, run.replicates
    if paired and rb is not None and rr is not None and len(rb) == len(rr):
        diffs = np.asarray(rr, dtype=float) - np.asarray(rb, dtype=float)
        finite = diffs[np.isfinite(diffs)]
        estimate = float(run.estimate - base.estimate)
        if finite.size == 0:
            return Effect(estimate, float("nan"), float("nan"), level, True)
        alpha = (1 - level) / 2
        low, high = np.quantile(finite, [alpha, 1 - alpha])
        return Effect(estimate, float(low), float(high), level, True)
    if not all(np.isfinite([base.low, base.high, run.low, run.high])):
        return Effect(float(run.estimate - base.estimate), float("nan"), float("nan"), level, False)
    return unpaired_effect(
        (base.estimate, base.low, base.high),
        (run.estimate, run.low, run.high),
        levels=levels,
        level=level,
    )


def seed_noise(estimates: Sequence[float]) -> float:
    """The base's seed noise: the range (max - min) of its estimate over replicate seeds.

    At least 2 finite estimates; with 3 seeds the range is a conservative floor (it
    covers the middle of the seed distribution more often than not)."""
    e = np.asarray([x for x in estimates if np.isfinite(x)], dtype=float)
    if e.size < 2:
        raise ValueError(f"seed noise needs at least 2 replicate estimates, got {e.size}")
    return float(e.max() - e.min())


def moves(effect: Effect, noise: float) -> bool:
    """Whether a factor moves the claim: its interval excludes 0 and ``|effect|`` is
    larger than the base's seed ``noise`` (:func:`seed_noise`)."""
    if not (np.isfinite(effect.low) and np.isfinite(effect.high)):
        return False
    excludes = effect.low > 0 or effect.high < 0
    return bool(excludes and abs(effect.estimate) > noise)


def effect_table(effects: Mapping[str, Effect], noise: float) -> pd.DataFrame:
    """One claim's effects, one row per run: estimate, interval, whether it moves the
    claim (:func:`moves`) and the seed noise it was judged against."""
    rows = [
        {
            "run": name,
            "effect": e.estimate,
            "low": e.low,
            "high": e.high,
            "paired": e.paired,
            "seed noise": noise,
            "moves the claim": moves(e, noise),
        }
        for name, e in effects.items()
    ]
    columns = ["run", "effect", "low", "high", "paired", "seed noise", "moves the claim"]
    return pd.DataFrame(rows, columns=columns).set_index("run")


def forest_plot(ax, estimates: pd.DataFrame, *, base: str, seeds: Sequence[float] = ()):
    """A claim's estimate on every run with its interval (one row each), the base's seed
    band shaded (the range of ``seeds``, the base's estimate on its replicate seeds).

    ``estimates``: index = run, columns ``estimate``, ``low``, ``high``. Returns ``ax``.
    """
    names = list(estimates.index)
    y = np.arange(len(names))
    est = estimates["estimate"].to_numpy(float)
    err = np.vstack([est - estimates["low"].to_numpy(float), estimates["high"] - est])
    if len(seeds) >= 2:
        ax.axvspan(min(seeds), max(seeds), color="0.85", label=f"{base}: seed range")
    ax.axvline(0, color="k", lw=0.8)
    colours = ["C3" if n == base else "C0" for n in names]
    for yi, e, lo, hi, c in zip(y, est, err[0], err[1], colours, strict=True):
        ax.errorbar(e, yi, xerr=[[lo], [hi]], fmt="o", color=c, capsize=3)
    ax.set(yticks=y, yticklabels=names)
    ax.invert_yaxis()
    if len(seeds) >= 2:
        ax.legend(fontsize=8, loc="lower right")
    return ax
