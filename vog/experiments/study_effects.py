"""The factor study's inference: each factor's effect on each claim, against seed noise.

A verdict is one interval read three ways, so two runs can differ by a verdict
while their estimates barely move, and a seed alone can flip a cell. Here every
claim is read through its deciding estimate (its first condition, e.g. the error
claim's top-10% minus bottom-10% error) on every column of the design
(:func:`vog.experiments.study_verdicts.verdict_columns`):

- :func:`claim_effects`: per column, the estimate with its interval, its range
  over the run's seed replicates, and its *effect*, the difference from the base
  column (:func:`vog.analysis.effects.condition_effect`: a paired bootstrap where
  both runs scored the same images, else from independent intervals), judged by
  :func:`vog.analysis.effects.moves` against the seed noise: the range of the
  base's estimate over its seeds, or the column's own range if larger;
- :func:`effects_frame` stacks every claim; :func:`effects_summary` is the compact
  claims x columns table; :func:`forest_figure` one forest plot per claim with the
  base's seed band;
- :mod:`vog.experiments.study_findings` chooses the chapter's sentences from
  these effects (never from counts of verdicts).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..analysis import effects as ef
from ..analysis.verdicts import Evidence
from .study_verdicts import CLAIMS

__all__ = [
    "UNITS",
    "claim_effects",
    "effects_frame",
    "effects_summary",
    "forest_figure",
]

#: Per claim: the unit its deciding estimate is shown in and the factor to it.
UNITS: dict[str, tuple[str, float]] = {
    "error": ("error points", 100.0),
    "class": ("r", 1.0),
    "flip": ("trend", 1.0),
    "memorisation": ("score units", 1.0),
    "msp": ("AUROC points", 100.0),
    "shift": ("share points", 100.0),
    "oodc": ("AUROC points", 100.0),
}
_COLUMNS = [
    "run",
    "condition",
    "estimate",
    "low",
    "high",
    "verdict",
    "seeds",
    "seed low",
    "seed high",
    "effect",
    "effect low",
    "effect high",
    "paired",
    "seed noise",
    "moves",
]


def _range(values: Sequence[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return ef.seed_noise(finite) if len(finite) >= 2 else float("nan")


def claim_effects(
    evidence: Mapping[tuple[str, str, str, str], Evidence],
    columns: Mapping[str, tuple[str, str, str]],
    claim: str,
    *,
    base: str = "base",
    replicates: Mapping[str, Sequence[str]] | None = None,
    pairs: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One claim on every column of the design, with its effect over the ``base`` column.

    Parameters
    ----------
    evidence : mapping (run, target, normalisation, claim) -> Evidence
        :func:`vog.experiments.study_verdicts.design_evidence`.
    columns : mapping label -> (run, target, normalisation)
        :func:`vog.experiments.study_verdicts.verdict_columns`; must hold ``base``.
    replicates : mapping run -> its seed replicates' run names
        :meth:`vog.experiments.study_runs.TrainedDesign.replicates`.
    pairs : mapping run -> digest of its scored test images
        Runs with equal digests scored the same images: their effect is paired.

    Returns
    -------
    pandas.DataFrame
        One row per column where the claim applies (index: the label): the run,
        the deciding condition's name, ``estimate`` / ``low`` / ``high`` (> 0 = the
        paper's direction), the claim's ``verdict``, ``seeds`` (how many seeds the
        column has), ``seed low`` / ``seed high`` (range of the estimate over them),
        ``effect`` / ``effect low`` / ``effect high`` (minus the base; 0 on the
        base's row), ``paired``, ``seed noise`` (the larger of the base's and the
        column's seed ranges; NaN without replicates) and ``moves``
        (:func:`vog.analysis.effects.moves`; False where the noise is unknown).
    """
    if base not in columns:
        raise ValueError(f"base column {base!r} is not among the columns {list(columns)}")
    replicates, pairs = dict(replicates or {}), dict(pairs or {})

    def estimates(run: str, target: str, norm: str) -> list[float]:
        found = [evidence.get((r, target, norm, claim)) for r in [run, *replicates.get(run, [])]]
        return [e.conditions[0].estimate for e in found if e is not None]

    key_b = columns[base]
    e_base = evidence.get((*key_b, claim))
    base_noise = _range(estimates(*key_b))
    rows = []
    for label, (run, target, norm) in columns.items():
        e = evidence.get((run, target, norm, claim))
        if e is None:
            continue
        c = e.conditions[0]
        seeds = estimates(run, target, norm)
        own = _range(seeds)
        noise = (
            float(np.nanmax([base_noise, own]))
            if np.isfinite([base_noise, own]).any()
            else math.nan
        )
        row: dict[str, object] = {
            "run": run,
            "condition": c.name,
            "estimate": c.estimate,
            "low": c.low,
            "high": c.high,
            "verdict": e.verdict,
            "seeds": len(seeds),
            "seed low": min(seeds),
            "seed high": max(seeds),
            "seed noise": noise,
        }
        if label == base:
            eff, moved = ef.Effect(0.0, 0.0, 0.0), False
        elif e_base is None:  # the claim does not apply to the base: no effect to state
            nan = math.nan
            eff, moved = ef.Effect(nan, nan, nan, paired=False), False
        else:
            paired = run in pairs and pairs.get(run) == pairs.get(key_b[0])
            eff = ef.condition_effect(
                e_base.conditions[0], c, paired=paired, levels=(e_base.level, e.level)
            )
            moved = ef.moves(eff, noise)
        row.update(
            {
                "effect": eff.estimate,
                "effect low": eff.low,
                "effect high": eff.high,
                "paired": eff.paired,
                "moves": moved,
            }
        )
        rows.append({"column": label, **row})
    return pd.DataFrame(rows, columns=["column", *_COLUMNS]).set_index("column")


