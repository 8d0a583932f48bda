"""The findings of "Beyond images": its tables, its sentences and each verdict's seed spread.

Built from the evaluations of :mod:`vog.experiments.domains`, keyed ``(domain,
seed)``. The page quotes each domain's *first* seed (its tables and the
sentences of :func:`findings`); the seed spreads state how a claim's verdict and
its deciding estimate vary over the domain's seeds.

- :func:`spread_table`: every (claim, target, domain) over its seeds
  (:func:`vog.analysis.seeds.seed_spread`: the verdict on every seed and the range of
  the estimate);
- :func:`flag_aurocs`: VoG among the other difficulty scores at finding the shuffled
  labels (the first seed, which has the cross-validation for cleanlab);
- :func:`tables`: the chapter's tables of the first seed;
- :func:`findings`: the chapter's glued sentences (keys without the ``bey_`` prefix).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analysis import claims
from ..analysis.label_issues import label_issue_score
from ..analysis.metrics import detection_metrics, spearman
from ..analysis.seeds import seed_spread
from ..analysis.verdicts import FAILS, HOLDS, NOISE, NOT_APPLICABLE, Evidence
from ..normalize import class_normalize
from .domains import TARGETS, Domain, Evaluation

__all__ = [
    "CLAIMS",
    "DIAGNOSTICS",
    "MODELS",
    "spread_table",
    "flag_aurocs",
    "flag_heatmap",
    "where",
    "tables",
    "findings",
    "seed_sentences",
    "verdicts_by_seed",
]

#: The page's claims in order: (claim, target) -> the suffix of its glue keys.
CLAIMS = {
    ("error", "logit"): "error_logit",
    ("error", "probability"): "error_probability",
    ("error (relative VoG)", "logit"): "error_relative",
    ("class", "logit"): "class",
    ("memorisation", "logit"): "mem_logit",
    ("memorisation", "probability"): "mem_probability",
    ("msp", "logit"): "msp",
}
#: Diagnostic readings of the error claim, left out of the verdict count.
DIAGNOSTICS = ("error (relative VoG)", "error (per-token VoG)")
#: The models' names on the page, by ``ExperimentConfig.model``.
MODELS = {"mlp": "MLP", "minilm": "fine-tuned all-MiniLM-L6-v2"}


def _by_seed(results, domains, claim, target, name) -> dict[int, Evidence]:
    return {
        s: results[name, s].evidence[claim, target]
        for s in domains[name].seeds
        if (claim, target) in results[name, s].evidence
    }


def spread_table(
    results: Mapping[tuple[str, int], Evaluation], domains: Mapping[str, Domain]
) -> pd.DataFrame:
    """Every (claim, target, domain) over its seeds: the verdict on each seed, the estimate
    on the first seed, its smallest and largest value and their range (NaN for one seed)."""
    rows = []
    for claim, target in [*CLAIMS, ("error (per-token VoG)", "logit")]:
        for name in domains:
            by_seed = _by_seed(results, domains, claim, target, name)
            if not by_seed:
                continue
            sp = seed_spread(by_seed)
            rows.append(
                {
                    "claim": claim,
                    "target": target,
                    "domain": name,
                    "seeds": ", ".join(map(str, sp.seeds)),
                    "verdicts": ", ".join(sp.verdicts),
                    "holds on": f"{sp.count(HOLDS)} of {len(sp.seeds)}",
                    "first seed": sp.estimates[0],
                    "min": sp.low,
                    "max": sp.high,
                    "range": sp.noise,
                }  # fmt: skip
            )
    return pd.DataFrame(rows).set_index(["claim", "target", "domain"])


def flag_aurocs(result: Evaluation) -> dict[str, float]:
    """AUROC (%, chance 50) of each difficulty score at finding the twin's shuffled labels:
    ``|VoG|`` of both targets, the scores followed through training and cleanlab's label issue
    score from the cross-validation (the replicate must have a twin and its probabilities)."""
    rep = result.replicate
    if rep.noisy is None or rep.noisy.noisy is None or rep.probs is None:
        raise ValueError(f"{rep.domain.name}, seed {rep.seed}: no twin with probabilities")
    y, noisy = rep.noisy.labels["train"], rep.noisy.noisy.numpy()
    table: dict[str, Any] = {
        f"|VoG| ({t})": class_normalize(result.scores["noisy train", t], y, mode="abs_zscore")
        for t in TARGETS
    }
    table |= dict(rep.noisy.dynamics["train"])
    table["cleanlab label issue"] = label_issue_score(y, rep.probs)
    return {
        k: 100 * detection_metrics(np.asarray(v, dtype=float), noisy)["AUROC"]
        for k, v in table.items()
    }


def where(evidence: Mapping[tuple[str, str, str], Evidence], claim, target, names) -> str:
    """``"holds on A, B; fails on C"``: one claim's verdicts over the domains ``names``
    (``"not run"`` where ``evidence`` has no ``(claim, target, name)``)."""
    by: dict[str, list[str]] = {}
    for name in names:
        e = evidence.get((claim, target, name))
        by.setdefault(e.verdict if e is not None else "not run", []).append(name)
    return "; ".join(f"{v} on {', '.join(n)}" for v, n in by.items())


def _frame(rows: Sequence[dict], index) -> pd.DataFrame:
    return pd.DataFrame(list(rows)).set_index(index) if rows else pd.DataFrame()


def tables(first: Mapping[str, Evaluation], *, label_noise: float = 0.2) -> dict[str, pd.DataFrame]:
    """The chapter's tables of each domain's first seed (``first[name]``).

    ``"overview"`` (runs), ``"error"``, ``"why"`` (gradient size, relative VoG),
    ``"tokens"`` (with the rank correlation of token VoG and sentence-embedding VoG on
    the same test texts), ``"class"``, ``"memorisation"``, ``"ood"`` (AUROC, AUPR in %),
    ``"msp"`` (mean AUROC, point check, verdict) and ``"flag"`` (AUROC % of finding the
    shuffled labels, :func:`flag_aurocs`, best first).
    """

    def rows(k):
        return [r for e in first.values() for r in e.rows[k]]

    runs = {n: e.replicate.run for n, e in first.items()}
    out = {"overview": _overview(first, label_noise)}
    out["error"] = _frame(rows("error"), ["domain", "target"])
    out["why"] = _frame(rows("why"), "domain")
    tokens = _frame(rows("tokens"), "domain")
    frozen = [n for n, r in runs.items() if r.config.dataset == "fortunes"]
    for name in tokens.index:  # the same texts in the same order (vog.datasets.tokens)
        y = runs[name].labels["test"]
        for other in frozen:
            m = min(len(y), len(runs[other].labels["test"]))
            if not bool((runs[other].labels["test"][:m] == y[:m]).all()):
                raise ValueError(f"{name} and {other} do not score the same texts")
            tokens.loc[name, f"Spearman with {other} VoG"] = spearman(
                first[name].scores["test", "logit"][:m], first[other].scores["test", "logit"][:m]
            )[0]
    out["tokens"] = tokens
    out["class"] = _frame(rows("class"), "domain")
    out["memorisation"] = _frame(rows("memorisation"), ["domain", "target"])
    out["ood"] = _frame(rows("ood"), ["domain", "OoD set", "method"]).mul(100)
    mean = out["ood"]["auroc"].groupby(level=["domain", "method"]).mean().unstack()
    mean["point check"] = [
        claims.beats_baselines(mean.loc[n].to_dict(), method="VoG", baselines=("MSP",)).text()
        for n in mean.index
    ]
    mean["verdict"] = [first[n].evidence["msp", "logit"].verdict for n in mean.index]
    out["msp"] = mean.loc[list(first)]
    flag = pd.DataFrame(
        {n: flag_aurocs(e) for n, e in first.items() if e.replicate.probs is not None}
    )
    out["flag"] = flag.loc[flag.mean(axis=1).sort_values(ascending=False).index]
    return out


def _overview(first: Mapping[str, Evaluation], label_noise: float) -> pd.DataFrame:
    out = {}
    for name, e in first.items():
        run, twin, cfg = e.replicate.run, e.replicate.noisy, e.replicate.run.config
        shape = run.examples("train", [0]).shape[1:]
        out[name] = {
            "data set": cfg.dataset,
            "model": MODELS.get(cfg.model, cfg.model),
            "input": " x ".join(map(str, shape))
            + (" (tokens x embedding)" if len(shape) == 2 else " (features)"),
            "classes": len(run.class_names),
            "train / test": f"{len(run.labels['train'])} / {len(run.labels['test'])}",
            "epochs": cfg.epochs,
            "seeds": ", ".join(map(str, e.replicate.domain.seeds)),
            "test accuracy (%)": round(100 * run.test_acc, 1),
            f"test accuracy, {100 * label_noise:g}% shuffled (%)": (
                round(100 * twin.test_acc, 1) if twin is not None else "not run"
            ),
        }
    return pd.DataFrame(out).T


def findings(
    results: Mapping[tuple[str, int], Evaluation],
    domains: Mapping[str, Domain],
    flag: pd.DataFrame,
    tokens: pd.DataFrame,
    *,
    bins: int = 10,
) -> dict[str, str]:
    """The chapter's sentences, keyed without the ``bey_`` prefix: the first seed's
    (``setup``, ``<claim>`` of :data:`CLAIMS`, ``tokens``, ``tokens_scope``, ``rank``,
    ``verdict``) and the seeds' (``seeds``, ``seeds_<claim>``, ``seed_verdict``)."""
    first = {n: results[n, d.seeds[0]] for n, d in domains.items()}
    evidence = {(c, t, n): e for n, r in first.items() for (c, t), e in r.evidence.items()}
    out = {
        "setup": "; ".join(
            f"{n}: {MODELS.get(r.replicate.run.config.model, r.replicate.run.config.model)} on "
            f"{r.replicate.run.config.dataset}, test accuracy {100 * r.replicate.run.test_acc:.1f}%"
            for n, r in first.items()
        )
    }
    for (claim, target), key in CLAIMS.items():
        out[key] = where(evidence, claim, target, domains)
        spreads = {n: _by_seed(results, domains, claim, target, n) for n in domains}
        out[f"seeds_{key}"] = "; ".join(
            f"{n}: " + (seed_spread(b).text() if b else "not run") for n, b in spreads.items()
        )
    out["tokens"] = "; ".join(_token_finding(n, r) for n, r in tokens.iterrows()) or (
        "no token domain run"
    )
    out["tokens_scope"] = "; ".join(_token_scope(n, first[n], bins) for n in tokens.index) or (
        "no token domain run"
    )
    ranks = {
        n: 1
        + [k.startswith("|VoG|") for k in flag[n].sort_values(ascending=False).index].index(True)
        for n in flag.columns
    }
    out["rank"] = "; ".join(
        f"on {n} the best VoG ranks {r} of {len(flag)} "
        f"(best: {flag[n].idxmax()}, AUROC {flag[n].max():.1f}%)"
        for n, r in ranks.items()
    )
    verdicts = pd.Series({k: e.verdict for k, e in evidence.items() if k[0] not in DIAGNOSTICS})
    counts = verdicts.value_counts()
    out["verdict"] = (
        f"{counts.get(HOLDS, 0)} of {len(verdicts)} (claim, target, domain) verdicts hold, "
        f"{counts.get(NOISE, 0)} are within noise, {counts.get(FAILS, 0)} fail"
    )
    out |= seed_sentences(results, domains)
    return out


