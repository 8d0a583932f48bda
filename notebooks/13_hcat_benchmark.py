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
# # An external benchmark: VoG on H-CAT's hardness taxonomy
#
# Every other chapter checks VoG against the protocol of its own paper. This
# one runs a protocol someone else wrote: **H-CAT** (Seedat, Imrie and van der
# Schaar, "Dissecting Sample Hardness", ICLR 2024; repository
# `seedatnabeel/H-CAT`), the field's benchmark of hardness scores, VoG among
# them. H-CAT perturbs a share `p` of MNIST's training set in eight ways
# (four kinds of label noise, near- and far-out-of-distribution images, zoomed
# and shifted digits), trains its LeNet with Adam, and asks each score of the
# **same run** to find the perturbed examples.
#
# Its code makes two choices a reader of its results needs to know, and this
# chapter measures both:
#
# - **Its VoG is not the paper's.** `src/hardness.py` differentiates the
#   softmax *probability* of the (possibly noisy) label, from snapshots after
#   epochs 1, 3 and 5 of 10, and does not normalise by class. We compute both
#   from the same run: "VoG (H-CAT)" and "VoG (paper)" (the logit, the
#   paper's windows, class-normalised).
# - **Its metric is not oriented.** `src/evaluator.py` scores every method by
#   the average precision with the *clean* examples as positives and the
#   method's raw score. For a score where high means hard (VoG, loss, EL2N,
#   GraNd, forgetting) a better detector of the perturbed examples then gets a
#   *lower* AUPRC: at 10% perturbed a perfect one scores 0.74, a random one
#   0.90. Its AUROC takes the perturbed examples as positives for EL2N, GraNd,
#   loss and forgetting, but the clean ones for VoG, which turns VoG's AUROC
#   round. We report the oriented metric (the perturbed examples are the
#   positives, every score "higher = more likely perturbed") and H-CAT's
#   beside it.
#
# The perturbations are {mod}`vog.datasets.perturbations`, the set-up
# {mod}`vog.experiments.hardness` and the metrics {mod}`vog.analysis.detection`;
# each cites the H-CAT code it reproduces. One substitution: H-CAT's far-OoD
# images are CIFAR-10, which is not available offline; here they are crops of
# scikit-image's photographs (`far_ood_set`).

# %% [markdown]
# ## Findings
#
# - **Where VoG stands.** Under the oriented metric, VoG as the paper
#   defines it ranks {glue:text}`hcat_vog_paper_rank` of
#   {glue:text}`hcat_n_methods` scores by mean rank over the hardness types
#   (mean AUROC {glue:text}`hcat_vog_paper_auroc:.2f`); it finds the perturbed
#   examples better than chance on {glue:text}`hcat_vog_above` of
#   {glue:text}`hcat_n_types` types and worse than chance on
#   {glue:text}`hcat_vog_below`. H-CAT's VoG ranks
#   {glue:text}`hcat_vog_hcat_rank` (mean AUROC
#   {glue:text}`hcat_vog_hcat_auroc:.2f`). The best score is
#   {glue:text}`hcat_best_oriented` (mean AUROC {glue:text}`hcat_best_auroc:.2f`).
# - **H-CAT's convention reorders the methods.** Ranked by H-CAT's AUPRC, the
#   best method is {glue:text}`hcat_best_hcat` and H-CAT's VoG ranks
#   {glue:text}`hcat_vog_hcat_rank_hcat`; the two orderings agree with a Kendall
#   tau of {glue:text}`hcat_tau:.2f`. Verdict on H-CAT's ranking under the
#   oriented metric: **{glue:text}`hcat_mark`** ({glue:text}`hcat_reason`).
# - **H-CAT's VoG against the paper's.** {glue:text}`hcat_vog_compare`
# - Profile **{glue:text}`hcat_profile`**: {glue:text}`hcat_setup`.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
experiment = "hcat-mnist-250"  # a preset of vog.experiments.PRESETS (H-CAT's MNIST recipe)
overrides = {}  # settings that replace the preset's, e.g. {"train_limit": 2000}
hardness = [
    "uniform",
    "asymmetric",
    "adjacent",
    "instance",
    "ood_covariate",
    "far_ood",
    "zoom_shift",
    "crop_shift",
]  # H-CAT's hardness types (vog.datasets.perturbations.HARDNESS)
proportions = [0.2]  # perturbed shares p (H-CAT: 0.1, 0.2, 0.3, 0.4, 0.5)
seeds = [0, 1, 2]  # one run per seed (H-CAT: 0, 1, 2)
far_ood_set = "photos"  # far-OoD images (H-CAT: CIFAR-10; "cifar10" where it is on disk)
cv_folds = 2  # cleanlab's cross-validation folds
cv_epochs = 5  # epochs of each fold model
cache_dir = "data/runs"  # runs are cached here; an interrupted grid resumes
data_root = "data"  # data sets live here

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from myst_nb import glue
from scipy.stats import kendalltau

