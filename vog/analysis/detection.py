"""How well a score finds perturbed examples, in two conventions, over seeds and hardness types.

The benchmark of H-CAT (Seedat et al., ICLR 2024) perturbs a share of a
training set and asks each hardness score to find the perturbed examples.

- The **oriented** metric (:func:`vog.analysis.detection_metrics`): the
  perturbed examples are the positives and every score is taken "higher =
  more likely perturbed". AUROC (chance 0.5) and average precision (chance:
  the perturbed share ``p``) then mean the same for every score.
- **H-CAT's convention** (its ``src/evaluator.py``): average precision with
  the *clean* examples as positives and each method's *raw* score, for every
  method; AUROC with the perturbed examples as positives for EL2N, GraNd,
  loss and forgetting, and with the clean ones for the others (AUM, Data
  Maps, cleanlab, VoG, ...). For a raw score where high means clean (AUM,
  confidence, cleanlab's quality) both are oriented. For one where high
  means hard (VoG, loss, EL2N, GraNd, forgetting) the AUPRC is turned round:
  a better detector gets a *lower* value. At 10% perturbed a perfect detector
  scores about 0.74 (:func:`perfect_hcat_auprc`), a random one 0.90 and the
  worst possible 1.0; and VoG's AUROC is turned round too (1 - its oriented AUROC).

:func:`seed_interval` summarises a metric over seeds; :func:`rank_summary`
ranks the methods within each hardness type and averages the ranks.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._checks import check_choice
from ..data import to_numpy
from .metrics import detection_metrics

__all__ = [
    "AUROC_POSITIVES",
    "hcat_metrics",
    "oriented_metrics",
    "perfect_hcat_auprc",
    "rank_summary",
    "seed_interval",
]

#: Which examples H-CAT's evaluator takes as the positives of its AUROC.
AUROC_POSITIVES = ("perturbed", "clean")


def _arrays(scores, perturbed) -> tuple[np.ndarray, np.ndarray]:
    s, m = to_numpy(scores), to_numpy(perturbed)
    s, m = s.ravel().astype(float), m.ravel().astype(bool)
    if s.shape != m.shape:
        raise ValueError(f"scores and perturbed differ in length: {s.shape[0]} vs {m.shape[0]}")
    if m.all() or not m.any():
        raise ValueError("perturbed must hold both True and False")
    if not np.isfinite(s).all():
        raise ValueError(f"scores hold {int((~np.isfinite(s)).sum())} NaN or infinite values")
    return s, m


def oriented_metrics(scores, perturbed) -> dict[str, float]:
    """AUROC and average precision with the perturbed examples as positives, in [0, 1].

    ``scores`` (N,): higher = more likely perturbed; ``perturbed`` (N,) bool.
    Chance: AUROC 0.5, AP the perturbed share. The same numbers as
    :func:`vog.analysis.detection_metrics` (which this calls).
    """
    s, m = _arrays(scores, perturbed)
    found = detection_metrics(s, m, budgets=())
    return {"AUROC": found["AUROC"], "AP": found["AP"]}


def hcat_metrics(raw, perturbed, *, auroc_positives: str) -> dict[str, float]:
    """H-CAT's evaluator on one method's raw score: ``{"H-CAT AUPRC", "H-CAT AUROC"}``.

    Parameters
    ----------
    raw : array (N,)
        The method's score as H-CAT uses it (its own direction: VoG, loss,
        EL2N, GraNd, forgetting high = hard; AUM, Data Maps confidence,
        cleanlab's label quality high = clean).
    perturbed : array (N,) of bool
        The examples perturbed (H-CAT's ``flag_ids``).
    auroc_positives : {"perturbed", "clean"}
        ``"perturbed"`` for H-CAT's el2n, grand, loss, forgetting (and its
        detector); ``"clean"`` for every other method.

    Returns
    -------
    dict
        ``"H-CAT AUPRC"``: ``average_precision_score(y_true=clean, y_score=raw)``;
        ``"H-CAT AUROC"``: ``roc_auc_score`` with the positives chosen by ``auroc_positives``.
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    check_choice("auroc_positives", auroc_positives, AUROC_POSITIVES)
    s, m = _arrays(raw, perturbed)
    clean = ~m
    return {
        "H-CAT AUPRC": float(average_precision_score(clean, s)),
        "H-CAT AUROC": float(roc_auc_score(m if auroc_positives == "perturbed" else clean, s)),
    }


def perfect_hcat_auprc(p: float, n: int = 100_000) -> float:
    """H-CAT's AUPRC of a perfect "higher = harder" detector when a share ``p`` is perturbed.

    All perturbed examples come first, so each clean positive ``k`` (of
    ``n (1 - p)``) is found after the ``n p`` perturbed: precision
    ``k / (n p + k)``; about ``1 - p / (1 - p) * ln(1 / p)`` for large ``n``
    (0.744 at ``p = 0.1``; a random score gets ``1 - p``).
    """
    if not 0.0 < float(p) < 1.0:
        raise ValueError(f"p must lie in (0, 1), got {p}")
    n_pert = int(round(float(p) * n))
    k = np.arange(1, n - n_pert + 1)
    return float(np.mean(k / (n_pert + k)))


def seed_interval(values, *, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval at ``level`` of a metric over seeds: ``(mean, low, high)``.

    With one seed the interval is ``(nan, nan)``; with identical values it
    has zero width. NaN values are refused.
    """
    from scipy.stats import t

    v = np.asarray(values, dtype=float).ravel()
    if v.size == 0 or not np.isfinite(v).all():
        raise ValueError(f"need finite values over >= 1 seed, got {v.tolist()}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    mean = float(v.mean())
    if v.size < 2:
        return mean, float("nan"), float("nan")
    half = float(t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / np.sqrt(v.size))
    return mean, mean - half, mean + half


def rank_summary(
    table: Mapping[str, Mapping[str, float]] | pd.DataFrame, *, higher_is_better: bool = True
) -> pd.DataFrame:
    """Rank the methods within each hardness type, and their mean rank over the types.

    Parameters
    ----------
    table : DataFrame or mapping type -> {method: value}
        One column per hardness type, one row per method (a mapping is read
        as ``{column: {row: value}}``).
    higher_is_better : bool, keyword-only
        Whether a larger value ranks first.

    Returns
    -------
    DataFrame
        The ranks (1 = best; ties share their mean rank) per type, and
        ``"mean rank"``; sorted by it, best first.
    """
    frame = pd.DataFrame(table).astype(float)
    if frame.isna().any().any():
        raise ValueError("rank_summary needs a value for every (method, type)")
    ranks = frame.rank(axis=0, ascending=not higher_is_better, method="average")
    ranks["mean rank"] = ranks.mean(axis=1)
    return ranks.sort_values("mean rank", kind="stable")
