"""VoG as a cleanlab Datalab issue type: ``Datalab.find_issues(issue_types={"vog": ...})``.

Importing this module registers :class:`VoGIssueManager` with cleanlab's own
registration hook (``cleanlab.datalab.internal.issue_manager_factory.register``)
for classification, so Datalab reports VoG issues beside label issues and
outliers::

    import vog.integrations.datalab  # registers "vog"

    lab = Datalab(data={"label": y}, label_name="label")
    lab.find_issues(pred_probs=probs, features=emb,
                    issue_types={"label": {}, "outlier": {}, "vog": {"scores": result}})
    lab.get_issues("vog")   # is_vog_issue, vog_score, vog_normalized

``scores`` is a :class:`vog.VoGResult` (its class-normalised VoG is used) or
raw VoG of shape (N,) (normalised here within the Datalab's labels, paper
Sec. 2). An example is a VoG issue when its class-normalised VoG is among the
``fraction`` highest of the data set (the paper audits the top-10 percentile;
Fig. 4) or, with ``threshold``, when it is at least ``threshold``. Its
``vog_score`` follows cleanlab's convention: in [0, 1], lower = more severe:
one minus the percentile of its class-normalised VoG. VoG ranks examples
within one data set and has no absolute scale, so the summary score is only
the share of examples not flagged.

Needs ``cleanlab`` (``pip install "vog[integrations]"``).
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import torch

with warnings.catch_warnings():  # cleanlab imports tqdm.auto: no progress bar is shown here
    warnings.filterwarnings("ignore", message="IProgress not found")
    from cleanlab.datalab.internal.issue_manager import IssueManager
    from cleanlab.datalab.internal.issue_manager_factory import REGISTRY, register
    from cleanlab.datalab.internal.task import Task

from ..normalize import class_normalize

__all__ = ["VoGIssueManager", "vog_issue_scores"]

#: Share of examples flagged by default: the paper's top-10 percentile (Fig. 4, 11).
FRACTION = 0.1


def vog_issue_scores(
    normalized, *, fraction: float | None = FRACTION, threshold: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """cleanlab-style scores and flags from class-normalised VoG (higher = harder).

    Returns
    -------
    score : ndarray (N,), in [0, 1]
        ``1 -`` the percentile of each example's VoG (ties share the mean
        rank); lower = more severe, as cleanlab's scores are.
    is_issue : ndarray (N,), bool
        The ``ceil(fraction * N)`` highest (ties at the cut all included), or
        ``normalized >= threshold`` when ``threshold`` is given.
    """
    z = np.asarray(normalized, dtype=np.float64)
    if z.ndim != 1 or not len(z):
        raise ValueError(f"VoG scores must have shape (N,) with N >= 1, got {z.shape}")
    if not np.isfinite(z).all():
        bad = np.flatnonzero(~np.isfinite(z))
        raise ValueError(f"VoG scores hold {len(bad)} NaN or infinite values (first: row {bad[0]})")
    from scipy.stats import rankdata

    pct = (rankdata(z, method="average") - 0.5) / len(z)  # in (0, 1)
    score = 1.0 - pct
    if threshold is not None:
        return score, z >= float(threshold)
    if fraction is None or not 0.0 < float(fraction) <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    k = max(1, int(np.ceil(float(fraction) * len(z))))
    cut = np.sort(z)[::-1][k - 1]
    return score, z >= cut


class VoGIssueManager(IssueManager):
    """Examples with the highest class-normalised VoG (Agarwal et al. 2022), for Datalab.

    Datalab builds it with the entries of ``issue_types={"vog": {...}}``.

    Parameters
    ----------
    datalab : cleanlab.Datalab
        The Datalab whose data is audited (given by Datalab).
    scores : VoGResult or array (N,)
        A :class:`vog.VoGResult`, or raw VoG (normalised within the Datalab's labels).
    fraction : float, default 0.1
        Share of examples flagged, the highest VoG first.
    threshold : float, optional
        Flag class-normalised VoG >= ``threshold`` instead of a fixed share.
    """

    description: ClassVar[str] = (
        "Examples whose Variance of Gradients (VoG) is among the highest of the data set: the "
        "model's input gradients for them kept changing over training. High-VoG examples are "
        "atypical, ambiguous, mislabelled or out of distribution, and most are misclassified "
        "(Agarwal, D'souza, Hooker, CVPR 2022); audit them first.\n\n"
        "vog_score is one minus the percentile of the class-normalised VoG (lower = more "
        "severe); vog_normalized is the class-normalised VoG itself (higher = harder)."
    )
    issue_name: ClassVar[str] = "vog"
    verbosity_levels: ClassVar[dict[int, list[str]]] = {
        0: [],
        1: ["fraction", "threshold"],
        2: ["num_flagged"],
        3: [],
    }

    def __init__(
        self,
        datalab,
        scores: Any = None,
        fraction: float | None = FRACTION,
        threshold: float | None = None,
        **_: Any,
    ) -> None:
        super().__init__(datalab)
        self.scores, self.fraction, self.threshold = scores, fraction, threshold

    def find_issues(self, scores: Any = None, **_: Any) -> None:
        scores = self.scores if scores is None else scores
        if scores is None:
            raise ValueError('the "vog" issue type needs scores: {"vog": {"scores": result}}')
        z = self._normalized(scores)
        score, flagged = vog_issue_scores(z, fraction=self.fraction, threshold=self.threshold)
        self.issues = pd.DataFrame(
            {
                f"is_{self.issue_name}_issue": flagged,
                self.issue_score_key: score,
                "vog_normalized": z,
            }
        )
        self.summary = self.make_summary(score=float(1.0 - flagged.mean()))
        self.info = self.collect_info()

    def collect_info(self, *args: Any, **kwargs: Any) -> dict:
        return {
            "fraction": None if self.threshold is not None else self.fraction,
            "threshold": self.threshold,
            "num_flagged": int(self.issues[f"is_{self.issue_name}_issue"].sum()),
        }

    def _normalized(self, scores: Any) -> np.ndarray:
        n = len(self.datalab.data)
        if hasattr(scores, "normalized") and hasattr(scores, "labels"):
            z = np.asarray(_numpy(scores.normalized), dtype=np.float64)
            if len(z) != n:
                raise ValueError(f"VoG scores of {len(z)} examples, the Datalab holds {n}")
            self._check_labels(np.asarray(_numpy(scores.labels)))
            return z
        raw = np.asarray(_numpy(scores), dtype=np.float64)
        if raw.ndim != 1 or len(raw) != n:
            raise ValueError(f"raw VoG must have shape ({n},), got {raw.shape}")
        if not self.datalab.has_labels:
            raise ValueError("raw VoG is normalised within classes: give the Datalab labels")
        labels = torch.as_tensor(np.asarray(self.datalab.labels, dtype=np.int64))
        return class_normalize(torch.as_tensor(raw), labels).numpy()

    def _check_labels(self, labels: np.ndarray) -> None:
        """Refuse scores whose labels differ from the Datalab's (another order or data)."""
        if not self.datalab.has_labels:
            return
        mine = np.asarray(self.datalab.labels)
        label_map = getattr(self.datalab, "_label_map", None) or {}
        if label_map and all(isinstance(v, (int, np.integer)) for v in label_map.values()):
            mine = np.asarray([label_map[int(i)] for i in mine])
        if np.issubdtype(mine.dtype, np.integer) and len(mine) == len(labels):
            differ = np.flatnonzero(mine != labels)
            if len(differ):
                raise ValueError(
                    f"the VoG scores' labels differ from the Datalab's at {len(differ)} examples "
                    f"(first: {int(differ[0])}): scores of other data or another order"
                )


def _numpy(values):
    return values.detach().cpu().numpy() if torch.is_tensor(values) else values


if REGISTRY[Task.CLASSIFICATION].get(VoGIssueManager.issue_name) is not VoGIssueManager:
    register(VoGIssueManager, task="classification")