import vog
from vog.analysis import detection
from vog.experiments import hardness as hb

settings = vog.experiments.experiment_settings(experiment, **overrides)
table = hb.run_grid(
    hardness,
    proportions,
    seeds,
    experiment=settings,
    far_ood_set=far_ood_set,
    cv_folds=cv_folds,
    cv_epochs=cv_epochs,
    cache_dir=cache_dir,
    data_root=data_root,
)
cfg = vog.experiments.ExperimentConfig(**settings)
n_train = cfg.train_limit or "all"
setup = (
    f"H-CAT's MNIST LeNet, Adam lr {cfg.lr:g}, batch {cfg.batch_size}, {cfg.epochs} epochs, "
    f"{n_train} training images ({cfg.source()} MNIST); {len(hardness)} hardness types, "
    f"p = {', '.join(f'{p:g}' for p in proportions)}, seeds {', '.join(map(str, seeds))} "
    f"({len(table) // len(hb.METHODS)} runs); far-OoD images: {far_ood_set}"
)
glue("hcat_profile", profile, display=False)
glue("hcat_setup", setup, display=False)
glue("hcat_n_methods", len(hb.METHODS), display=False)
glue("hcat_n_types", len(hardness), display=False)
accuracy = table.drop_duplicates(["hardness", "p", "seed"]).groupby("hardness")["test_acc"].mean()
print(setup)
print("clean test accuracy by hardness type (mean over runs):")
print(accuracy.round(3).to_string())

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("13_hcat_benchmark")

# %% [markdown]
# ## The eight perturbations
#
# Each row is one hardness type applied to the same test digits, in H-CAT's
# input space (MNIST normalised to [-1, 1]; shown from black at -1 to white at
# 1). The label noise leaves the image alone and changes the label (shown
# above each digit as old -> new). H-CAT's constants assume that space: its
# near-OoD noise is clipped to [0, 1], which lifts the black background to
# grey; its shift fills the new columns with 0, grey too; its far-OoD images
# stay in [0, 1]. Reproduced as they are.

# %% tags=["hide-input"]
x_demo, y_demo = vog.datasets.mnist(data_root, train=False, limit=6)
x_demo = (x_demo - 0.5) / 0.5
demo_options = {
    "far_ood": {"replacements": vog.datasets.load_ood_set(far_ood_set, like=x_demo, n=6)}
}
fig, axes = plt.subplots(len(hardness), 6, figsize=(6.5, 1.15 * len(hardness)))
for row, kind in zip(np.atleast_2d(axes), hardness, strict=True):
    out = vog.datasets.perturb(kind, x_demo, y_demo, 1.0, seed=0, **demo_options.get(kind, {}))
    for ax, img, old, new in zip(row, out.x, y_demo, out.labels, strict=True):
        ax.imshow(img[0], cmap="gray", vmin=-1, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if kind in vog.datasets.perturbations.LABEL_NOISE:
            ax.set_title(f"{int(old)} -> {int(new)}", fontsize=7)
    row[0].set_ylabel(kind, fontsize=7, rotation=0, ha="right")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The scores, and how H-CAT computes them
#
# Every score comes from the same training run and is oriented "higher = more
# likely perturbed". Where H-CAT's implementation differs, the third column
# says how; the last two say how its evaluator reads the method (the raw
# score's direction, and which examples its AUROC takes as positives).

# %% tags=["hide-input"]
pd.DataFrame(
    {
        name: {
            "this book": m.about,
            "H-CAT": m.hcat,
            "H-CAT raw score": "high = hard" if m.hcat_raw > 0 else "high = clean",
            "H-CAT AUROC positives": m.hcat_auroc,
        }
        for name, m in hb.METHODS.items()
    }
).T

# %% [markdown]
# ## How well each score finds the perturbed examples (oriented)
#
# AUROC with the perturbed examples as positives and every score taken
# "higher = more likely perturbed" (chance: 0.5), averaged over the seeds
# (and the proportions, where there are several); in brackets the 95%
# Student-t interval over the seeds (cut to [0, 1]; with two or three seeds
# it is wide). The heat map shows the means;
# below it, the same for the average precision (chance: `p`).


# %%
def summary(metric: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Mean, low and high of ``metric`` per (method, type): averaged over p, interval over seeds."""
    per_seed = table.groupby(["method", "hardness", "seed"])[metric].mean()
    parts = {"mean": {}, "low": {}, "high": {}}
    for (method, kind), values in per_seed.groupby(["method", "hardness"]):
        for part, value in zip(parts, detection.seed_interval(values.to_numpy()), strict=True):
            parts[part][(method, kind)] = value
    frames = [pd.Series(v).unstack().loc[list(hb.METHODS), hardness] for v in parts.values()]
    return frames[0], frames[1], frames[2]


def with_interval(mean: pd.DataFrame, low: pd.DataFrame, high: pd.DataFrame) -> pd.DataFrame:
    """``0.83 [0.80, 0.86]`` cells, the interval cut to the metric's range [0, 1] (the mean
    alone where one seed gives no interval)."""
    cells = mean.copy().astype(object)
    for r in mean.index:
        for c in mean.columns:
            m, lo, hi = mean.loc[r, c], max(low.loc[r, c], 0.0), min(high.loc[r, c], 1.0)
            cells.loc[r, c] = f"{m:.2f}" if np.isnan(lo) else f"{m:.2f} [{lo:.2f}, {hi:.2f}]"
    return cells


auroc, auroc_low, auroc_high = summary("AUROC")
ap, ap_low, ap_high = summary("AP")
hcat_auprc, hcat_low, hcat_high = summary("H-CAT AUPRC")
hcat_auroc = summary("H-CAT AUROC")[0]

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(8, 5))
im = ax.imshow(auroc.to_numpy(), vmin=0, vmax=1, cmap="RdBu_r")
ax.set_xticks(range(len(hardness)), hardness, rotation=45, ha="right", fontsize=8)
ax.set_yticks(range(len(auroc)), auroc.index, fontsize=8)
for i in range(auroc.shape[0]):
    for j in range(auroc.shape[1]):
        ax.text(j, i, f"{auroc.iloc[i, j]:.2f}", ha="center", va="center", fontsize=6)
ax.set_title("oriented AUROC (perturbed = positive; 0.5 = chance)")
fig.colorbar(im, ax=ax, shrink=0.7)
plt.tight_layout()
plt.show()
with_interval(auroc, auroc_low, auroc_high)

# %% tags=["hide-input"]
with_interval(ap, ap_low, ap_high)

# %% [markdown]
# ## The same runs under H-CAT's convention
#
# H-CAT's AUPRC of each method on the same runs: clean examples as positives,
# the raw score. For the scores whose raw value is high for clean examples
# (AUM, margin, Data Maps confidence, cleanlab's quality) it is an oriented
# average precision of the clean class; for the "high = hard" ones (VoG, loss,
# EL2N, GraNd, forgetting) it is turned round. The dashed lines mark what a
# perfect and a random "high = hard" detector get at this `p`
# ({func}`vog.analysis.detection.perfect_hcat_auprc`; random: `1 - p`).
# **What to look at:** the "high = hard" scores that detect well under the
# oriented metric (right) sit at the bottom under H-CAT's (low).

# %% tags=["hide-input"]
p_ref = float(np.mean(proportions))
fig, ax = plt.subplots(figsize=(7, 4.5))
hard_high = [m for m, spec in hb.METHODS.items() if spec.hcat_raw > 0]
for name in hb.METHODS:
    ax.scatter(
        ap.loc[name],
        hcat_auprc.loc[name],
        s=18,
        marker="o" if name in hard_high else "s",
        label=name,
    )
ax.axhline(detection.perfect_hcat_auprc(p_ref), ls="--", c="k", lw=0.8)
ax.axhline(1 - p_ref, ls=":", c="k", lw=0.8)
ax.set(xlabel="oriented average precision", ylabel="H-CAT AUPRC (clean positive, raw score)")
ax.set_title("each point: one method on one hardness type (circles: raw score high = hard)")
ax.legend(fontsize=6, ncol=2)
plt.tight_layout()
plt.show()
with_interval(hcat_auprc, hcat_low, hcat_high)

# %% [markdown]
# H-CAT's AUROC on the same runs. It equals the oriented AUROC for every
# method except VoG's variants, whose AUROC H-CAT takes with the clean
# examples as positives: 1 minus the oriented value.

# %% tags=["hide-input"]
hcat_auroc.round(2)

# %% [markdown]
# ## Rank summary across hardness types
#
# The methods ranked within each hardness type (1 = best; mean over seeds and
# proportions), and their mean rank: by the oriented AUROC, the oriented
# average precision and H-CAT's AUPRC (read as H-CAT reads it, higher =
# better).

# %%
ranks = {
    "oriented AUROC": detection.rank_summary(auroc),
    "oriented AP": detection.rank_summary(ap),
    "H-CAT AUPRC": detection.rank_summary(hcat_auprc),
}
mean_ranks = pd.DataFrame({k: r["mean rank"] for k, r in ranks.items()})
mean_ranks = mean_ranks.sort_values("oriented AUROC")
tau = kendalltau(mean_ranks["oriented AP"], mean_ranks["H-CAT AUPRC"]).statistic

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(6, 4.5))
for name in mean_ranks.index:
    ax.plot([0, 1], mean_ranks.loc[name, ["oriented AP", "H-CAT AUPRC"]], "o-", lw=1)
    ax.text(1.03, mean_ranks.loc[name, "H-CAT AUPRC"], name, va="center", fontsize=7)
    ax.text(-0.03, mean_ranks.loc[name, "oriented AP"], name, va="center", ha="right", fontsize=7)
ax.set_xticks([0, 1], ["oriented AP", "H-CAT AUPRC"])
ax.set_xlim(-0.6, 1.6)
ax.invert_yaxis()
ax.set_ylabel("mean rank over hardness types (1 = best)")
ax.set_title(f"how the convention reorders the methods (Kendall tau {tau:.2f})")
plt.tight_layout()
plt.show()
mean_ranks.round(2)

# %% tags=["hide-input"]
ranks["oriented AUROC"].round(1)

# %% [markdown]
# ## VoG across the proportions
#
# Oriented AUROC of VoG's two definitions and of three other scores against
# the perturbed share `p`, per hardness type (mean over seeds; one point per
# `p` of the profile).

# %% tags=["hide-input"]
shown = ["VoG (paper, all)", "VoG (H-CAT)", "loss", "AUM", "cleanlab"]
by_p = table[table["method"].isin(shown)].groupby(["hardness", "method", "p"])["AUROC"].mean()
cols = 4
rows = int(np.ceil(len(hardness) / cols))
fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows), squeeze=False, sharey=True)
for ax, kind in zip(axes.ravel(), hardness, strict=False):
    for name in shown:
        series = by_p.loc[(kind, name)]
        ax.plot(series.index, series.to_numpy(), "o-", ms=3, label=name)
    ax.axhline(0.5, c="k", lw=0.6, ls=":")
    ax.set_title(kind, fontsize=9)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("p")
for ax in axes.ravel()[len(hardness) :]:
    ax.axis("off")
axes[0, 0].set_ylabel("oriented AUROC")
axes[0, 0].legend(fontsize=6)
plt.tight_layout()
plt.show()


# %% tags=["remove-cell"]
# Where VoG stands (oriented AUROC over seeds; a type counts as above / below chance when
# the 95% interval over seeds excludes 0.5, or, with one seed, by the mean alone).
def chance_side(name: str) -> tuple[int, int]:
    lo, hi, m = auroc_low.loc[name], auroc_high.loc[name], auroc.loc[name]
    above = np.where(np.isnan(lo), m > 0.5, lo > 0.5)
    below = np.where(np.isnan(hi), m < 0.5, hi < 0.5)
    return int(above.sum()), int(below.sum())


order = ranks["oriented AUROC"].index.tolist()
vog_paper, vog_hcat = "VoG (paper, all)", "VoG (H-CAT)"
above, below = chance_side(vog_paper)
glue("hcat_vog_above", above, display=False)
glue("hcat_vog_below", below, display=False)
glue("hcat_vog_paper_rank", order.index(vog_paper) + 1, display=False)
glue("hcat_vog_hcat_rank", order.index(vog_hcat) + 1, display=False)
glue("hcat_vog_paper_auroc", float(auroc.loc[vog_paper].mean()), display=False)
glue("hcat_vog_hcat_auroc", float(auroc.loc[vog_hcat].mean()), display=False)
glue("hcat_best_oriented", order[0], display=False)
glue("hcat_best_auroc", float(auroc.loc[order[0]].mean()), display=False)
hcat_order = ranks["H-CAT AUPRC"].index.tolist()
glue("hcat_best_hcat", hcat_order[0], display=False)
glue("hcat_vog_hcat_rank_hcat", hcat_order.index(vog_hcat) + 1, display=False)
glue("hcat_tau", float(tau), display=False)

# VoG (H-CAT) against VoG (paper): the mean oriented AUROC difference over types, per seed
per_seed = table.pivot_table(index=["hardness", "p", "seed"], columns="method", values="AUROC")
diff = (per_seed[vog_paper] - per_seed[vog_hcat]).groupby("seed").mean().to_numpy()
d_mean, d_low, d_high = detection.seed_interval(diff)
if np.isnan(d_low):
    side = "higher" if d_mean > 0 else "lower"
    interval = "one seed, no interval"
else:
    side = "higher" if d_low > 0 else "lower" if d_high < 0 else "not distinguishable"
    interval = f"95% interval over seeds [{d_low:+.2f}, {d_high:+.2f}]"
glue(
    "hcat_vog_compare",
    f"Averaged over the hardness types, the paper's VoG has an oriented AUROC "
    f"{d_mean:+.2f} relative to H-CAT's ({interval}): {side}.",
    display=False,
)

# %% tags=["remove-cell"]
# H-CAT's ranking under the oriented metric. It holds when the method H-CAT's AUPRC ranks
# best is also best by the oriented average precision and the two orderings agree
# (Kendall tau >= 0.5); it fails otherwise. Computed, never typed.
best_oriented_ap = ranks["oriented AP"].index[0]
same_top = hcat_order[0] == best_oriented_ap
holds = bool(same_top and tau >= 0.5)
moved = (mean_ranks["H-CAT AUPRC"] - mean_ranks["oriented AP"]).sort_values()
glue("hcat_mark", "holds" if holds else "fails", display=False)
glue(
    "hcat_reason",
    f"best by H-CAT's AUPRC: {hcat_order[0]}; by the oriented AP: {best_oriented_ap}; "
    f"Kendall tau {tau:.2f}; H-CAT's convention moves {moved.index[-1]} down by "
    f"{moved.iloc[-1]:.1f} ranks and {moved.index[0]} up by {-moved.iloc[0]:.1f}",
    display=False,
)
glue(
    "hcat_verdict",
    f"{'holds' if holds else 'fails'} under the oriented metric (Kendall tau {tau:.2f}); "
    f"VoG (paper) ranks {order.index(vog_paper) + 1} of {len(order)} and beats chance on "
    f"{above} of {len(hardness)} hardness types",
    display=False,
)
# a convention check that can fail: a perfect "high = hard" detector scores below chance
assert detection.perfect_hcat_auprc(p_ref) < 1 - p_ref

# %% [markdown]
# ## Try it yourself
#
# 1. Run H-CAT's full grid (five proportions, three seeds, all of MNIST):
#    `python scripts/run_notebooks.py --profile hcat 13_hcat_benchmark` (see
#    the README for its time; the runs are cached and an interrupted grid
#    resumes). Does VoG's rank change with `p`?
# 2. Give VoG (H-CAT) the paper's target: in {mod}`vog.experiments.hardness`
#    the H-CAT recorder uses `target="probability"`; with the logit, how much
#    of the gap to the paper's VoG closes?
# 3. Put CIFAR-10 under `data/cifar-10-batches-py` and set
#    `-p far_ood_set cifar10`: H-CAT's own far-OoD images. Does the far-OoD
#    column move?
