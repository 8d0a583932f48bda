"""The factor study's verdicts: every claim's evidence on every run, laid out as tables.

:func:`claim_evidence` turns one run's scores (:mod:`vog.experiments.study`) into the
evidence of every claim they allow (:mod:`vog.analysis.evidence`) under one
normalisation of :data:`vog.experiments.VARIANTS`; :func:`design_evidence` does so for
every run of a trained design (:mod:`vog.experiments.study_runs`);
:func:`verdict_columns` and :func:`verdict_table_of` lay the verdicts out as the
chapter's heatmaps (:mod:`vog.analysis.verdicts`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from ..analysis import evidence as ev
from ..analysis import verdicts as vd
from ..analysis.verdicts import Evidence
from .study import DesignRun
from .variants import VARIANTS

if TYPE_CHECKING:
    from .study_runs import StudyScoring, TrainedDesign

__all__ = [
    "CLAIMS",
    "NORM_LABEL",
    "normalised",
    "claim_evidence",
    "design_evidence",
    "verdict_columns",
    "verdict_table_of",
    "REPRODUCTION_CLAIMS",
    "reproduction_values",
]

#: The claims with a computed check, in the chapter's order (Fig. 4/10, Fig. 9, Fig. 5/8/11,
#: Sec. 4.1, Table 3, Fig. 12b, Table 1).
CLAIMS = ("error", "class", "flip", "memorisation", "msp", "shift", "oodc")
#: How a normalisation is written in a column name.
NORM_LABEL = {"signed": "z", "absolute": "|z|", "relative": "relative"}


def normalised(name: str, raw, magnitude, labels) -> torch.Tensor:
    """The scores of :data:`vog.experiments.VARIANTS` ``name`` ("signed", "absolute",
    "relative", "raw") for plain tensors: raw VoG, gradient size and labels, each (N,)."""
    if name not in VARIANTS or name == "predicted":
        valid = [k for k in VARIANTS if k != "predicted"]
        raise ValueError(f"unknown normalisation {name!r}; choose one of {valid}")
    view = SimpleNamespace(
        vog={"s": {"w": torch.as_tensor(raw)}},
        magnitude={"s": {"w": torch.as_tensor(magnitude)}},
        labels={"s": torch.as_tensor(labels)},
    )
    return VARIANTS[name](view, "s", "w")  # type: ignore[arg-type]


def _pooled(name: str, a: Mapping, b: Mapping) -> tuple[torch.Tensor, torch.Tensor]:
    """Both sets' scores normalised together by predicted class (as :func:`pooled_vog`)."""
    z = normalised(
        name,
        torch.cat([a["raw"], b["raw"]]),
        torch.cat([a["magnitude"], b["magnitude"]]),
        torch.cat([a["pred"], b["pred"]]),
    )
    return z[: len(a["raw"])], z[len(a["raw"]) :]


def claim_evidence(
    test: Mapping,
    *,
    normalisation: str = "signed",
    twin: Mapping | None = None,
    ood: Mapping | None = None,
    msp_sets: Sequence[str] = (),
    shift_sets: Sequence[str] = (),
    corruptions: Mapping | None = None,
    baselines: Mapping | None = None,
    window: str = "all",
    bins: int = 10,
    n_boot: int = 200,
    seed: int = 0,
) -> dict[str, ev.Evidence]:
    """The evidence of every claim that the given scores allow, by claim id.

    ``test``: :func:`vog.experiments.study.window_scores` of the test set plus
    ``labels`` and ``predictions`` (N,); ``twin``: the shuffled-label twin's
    training-set scores of ``window`` (``vog``, ``magnitude``, ``labels`` as
    trained, ``noisy`` mask); ``ood`` / ``corruptions``:
    :func:`vog.experiments.study.predicted_scores` with the in-distribution images
    under ``"in"``; ``baselines``: ``{method: {corruption: (score_in, score_out)}}``
    for MNIST-C.
    """
    y, correct = test["labels"], (test["predictions"] == test["labels"]).numpy()

    def score(w: str) -> torch.Tensor:
        return normalised(normalisation, test["vog"][w], test["magnitude"][w], y)

    out = {
        "error": ev.error_evidence(score(window), correct, n_boot=n_boot, seed=seed),
        # class means of the score before class normalisation (Fig. 9: raw VoG)
        "class": ev.class_evidence(
            test["vog"][window] / test["magnitude"][window]
            if normalisation == "relative"
            else test["vog"][window],
            y,
            test["predictions"],
        ),
        "flip": ev.flip_evidence(
            score("early"), score("late"), correct, bins=bins, n_boot=n_boot, seed=seed
        ),
    }
    if twin is not None:
        z = normalised(normalisation, twin["vog"], twin["magnitude"], twin["labels"]).numpy()
        mask = np.asarray(twin["noisy"], dtype=bool)
        out["memorisation"] = ev.memorisation_evidence(z[~mask], z[mask])
    if ood is not None and msp_sets:
        pairs = {k: _pooled(normalisation, ood["in"], ood[k]) for k in msp_sets}
        msp = {k: (ood["in"]["msp"], ood[k]["msp"]) for k in msp_sets}
        out["msp"] = ev.msp_evidence(pairs, msp, n_boot=n_boot, seed=seed)
    if ood is not None and shift_sets:
        pairs = {k: _pooled(normalisation, ood["in"], ood[k]) for k in shift_sets}
        out["shift"] = ev.shift_evidence(pairs, n_boot=n_boot, seed=seed)
    if corruptions is not None and baselines:
        names = [k for k in corruptions if k != "in"]
        pairs = {k: _pooled(normalisation, corruptions["in"], corruptions[k]) for k in names}
        out["oodc"] = ev.oodc_evidence(pairs, baselines, n_boot=n_boot, seed=seed)
    return out


