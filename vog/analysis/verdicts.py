"""Three-way verdicts of the paper's claims and the claims x runs verdict table.

A check of :mod:`vog.analysis.claims` decides a claim on point estimates:
it holds or it does not. Over a design of many runs that is not enough, as
noise alone can flip a point estimate. Here each claim is reduced to one or
more conditions (:class:`Condition`): a number oriented so that a *positive*
value is the paper's direction (top-10% error minus bottom-10% error, VoG's AUROC
minus MSP's, ...), with a confidence interval. A condition

- **holds** when its whole interval lies above 0,
- **fails** when its whole interval lies below 0,
- is **within noise** otherwise (the interval contains 0, or is undefined);

and a claim (:class:`Evidence`) holds when all its conditions hold, fails when
any fails, and is within noise otherwise. :mod:`vog.analysis.evidence` builds
the evidence of each claim from scores; :func:`verdict_table` puts verdicts
of many runs side by side, :func:`holds_with` lists where a claim holds and
:func:`verdict_heatmap` draws the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "HOLDS",
    "FAILS",
    "NOISE",
    "NOT_APPLICABLE",
    "VERDICTS",
    "CODES",
    "Condition",
    "Evidence",
    "decide",
    "combine",
    "direction_mark",
    "verdict_table",
    "verdict_codes",
    "holds_with",
    "changes",
    "verdict_heatmap",
    "verdict_figure",
]

HOLDS, NOISE, FAILS = "holds", "within noise", "fails"
#: A cell of the table where the claim does not apply to the run (e.g. MNIST-C on CIFAR).
NOT_APPLICABLE = "n/a"
#: The verdicts, best first.
VERDICTS = (HOLDS, NOISE, FAILS)
#: The number each verdict is drawn as (n/a: NaN, left blank).
CODES = {HOLDS: 1.0, NOISE: 0.0, FAILS: -1.0, NOT_APPLICABLE: math.nan}


def decide(low: float, high: float) -> str:
    """The verdict of one condition from its interval ``[low, high]`` (positive = the claim).

    ``"holds"`` if ``low > 0``, ``"fails"`` if ``high < 0``, else ``"within
    noise"`` (also when either bound is NaN: an undefined statistic decides nothing).
    """
    low, high = float(low), float(high)
    if math.isnan(low) or math.isnan(high):
        return NOISE
    if low > high:
        raise ValueError(f"interval bounds in the wrong order: [{low}, {high}]")
    if low > 0:
        return HOLDS
    if high < 0:
        return FAILS
    return NOISE


def combine(verdicts: Iterable[str]) -> str:
    """A claim's verdict from its conditions': fails if any fails, holds if all hold."""
    verdicts = list(verdicts)
    unknown = sorted(set(verdicts) - set(VERDICTS))
    if unknown:
        raise ValueError(f"unknown verdict(s) {unknown}; valid: {list(VERDICTS)}")
    if not verdicts:
        raise ValueError("a claim needs at least one condition")
    if FAILS in verdicts:
        return FAILS
    if all(v == HOLDS for v in verdicts):
        return HOLDS
    return NOISE


#: How :func:`direction_mark` names the signed score's verdict.
_SIGNED = {HOLDS: "holds", NOISE: "within noise", FAILS: "reversed"}


def direction_mark(magnitude: str, signed: str) -> str:
    """A claim's mark that keeps its direction: the verdict of a score's size (``|z|``)
    qualified by the verdict of the signed score the paper ranks by.

    Both agree: that verdict. Otherwise the size's verdict names the signed one, e.g.
    ``"holds as |z| only; signed: reversed"`` where the size separates the sets but the
    signed score points the other way: a claim never reads plain "holds" on a score
    whose sign contradicts the paper.
    """
    for v in (magnitude, signed):
        if v not in VERDICTS:
            raise ValueError(f"unknown verdict {v!r}; valid: {list(VERDICTS)}")
    if magnitude == signed:
        return magnitude
    if magnitude == HOLDS:
        return f"holds as |z| only; signed: {_SIGNED[signed]}"
    return f"{magnitude} as |z|; signed: {_SIGNED[signed]}"


@dataclass(frozen=True)
class Condition:
    """One condition of a claim: an estimate whose sign is the claim, and its interval.

    Attributes
    ----------
    name : str
        What the number is, e.g. ``"top-10% error - bottom-10% error"``.
    estimate : float
        The statistic on the data itself; > 0 is the paper's direction.
    low, high : float
        Its confidence interval.
    replicates : numpy.ndarray, optional
        The estimate on each bootstrap resample, (n_boot,), where the interval is a
        bootstrap one. Two runs' replicates are paired when both resampled the same
        examples with the same seed (:func:`vog.analysis.effects.condition_effect`).
    """

    name: str
    estimate: float
    low: float
    high: float
    replicates: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def verdict(self) -> str:
        """:func:`decide` of the interval."""
        return decide(self.low, self.high)

    @property
    def point(self) -> bool:
        """Whether the estimate alone is in the claim's direction (the chapters' check)."""
        return bool(self.estimate > 0)


@dataclass(frozen=True)
class Evidence:
    """A claim's conditions on one run, and the verdict they give.

    Attributes
    ----------
    claim : str
        The claim id (``"error"``, ``"class"``, ``"flip"``, ``"memorisation"``,
        ``"msp"``, ``"shift"``, ``"oodc"``, ...).
    conditions : tuple of Condition
    level : float
        Confidence level of the intervals (e.g. 0.95).
    numbers : dict
        More numbers the conditions were computed from (reported, not decided on).
    """

    claim: str
    conditions: tuple[Condition, ...]
    level: float
    numbers: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """:func:`combine` of the conditions' verdicts."""
        return combine(c.verdict for c in self.conditions)

    @property
    def point(self) -> bool:
        """Whether every estimate is in the claim's direction (noise not considered)."""
        return all(c.point for c in self.conditions)

    def summary(self) -> str:
        """One line: each condition as ``name estimate [low, high]``."""
        return "; ".join(
            f"{c.name} {c.estimate:+.3g} [{c.low:+.3g}, {c.high:+.3g}]" for c in self.conditions
        )


