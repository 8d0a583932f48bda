"""Out-of-distribution detection: the metrics and the VoG and MSP scores.

Convention (used for every method on every page): an **OoD score is higher
for examples that look out-of-distribution**. VoG is used as is (paper
Fig. 12b: OoD examples over-index at high VoG); the maximum softmax
probability (MSP, Hendrycks and Gimpel) enters as ``-MSP``. Then

* AUROC: probability that an OoD example scores above an in-distribution one;
* AUPR-out: average precision with the OoD examples as positives;
* AUPR-in: average precision with the in-distribution examples as positives,
  ranked by ``-score``.

The paper's text fixes the sign only for AUPR-out ("multiplying the VoG scores
by -1"), which this convention matches up to the naming of the two classes;
all metrics are in [0, 1] and 0.5 (AUROC) is chance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from ..checkpoints import load_checkpoint
from ..data import to_numpy
from ..normalize import class_normalize
from ..options import ScoringOptions
from ..scoring import compute_vog
from ..scoring.checkpoint_modules import working_copy
from ..training import outputs

__all__ = ["ood_metrics", "msp_score", "predicted_vog", "pooled_vog", "vog_and_msp"]


def ood_metrics(score_in, score_out) -> dict[str, float]:
    """AUROC, AUPR-in and AUPR-out for OoD scores (higher = more OoD), each in [0, 1]."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    s_in, s_out = (
        to_numpy(score_in).ravel().astype(float),
        to_numpy(score_out).ravel().astype(float),
    )
    if len(s_in) == 0 or len(s_out) == 0:
        raise ValueError("need at least one in-distribution and one OoD score")
    if not (np.isfinite(s_in).all() and np.isfinite(s_out).all()):
        raise ValueError("scores contain NaN or inf")
    y = np.r_[np.zeros(len(s_in)), np.ones(len(s_out))]
    s = np.r_[s_in, s_out]
    return {
        "auroc": float(roc_auc_score(y, s)),
        "aupr_in": float(average_precision_score(1 - y, -s)),
        "aupr_out": float(average_precision_score(y, s)),
    }


def msp_score(model: nn.Module, x, *, batch_size: int = 512, num_workers: int = 0) -> torch.Tensor:
    """OoD score ``-max softmax probability`` of shape (N,); higher = more OoD.

    ``x``: images (N, C, H, W) or a Dataset of (image, label) pairs.
    """
    logits, _ = outputs(model, _unlabelled(x), batch_size=batch_size, num_workers=num_workers)
    return -logits.softmax(1).amax(1).double()


def _unlabelled(x):
    """Images (N, C, H, W) as a data set with placeholder labels; a Dataset as it is."""
    return (x, torch.zeros(len(x), dtype=torch.long)) if torch.is_tensor(x) else x


def predicted_vog(
    checkpoints,
    x,
    *,
    model: nn.Module,
    device: str | None = None,
    batch_size: int = 256,
    num_workers: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """VoG of unlabelled images: the logit of the last checkpoint's predicted class.

    ``x``: images (N, C, H, W) or a Dataset of (image, label) pairs (labels
    ignored). Returns raw VoG (N,), higher = harder, and the predicted labels
    (N,). Sample-major scoring (:func:`vog.compute_vog`); ``device`` defaults
    to CUDA if available.
    """
    res = compute_vog(
        checkpoints,
        _unlabelled(x),
        model=model,
        labels="predicted",
        mode="sample_major",
        device=device,
        batch_size=batch_size,
        num_workers=num_workers,
    )
    return res.raw, res.scored_labels


def pooled_vog(
    raw_in: torch.Tensor, pred_in: torch.Tensor, raw_out: torch.Tensor, pred_out: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """OoD scores of both sets: VoG class-normalised over the pooled examples (by predicted class).

    Pooling keeps a shift between the sets visible; normalising each set on
    its own would centre both at 0.
    """
    z = class_normalize(torch.cat([raw_in, raw_out]), torch.cat([pred_in, pred_out]))
    return z[: len(raw_in)], z[len(raw_in) :]


def vog_and_msp(
    checkpoints: Sequence,
    x_in,
    ood_sets: Mapping[str, torch.Tensor],
    *,
    model: nn.Module,
    device: str | None = None,
    batch_size: int = 256,
) -> dict[str, dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """OoD scores of VoG and MSP for an in-distribution set against each OoD set.

    VoG: predicted-label VoG over ``checkpoints`` (:func:`predicted_vog`),
    class-normalised over the pooled in- and out-of-distribution examples
    (:func:`pooled_vog`). MSP: ``-max softmax probability`` of the last
    checkpoint (:func:`msp_score`). The in-distribution set is scored once.

    Returns
    -------
    dict
        ``scores[set_name]["VoG" | "MSP"] = (score_in, score_out)``, each (N,),
        higher = more OoD; feed them to :func:`ood_metrics`.
    """
    checkpoints = list(checkpoints)
    dev = ScoringOptions(device=device).torch_device()
    raw_in, pred_in = predicted_vog(
        checkpoints, x_in, model=model, device=device, batch_size=batch_size
    )
    last = checkpoints[-1]
    if isinstance(last, nn.Module):
        final = last
    else:
        final = load_checkpoint(working_copy(model, dev), last)
    msp_in = msp_score(final, x_in)
    out = {}
    for name, x_out in ood_sets.items():
        raw_out, pred_out = predicted_vog(
            checkpoints, x_out, model=model, device=device, batch_size=batch_size
        )
        out[name] = {
            "VoG": pooled_vog(raw_in, pred_in, raw_out, pred_out),
            "MSP": (msp_in, msp_score(final, x_out)),
        }
    return out