def seed_sentences(
    results: Mapping[tuple[str, int], Evaluation], domains: Mapping[str, Domain]
) -> dict[str, str]:
    """The seeds' sentences: ``"seeds"`` (which domains run on which seeds) and
    ``"seed_verdict"`` (how many verdicts of the replicated domains are the same on
    every seed, and the ones that differ; the diagnostic readings left out)."""
    groups: dict[tuple[int, ...], list[str]] = {}
    for n, d in domains.items():
        groups.setdefault(d.seeds, []).append(n)
    scope = "; ".join(
        f"{', '.join(names)}: "
        + (f"seeds {', '.join(map(str, s))}" if len(s) > 1 else f"seed {s[0]} only")
        for s, names in groups.items()
    )
    spreads = {
        (c, t, n): seed_spread(b)
        for c, t in CLAIMS
        if c not in DIAGNOSTICS
        for n, d in domains.items()
        if len(d.seeds) > 1 and (b := _by_seed(results, domains, c, t, n))
    }
    moved = [", ".join(k) for k, s in spreads.items() if not s.stable]
    verdict = (
        f"{len(spreads) - len(moved)} of {len(spreads)} (claim, target, domain) verdicts are the "
        "same on every seed"
        + (f"; they differ between seeds for {'; '.join(moved)}" if moved else "")
        if spreads
        else "no domain runs on more than one seed"
    )
    return {"seeds": scope, "seed_verdict": verdict}