def design_evidence(
    trained: TrainedDesign, scores: Mapping, extras: Mapping, opts: StudyScoring
) -> dict[tuple[str, str, str, str], Evidence]:
    """Every claim's evidence, keyed ``(run, target, normalisation, claim)``.

    Every run is evaluated with the first normalisation; the base, the corners and
    their seed replicates with all of ``opts.normalisations``.
    """
    studied = {n for n, d in trained.design.items() if d.factor in ("base", "corner", "seed")}
    out = {}
    for (name, target), sc in scores.items():
        sets = list(opts.ood_sets.get(trained.runs[name]["clean"].config.dataset, {}))
        baselines = extras[name]["oodc"][1]
        for norm in opts.normalisations if name in studied else opts.normalisations[:1]:
            found = claim_evidence(
                sc["test"],
                normalisation=norm,
                twin=sc["twin"],
                ood=sc["ood"],
                msp_sets=sets,
                shift_sets=[k for k in sets if k in opts.shift_sets],
                corruptions=sc["oodc"],
                baselines=baselines,
                window=opts.window,
                bins=opts.bins,
                n_boot=opts.n_boot,
            )
            for claim, e in found.items():
                out[name, target, norm, claim] = e
    return out


def verdict_columns(
    design: Mapping[str, DesignRun], opts: StudyScoring, *, every: bool = False
) -> dict[str, tuple[str, str, str]]:
    """Column label -> (run, target, normalisation) of a verdict table.

    The design's columns (``every=False``): the anchors, ``"base"``, the base under
    each other target (``"target: probability"``) and normalisation
    (``"normalisation: |z|"``), every one-factor run, every corner under every
    target (``"<corner>, <target>"``); seed replicates are left out (their spread is
    the effects' noise floor). ``every=True``: every run under every target,
    ``"<run> | <target>"``, with the first normalisation.
    """
    t0, n0 = opts.targets[0], opts.normalisations[0]
    if every:
        return {f"{n} | {t}": (n, t, n0) for n in design for t in opts.targets}
    cols = {n: (n, t0, n0) for n, d in design.items() if d.factor == "anchor"}
    cols["base"] = ("base", t0, n0)
    cols.update({f"target: {t}": ("base", t, n0) for t in opts.targets[1:]})
    cols.update(
        {f"normalisation: {NORM_LABEL[m]}": ("base", t0, m) for m in opts.normalisations[1:]}
    )
    cols.update(
        {
            n: (n, t0, n0)
            for n, d in design.items()
            if d.factor not in ("anchor", "base", "corner", "seed")
        }
    )
    for n, d in design.items():
        if d.factor == "corner":
            cols.update({f"{n}, {t}": (n, t, n0) for t in opts.targets})
    return cols


def verdict_table_of(
    evidence: Mapping[tuple[str, str, str, str], Evidence],
    columns: Mapping[str, tuple[str, str, str]],
    claims: Sequence[str] = CLAIMS,
) -> pd.DataFrame:
    """The claims x columns verdict table (:func:`vog.analysis.verdicts.verdict_table`)."""
    cells = {
        (claim, label): evidence.get((*key, claim))
        for label, key in columns.items()
        for claim in claims
    }
    return vd.verdict_table(cells, claims=list(claims), columns=list(columns))


#: The reproduction page's claims, in its rows' order (a "holds with" cell each).
REPRODUCTION_CLAIMS = (
    "toy",
    "train",
    "error",
    "class",
    "memorisation",
    "oodc",
    "flip",
    "stability",
    "msp",
    "shift",
)


def reproduction_values(design_table: pd.DataFrame, every_table: pd.DataFrame) -> dict[str, str]:
    """What the reproduction page reads from the study, by glue key.

    ``holds_with_<claim>``: the design's columns in which the claim holds
    (:func:`vog.analysis.verdicts.holds_with`; "not studied" where it has no row);
    ``diag_paper_holds``: how many of ``every_table``'s verdicts under the paper's
    definition (its first target, columns ``"<run> | <target>"`` of the first one)
    hold, as ``"k of n"`` (n/a cells not counted); ``diag_relative_holds``: the same
    for the design's ``"normalisation: relative"`` column ("not scored" without it).
    """

    def k_of_n(cells: pd.DataFrame) -> str:
        held = int((cells == vd.HOLDS).to_numpy().sum())
        return f"{held} of {int((cells != vd.NOT_APPLICABLE).to_numpy().sum())}"

    out = {f"holds_with_{c}": vd.holds_with(design_table, c) for c in REPRODUCTION_CLAIMS}
    first = every_table.columns[0].split(" | ")[-1] if len(every_table.columns) else ""
    out["diag_paper_holds"] = k_of_n(
        every_table[[c for c in every_table if c.endswith(f"| {first}")]]
    )
    rel = "normalisation: relative"
    out["diag_relative_holds"] = (
        k_of_n(design_table[[rel]]) if rel in design_table else "not scored"
    )
    return out
