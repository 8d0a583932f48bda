"""What the chapters compute from scores: metrics, OoD detection, plots, the audit report.

- ``.metrics``: error by score bucket, tails, class level, rank
  correlation, quantile shares, the lowest and highest examples;
- ``.ood``: OoD metrics, MSP and predicted-label VoG scores;
- ``.baselines``: the OoD detectors of paper Table 1 (a registry);
- ``.plots``: image grids and error-by-percentile bars (matplotlib axes);
- ``.report``: a self-contained HTML gallery for auditing.
"""

from .baselines import BASELINES, IMPLEMENTATIONS, fit_baseline
from .metrics import (
    class_level,
    error_by_percentile,
    quantile_shares,
    ranked,
    spearman,
    tail_errors,
)
from .ood import msp_score, ood_metrics, pooled_vog, predicted_vog, vog_and_msp
from .plots import image_grid, percentile_error_plot
from .report import write_report

__all__ = [
    "BASELINES",
    "IMPLEMENTATIONS",
    "class_level",
    "error_by_percentile",
    "fit_baseline",
    "image_grid",
    "msp_score",
    "ood_metrics",
    "percentile_error_plot",
    "pooled_vog",
    "predicted_vog",
    "quantile_shares",
    "ranked",
    "spearman",
    "tail_errors",
    "vog_and_msp",
    "write_report",
]
