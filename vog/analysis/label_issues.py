"""Label-issue detection with cleanlab (Northcutt et al. 2021), in this package's conventions.

cleanlab ranks examples by how likely their given label is wrong, from
out-of-sample predicted probabilities (each example predicted by a model that
did not train on it: :func:`vog.experiments.out_of_sample_probabilities`).
Here its score is turned round to follow the rest of the package: **higher =
more likely mislabelled**.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np

from ..data import to_numpy

__all__ = ["label_issue_score", "find_label_issues"]


def _cleanlab(module: str):
    """``cleanlab.<module>``, imported without tqdm's "IProgress not found" warning.

    cleanlab imports ``tqdm.auto``, which warns in a Jupyter kernel without
    ipywidgets; these functions show no progress bar, so the warning says
    nothing to the reader of a chapter.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        return importlib.import_module(f"cleanlab.{module}")


def _arrays(labels, pred_probs) -> tuple[np.ndarray, np.ndarray]:
    y = to_numpy(labels).astype(np.int64)
    p = to_numpy(pred_probs)
    p = p.astype(np.float64)
    if p.ndim != 2 or len(p) != len(y):
        raise ValueError(f"pred_probs must have shape (N={len(y)}, C), got {p.shape}")
    if not np.allclose(p.sum(1), 1.0, atol=1e-4):
        raise ValueError("pred_probs rows must sum to 1 (softmax probabilities)")
    return y, p


def label_issue_score(labels, pred_probs, *, method: str = "self_confidence") -> np.ndarray:
    """``1 -`` cleanlab's label quality (``cleanlab.rank.get_label_quality_scores``), (N,).

    In [0, 1]; higher = more likely mislabelled. ``method`` is cleanlab's
    (``"self_confidence"``, ``"normalized_margin"`` or ``"confidence_weighted_entropy"``).
    """
    y, p = _arrays(labels, pred_probs)
    return 1.0 - _cleanlab("rank").get_label_quality_scores(y, p, method=method)


def find_label_issues(labels, pred_probs) -> np.ndarray:
    """cleanlab's verdict per example (``cleanlab.filter.find_label_issues``): bool (N,)."""
    y, p = _arrays(labels, pred_probs)
    return np.asarray(_cleanlab("filter").find_label_issues(y, p), dtype=bool)
