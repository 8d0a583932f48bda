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

from ..atomic import load_cached, save_verified
from ..training import outputs, train_with_vog
from .config import ExperimentConfig
from .data import crop_flip, load_run_data
from .models import make_model

__all__ = ["CrossValidated", "fold_probabilities", "out_of_sample_probabilities"]


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
    epochs = int(epochs or cfg.train.epochs)
    fold_cfg = _fold_config(cfg, epochs)
    data = load_run_data(cfg, data_root)
    # the key holds the data's fingerprint: other data files under data_root are another run
    key = json.dumps(
        {**fold_cfg.identity(), "folds": int(folds), "data": data.fingerprint()}, sort_keys=True
    )
    path = Path(cache_dir) / f"{cfg.key()}-cv-{hashlib.sha256(key.encode()).hexdigest()[:8]}.pt"
    cached = load_cached(path, what="cross-validation cache")  # None if absent or damaged
    if cached is not None:
        return CrossValidated(**cached)
    t0 = time.perf_counter()
    if data.lazy or not isinstance(data.fit, tuple):
        raise ValueError(f"{cfg.dataset} is read lazily; cross-validate an in-memory data set")
    probs = fold_probabilities(
        cfg, data.fit, data.n_classes, folds=folds, epochs=epochs, device=device
    )
    result = CrossValidated(probs, time.perf_counter() - t0, int(folds), epochs)
    save_verified(asdict(result), path)
    return result


def _fold_config(cfg: ExperimentConfig, epochs: int) -> ExperimentConfig:
    """``cfg`` trained for ``epochs``, its learning-rate milestones scaled with it."""
    scale = epochs / cfg.train.epochs
    return cfg.replace(
        epochs=epochs,
        lr_milestones=tuple(max(1, round(m * scale)) for m in cfg.train.lr_milestones),
        stage=min(cfg.stage, epochs // 2),  # no VoG windows are used; any length is fine
    )


def fold_probabilities(
    cfg: ExperimentConfig,
    data: tuple[torch.Tensor, torch.Tensor],
    n_classes: int,
    *,
    folds: int = 2,
    epochs: int | None = None,
    device: str | None = None,
) -> torch.Tensor:
    """The cross-validation itself, on given data (no cache): ``cfg``'s recipe on each fold.

    ``data`` = ``(x, y)`` in memory (e.g. a perturbed training set of
    :mod:`vog.experiments.hardness`); the folds are a fixed random split seeded
    by ``cfg``'s seed. Returns softmax probabilities (N, ``n_classes``),
    float64, row i from the model that left example i out.
    """
    if int(folds) < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    epochs = int(epochs or cfg.train.epochs)
    fold_cfg = _fold_config(cfg, epochs)
    x, y = data
    n = len(y)
    seed = cfg.train.seed
    part = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 7)) % int(folds)
    probs = torch.zeros(n, int(n_classes), dtype=torch.float64)
    for k in range(int(folds)):
        keep, out = part != k, part == k
        torch.manual_seed(seed + 100 + k)
        model = make_model(cfg.model, x[:1], int(n_classes), width=cfg.width)
        train_with_vog(
            model,
            (x[keep], y[keep]),
            replace(fold_cfg.train, seed=seed + k, device=device or fold_cfg.train.device),
            vog_data={},
            windows={"last": [epochs - 2, epochs - 1]},
            augment=crop_flip if cfg.augment else None,
        )
        probs[out] = outputs(model, (x[out], y[out]))[0].double().softmax(1)
    return probs
