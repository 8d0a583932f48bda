"""What VoG measures, run by run: the gradient's size, the model's confidence and what is left.

The study chapter's diagnosis. For each run of the design
(:func:`vog.experiments.study.one_factor_design`) and each set a claim is
tested on (its test images, whose hard examples are the misclassified ones; its
shuffled-label twin's training images, whose hard examples are the shuffled
ones), :func:`measures_table` tabulates :func:`vog.analysis.residual.what_vog_adds`:
how much of logit VoG's ranking the gradient's size and the confidence explain,
and whether the residual finds the hard examples. :func:`confidence_table`
tabulates how much of *probability* VoG the confidence explains
(:func:`vog.analysis.evidence.confidence_share`) beside the error AUROCs of
both targets and of -MSP. :func:`what_changed` and :func:`changes_table` say what
sets each run apart: BatchNorm, its fit, the gradient sizes of its errors.

Scores are read from the study's caches (:func:`vog.experiments.study.window_scores`,
:func:`vog.experiments.study.label_confidence`): nothing is trained here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..analysis import evidence as ev
from ..analysis.metrics import spearman
from ..analysis.ood import msp_score
from ..analysis.residual import hard_auroc, what_vog_adds
from ..checkpoints import load_checkpoint
from .run import Experiment
from .study import label_confidence
from .study_runs import StudyScoring, TrainedDesign, training_error
from .study_verdicts import normalised

__all__ = [
    "SETS",
    "SHOWN",
    "confidence_factor",
    "confidence_table",
    "measures_table",
    "measures_figure",
    "measures_finding",
    "headline",
    "span",
    "what_changed",
    "changes_table",
]

#: The columns of :func:`measures_table` a page shows, with short names.
SHOWN = {
    "spearman_size": "Spearman(VoG, size)",
    "left": "ranking left",
    "slope": "log-log slope",
    "auroc vog": "AUROC VoG (%)",
    "auroc residual | both": "AUROC residual (%)",
}

#: The sets each run is measured on: the clean run's test images (hard: misclassified)
#: and its twin's training images (hard: the shuffled labels).
SETS = ("test: errors", "twin: shuffled labels")


def confidence_factor(p_y: torch.Tensor) -> torch.Tensor:
    """The probability gradient's confidence factor ``p_y (1 - p_y)``, its root mean square
    over the checkpoints: (K, N) probabilities of the label -> (N,), in [0, 0.25]."""
    p = p_y.double()
    return (p * (1 - p)).pow(2).mean(0).sqrt()


def _auroc(score, hard: np.ndarray) -> float:
    """:func:`vog.analysis.residual.hard_auroc` in %."""
    return 100 * hard_auroc(score, hard)


def confidence_table(
    runs: Mapping[str, Mapping[str, Experiment]],
    scores: Mapping[tuple[str, str], Mapping],
    indices: Mapping[str, np.ndarray],
    *,
    window: str,
) -> pd.DataFrame:
    """Per run with both targets: how much of probability-VoG the confidence explains.

    ``runs[name]["clean"]`` is a run, ``scores[name, target]["test"]`` its test scores
    (``vog`` and ``magnitude`` by window, ``labels``, ``predictions``) on the test
    images ``indices[name]``. Columns: the R² of log probability-VoG on log confidence
    factor, on log logit-VoG and on both (:func:`vog.analysis.evidence.confidence_share`),
    Spearman correlations with the confidence factor and with -MSP, and the error AUROCs
    (%) of both targets' signed VoG and of -MSP.
    """
    rows = []
    for name, pair in runs.items():
        if (name, "probability") not in scores or (name, "logit") not in scores:
            continue
        clean, idx = pair["clean"], indices[name]
        lt, pt = scores[name, "logit"]["test"], scores[name, "probability"]["test"]
        factor = confidence_factor(label_confidence(clean, "test", indices=idx, window=window))
        wrong = (lt["predictions"] != lt["labels"]).numpy()
        final = load_checkpoint(clean.model(), clean.checkpoints(window)[-1])
        msp = msp_score(final, clean.examples("test", idx)).numpy()
        share = ev.confidence_share(pt["vog"][window], lt["vog"][window], factor)
        z = {
            t: normalised("signed", s["vog"][window], s["magnitude"][window], s["labels"])
            for t, s in (("logit", lt), ("probability", pt))
        }
        rows.append(
            {
                "run": name,
                "R² confidence alone": share["r2_confidence"],
                "R² logit VoG alone": share["r2_logit"],
                "R² both": share["r2_both"],
                "Spearman(prob-VoG, confidence)": share["spearman_confidence"],
                "Spearman(prob-VoG, -MSP)": spearman(pt["vog"][window], msp)[0],
                "errors AUROC: logit VoG (%)": _auroc(z["logit"], wrong),
                "errors AUROC: probability VoG (%)": _auroc(z["probability"], wrong),
                "errors AUROC: -MSP (%)": _auroc(msp, wrong),
            }
        )
    return pd.DataFrame(rows).set_index("run") if rows else pd.DataFrame()


def measures_table(
    runs: Mapping[str, Mapping[str, Experiment]],
    scores: Mapping[tuple[str, str], Mapping],
    indices: Mapping[str, np.ndarray],
    twin_indices: Mapping[str, np.ndarray],
    *,
    window: str,
    target: str = "logit",
) -> pd.DataFrame:
    """Per run and set (:data:`SETS`): :func:`vog.analysis.residual.what_vog_adds` of
    ``target``'s raw VoG, its gradient size and the mean confidence in the label over
    the window's checkpoints.

    ``scores[name, target]`` holds ``"test"`` (as for :func:`confidence_table`) and
    ``"twin"`` (``vog``, ``magnitude``, ``labels`` and ``noisy`` of the twin's training
    images ``twin_indices[name]``). AUROCs are in %. Index: (run, set).
    """
    rows = []
    for name, pair in runs.items():
        if (name, target) not in scores:
            continue
        test, twin = scores[name, target]["test"], scores[name, target]["twin"]
        sets = {
            SETS[0]: (
                pair["clean"],
                "test",
                indices[name],
                test["vog"][window],
                test["magnitude"][window],
                (test["predictions"] != test["labels"]).numpy(),
            ),
            SETS[1]: (
                pair["twin"],
                "train",
                twin_indices[name],
                twin["vog"],
                twin["magnitude"],
                twin["noisy"].numpy().astype(bool),
            ),
        }
        for label, (run, split, idx, vog, size, hard) in sets.items():
            confidence = label_confidence(run, split, indices=idx, window=window).double().mean(0)
            out = what_vog_adds(vog, size, confidence, hard=hard)
            rows.append(
                {
                    "run": name,
                    "set": label,
                    **{k: 100 * v if k.startswith("auroc") else v for k, v in out.items()},
                }
            )
    return pd.DataFrame(rows).set_index(["run", "set"]) if rows else pd.DataFrame()


def measures_figure(table: pd.DataFrame, confidence: pd.DataFrame | None = None):
    """One figure of the diagnosis: per run, Spearman(VoG, gradient size) and the share of
    VoG's ranking the size and confidence leave (test images), R² of confidence alone for
    probability-VoG (where ``confidence`` has it), and the AUROCs of VoG and of its
    residual after both for each set. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 0.45 * len(table) / 2 + 2.2), sharey=False)
    test = table.xs(SETS[0], level="set")
    names = list(test.index)
    y = np.arange(len(names))
    ax = axes[0]
    ax.plot(test["spearman_size"], y, "o", label="Spearman(logit VoG, gradient size)")
    ax.plot(test["left"], y, "s", label="share of the ranking left (size, confidence)")
    if confidence is not None and len(confidence):
        r2 = confidence["R² confidence alone"].reindex(names)
        ax.plot(r2, y, "^", label="R² of confidence alone (probability VoG)")
    ax.set(yticks=y, yticklabels=names, xlim=(-0.05, 1.05), title="what VoG follows")
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.08))
    ax = axes[1]
    for i, (label, marker) in enumerate(zip(SETS, "oD", strict=True)):
        part = table.xs(label, level="set").reindex(names)
        ax.plot(part["auroc vog"], y + 0.12 * i, marker, color=f"C{i}", label=f"VoG, {label}")
        ax.plot(
            part["auroc residual | both"],
            y + 0.12 * i,
            marker,
            mfc="none",
            color=f"C{i}",
            label=f"residual, {label}",
        )
    ax.axvline(50, color="k", lw=0.8)
    ax.set(yticks=y, yticklabels=[], xlabel="AUROC (%)", title="what VoG finds, and what is left")
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.08), ncol=2)
    fig.tight_layout()
    return fig


