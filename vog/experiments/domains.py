"""VoG beyond images: the domains of chapter 14, trained over seeds, and every claim's evidence.

A *domain* is a named run of :mod:`vog.experiments.presets` on tabular or text
data (:class:`Domain`), with its out-of-distribution sets and, unless it is
left out, a twin trained with shuffled labels for the memorisation claim.

- :func:`train_domains` trains (or reads from the cache) every domain on every
  seed it replicates: only the training seed changes between replicates
  (initialisation, batch order and which labels the twin shuffles), so a run
  cached under its configuration's key is reused;
- :func:`evaluate` computes one replicate's evidence of every claim
  (:mod:`vog.analysis.evidence`), the point checks of :mod:`vog.analysis.claims`
  beside it, and the rows of the chapter's tables, which
  :mod:`vog.experiments.domain_findings` turns into tables, sentences and seed spreads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from ..analysis import claims
from ..analysis import evidence as ev
from ..analysis.metrics import (
    bootstrap_percentile_errors,
    class_level,
    spearman,
)
from ..analysis.ood import ood_metrics, vog_and_msp
from ..analysis.verdicts import Evidence
from ..datasets.tabular import load_vector_ood
from ..datasets.tokens import per_token_vog, token_counts
from ..normalize import class_normalize
from ..options import CHOICES
from ..scoring import compute_vog
from .config import ExperimentConfig
from .crossval import out_of_sample_probabilities
from .presets import experiment_config
from .run import Experiment, run_experiment

__all__ = [
    "TARGETS",
    "SPEC_KEYS",
    "Domain",
    "Replicate",
    "Evaluation",
    "domains_of",
    "train_domains",
    "vog_of",
    "evaluate",
]

#: The gradient targets every domain is scored with: the logit (paper Eq. 1) and its softmax
#: probability (the authors' toy code), from their one home, :data:`vog.options.CHOICES`.
TARGETS: tuple[str, ...] = CHOICES["target"]
#: The keys of a domain's spec in the chapter's parameters.
SPEC_KEYS = ("experiment", "ood", "noisy", "n_ood", "overrides", "replicate")


@dataclass(frozen=True)
class Domain:
    """One domain of the chapter: a preset, its OoD sets, and which runs it gets.

    Attributes
    ----------
    name : str
        Its name on the page, e.g. ``"UCI Letter"``.
    experiment : str
        A preset of :data:`vog.experiments.PRESETS`.
    ood : tuple of str
        OoD sets of :func:`vog.datasets.tabular.load_vector_ood`.
    noisy : bool
        Whether it gets a shuffled-label twin (the memorisation check).
    n_ood : int
        Examples per OoD set, and in-distribution test examples scored against them.
    overrides : dict
        Settings changed in its runs (the chapter's ``overrides``, then its own).
    seeds : tuple of int
        The training seeds it runs on, the first one first (one seed: not replicated).
    """

    name: str
    experiment: str
    ood: tuple[str, ...]
    noisy: bool = True
    n_ood: int = 2000
    overrides: Mapping[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        if not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"{self.name}: seeds must be distinct and not empty, got {self.seeds}")
        if self.n_ood < 2:
            raise ValueError(f"{self.name}: n_ood must be >= 2, got {self.n_ood}")

    def config(
        self, seed: int, *, label_noise: float = 0.0, dynamics: bool = True
    ) -> ExperimentConfig:
        """The run of ``seed``; with ``label_noise`` > 0 the shuffled-label twin, which scores
        its training set and, with ``dynamics``, follows the other difficulty scores
        (recording them leaves training unchanged)."""
        settings = {**self.overrides, "seed": int(seed)}
        if label_noise:
            settings |= {"label_noise": label_noise, "record_dynamics": dynamics}
            settings["score_train"] = True
        return experiment_config(self.experiment, **settings)


def domains_of(
    specs: Mapping[str, Mapping[str, Any]],
    *,
    seeds: Sequence[int] = (0,),
    overrides: Mapping[str, Any] | None = None,
    n_ood: int = 2000,
) -> dict[str, Domain]:
    """The chapter's ``domains`` parameter as :class:`Domain` objects, in its order.

    A spec has ``experiment`` and ``ood`` and optionally ``noisy`` (default True),
    ``n_ood`` (default ``n_ood``), ``overrides`` (winning over the chapter's) and
    ``replicate`` (default True; False: only the first of ``seeds``).

    Raises
    ------
    ValueError
        For a spec key outside :data:`SPEC_KEYS` (listing them) or a missing one.
    """
    out = {}
    for name, spec in specs.items():
        unknown = sorted(set(spec) - set(SPEC_KEYS))
        if unknown or not {"experiment", "ood"} <= set(spec):
            raise ValueError(
                f"domain {name!r}: unknown keys {unknown} or no experiment/ood; "
                f"valid keys: {list(SPEC_KEYS)}"
            )
        out[name] = Domain(
            name,
            spec["experiment"],
            tuple(spec["ood"]),
            noisy=bool(spec.get("noisy", True)),
            n_ood=int(spec.get("n_ood", n_ood)),
            overrides={**(overrides or {}), **spec.get("overrides", {})},
            seeds=tuple(int(s) for s in (seeds if spec.get("replicate", True) else seeds[:1])),
        )
    return out


@dataclass(frozen=True)
class Replicate:
    """One domain on one seed: its run, its shuffled-label twin (or None) and, on the first
    seed of a domain with a twin, the twin's out-of-sample probabilities (for cleanlab)."""

    domain: Domain
    seed: int
    run: Experiment
    noisy: Experiment | None = None
    probs: torch.Tensor | None = None

    @property
    def first(self) -> bool:
        """Whether this is the domain's first seed (the one whose numbers the page quotes)."""
        return self.seed == self.domain.seeds[0]


def train_domains(
    domains: Mapping[str, Domain],
    *,
    label_noise: float = 0.2,
    cv_folds: int = 2,
    cv_epochs: int = 5,
    cache_dir: str | Path = "data/runs",
    data_root: str | Path = "data",
) -> dict[tuple[str, int], Replicate]:
    """Every domain on every one of its seeds, keyed ``(name, seed)``: trained or read from
    ``cache_dir`` (:func:`vog.experiments.run_experiment`). Only the first seed's twin
    follows the other difficulty scores and gets the cross-validation for cleanlab (their
    table is the first seed's); a later seed's twin records VoG alone, which saves time."""
    out = {}
    for name, d in domains.items():
        for seed in d.seeds:
            run = run_experiment(d.config(seed), cache_dir=cache_dir, data_root=data_root)
            noisy = probs = None
            if d.noisy:
                cfg = d.config(seed, label_noise=label_noise, dynamics=seed == d.seeds[0])
                noisy = run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)
                if seed == d.seeds[0]:
                    probs = out_of_sample_probabilities(
                        cfg, folds=cv_folds, epochs=cv_epochs, cache_dir=cache_dir,
                        data_root=data_root,
                    ).probs  # fmt: skip
            out[name, seed] = Replicate(d, seed, run, noisy, probs)
    return out


def vog_of(run: Experiment, split: str, target: str, window: str = "all") -> torch.Tensor:
    """Raw VoG (N,) of ``split`` over ``window``, higher = harder: as recorded in training
    (``"logit"``) or rescored from the window's saved checkpoints (``"probability"``)."""
    if target == "logit":
        return run.vog[split][window]
    if target != "probability":
        raise ValueError(f"unknown target {target!r}; valid: {list(TARGETS)}")
    res = compute_vog(
        run.checkpoints(window), run.dataset(split), model=run.model(), target="probability"
    )
    return res.raw


@dataclass
class Evaluation:
    """One replicate's evidence and table rows.

    ``evidence[claim, target]``: the claims of :mod:`vog.analysis.evidence` (``"error"``,
    ``"error (relative VoG)"``, ``"error (per-token VoG)"`` for token inputs, ``"class"``,
    ``"memorisation"`` with a twin, ``"msp"``); ``rows[table]``: rows of the tables
    ``"error"``, ``"why"``, ``"tokens"``, ``"class"``, ``"memorisation"``, ``"ood"``;
    ``curves[target]``: :func:`vog.analysis.bootstrap_percentile_errors` of the test set;
    ``classes``: :func:`vog.analysis.class_level`; ``scores[split, target]``: raw VoG.
    """

    replicate: Replicate
    evidence: dict[tuple[str, str], Evidence] = field(default_factory=dict)
    rows: dict[str, list[dict]] = field(default_factory=dict)
    curves: dict[str, dict] = field(default_factory=dict)
    classes: dict = field(default_factory=dict)
    scores: dict[tuple[str, str], torch.Tensor] = field(default_factory=dict)


def evaluate(
    rep: Replicate,
    *,
    window: str = "all",
    bins: int = 10,
    n_boot: int = 200,
    data_root: str | Path = "data",
) -> Evaluation:
    """Every claim's evidence on one replicate, with the point checks and table rows.

    Test examples bucketed by class-normalised VoG of both targets (Fig. 4, 10),
    relative VoG (VoG / gradient size) and, for token inputs, the per-token mean;
    class mean VoG against the false-negative rate (Fig. 9); the twin's
    ``|class-normalised VoG|`` of shuffled against clean labels (Sec. 4.1); VoG's mean
    AUROC over the OoD sets against -MSP's (Table 3). Bootstrap draws are seeded
    (``seed=0``), so a replicate's numbers depend only on its run.
    """
    run, name, out = rep.run, rep.domain.name, Evaluation(rep)
    rows = out.rows = {k: [] for k in ("error", "why", "tokens", "class", "memorisation", "ood")}
    labels, pred = run.labels["test"], run.predictions["test"]
    correct = (pred == labels).numpy()
    for target in TARGETS:
        out.scores["test", target] = s = vog_of(run, "test", target, window)
        z = class_normalize(s, labels).numpy()
        b = out.curves[target] = bootstrap_percentile_errors(z, correct, bins=bins, n_boot=n_boot)
        point = claims.error_by_vog(z, correct, bins=bins)
        e = out.evidence["error", target] = ev.error_evidence(z, correct, n_boot=n_boot)
        rows["error"].append(
            {
                "domain": name,
                "target": target,
                "top 10% (%)": 100 * point.numbers["top"],
                "bottom 10% (%)": 100 * point.numbers["bottom"],
                "all (%)": 100 * point.numbers["all"],
                "trend": b["trend"],
                "trend 95%": f"[{b['trend_low']:+.2f}, {b['trend_high']:+.2f}]",
                "point check": point.text(),
                "verdict": e.verdict,
            }
        )
    raw, size = run.vog["test"][window], run.magnitude["test"][window]
    relative = class_normalize(raw / size, labels).numpy()
    e = out.evidence["error (relative VoG)", "logit"] = ev.error_evidence(
        relative, correct, n_boot=n_boot
    )
    rows["why"].append(
        {
            "domain": name,
            "Spearman(VoG, gradient size)": spearman(raw, size)[0],
            "error, top 10% by relative VoG (%)": 100 * e.numbers["top"],
            "error, bottom 10% (%)": 100 * e.numbers["bottom"],
            "relative VoG verdict": e.verdict,
            "VoG verdict": out.evidence["error", "logit"].verdict,
        }
    )
    x = run.examples("test")
    if x.dim() == 3:  # token embeddings: the sum over real tokens, or their mean
        n_tok, per_tok = token_counts(x).double(), per_token_vog(raw, x)
        z = class_normalize(per_tok, labels).numpy()
        e = out.evidence["error (per-token VoG)", "logit"] = ev.error_evidence(
            z, correct, n_boot=n_boot
        )
        rows["tokens"].append(
            {
                "domain": name,
                "Spearman(VoG, tokens)": spearman(raw, n_tok)[0],
                "Spearman(per-token VoG, tokens)": spearman(per_tok, n_tok)[0],
                "per-token VoG: error top / bottom 10% (%)": (
                    f"{100 * e.numbers['top']:.1f} / {100 * e.numbers['bottom']:.1f}"
                ),
                "per-token VoG verdict": e.verdict,
                "VoG verdict": out.evidence["error", "logit"].verdict,
            }
        )
    out.classes = class_level(raw, labels, pred)
    e = out.evidence["class", "logit"] = ev.class_evidence(raw, labels, pred)
    rows["class"].append(
        {
            "domain": name,
            "Pearson r": out.classes["pearson_r"],
            "95% interval": f"[{e.conditions[0].low:+.2f}, {e.conditions[0].high:+.2f}]",
            "point check": claims.class_level_correlation(raw, labels, pred).text(),
            "verdict": e.verdict,
        }
    )
    if rep.noisy is not None and rep.noisy.noisy is not None:
        twin, noisy = rep.noisy, rep.noisy.noisy.numpy()
        for target in TARGETS:
            out.scores["noisy train", target] = s = vog_of(twin, "train", target, window)
            z = class_normalize(s, twin.labels["train"], mode="abs_zscore").numpy()
            point = claims.memorisation(z[~noisy], z[noisy])
            e = out.evidence["memorisation", target] = ev.memorisation_evidence(z[~noisy], z[noisy])
            rows["memorisation"].append(
                {
                    "domain": name,
                    "target": target,
                    "clean": f"{z[~noisy].mean():.2f} ± {z[~noisy].std():.2f}",
                    "shuffled": f"{z[noisy].mean():.2f} ± {z[noisy].std():.2f}",
                    "Welch p": f"{point.numbers['p']:.2g}",
                    "final training accuracy": twin.history[-1]["train_acc"],
                    "point check": point.text(),
                    "verdict": e.verdict,
                }
            )
    n = rep.domain.n_ood
    x_in = run.examples("test", range(min(n, len(labels))))
    sets = {
        o: load_vector_ood(o, like=x_in, n=n, root=str(data_root), seed=1) for o in rep.domain.ood
    }
    pairs = vog_and_msp(run.checkpoints(window), x_in, sets, model=run.model())
    for o, per in pairs.items():
        rows["ood"] += [
            {"domain": name, "OoD set": o, "method": m, **ood_metrics(*per[m])}
            for m in ("VoG", "MSP")
        ]
    out.evidence["msp", "logit"] = ev.msp_evidence(
        {o: p["VoG"] for o, p in pairs.items()},
        {o: p["MSP"] for o, p in pairs.items()},
        n_boot=n_boot,
    )
    return out
