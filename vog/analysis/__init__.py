"""What the chapters compute from scores: metrics, OoD detection, plots, the audit report.

- ``.metrics``: error by score bucket, tails, class level, rank
  correlation, quantile shares, the lowest and highest examples;
- ``.ood``: OoD metrics, MSP and predicted-label VoG scores;
- ``.claims``: the paper's claims as checks (one definition for the chapters
  and the diagnosis);
- ``.evidence`` and ``.verdicts``: the claims with confidence intervals and
  three-way verdicts (holds / within noise / fails), the claims x runs table;
- ``.effects``: a factor's effect on a claim's estimate with its interval,
  judged against the base's seed noise;
- ``.seeds``: a claim over replicate seeds (its verdict on each, its estimate's range);
- ``.residual``: how much of VoG's ranking the gradient's size and the
  confidence explain, and what the rest finds;
- ``.difficulty``: other per-example difficulty scores and the recorder that
  follows them through training; ``.label_issues``: cleanlab's label-quality
  scores;
- ``.detection``: finding perturbed examples, oriented and in H-CAT's
  convention, intervals over seeds and ranks over hardness types;
- ``.benchmark_ranks``: a hardness benchmark's tables over seeds, each
  method's place on the mean and on single seeds (its spread);
- ``.detectors``: post-hoc OoD detectors of ``pytorch-ood``;
- ``.baselines``: the OoD detectors of paper Table 1 (a registry);
- ``.plots``: image grids and error-by-percentile bars (matplotlib axes);
- ``.report``: a self-contained HTML gallery for auditing.
"""

from . import (
    benchmark_ranks,
    claims,
    detection,
    detectors,
    difficulty,
    effects,
    evidence,
    label_issues,
    residual,
    seeds,
    verdicts,
)
from .baselines import BASELINES, IMPLEMENTATIONS, fit_baseline
from .metrics import (
    bootstrap_percentile_errors,
    class_level,
    class_percentile,
    detection_metrics,
    error_by_percentile,
    error_trend,
    instance_spread,
    quantile_shares,
    ranked,
    spearman,
    tail_errors,
    top_overlap,
)
from .ood import msp_score, ood_metrics, pooled_vog, predicted_vog, vog_and_msp
from .plots import image_grid, percentile_error_plot
from .report import write_report

__all__ = [
    "BASELINES",
    "IMPLEMENTATIONS",
    "bootstrap_percentile_errors",
    "benchmark_ranks",
    "claims",
    "evidence",
    "effects",
    "residual",
    "seeds",
    "verdicts",
    "detection",
    "detectors",
    "difficulty",
    "label_issues",
    "class_level",
    "class_percentile",
    "detection_metrics",
    "error_by_percentile",
    "error_trend",
    "fit_baseline",
    "image_grid",
    "instance_spread",
    "msp_score",
    "ood_metrics",
    "percentile_error_plot",
    "pooled_vog",
    "predicted_vog",
    "quantile_shares",
    "ranked",
    "spearman",
    "tail_errors",
    "top_overlap",
    "vog_and_msp",
    "write_report",
]
