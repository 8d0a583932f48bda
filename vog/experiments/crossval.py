"""Out-of-sample predicted probabilities of a run's training set, by K-fold cross-validation.

cleanlab's label-quality scores need, for every training example, the
predictions of a model that did *not* train on it (Northcutt et al. 2021).
:func:`out_of_sample_probabilities` splits the training set into ``folds``
fixed random parts, trains the run's recipe on all but one part (no VoG is
computed) and predicts the part left out. The result is cached next to the
run: computed once, shared by the chapters.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from ..atomic import atomic_write
from ..training import outputs, train_with_vog
from .config import ExperimentConfig
from .data import crop_flip, load_run_data
from .models import make_model

__all__ = ["CrossValidated", "out_of_sample_probabilities"]


@dataclass(frozen=True)
class CrossValidated:
    """Out-of-sample probabilities and what they cost.

    Attributes
    ----------
    probs : Tensor, shape (N_train, C), float64
        Row i from the fold model that left example i out; rows sum to 1.
    seconds : float
        Time it took to train the fold models and predict (when first computed).
    folds, epochs : int
    """

    probs: torch.Tensor
    seconds: float
    folds: int
    epochs: int


def out_of_sample_probabilities(
    cfg: ExperimentConfig,
    *,
    folds: int = 2,
    epochs: int | None = None,
    cache_dir: str | Path = "data/runs",
    data_root: str | Path = "data",
    device: str | None = None,
) -> CrossValidated:
    """Softmax probabilities of each training example from a model that never saw it.

    Parameters
    ----------
    cfg : ExperimentConfig
        The run whose training set (with its labels as trained, shuffled ones
        included) is cross-validated, and whose recipe trains each fold.
    folds : int, keyword-only
        Number of folds K >= 2; each fold model trains on (K - 1) / K of the data.
    epochs : int, optional, keyword-only
        Train each fold model this long (default: the run's epochs); the
        learning-rate milestones are scaled with it.
    cache_dir, data_root, device
        As for :func:`vog.experiments.run_experiment`.

    Returns
    -------
    CrossValidated
    """
    if int(folds) < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    epochs = int(epochs or cfg.epochs)
    scale = epochs / cfg.epochs
    fold_cfg = replace(
        cfg,
        epochs=epochs,
        lr_milestones=tuple(max(1, round(m * scale)) for m in cfg.lr_milestones),
        stage=min(cfg.stage, epochs // 2),  # no VoG windows are used; any length is fine
    )
    key = json.dumps({**asdict(fold_cfg), "folds": int(folds)}, sort_keys=True)
    path = Path(cache_dir) / f"{cfg.key()}-cv-{hashlib.sha256(key.encode()).hexdigest()[:8]}.pt"
    if path.is_file():
        return CrossValidated(**torch.load(path, map_location="cpu", weights_only=True))
    t0 = time.perf_counter()
    data = load_run_data(cfg, data_root)
    if data.lazy:
        raise ValueError(f"{cfg.dataset} is read lazily; cross-validate an in-memory data set")
    x, y = data.fit
    n = len(y)
    part = torch.randperm(n, generator=torch.Generator().manual_seed(cfg.seed + 7)) % int(folds)
    probs = torch.zeros(n, data.n_classes, dtype=torch.float64)
    for k in range(int(folds)):
        keep, out = part != k, part == k
        torch.manual_seed(cfg.seed + 100 + k)
        model = make_model(cfg.model, data.example, data.n_classes, width=cfg.width)
        train_with_vog(
            model,
            (x[keep], y[keep]),
            vog_data={},
            windows={"last": [epochs - 2, epochs - 1]},
            **fold_cfg.schedule(),
            augment=crop_flip if cfg.augment else None,
            seed=cfg.seed + k,
            device=device,
        )
        probs[out] = outputs(model, (x[out], y[out]))[0].double().softmax(1)
    result = CrossValidated(probs, time.perf_counter() - t0, int(folds), epochs)
    atomic_write(path, lambda p: torch.save(asdict(result), p))
    return result
