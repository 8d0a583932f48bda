"""The factor study, run: train the design, score it, gather every claim's evidence.

"When do the claims hold?" calls these in order. :func:`train_design` trains
(or loads from the cache) every run of a :func:`vog.experiments.study.one_factor_design`
and its shuffled-label twin; :func:`score_design` scores each run's test images,
its twin's training images and its OoD sets with every gradient target
(:func:`~vog.experiments.study.window_scores`, from the saved checkpoints);
:mod:`vog.experiments.study_verdicts` turns the scores into every claim's
evidence. :func:`overview` describes the runs: how well each learned, whether
its twin memorised. What the scoring needs is one frozen
:class:`StudyScoring`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.baselines import fit_baseline
from ..datasets import load_ood_set, mnist_c_sets
from .presets import experiment_config
from .run import Experiment, run_experiment
from .study import DesignRun, _digest, first_indices, predicted_scores, window_scores
from .study_verdicts import NORM_LABEL

__all__ = [
    "StudyScoring",
    "TrainedDesign",
    "train_design",
    "overview",
    "design_summary",
    "score_design",
    "training_error",
    "deciles_figure",
]


@dataclass(frozen=True, kw_only=True)
class StudyScoring:
    """What the design's runs are scored on, and how (validated once).

    ``targets``: the class scores differentiated (first: the one every run is judged
    by; paper Eq. 1: ``"logit"``); ``normalisations``: of the base, the corners and
    their seed replicates (first: the one every run is judged by); ``n_test`` /
    ``n_mem``: test images scored per run (the first ones) and twin training images
    (a seeded subset); ``ood_sets``: per data set, OoD set name -> spec of
    :func:`vog.datasets.load_ood_set`; ``shift_sets``: those of the shift claim;
    ``oodc_datasets``: data sets whose runs get the MNIST-C claim.
    """

    targets: tuple[str, ...] = ("logit", "probability")
    normalisations: tuple[str, ...] = ("signed", "absolute", "relative")
    window: str = "all"
    n_test: int = 1000
    n_mem: int = 1000
    ood_sets: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    shift_sets: tuple[str, ...] = ()
    n_ood: int = 300
    oodc_datasets: tuple[str, ...] = ("mnist",)
    n_oodc: int = 150
    max_fit: int = 2000
    bins: int = 10
    n_boot: int = 200
    data_root: str = "data"

    def __post_init__(self) -> None:
        for name in ("targets", "normalisations", "shift_sets", "oodc_datasets"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.targets or not self.normalisations:
            raise ValueError("StudyScoring needs at least one target and one normalisation")
        bad = [n for n in self.normalisations if n not in NORM_LABEL]
        if bad:
            raise ValueError(f"unknown normalisation(s) {bad}; choose from {list(NORM_LABEL)}")
        for name in ("n_test", "n_mem", "n_ood", "n_oodc", "max_fit", "bins", "n_boot"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, Any]) -> StudyScoring:
        """The options named in ``parameters`` (e.g. a chapter's parameters cell,
        ``globals()``); other names are ignored, missing ones keep their defaults."""
        names = [f.name for f in fields(cls)]
        return cls(**{k: parameters[k] for k in names if k in parameters})


@dataclass(frozen=True)
class TrainedDesign:
    """The design's runs, trained: ``runs[name] = {"clean": Experiment, "twin": Experiment}``
    and the seconds each pair took to train or load."""

    design: dict[str, DesignRun]
    runs: dict[str, dict[str, Experiment]]
    seconds: dict[str, float]

    def replicates(self) -> dict[str, list[str]]:
        """Run name -> the names of its seed replicates (empty lists left out)."""
        out: dict[str, list[str]] = {}
        for name, d in self.design.items():
            if d.of is not None:
                out.setdefault(d.of, []).append(name)
        return out


def train_design(
    design: Mapping[str, DesignRun], *, cache_dir: str = "data/runs", data_root: str = "data"
) -> TrainedDesign:
    """Train or load every run of ``design`` and its twin (cached by configuration)."""
    runs, seconds = {}, {}
    for name, d in design.items():
        t0 = time.perf_counter()
        runs[name] = {
            part: run_experiment(experiment_config(s), cache_dir=cache_dir, data_root=data_root)
            for part, s in (("clean", d.settings), ("twin", d.twin))
        }
        seconds[name] = time.perf_counter() - t0
    return TrainedDesign(dict(design), runs, seconds)


def overview(trained: TrainedDesign) -> pd.DataFrame:
    """One row per run: what it is, how well it learned, whether its twin memorised.

    Errors in percent; the twin's error on its shuffled labels is near 0 only where
    the training set was fitted (the paper's memorisation regime, Sec. 4.1).
    """
    rows = []
    for name, d in trained.design.items():
        clean, twin = trained.runs[name]["clean"], trained.runs[name]["twin"]
        c = clean.config
        rows.append(
            {
                "run": name,
                "factor": d.factor,
                "model": c.model,
                "data set": c.dataset,
                "seed": c.train.seed,
                "training images": len(clean.labels["train"]),
                "epochs": c.epochs,
                "augmentation": c.augment,
                "lr / 10 at": str(list(c.lr_milestones) or "constant"),
                "test error (%)": 100 * (1 - clean.test_acc),
                "training error (%)": 100 * training_error(clean)["all"],
                "twin: error on its shuffled labels (%)": 100 * training_error(twin)["shuffled"],
                "seconds to train or load": trained.seconds[name],
            }
        )
    return pd.DataFrame(rows).set_index("run")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def design_summary(trained: TrainedDesign, opts: StudyScoring, *, evaluations: int) -> str:
    """One sentence: what the design holds (base, one-factor changes, corners, seed
    replicates, anchors), what each run is scored with, and ``evaluations`` in all."""
    kinds = [d.factor for d in trained.design.values()]
    n = {k: kinds.count(k) for k in ("corner", "anchor", "seed")}
    n_factors = len(kinds) - kinds.count("base") - sum(n.values())
    base = trained.runs["base"]["clean"]
    seeds = 1 + len(trained.replicates().get("base", []))
    return (
        f"{len(kinds)} runs and their shuffled-label twins: a base ({base.config.model} on "
        f"{len(base.labels['train']):,} {base.config.dataset} training images, "
        f"{base.config.epochs} epochs), {_count(n_factors, 'one-factor change')}, "
        f"{_count(n['corner'], 'corner')}, {_count(n['seed'], 'seed replicate')} "
        f"({seeds} seeds of the base and of each corner) and {_count(n['anchor'], 'anchor')}; "
        f"each scored with {' and '.join(opts.targets)} targets on up "
        f"to {opts.n_test:,} test images; {evaluations} claim evaluations in all."
    )


def _mnist_c(run: Experiment, opts: StudyScoring):
    """Clean test images, their 15 MNIST-C corruptions and the PCA / KDE baselines' scores."""
    x_c = run.examples("test", range(min(opts.n_oodc, len(run.labels["test"]))))
    images = {"in": x_c, **mnist_c_sets(x_c, seed=0)}
    x_train = run.examples("train")
    baselines = {}
    for method in ("PCA", "KDE"):
        score = fit_baseline(method, x_train, max_fit=opts.max_fit, seed=0)
        s_in = score(x_c)
        baselines[method] = {k: (s_in, score(x)) for k, x in images.items() if k != "in"}
    return images, baselines


def score_design(
    trained: TrainedDesign, opts: StudyScoring
) -> tuple[dict[tuple[str, str], dict], dict[str, dict]]:
    """Every run's scores under every target, and what they were computed on.

    Returns ``(scores, extras)``: ``scores[run, target]`` holds ``"test"`` (the
    window scores of the first ``n_test`` test images with their labels and
    predictions), ``"twin"`` (the twin's training images of ``window``), ``"ood"``
    and ``"oodc"`` (:func:`~vog.experiments.study.predicted_scores`, or None);
    ``extras[run]`` the test indices ``idx``, the twin's ``tidx``, the MNIST-C
    images and baselines ``oodc`` and ``pair``, a digest of the scored test images:
    two runs with equal ``pair`` scored the same images (their effects are paired).
    """
    loaded: dict = {}
    scores: dict[tuple[str, str], dict] = {}
    extras: dict[str, dict] = {}
    w = opts.window
    for name, pair in trained.runs.items():
        clean, twin = pair["clean"], pair["twin"]
        if twin.noisy is None:
            raise ValueError(f"the twin of run {name!r} has no shuffled labels (label_noise 0)")
        idx = first_indices(len(clean.labels["test"]), opts.n_test)
        tidx = first_indices(len(twin.labels["train"]), opts.n_mem, seed=0)
        x_in = clean.examples("test", range(min(opts.n_ood, len(clean.labels["test"]))))
        images = {"in": x_in}
        for k, spec in opts.ood_sets.get(clean.config.dataset, {}).items():
            key = (spec, tuple(x_in.shape[1:]))
            if key not in loaded:
                loaded[key] = load_ood_set(
                    spec, like=x_in, n=opts.n_ood, root=opts.data_root, seed=1
                )
            images[k] = loaded[key]
        oodc = _mnist_c(clean, opts) if clean.config.dataset in opts.oodc_datasets else (None, None)
        extras[name] = {
            "idx": idx,
            "tidx": tidx,
            "oodc": oodc,
            "pair": _digest(clean.examples("test", idx), clean.labels["test"][idx]),
        }
        for target in opts.targets:
            tw = window_scores(twin, "train", target, indices=tidx, windows=[w])
            scores[name, target] = {
                "test": {
                    **window_scores(clean, "test", target, indices=idx),
                    "labels": clean.labels["test"][idx],
                    "predictions": clean.predictions["test"][idx],
                },
                "twin": {
                    "vog": tw["vog"][w],
                    "magnitude": tw["magnitude"][w],
                    "labels": twin.labels["train"][tidx],
                    "noisy": twin.noisy[tidx],
                },
                "ood": predicted_scores(clean, images, target, window=w),
                "oodc": (
                    predicted_scores(clean, oodc[0], target, window=w)
                    if oodc[0] is not None
                    else None
                ),
            }
    return scores, extras


def training_error(run: Experiment) -> dict[str, float]:
    """The final model's error on its training set as trained (shuffled labels included),
    overall and on the shuffled examples (NaN without any): 0 = fitted, memorised."""
    wrong = (run.predictions["train"] != run.labels["train"]).numpy()
    noisy = np.zeros_like(wrong) if run.noisy is None else run.noisy.numpy().astype(bool)
    return {
        "all": float(wrong.mean()),
        "shuffled": float(wrong[noisy].mean()) if noisy.any() else float("nan"),
    }


def deciles_figure(
    trained: TrainedDesign,
    scores: Mapping,
    extras: Mapping,
    opts: StudyScoring,
    runs: Sequence[str],
):
    """Error per decile of each run's signed class-normalised VoG, one row per run and one
    column per target, with 95% bootstrap intervals and the error per decile of -MSP (the
    final model's confidence) dotted; the paper's Fig. 4 rises left to right."""
    import matplotlib.pyplot as plt

    from ..analysis.metrics import bootstrap_percentile_errors, error_by_percentile
    from ..analysis.ood import msp_score
    from ..analysis.plots import percentile_error_plot
    from ..checkpoints import load_checkpoint
    from .study_verdicts import normalised

    w, bins = opts.window, opts.bins
    fig, axes = plt.subplots(
        len(runs),
        len(opts.targets),
        figsize=(5.2 * len(opts.targets), 3.4 * len(runs)),
        squeeze=False,
    )
    for row, name in zip(axes, runs, strict=True):
        run, idx = trained.runs[name]["clean"], extras[name]["idx"]
        first = scores[name, opts.targets[0]]["test"]
        correct = (first["predictions"] == first["labels"]).numpy()
        final = load_checkpoint(run.model(), run.checkpoints(w)[-1])
        _, msp_curve = error_by_percentile(
            msp_score(final, run.examples("test", idx)), correct, bins=bins
        )
        for ax, t in zip(row, opts.targets, strict=True):
            s = scores[name, t]["test"]
            z = normalised("signed", s["vog"][w], s["magnitude"][w], s["labels"])
            b = bootstrap_percentile_errors(z, correct, bins=bins, n_boot=opts.n_boot)
            percentile_error_plot(
                ax,
                b["upper"],
                b["error"],
                baseline=1 - correct.mean(),
                low=b["low"],
                high=b["high"],
            )
            ax.plot(b["upper"] - 50 / bins, 100 * msp_curve, "k:", label="-MSP")
            ax.set_title(
                f"{name}, {t}\ntrend {b['trend']:+.2f} "
                f"[{b['trend_low']:+.2f}, {b['trend_high']:+.2f}]",
                fontsize=10,
            )
            ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
