"""A claim over replicate seeds: its verdict on every seed and the spread of its estimate.

A verdict (:mod:`vog.analysis.verdicts`) reads one run's interval; a run trained
with another seed can read differently. :func:`seed_spread` puts a claim's
evidence on each seed of one set-up side by side: the verdict per seed, the
claim's deciding estimate per seed (its first condition, the number the paper
states, oriented so that > 0 is the paper's side), and its range over the seeds
(:func:`vog.analysis.effects.seed_noise`). The first seed comes first: it is the
one a page quotes, the others say how far that quote can move.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .effects import seed_noise
from .verdicts import VERDICTS, Evidence

__all__ = ["SCALE", "SeedSpread", "seed_spread"]

#: How each claim's deciding estimate is shown, by claim id (``Evidence.claim``): (scale, decimals).
#: Error: top-10% minus bottom-10% error, in percentage points; class: Pearson r;
#: memorisation: shuffled minus clean mean score; msp / oodc: VoG's minus the baseline's
#: mean AUROC, in points; flip: minus the early trend. Other claims: as they are, 2 decimals.
SCALE = {
    "error": (100.0, 1),
    "class": (1.0, 2),
    "memorisation": (1.0, 2),
    "msp": (100.0, 1),
    "oodc": (100.0, 1),
    "flip": (1.0, 2),
}


@dataclass(frozen=True)
class SeedSpread:
    """One claim of one set-up over its seeds.

    Attributes
    ----------
    seeds : tuple of int
        The seeds, the first (quoted) one first.
    verdicts : tuple of str
        The claim's verdict on each seed (one of :data:`vog.analysis.verdicts.VERDICTS`).
    estimates : tuple of float
        Its deciding estimate on each seed, scaled by :data:`SCALE` (> 0: the paper's side).
    decimals : int
        Decimals to show the estimates with.
    """

    seeds: tuple[int, ...]
    verdicts: tuple[str, ...]
    estimates: tuple[float, ...]
    decimals: int = 2

    def __post_init__(self) -> None:
        if not self.seeds or not len(self.seeds) == len(self.verdicts) == len(self.estimates):
            raise ValueError("seeds, verdicts and estimates must be as long, and not empty")
        unknown = sorted(set(self.verdicts) - set(VERDICTS))
        if unknown:
            raise ValueError(f"unknown verdict(s) {unknown}; valid: {list(VERDICTS)}")

    @property
    def low(self) -> float:
        """The smallest estimate over the seeds (NaN if none is finite)."""
        finite = [e for e in self.estimates if np.isfinite(e)]
        return float(min(finite)) if finite else float("nan")

    @property
    def high(self) -> float:
        """The largest estimate over the seeds (NaN if none is finite)."""
        finite = [e for e in self.estimates if np.isfinite(e)]
        return float(max(finite)) if finite else float("nan")

    @property
    def noise(self) -> float:
        """The range over the seeds (:func:`~vog.analysis.effects.seed_noise`), >= 0; NaN
        with fewer than two finite estimates."""
        finite = [e for e in self.estimates if np.isfinite(e)]
        return seed_noise(finite) if len(finite) >= 2 else float("nan")

    def count(self, verdict: str) -> int:
        """On how many seeds the claim has ``verdict``."""
        return sum(v == verdict for v in self.verdicts)

    @property
    def stable(self) -> bool:
        """Whether the verdict is the same on every seed."""
        return len(set(self.verdicts)) == 1

    def text(self) -> str:
        """E.g. ``"holds on 2 of 3 seeds, within noise on 1; +12.0 on seed 0, +8.0 to +15.0
        over seeds"``; with one seed ``"holds on its one seed (0), +12.0"``."""
        d, n = self.decimals, len(self.seeds)
        first = f"{self.estimates[0]:+.{d}f}"
        if n == 1:
            return f"{self.verdicts[0]} on its one seed ({self.seeds[0]}), {first}"
        counts = [(v, self.count(v)) for v in VERDICTS if self.count(v)]
        (most, k), rest = max(counts, key=lambda c: c[1]), counts
        said = f"{most} on {k} of {n} seeds" + "".join(
            f", {v} on {c}" for v, c in rest if v != most
        )
        return (
            f"{said}; {first} on seed {self.seeds[0]}, "
            f"{self.low:+.{d}f} to {self.high:+.{d}f} over seeds"
        )


def seed_spread(by_seed: Mapping[int, Evidence]) -> SeedSpread:
    """A claim's :class:`SeedSpread` from its evidence on each seed (``{seed: Evidence}``,
    the first seed first); the estimate is the first condition's, scaled by :data:`SCALE`.

    Raises
    ------
    ValueError
        Without any seed, or for evidence of different claims.
    """
    if not by_seed:
        raise ValueError("seed_spread needs the evidence of at least one seed")
    kinds = {e.claim for e in by_seed.values()}
    if len(kinds) != 1:
        raise ValueError(f"evidence of different claims on different seeds: {sorted(kinds)}")
    scale, decimals = SCALE.get(kinds.pop(), (1.0, 2))
    return SeedSpread(
        tuple(int(s) for s in by_seed),
        tuple(e.verdict for e in by_seed.values()),
        tuple(scale * float(e.conditions[0].estimate) for e in by_seed.values()),
        decimals,
    )