def span(values, fmt: str) -> str:
    """The range of the finite ``values`` as text, ``"0.96 to 0.99"`` (one value where
    both ends format alike), each end formatted with ``fmt``; ``"(undefined)"`` if none."""
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    if v.size == 0:
        return "(undefined)"
    lo, hi = format(v.min(), fmt), format(v.max(), fmt)
    return lo if lo == hi else f"{lo} to {hi}"


def measures_finding(table: pd.DataFrame, confidence: pd.DataFrame | None = None) -> str:
    """The section's finding in plain sentences, every number read from ``table``
    (:func:`measures_table`) and ``confidence`` (:func:`confidence_table`), ranges over
    the runs: :func:`headline`'s two sentences, then whether VoG or its residual finds
    the hard examples better (decided by the numbers) and the log-log slope."""
    lines = headline(table, confidence)
    parts = [lines["size"]]
    if confidence is not None and len(confidence):
        parts.append(lines["confidence"])
    for label, what in zip(SETS, ("errors", "shuffled labels"), strict=True):
        part = table.xs(label, level="set")
        vog_auc, left_auc = part["auroc vog"], part["auroc residual | both"]
        better = int((left_auc > vog_auc).sum())
        parts.append(
            f"For {what}, VoG's AUROC is {span(vog_auc, '.0f')}% and its residual's "
            f"{span(left_auc, '.0f')}% (the residual ranks them better on {better} of "
            f"{len(part)} runs; 50% = chance)."
        )
    test = table.xs(SETS[0], level="set")
    parts.append(
        f"VoG grows as the size to the power {span(test['slope'], '.2f')} (log-log "
        "slope): the relative variant divides by the size as if the power were 1, the "
        "residual fits it."
    )
    return " ".join(parts)


