# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Early and late training: the flip
#
# ```{chapter-goals}
# ```
#
# **Paper:** Sec. 3 (5), Fig. 5, 8, 11 and supplement D. VoG computed over the
# first three epochs (early) and over the last three (late) rank the test set
# in opposite ways: early, high-VoG examples have *lower* error (gradient
# updates hinge on the easy examples); late, high-VoG examples have the
# highest error. For CIFAR the paper sees the early trend only with a lower
# learning rate (1e-3) in the early stage.
#
# This chapter trains the same network twice, with the usual and with a low
# learning rate, and compares the error per VoG decile in both stages. The
# supplement uses the low rate for the early stage: in the `default` profile
# that run trains for 6 epochs (its early window, epochs 0-2, and a late one,
# 3-5, of a network still learning). The
# trend of each curve is summarised by the Spearman correlation between
# decile and error (negative = error falls as VoG rises). The claim is checked
# as the main text states it, on the usual run; the low-learning-rate run is
# the supplement's variant, shown without a check.

# %% [markdown]
# ## Findings
#
# - The early/late flip **{glue:text}`dyn_mark`** here
#   ({glue:text}`dyn_reason`): at the usual learning rate the trend of error
#   over the VoG buckets is {glue:text}`dyn_early_usual:+.2f` early and
#   {glue:text}`dyn_late_usual:+.2f` late (the flip needs the first negative
#   and the second positive). The chapter {doc}`11_when_claims_hold` checks
#   the flip over data sets and schedules and explains the late trend's sign.
# - At the low learning rate the early trend is {glue:text}`dyn_early_low:+.2f`;
#   that network ends with {glue:text}`dyn_low_error:.1f`% test error.
# - Profile **{glue:text}`dyn_profile`**: {glue:text}`dyn_setup`; VoG is the
#   paper's signed class-normalised score.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
experiment = "fashion-lenet"  # a preset of vog.experiments.PRESETS (or flat settings)
overrides = {}  # settings that replace the preset's, e.g. {"epochs": 20}
low_lr = 0.001  # the supplement's lower learning rate
low_lr_epochs = 10  # length of the low-learning-rate run (its early window is what matters)
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
bins = 10  # number of VoG percentile buckets, 10 for deciles
n_boot = 200  # bootstrap resamples for the trends' confidence intervals
require_claims = False  # fail the run if the paper's claim is not reproduced

# %%
import matplotlib.pyplot as plt
import pandas as pd
from myst_nb import glue

import vog

glue("dyn_profile", profile, display=False)
settings = vog.experiments.experiment_settings(experiment, **overrides)
runs = {}
variants = {
    "usual learning rate": settings,
    # the variant needs test-set VoG only: the training set is not scored
    "low learning rate": {
        **settings,
        "lr": low_lr,
        "epochs": low_lr_epochs,
        "lr_milestones": [m for m in settings.get("lr_milestones", []) if m < low_lr_epochs],
        "score_train": False,
    },
}
for name, params in variants.items():
    cfg = vog.experiments.experiment_config(params)
    runs[name] = vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)
glue(
    "dyn_setup",
    f"{cfg.model} on {cfg.dataset}, "
    f"learning rates {runs['usual learning rate'].config.lr} and {low_lr}",
    display=False,
)

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("07_dynamics")

# %% [markdown]
# ## Error per VoG decile, early and late (Fig. 5, 8, 11)
#
# One panel per run and stage. **What to look at:** the paper's flip is bars
# falling from left to right in the early panels and rising in the late ones;
# the table below gives each trend with its 95% bootstrap interval (an
# interval across 0 means the data cannot tell the direction).

# %% tags=["hide-input"]
fig, axes = plt.subplots(4, 1, figsize=(6.5, 11), sharex=True)
rows = []
for r, (name, run) in enumerate(runs.items()):
    correct = vog.experiments.correct(run, "test")
    for c, stage in enumerate(("early", "late")):
        score = vog.experiments.vog_variants(run, "test", stage, names=("signed",))["signed"]
        b = vog.analysis.bootstrap_percentile_errors(score, correct, bins=bins, n_boot=n_boot)
        upper, err, rho = b["upper"], b["error"], b["trend"]
        rows.append(
            {
                "run": name,
                "stage": stage,
                "trend (Spearman)": rho,
                "95% interval": f"[{b['trend_low']:+.2f}, {b['trend_high']:+.2f}]",
                "test error (%)": 100 * (1 - correct.mean()),
            }
        )
        ax = axes[2 * r + c]
        vog.analysis.percentile_error_plot(ax, upper, err, baseline=1 - correct.mean())
        ax.set_title(f"{name}: VoG({stage}), trend {rho:+.2f}")
plt.tight_layout()
plt.show()
trends = pd.DataFrame(rows).set_index(["run", "stage"])
trends.round(3)

# %% tags=["remove-cell"]
early_usual = trends.loc[("usual learning rate", "early"), "trend (Spearman)"]
late_usual = trends.loc[("usual learning rate", "late"), "trend (Spearman)"]
early_low = trends.loc[("low learning rate", "early"), "trend (Spearman)"]
glue("dyn_early_usual", float(early_usual), display=False)
glue("dyn_late_usual", float(late_usual), display=False)
glue("dyn_early_low", float(early_low), display=False)
glue(
    "dyn_low_error",
    float(trends.loc[("low learning rate", "early"), "test error (%)"]),
    display=False,
)

# %% tags=["remove-cell"]
# Paper claim (Sec. 3 (5)): early-stage error falls with VoG, late-stage error rises with VoG
# (vog.analysis.claims.early_late_flip, the check the diagnosis chapter shares).
usual = runs["usual learning rate"]
signed = {
    stage: vog.experiments.vog_variants(usual, "test", stage, names=("signed",))["signed"]
    for stage in ("early", "late")
}
verdict = vog.analysis.claims.early_late_flip(
    signed["early"], signed["late"], vog.experiments.correct(usual, "test"), bins=bins
)
glue("dyn_claim", verdict.text(), display=False)
# the verdict board's mark: both trends with 95% bootstrap intervals
# (vog.analysis.evidence, shared with the study of chapter 11)
correct_usual = vog.experiments.correct(usual, "test")
flip_ev = vog.analysis.evidence.flip_evidence(
    signed["early"], signed["late"], correct_usual, bins=bins, n_boot=n_boot
)
minus_early, late = flip_ev.conditions
glue("dyn_mark", flip_ev.verdict, display=False)
glue(
    "dyn_reason",
    f"trend early [{-minus_early.high:+.2f}, {-minus_early.low:+.2f}], "
    f"late [{late.low:+.2f}, {late.high:+.2f}] (95%)",
    display=False,
)
if require_claims:
    assert verdict.holds, verdict