def effects_frame(
    evidence: Mapping[tuple[str, str, str, str], Evidence],
    columns: Mapping[str, tuple[str, str, str]],
    claims: Sequence[str] = CLAIMS,
    **kwargs,
) -> pd.DataFrame:
    """:func:`claim_effects` of every claim, stacked (index: claim, column)."""
    parts = {c: claim_effects(evidence, columns, c, **kwargs) for c in claims}
    parts = {c: t for c, t in parts.items() if len(t)}
    if not parts:
        return pd.DataFrame(columns=_COLUMNS)
    return pd.concat(parts, names=["claim", "column"])


def _fmt(x: float, scale: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{scale * x:+.{1 if scale > 1 else 2}f}"


def effects_summary(
    frame: pd.DataFrame, *, base: str = "base", intervals: bool = True
) -> pd.DataFrame:
    """The compact table: columns of the design x claims, each cell ``effect [low, high]``
    (``intervals=False``: the effect alone) in the claim's unit (:data:`UNITS`), marked
    ``▲`` where the effect moves the claim toward the paper's direction beyond seed noise
    and ``▼`` where it moves it against."""
    cells: dict[str, dict[str, str]] = {}
    for (claim, column), r in frame.iterrows():
        if column == base:
            continue
        scale = UNITS.get(claim, ("", 1.0))[1]
        mark = (" ▲" if r["effect"] > 0 else " ▼") if r["moves"] else ""
        if not np.isfinite(r["effect"]):
            cells.setdefault(column, {})[claim] = "n/a on base"
            continue
        interval = f" [{_fmt(r['effect low'], scale)}, {_fmt(r['effect high'], scale)}]"
        cells.setdefault(column, {})[claim] = (
            f"{_fmt(r['effect'], scale)}{interval if intervals else ''}{mark}"
        )
    claims = list(dict.fromkeys(frame.index.get_level_values(0)))
    table = pd.DataFrame.from_dict(cells, orient="index").reindex(columns=claims)
    table.index.name = "effect over base"
    return table.fillna("n/a")


def forest_figure(frame: pd.DataFrame, *, base: str = "base", ncols: int = 2):
    """One forest plot per claim: every column's estimate and interval (claim's unit), the
    base's seed range shaded. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    claims = list(dict.fromkeys(frame.index.get_level_values(0)))
    nrows = max(1, math.ceil(len(claims) / ncols))
    most = max((len(frame.loc[c]) for c in claims), default=1)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(6.4 * ncols, (0.26 * most + 1.1) * nrows), squeeze=False
    )
    for ax, claim in zip(axes.flat, claims, strict=False):
        t = frame.loc[claim]
        unit, scale = UNITS.get(claim, ("", 1.0))
        shown = scale * t[["estimate", "low", "high"]].astype(float)
        seeds = []
        if base in t.index and t.at[base, "seeds"] > 1:
            seeds = [scale * t.at[base, "seed low"], scale * t.at[base, "seed high"]]
        ef.forest_plot(ax, shown, base=base, seeds=seeds)
        moved = t.index[t["moves"].astype(bool)]
        for lab in ax.get_yticklabels():
            lab.set_fontsize(8)
            if lab.get_text() in moved:
                lab.set_fontweight("bold")
        ax.set_title(f"{claim}: {t['condition'].iloc[0]} ({unit})", fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    for ax in list(axes.flat)[len(claims) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig
