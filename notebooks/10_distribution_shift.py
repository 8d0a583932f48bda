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
# # Distribution shift: where shifted images fall in the VoG ranking
#
# ```{chapter-goals}
# ```
#
# **Paper:** supplement E, Fig. 12b. ImageNet-O holds 2,000 images of 200
# classes outside ImageNet-1K, chosen to fool ImageNet classifiers into
# confident wrong predictions. Scored by the ImageNet ResNet-50 with the
# *predicted* label (the images have no ImageNet label) and ranked together
# with the ImageNet validation set, 30% of the ImageNet-O images fall in the
# top VoG quartile against 24% in the bottom one: VoG over-indexes on the
# shifted images.
#
# In the `default` profile the in-distribution set is the Fashion-MNIST test
# set of the training chapter's LeNet and the shifted sets are MNIST's test
# digits and random crops of scikit-image's photographs: images of classes the
# network has never seen, which it still assigns confidently to one of its ten
# clothing classes, as ImageNet-O images are to ImageNet classes. The `paper`
# profile points the same cells at the ImageNet run of the training chapter
# and an ImageNet-O folder (ImageFolder layout).

# %% [markdown]
# ## Findings
#
# - The paper's claim that shifted images over-index at high VoG
#   **{glue:text}`shift_mark`** here ({glue:text}`shift_reason`).
# - Share of the shifted images in the top vs the bottom VoG quartile:
#   {glue:text}`shift_quartiles` (paper, ImageNet-O: 30% vs 24%).
# - Profile **{glue:text}`shift_profile`**: {glue:text}`shift_setup`; VoG of the
#   predicted label, pooled and class-normalised (signed).

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
experiment = "fashion-lenet"  # a preset of vog.experiments.PRESETS: the in-distribution model
overrides = {}  # settings that replace the preset's, e.g. {"epochs": 20}
shift_sets = {"MNIST": "mnist", "photos": "photos"}  # name: vog.datasets.load_ood_set spec
# (paper: an ImageNet-O folder)
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
window = "all"  # checkpoints used for VoG: early | late | all
n_eval = 2000  # in-distribution test images, a fixed random subset
n_shift = 2000  # images per shifted set (ImageNet-O has 2,000)
require_claims = False  # fail the run if the paper's claim is not reproduced

# %%
import matplotlib.pyplot as plt
import pandas as pd
import torch
from myst_nb import glue
from torch.utils.data import Subset

import vog

cfg = vog.experiments.experiment_config(experiment, **overrides)
run = vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)
test = run.dataset("test")
order = torch.randperm(len(test), generator=torch.Generator().manual_seed(0))[:n_eval]
in_dist = Subset(test, order.tolist())
like = run.examples("test", [0])
shifted = {
    name: vog.datasets.load_ood_set(spec, like=like, n=n_shift, root=data_root, seed=1)
    for name, spec in shift_sets.items()
}
glue("shift_profile", profile, display=False)
glue(
    "shift_setup",
    f"{cfg.model} on {cfg.dataset} ({len(in_dist)} test images) against "
    + ", ".join(f"{k} ({len(v)})" for k, v in shifted.items()),
    display=False,
)

# %% [markdown]
# Nine in-distribution test images and nine of each shifted set.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, len(shifted) + 1, figsize=(6.5, 6.5 / (len(shifted) + 1) + 0.4))
vog.analysis.image_grid(axes[0], run.examples("test", order[:9]), ncols=3, title="in-distribution")
for ax, (name, x) in zip(axes[1:], shifted.items(), strict=True):
    vog.analysis.image_grid(ax, x[:9], ncols=3, title=name)
plt.show()

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("10_distribution_shift")

# %% [markdown]
# ## Predicted-label VoG of both sets
#
# Every image is scored with the logit of the class the final checkpoint
# predicts; the raw scores of both sets are pooled and class-normalised by
# predicted class ({func}`vog.analysis.pooled_vog`), so a shift between the
# sets stays visible. The maximum softmax probability (as -MSP, higher = more
# shifted) is computed beside it ({func}`vog.analysis.vog_and_msp`).