def _token_scope(name: str, result: Evaluation, bins: int) -> str:
    run, n_test = result.replicate.run, len(result.replicate.run.labels["test"])
    return (
        f"{name}: {len(run.labels['train'])} training texts, {run.config.epochs} epochs, "
        f"{n_test} test texts (about {n_test // bins} per VoG bucket), memorisation check "
        + ("run" if result.replicate.noisy is not None else "not run")
    )


def _token_finding(name: str, row: pd.Series) -> str:
    text = (
        f"on {name}, rank correlation with the number of tokens: "
        f"{row['Spearman(VoG, tokens)']:+.2f} for VoG (Eq. 4 over the fixed grid), "
        f"{row['Spearman(per-token VoG, tokens)']:+.2f} for the per-token mean (error by "
        f"VoG: {row['VoG verdict']}; by per-token VoG: {row['per-token VoG verdict']})"
    )
    views = [
        f"{row[k]:+.2f} with {k.removeprefix('Spearman with ').removesuffix(' VoG')}"
        for k in row.index
        if k.startswith("Spearman with ")
    ]
    return text + ("; rank correlation " + ", ".join(views) if views else "")


def verdicts_by_seed(
    results: Mapping[tuple[str, int], Evaluation], domains: Mapping[str, Domain]
) -> pd.DataFrame:
    """The verdicts as a table for :func:`vog.analysis.verdicts.verdict_figure`: one row per
    (claim, target) of :data:`CLAIMS`, one column per (domain, seed); n/a where not run."""
    rows = [f"{c}, {t}" for c, t in CLAIMS]
    cells = {
        f"{n}, seed {s}": [
            e.verdict if (e := results[n, s].evidence.get(k)) is not None else NOT_APPLICABLE
            for k in CLAIMS
        ]
        for n, d in domains.items()
        for s in d.seeds
    }
    return pd.DataFrame(cells, index=pd.Index(rows, name="claim"))


def flag_heatmap(ax, flag: pd.DataFrame):
    """Draw :func:`tables`' ``"flag"`` table (AUROC %, scores x domains) as a heatmap from
    50 (chance) to 100, each cell's value written in it. Returns the image (for a colour bar)."""
    values = flag.to_numpy(dtype=float)
    im = ax.imshow(values, vmin=50, vmax=100, cmap="viridis", aspect="auto")
    ax.set_xticks(range(flag.shape[1]), flag.columns, fontsize=8)
    ax.set_yticks(range(len(flag)), flag.index, fontsize=8)
    for (r, c), v in np.ndenumerate(values):
        colour = "w" if v < 80 else "k"
        ax.text(c, r, f"{v:.0f}", ha="center", va="center", fontsize=7, color=colour)
    return im