def headline(
    table: pd.DataFrame, confidence: pd.DataFrame | None = None, *, strong: float = 0.9
) -> dict[str, str]:
    """The landing page's sentences on what VoG measures, chosen by the numbers.

    ``"size"``: whether logit VoG ranks the test images by their gradient's size
    (every run's Spearman above ``strong``) or only follows it, with the range and
    the share of the ranking the size and confidence leave; ``"confidence"``: whether
    probability-VoG is the confidence (R² of the confidence alone above 0.5 on most
    runs) or not, with the range.
    """
    test = table.xs(SETS[0], level="set")
    rho = test["spearman_size"].dropna()
    how = "" if len(rho) and (rho > strong).all() else "partly "
    out = {
        "size": f"Logit VoG ranks test images {how}by the size of their input gradient (Spearman "
        f"{span(rho, '.2f')} over {len(rho)} runs; the size and the confidence leave "
        f"{span(test['left'], '.0%')} of its ranking)."
    }
    if confidence is not None and len(confidence):
        r2 = confidence["R² confidence alone"].dropna()
        mostly = len(r2) and (r2 > 0.5).mean() > 0.5
        out["confidence"] = (
            f"Probability VoG {'is mostly' if mostly else 'is not mainly'} the model's "
            f"confidence (R² of the confidence alone {span(r2, '.2f')})."
        )
    else:
        out["confidence"] = "Probability VoG was not scored in this build."
    return out


def what_changed(run: Experiment, raw, magnitude, correct) -> dict[str, float | bool]:
    """What sets a run apart where its verdicts differ: BatchNorm, fit, gradient sizes.

    ``raw`` / ``magnitude``: VoG and gradient size of its test examples, ``correct``
    (N,) bool. Returns whether the model has BatchNorm, its test and training
    error, the median gradient size of the misclassified test examples over that
    of the correct ones (< 1: errors have smaller gradients, so a smaller VoG)
    and the Spearman correlation of VoG with gradient size.
    """
    c = np.asarray(correct, dtype=bool)
    size = np.asarray(magnitude, dtype=float)
    bn = any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in run.model().modules())
    ratio = (
        float(np.median(size[~c]) / np.median(size[c])) if (~c).any() and c.any() else float("nan")
    )
    return {
        "BatchNorm": bn,
        "test error": float(1 - c.mean()),
        "training error": training_error(run)["all"],
        "gradient size, wrong / right": ratio,
        "Spearman(VoG, gradient size)": spearman(raw, size)[0],
    }


def changes_table(trained: TrainedDesign, scores: Mapping, opts: StudyScoring) -> pd.DataFrame:
    """Per run, what sets it apart (:func:`what_changed` of its first
    target's test scores) and its twin's error on the shuffled labels (0 = memorised)."""
    rows: list[dict[str, Any]] = []
    for name, pair in trained.runs.items():
        s = scores[name, opts.targets[0]]["test"]
        correct = (s["predictions"] == s["labels"]).numpy()
        row = what_changed(
            pair["clean"], s["vog"][opts.window], s["magnitude"][opts.window], correct
        )
        row["twin: shuffled-label training error"] = training_error(pair["twin"])["shuffled"]
        rows.append({"run": name, **row})
    return pd.DataFrame(rows).set_index("run")