def verdict_table(
    evidence: Mapping[tuple[str, str], Evidence | None],
    *,
    claims: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
):
    """The verdicts as a claims x columns table of strings.

    Parameters
    ----------
    evidence : mapping (claim, column) -> Evidence or None
        None (or a missing pair) where the claim does not apply to the column.
    claims, columns : sequences, optional
        Row and column order (default: order of first appearance).

    Returns
    -------
    pandas.DataFrame
        One of :data:`VERDICTS` or :data:`NOT_APPLICABLE` in each cell.
    """
    import pandas as pd

    claims = list(claims) if claims is not None else list(dict.fromkeys(k[0] for k in evidence))
    columns = list(columns) if columns is not None else list(dict.fromkeys(k[1] for k in evidence))
    for (claim, _column), ev in evidence.items():
        if ev is not None and ev.claim != claim:
            raise ValueError(f"evidence of claim {ev.claim!r} filed under {claim!r}")
    cells = {
        column: [
            ev.verdict if (ev := evidence.get((claim, column))) is not None else NOT_APPLICABLE
            for claim in claims
        ]
        for column in columns
    }
    return pd.DataFrame(cells, index=pd.Index(claims, name="claim"), columns=columns)


def verdict_codes(table) -> np.ndarray:
    """The table as numbers (:data:`CODES`: holds +1, within noise 0, fails -1, n/a NaN)."""
    values = np.asarray(table, dtype=object)
    unknown = sorted({str(v) for v in values.ravel()} - set(CODES))
    if unknown:
        raise ValueError(f"unknown verdict(s) {unknown}; valid: {list(CODES)}")
    return np.vectorize(CODES.__getitem__, otypes=[float])(values) if values.size else values


