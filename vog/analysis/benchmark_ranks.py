"""A hardness benchmark's tables over seeds: intervals, method rankings and how stable they are.

The input is the long table of :func:`vog.experiments.hardness.run_grid`:
one row per (``hardness`` type, ``p``, ``seed``, ``method``) with one column
per metric (``"AUROC"``, ``"AP"``, ``"H-CAT AUPRC"``, ...; every metric in
[0, 1], higher = better). Every function here first averages a metric over
the proportions ``p`` of a (method, type, seed), so each seed counts once.

- :func:`seed_summary`: the mean over seeds of each (method, type) and its
  Student-t interval (:func:`vog.analysis.detection.seed_interval`);
  :func:`interval_cells` writes it as ``"0.83 [0.80, 0.86]"``.
- :func:`standing`: a method's place among the methods (1 = best) by its mean
  rank over the types (:func:`vog.analysis.detection.rank_summary`);
  :func:`rank_spread` that place on the mean over seeds *and on each seed
  alone*, with the median and range over seeds, so that "ranks 9 of 12" says
  how stable the place is; :func:`spread_phrase` says it in words.
- :func:`chance_sides`, :func:`paired_difference` and :func:`convention_verdict`:
  the counts, the interval and the verdict the H-CAT chapter states.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from .detection import rank_summary, seed_interval

__all__ = [
    "ConventionVerdict",
    "Difference",
    "SeedSummary",
    "chance_sides",
    "convention_verdict",
    "interval_cells",
    "mean_rank_table",
    "paired_difference",
    "per_seed_frames",
    "rank_spread",
    "recorded_sentence",
    "seed_summary",
    "spread_cells",
    "spread_phrase",
    "standing",
    "times_within",
]

_KEYS = ["method", "hardness", "seed"]


class SeedSummary(NamedTuple):
    """``mean``, ``low`` and ``high`` (methods x types) of a metric over seeds; NaN bounds
    where one seed gives no interval."""

    mean: pd.DataFrame
    low: pd.DataFrame
    high: pd.DataFrame


def _per_seed(table: pd.DataFrame, metric: str) -> pd.Series:
    missing = [c for c in [*_KEYS, metric] if c not in table.columns]
    if missing:
        raise ValueError(
            f"the table lacks the columns {missing}; it has {', '.join(map(str, table.columns))}"
        )
    return table.groupby(_KEYS)[metric].mean()


def seed_summary(
    table: pd.DataFrame, metric: str, *, methods: Sequence[str], types: Sequence[str]
) -> SeedSummary:
    """Mean over seeds of ``metric`` per (method, type), averaged over p first, and its interval.

    Returns a :class:`SeedSummary` of three (len(methods), len(types)) frames,
    rows in the order of ``methods``, columns in that of ``types``: the mean
    and the 95% Student-t interval over the seeds (NaN with one seed).
    """
    per_seed = _per_seed(table, metric)
    parts: dict[str, dict] = {"mean": {}, "low": {}, "high": {}}
    for (method, kind), values in per_seed.groupby(["method", "hardness"]):
        for part, value in zip(parts, seed_interval(values.to_numpy()), strict=True):
            parts[part][(method, kind)] = value
    frames = [pd.Series(v).unstack().loc[list(methods), list(types)] for v in parts.values()]
    return SeedSummary(*frames)


def interval_cells(
    summary: SeedSummary, *, bounds: tuple[float, float] = (0.0, 1.0)
) -> pd.DataFrame:
    """``"0.83 [0.80, 0.86]"`` per cell: the mean and its interval cut to ``bounds`` (the
    metric's range); the mean alone where one seed gives no interval."""
    mean, low, high = summary
    cells = mean.copy().astype(object)
    for r in mean.index:
        for c in mean.columns:
            m = mean.loc[r, c]  # NaN bounds stay NaN: max(nan, 0.0) is nan
            lo, hi = max(low.loc[r, c], bounds[0]), min(high.loc[r, c], bounds[1])
            cells.loc[r, c] = f"{m:.2f}" if np.isnan(lo) else f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
    return cells


def per_seed_frames(
    table: pd.DataFrame, metric: str, *, methods: Sequence[str], types: Sequence[str]
) -> dict[int, pd.DataFrame]:
    """``metric`` of each seed alone (averaged over p): ``{seed: (len(methods), len(types))}``.

    Raises ``ValueError`` naming the first (method, type, seed) without a
    finite value, so a method missing on one seed is never ranked on fewer types.
    """
    per_seed = _per_seed(table, metric)
    out = {}
    for seed in sorted(table["seed"].unique()):
        frame = per_seed.xs(seed, level="seed").unstack().reindex(index=methods, columns=types)
        bad = [(m, t) for m in methods for t in types if not np.isfinite(frame.loc[m, t])]
        if bad:
            raise ValueError(
                f"method {bad[0][0]!r} has no {metric} for type {bad[0][1]!r} on seed {seed} "
                f"({len(bad)} (method, type) pairs missing on that seed)"
            )
        out[int(seed)] = frame.astype(float)
    return out


def standing(frame: pd.DataFrame, *, higher_is_better: bool = True) -> pd.Series:
    """Each method's place (1 = best) by its mean rank over the types (the columns).

    ``frame`` (methods x types). Equal mean ranks keep the order of the rows,
    so the places are 1..n without gaps. Returns an int Series in row order.
    """
    order = rank_summary(frame, higher_is_better=higher_is_better).index
    return pd.Series(np.arange(1, len(order) + 1), index=order).loc[frame.index]


def rank_spread(
    table: pd.DataFrame,
    metric: str,
    *,
    methods: Sequence[str],
    types: Sequence[str],
    higher_is_better: bool = True,
) -> pd.DataFrame:
    """A method's place on the mean over seeds and on each seed alone, and its spread.

    Returns
    -------
    DataFrame
        One row per method, best first by ``"rank"`` (the place of
        :func:`standing` on the mean of :func:`seed_summary`); then one column
        per seed (``"seed 0"``, ...: the place on that seed alone),
        ``"median"``, ``"best"`` and ``"worst"`` over the seeds (1 = best).
    """
    mean = seed_summary(table, metric, methods=methods, types=types).mean
    frames = per_seed_frames(table, metric, methods=methods, types=types)
    out = pd.DataFrame({"rank": standing(mean, higher_is_better=higher_is_better)})
    for seed, frame in frames.items():
        out[f"seed {seed}"] = standing(frame, higher_is_better=higher_is_better)
    places = out[[f"seed {s}" for s in frames]]
    out["median"] = places.median(axis=1)
    out["best"], out["worst"] = places.min(axis=1), places.max(axis=1)
    return out.sort_values("rank")


def _seed_columns(spread: pd.DataFrame) -> list[str]:
    return [c for c in spread.columns if str(c).startswith("seed ")]


def spread_phrase(spread: pd.DataFrame, method: str) -> str:
    """A method's places on single seeds in words, from :func:`rank_spread`:
    ``"7-11 on single seeds, median 9"``, or ``"9 on each of the 3 seeds"`` when they agree."""
    if method not in spread.index:
        raise ValueError(f"method={method!r} is not ranked; choose one of {list(spread.index)}")
    row, n = spread.loc[method], len(_seed_columns(spread))
    if row["best"] == row["worst"]:
        return (
            f"{int(row['best'])} on each of the {n} seeds" if n > 1 else "the same on its one seed"
        )
    return f"{int(row['best'])}-{int(row['worst'])} on single seeds, median {row['median']:g}"


def times_within(spread: pd.DataFrame, method: str, k: int = 1) -> int:
    """On how many single seeds ``method`` places within the best ``k`` (in [0, n seeds])."""
    if method not in spread.index:
        raise ValueError(f"method={method!r} is not ranked; choose one of {list(spread.index)}")
    if k < 1:
        raise ValueError(f"k must be >= 1 (the best k places), got {k}")
    return int((spread.loc[method, _seed_columns(spread)] <= k).sum())


def spread_cells(spread: pd.DataFrame) -> pd.DataFrame:
    """:func:`rank_spread` as text for a page: ``"rank"`` (on the mean over seeds), ``"seeds"``
    (the places on each seed, ``"3, 5, 4"``), ``"median"`` and ``"range"`` (``"3-5"``)."""
    places = spread[_seed_columns(spread)].astype(int).astype(str)
    return pd.DataFrame(
        {
            "rank": spread["rank"].astype(int),
            "seeds": places.agg(", ".join, axis=1),
            "median": spread["median"].map("{:g}".format),
            "range": spread["best"].astype(int).astype(str)
            + "-"
            + spread["worst"].astype(int).astype(str),
        }
    )


def chance_sides(summary: SeedSummary, method: str, *, chance: float = 0.5) -> tuple[int, int]:
    """On how many types ``method`` is above and below ``chance``: the interval over seeds
    excludes it (with one seed: the mean alone). Returns ``(above, below)``."""
    lo, hi, m = summary.low.loc[method], summary.high.loc[method], summary.mean.loc[method]
    above = np.where(np.isnan(lo), m > chance, lo > chance)
    below = np.where(np.isnan(hi), m < chance, hi < chance)
    return int(above.sum()), int(below.sum())


@dataclass(frozen=True)
class Difference:
    """Mean over seeds of a per-seed difference and its 95% interval (NaN with one seed)."""

    mean: float
    low: float
    high: float

    @property
    def side(self) -> str:
        """``"higher"``, ``"lower"`` or ``"not distinguishable"`` (the interval holds 0)."""
        if np.isnan(self.low):
            return "higher" if self.mean > 0 else "lower"
        return "higher" if self.low > 0 else "lower" if self.high < 0 else "not distinguishable"

    @property
    def interval(self) -> str:
        """The interval in words, e.g. ``"95% interval over seeds [+0.01, +0.05]"``."""
        if np.isnan(self.low):
            return "one seed, no interval"
        return f"95% interval over seeds [{self.low:+.2f}, {self.high:+.2f}]"


def paired_difference(table: pd.DataFrame, a: str, b: str, *, metric: str = "AUROC") -> Difference:
    """``metric`` of method ``a`` minus that of ``b`` on the same runs, averaged over the
    types and p per seed; its mean and interval over the seeds (positive: ``a`` higher)."""
    per_run = table.pivot_table(index=["hardness", "p", "seed"], columns="method", values=metric)
    for name in (a, b):
        if name not in per_run.columns:
            raise ValueError(f"method {name!r} is not in the table; it has {list(per_run.columns)}")
    diff = (per_run[a] - per_run[b]).groupby("seed").mean().to_numpy()
    return Difference(*seed_interval(diff))


def mean_rank_table(ranks: Mapping[str, pd.DataFrame], *, sort_by: str) -> pd.DataFrame:
    """The ``"mean rank"`` column of each ranking (:func:`vog.analysis.detection.rank_summary`)
    side by side, one column per metric, sorted by ``sort_by``'s (best first)."""
    if sort_by not in ranks:
        raise ValueError(f"sort_by={sort_by!r} is not a ranking; choose one of {list(ranks)}")
    return pd.DataFrame({k: r["mean rank"] for k, r in ranks.items()}).sort_values(sort_by)


class ConventionVerdict(NamedTuple):
    """Whether a convention's ranking survives the oriented metric, and why."""

    holds: bool
    tau: float
    reason: str


def convention_verdict(
    ranks: Mapping[str, pd.DataFrame],
    mean_ranks: pd.DataFrame,
    *,
    min_tau: float = 0.5,
) -> ConventionVerdict:
    """H-CAT's ranking under the oriented metric: it holds when ``"H-CAT AUPRC"`` and
    ``"oriented AP"`` rank the same method best and their mean ranks agree with a Kendall
    tau >= ``min_tau``; else it fails.

    ``ranks`` maps both names to :func:`vog.analysis.detection.rank_summary`
    tables, ``mean_ranks`` is their :func:`mean_rank_table`. ``reason``
    names both best methods, tau, and the methods H-CAT's convention moves
    furthest down and up (in mean rank).
    """
    from scipy.stats import kendalltau

    oriented, convention = "oriented AP", "H-CAT AUPRC"
    for name in (oriented, convention):
        if name not in ranks or name not in mean_ranks.columns:
            raise ValueError(f"convention_verdict needs the ranking {name!r}; got {list(ranks)}")

    tau = float(kendalltau(mean_ranks[oriented], mean_ranks[convention]).statistic)
    best_conv, best_oriented = ranks[convention].index[0], ranks[oriented].index[0]
    holds = bool(best_conv == best_oriented and tau >= min_tau)
    moved = (mean_ranks[convention] - mean_ranks[oriented]).sort_values()
    reason = (
        f"best by H-CAT's AUPRC: {best_conv}; by the oriented AP: {best_oriented}; "
        f"Kendall tau {tau:.2f}; H-CAT's convention moves {moved.index[-1]} down by "
        f"{moved.iloc[-1]:.1f} ranks and {moved.index[0]} up by {-moved.iloc[0]:.1f}"
    )
    return ConventionVerdict(holds, tau, reason)


def recorded_sentence(record) -> str:
    """What a recorded run of the benchmark says (a :class:`vog.experiments.records.Record`
    whose ``values`` are the chapter's glued findings), with how and when it was made; or
    that there is no record yet (``record`` None)."""
    from ..experiments.records import provenance_line

    if record is None:
        return (
            "No record of the long profile is in this build's results folder yet: `make "
            "records` runs this benchmark at 10,000 training images with three seeds and saves "
            "its tables, which later builds show here."
        )
    v = record.values
    return (
        f"{provenance_line(record)} Set-up: {v['hcat_setup']}. VoG (paper) ranks "
        f"{v['hcat_vog_paper_rank']} of {v['hcat_n_methods']} "
        f"({v['hcat_vog_paper_rank_seeds']}) and beats chance on {v['hcat_vog_above']} of "
        f"{v['hcat_n_types']} hardness types; mean oriented AUROC "
        f"{v['hcat_vog_paper_auroc']:.2f}; best: {v['hcat_best_oriented']} "
        f"({v['hcat_best_auroc']:.2f}, first on {v['hcat_best_first_seeds']} of "
        f"{v['hcat_n_seeds']} seeds)."
    )