# %%
scores = vog.analysis.vog_and_msp(run.checkpoints(window), in_dist, shifted, model=run.model())

# %% [markdown]
# ## Fig. 12b: share of the shifted images in each VoG quartile
#
# Both sets ranked together and cut into quartiles
# ({func}`vog.analysis.quantile_shares`); a bar at 25% (dashed) means the
# score does not notice the shift. **What to look at:** the rightmost group of
# bars (top 25%) standing above the dashed line and the leftmost (bottom 25%)
# below it is the paper's finding.

# %% tags=["hide-input"]
quart = {
    name: 100 * vog.analysis.quantile_shares(*per_method["VoG"], q=4)
    for name, per_method in scores.items()
}
quart_msp = {
    f"{name} (-MSP)": 100 * vog.analysis.quantile_shares(*per_method["MSP"], q=4)
    for name, per_method in scores.items()
}
labels_q = ["bottom 25%", "25-50%", "50-75%", "top 25%"]
quartiles = pd.DataFrame(quart, index=labels_q)
quartiles.plot.bar(rot=0, figsize=(6.5, 3.8), ylabel="share of the shifted images (%)")
plt.axhline(25, color="k", lw=0.8, ls="--")
plt.show()
table = pd.concat([quartiles, pd.DataFrame(quart_msp, index=labels_q)], axis=1)
table["paper, ImageNet-O"] = [24.0, float("nan"), float("nan"), 30.0]  # supp. E, Fig. 12b
table.round(1)

# %% [markdown]
# ## The shifted images VoG ranks highest and lowest
#
# **What to look at:** what sets the highest-VoG shifted images (right) apart
# from the lowest (left): contrast, clutter, or a resemblance to a clothing
# class.

# %% tags=["hide-input", "full-width"]
for name, per_method in scores.items():
    r = vog.analysis.ranked(per_method["VoG"][1], k=16)
    fig, axes = plt.subplots(1, 2, figsize=(10, 5.2))
    vog.analysis.image_grid(
        axes[0], shifted[name][r["lowest"]], ncols=4, title=f"{name}: lowest VoG"
    )
    vog.analysis.image_grid(
        axes[1], shifted[name][r["highest"]], ncols=4, title=f"{name}: highest VoG"
    )
    plt.tight_layout()
    plt.show()

# %% tags=["remove-cell"]
top_vs_bottom = {n: (v[3], v[0]) for n, v in quart.items()}
glue(
    "shift_quartiles",
    "; ".join(f"{n}: {t:.0f}% vs {b:.0f}%" for n, (t, b) in top_vs_bottom.items()),
    display=False,
)
first = next(iter(quart))
glue("shift_top", float(quart[first][3]), display=False)
glue("shift_bottom", float(quart[first][0]), display=False)

# %% tags=["remove-cell"]
# Paper claim (supp. E, Fig. 12b): shifted images are more frequent in the top VoG quartile
# than in the bottom one (vog.analysis.claims.quartile_shift, shared with the diagnosis).
verdicts = {n: vog.analysis.claims.quartile_shift(shares) for n, shares in quart.items()}
failed = [n for n, v in verdicts.items() if not v.holds]
glue(
    "shift_claim",
    "reproduced" if not failed else "NOT reproduced for " + ", ".join(failed),
    display=False,
)
if require_claims:
    assert not failed, top_vs_bottom
# the verdict board's mark: each shifted set's top minus bottom quartile share with a 95%
# bootstrap interval (vog.analysis.evidence, shared with the study of chapter 11)
shift_ev = vog.analysis.evidence.shift_evidence(
    {name: per_method["VoG"] for name, per_method in scores.items()}
)
glue("shift_mark", shift_ev.verdict, display=False)
glue(
    "shift_reason",
    "top − bottom quartile share: "
    + ", ".join(
        f"{name} [{100 * c.low:+.0f}, {100 * c.high:+.0f}]"
        for name, c in zip(top_vs_bottom, shift_ev.conditions, strict=True)
    )
    + " points (95%)",
    display=False,
)