def holds_with(table, claim: str, *, none: str = "none", missing: str = "not studied") -> str:
    """The columns in which ``claim`` holds, joined by ``"; "``.

    ``none`` when it holds in no column; ``missing`` when the table has no row
    for the claim (or the row is n/a everywhere).
    """
    if claim not in table.index or (table.loc[claim] == NOT_APPLICABLE).all():
        return missing
    where = [str(c) for c, v in table.loc[claim].items() if v == HOLDS]
    return "; ".join(where) if where else none


def changes(table, base: str):
    """Where a column's verdict differs from column ``base``'s: one row per change.

    Returns a DataFrame with columns ``column``, ``claim``, ``base`` (the base
    column's verdict) and ``verdict``; n/a cells are left out.
    """
    import pandas as pd

    if base not in table.columns:
        raise ValueError(
            f"base column {base!r} is not in the table; columns: {list(table.columns)}"
        )
    rows = [
        {"column": col, "claim": claim, "base": table.at[claim, base], "verdict": v}
        for col in table.columns
        if col != base
        for claim, v in table[col].items()
        if NOT_APPLICABLE not in (v, table.at[claim, base]) and v != table.at[claim, base]
    ]
    return pd.DataFrame(rows, columns=["column", "claim", "base", "verdict"])


def verdict_figure(table, *, per_panel: int = 7, title: str | None = None, fontsize: int = 9):
    """``table`` drawn as heatmaps of at most ``per_panel`` columns each, stacked: cells
    large enough for their text at a page's width (:func:`verdict_heatmap` per panel).

    Returns the matplotlib figure, one axis per panel.
    """
    import matplotlib.pyplot as plt

    if per_panel < 1:
        raise ValueError(f"per_panel must be >= 1, got {per_panel}")
    n = max(1, math.ceil(table.shape[1] / per_panel))
    per = max(1, math.ceil(table.shape[1] / n))  # balanced: no panel of one column
    rows = table.shape[0]
    fig, axes = plt.subplots(n, 1, figsize=(9.5, n * (0.42 * rows + 2.0)), squeeze=False)
    for k, ax in enumerate(axes[:, 0]):
        part = table.iloc[:, k * per : (k + 1) * per]
        verdict_heatmap(ax, part, title=title if k == 0 else None, fontsize=fontsize)
        ax.set_xlim(-0.5, per - 0.5)  # every panel's cells the same size
        ax.tick_params(axis="x", labelrotation=30)
        for spine in ax.spines.values():
            spine.set_visible(False)
    fig.tight_layout()
    return fig


def verdict_heatmap(ax, table, *, title: str | None = None, fontsize: int = 7):
    """Draw ``table`` (claims x columns) as coloured cells with the verdict written in each.

    Green: holds; grey: within noise; red: fails; white: n/a. Returns ``ax``.
    """
    from matplotlib.colors import ListedColormap

    codes = verdict_codes(table)
    cmap = ListedColormap(["#d9534f", "#c8c8c8", "#5cb85c"]).with_extremes(bad="white")
    ax.imshow(np.ma.masked_invalid(codes), cmap=cmap, vmin=-1.5, vmax=1.5, aspect="auto")
    short = {HOLDS: "holds", NOISE: "noise", FAILS: "fails", NOT_APPLICABLE: "n/a"}
    for i in range(codes.shape[0]):
        for j in range(codes.shape[1]):
            ax.text(j, i, short[table.iat[i, j]], ha="center", va="center", fontsize=fontsize)
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=60, ha="right")
    ax.set_yticks(range(table.shape[0]), [str(r) for r in table.index])
    ax.set_xticks(np.arange(-0.5, table.shape[1]), minor=True)
    ax.set_yticks(np.arange(-0.5, table.shape[0]), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    if title:
        ax.set_title(title)
    return ax
