"""The factor study's findings in words, chosen by the effects (never by counts of verdicts).

Each function reads :func:`vog.experiments.study_effects.effects_frame` (every claim's
effect over the base, judged against the seed noise) and writes what the chapter and
the book's first page say: :func:`effect_sentences` (the noise floor, the largest
moves or that none moves a claim, the claims no factor moves), :func:`headline` (one
sentence for the first page) and :func:`conclusion` (which reading the effects
support: the paper-like regime, the gradient's target, or neither); :func:`recorded`
says what the long profile's record shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from .records import Record, provenance_line
from .study_effects import UNITS, _fmt

__all__ = ["effect_sentences", "headline", "conclusion", "recorded"]


def _effect_text(claim: str, column: str | None, r: pd.Series) -> str:
    unit, scale = UNITS.get(claim, ("", 1.0))
    where = f"{column} on {claim}:" if column else f"{claim} by"
    return (
        f"{where} {_fmt(r['effect'], scale)} [{_fmt(r['effect low'], scale)}, "
        f"{_fmt(r['effect high'], scale)}] {unit} (seed noise {abs(scale * r['seed noise']):.2g})"
    )


def effect_sentences(frame: pd.DataFrame, *, base: str = "base", top: int = 3) -> list[str]:
    """Three or four sentences chosen by the effects: the base's seed noise, the largest
    moves (or that none moves a claim), and the claims no factor moves."""
    claims = list(dict.fromkeys(frame.index.get_level_values(0)))
    noise = []
    for c in claims:
        t = frame.loc[c]
        if base in t.index and t.at[base, "seeds"] > 1:
            unit, scale = UNITS.get(c, ("", 1.0))
            spread = scale * (t.at[base, "seed high"] - t.at[base, "seed low"])
            noise.append(f"{c} {spread:.2g} {unit}")
    n_seeds = int(frame.xs(base, level="column")["seeds"].max()) if len(frame) else 0
    out = [
        (
            f"Over the base's {n_seeds} seeds alone its estimates span: {'; '.join(noise)}. "
            "This is the noise floor."
            if noise
            else "The base has no seed replicates here, so no effect can be judged against seed "
            "noise: read every effect as unsettled."
        )
    ]
    rest = frame.drop(index=base, level="column", errors="ignore")
    moved = rest[rest["moves"].astype(bool)]
    n_effects = int(rest["effect low"].notna().sum())
    if len(moved):
        ranked = moved.assign(size=(moved["effect"] / moved["seed noise"]).abs()).sort_values(
            "size", ascending=False
        )
        listed = "; ".join(_effect_text(c, col, r) for (c, col), r in ranked.head(top).iterrows())
        toward = int((moved["effect"] > 0).sum())
        out.append(
            f"{len(moved)} of {n_effects} effects move a claim beyond both their interval and the "
            f"seed noise ({toward} toward the paper's direction, {len(moved) - toward} against); "
            f"the largest against their seed noise: {listed}."
        )
    else:
        out.append(f"None of the {n_effects} effects moves a claim beyond seed noise.")
    judged = {c: frame.loc[c].drop(index=base, errors="ignore") for c in claims}
    judged = {c: t[t["effect low"].notna()] for c, t in judged.items()}
    still = [c for c, t in judged.items() if len(t) and not t["moves"].any()]
    if still and len(moved):
        out.append(f"No factor moves the {', '.join(still)} claim{'s' if len(still) > 1 else ''}.")
    return out


def headline(frame: pd.DataFrame, *, base: str = "base") -> str:
    """One sentence for the book's first page: how many of the design's effects move a
    claim beyond the base's seed noise, and how many of those toward the paper."""
    rest = frame.drop(index=base, level="column", errors="ignore")
    judged = rest[rest["effect low"].notna()]
    moved = judged[judged["moves"].astype(bool)]
    n_seeds = int(frame.xs(base, level="column")["seeds"].max()) if len(frame) else 0
    toward = int((moved["effect"] > 0).sum())
    return (
        f"judged against the spread of the base over {n_seeds} training seeds, {len(moved)} of "
        f"{len(judged)} factor effects move a claim ({toward} toward the paper's direction)"
    )


def conclusion(
    frame: pd.DataFrame,
    *,
    corners: Sequence[str],
    targets: Sequence[str],
    fit: Mapping[str, float],
    base: str = "base",
) -> str:
    """The study's reading, chosen by which effects move claims toward the paper's direction:
    the paper-like corners, the target, or neither; with the corners' memorisation ``fit``
    (corner -> its twin's training error on the shuffled labels; at most 5% = fitted)."""
    rest = frame.drop(index=base, level="column", errors="ignore")
    up = rest[rest["moves"].astype(bool) & (rest["effect"] > 0)]
    cols = up.index.get_level_values("column")
    readings = []
    corner_cols = [f"{c}, {targets[0]}" for c in corners]
    in_corner = up[cols.isin(corner_cols)]
    if len(in_corner):
        readings.append(
            "the paper's regime matters: with the paper's logit, "
            + "; ".join(
                f"{col.rsplit(', ', 1)[0]} moves "
                + "; ".join(_effect_text(c, None, r) for (c, _), r in group.iterrows())
                for col, group in in_corner.groupby(level="column", sort=False)
            )
        )
    target_cols = [f"target: {t}" for t in targets[1:]]
    in_target = up[cols.isin(target_cols)]
    if len(in_target):
        readings.append(
            "the target matters: "
            + "; ".join(
                f"the {col.split(': ', 1)[-1]} moves {_effect_text(c, None, r)}"
                for (c, col), r in in_target.iterrows()
            )
        )
    if not readings:
        readings.append(
            "neither the paper-like regime nor the probability target moves a claim toward the "
            "paper's direction beyond seed noise at this scale"
        )
    unfitted = [f"{c} ({100 * e:.0f}%)" for c, e in fit.items() if not e <= 0.05]
    fitted = [c for c, e in fit.items() if e <= 0.05]
    fit_text = (
        (
            "Not every corner reached the paper's fitted regime (error on its shuffled labels): "
            + ", ".join(unfitted)
            + (
                f"; {', '.join(fitted)} did. "
                if fitted
                else ", so the memorisation phase stays untested. "
            )
        )
        if unfitted
        else ""
    )
    return (
        "The effects support this reading: "
        + "; and ".join(readings)
        + ". "
        + fit_text
        + "What they cannot settle is whether the same holds for the paper's own networks "
        "(ResNet-18 on CIFAR-10, 350 epochs): the paper profile runs this design there."
    )


def recorded(record: Record | None, *, base: str = "base") -> str:
    """What the long profile's record (:func:`vog.experiments.records.read_record`) says:
    how and when it was made, its scale, its corners' fit on their shuffled labels, and
    its effects' sentences (:func:`effect_sentences`); or that there is none yet."""
    if record is None:
        return (
            "No record of the long profile is in this build's results folder yet: "
            "`make records` runs this design at ten times the scale (at least 10,000 training "
            "images per run, the full test set, three seeds of the base and of each corner) "
            "and saves its tables, which later builds show here."
        )
    view = record.tables["overview"]
    corners = view[view["factor"] == "corner"]
    fit = ", ".join(
        f"{name} {err:.1f}%"
        for name, err in corners["twin: error on its shuffled labels (%)"].items()
    )
    scale = (
        f"{len(view)} runs, up to {int(view['training images'].max()):,} training images each"
        + (f"; the corners' twins end at {fit} error on their shuffled labels" if fit else "")
    )
    return " ".join(
        [
            provenance_line(record),
            f"{scale}.",
            *effect_sentences(record.tables["effects"], base=base),
        ]
    )
