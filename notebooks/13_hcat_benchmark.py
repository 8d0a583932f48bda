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
# ```{chapter-goals}
# ```
#
# **H-CAT** (Seedat, Imrie and van der Schaar, "Dissecting Sample Hardness",
# ICLR 2024; `seedatnabeel/H-CAT`), the field's benchmark of hardness scores,
# perturbs a share `p` of MNIST's training set in eight ways (four kinds of label
# noise, near- and far-OoD images, zoomed and shifted digits), trains its LeNet
# with Adam and asks each score of the **same run** to find the perturbed
# examples. Two of its choices matter; this chapter measures both:
#
# - **Its VoG is not the paper's.** `src/hardness.py` differentiates the softmax
#   *probability* of the (possibly noisy) label, from snapshots after epochs 1,
#   3 and 5 of 10, without class normalisation: "VoG (H-CAT)" here, beside
#   "VoG (paper)" (the logit, the paper's windows, class-normalised).
# - **Its metric is not oriented.** `src/evaluator.py` takes the average
#   precision with the *clean* examples as positives and the raw score, so a
#   better "high = hard" detector gets a *lower* AUPRC (its AUROC too, for VoG).
#   We report the oriented metric (perturbed = positive) and H-CAT's beside it.
#
# Code: {mod}`vog.experiments.hardness`, {mod}`vog.analysis.benchmark_ranks`.
# H-CAT's far-OoD images (CIFAR-10, not offline) become scikit-image photographs.

# %% [markdown]
# ## Findings
#
# - **Where VoG stands.** By mean rank over the hardness types (oriented AUROC),
#   the paper's VoG ranks {glue:text}`hcat_vog_paper_rank` of {glue:text}`hcat_n_methods`
#   on the mean over {glue:text}`hcat_n_seeds` seeds and {glue:text}`hcat_vog_paper_rank_seeds`
#   (mean AUROC {glue:text}`hcat_vog_paper_auroc:.2f`); it beats chance on
#   {glue:text}`hcat_vog_above` of {glue:text}`hcat_n_types` types, is worse on
#   {glue:text}`hcat_vog_below`.
# - **The others.** H-CAT's VoG ranks {glue:text}`hcat_vog_hcat_rank` and
#   {glue:text}`hcat_vog_hcat_rank_seeds` (mean AUROC {glue:text}`hcat_vog_hcat_auroc:.2f`);
#   the best on the mean, {glue:text}`hcat_best_oriented` (mean AUROC
#   {glue:text}`hcat_best_auroc:.2f`), is first on {glue:text}`hcat_best_first_seeds`
#   of {glue:text}`hcat_n_seeds` single seeds.
# - **H-CAT's convention reorders the methods.** By H-CAT's AUPRC the best is
#   {glue:text}`hcat_best_hcat` and H-CAT's VoG ranks
#   {glue:text}`hcat_vog_hcat_rank_hcat` ({glue:text}`hcat_vog_hcat_rank_hcat_seeds`);
#   Kendall tau with the oriented ordering {glue:text}`hcat_tau:.2f`. H-CAT's
#   ranking under the oriented metric: **{glue:text}`hcat_mark`**
#   ({glue:text}`hcat_reason`).
# - **H-CAT's VoG against the paper's.** {glue:text}`hcat_vog_compare`
# - Profile **{glue:text}`hcat_profile`**: {glue:text}`hcat_setup`.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
experiment = "hcat-mnist-250"  # a preset of vog.experiments.PRESETS (H-CAT's MNIST recipe)
overrides = {}  # settings that replace the preset's, e.g. {"train_limit": 2000}
# fmt: off
hardness = ["uniform", "asymmetric", "adjacent", "instance", "ood_covariate", "far_ood",
            "zoom_shift", "crop_shift"]  # H-CAT's types (vog.datasets.perturbations.HARDNESS)
# fmt: on
proportions = [0.2]  # perturbed shares p (H-CAT: 0.1, 0.2, 0.3, 0.4, 0.5)
seeds = [0, 1, 2]  # one run per seed (H-CAT: 0, 1, 2)
far_ood_set = "photos"  # far-OoD images (H-CAT: CIFAR-10; "cifar10" where it is on disk)
cv_folds = 2  # cleanlab's cross-validation folds
cv_epochs = 5  # epochs of each fold model
records = "results/long"  # the long profile's recorded tables (make records), shown below
record_to = ""  # where to save this run's tables ("": nowhere; the long profile: results/long)
cache_dir = "data/runs"  # runs are cached here; an interrupted grid resumes
data_root = "data"  # data sets live here

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display
from myst_nb import glue

import vog
from vog.analysis import benchmark_ranks as br
from vog.analysis import detection
from vog.experiments import hardness as hb

settings = vog.experiments.experiment_settings(experiment, **overrides)
run = {"experiment": settings, "far_ood_set": far_ood_set, "cv_folds": cv_folds}
run.update(cv_epochs=cv_epochs, cache_dir=cache_dir, data_root=data_root)
table = hb.run_grid(hardness, proportions, seeds, **run)
cfg = vog.experiments.ExperimentConfig(**settings)
setup = (
    f"H-CAT's MNIST LeNet, Adam lr {cfg.lr:g}, batch {cfg.batch_size}, {cfg.epochs} epochs, "
    f"{cfg.train_limit or 'all'} training images ({cfg.source()} MNIST); {len(hardness)} hardness "
    f"types, p = {', '.join(f'{p:g}' for p in proportions)}, seeds {', '.join(map(str, seeds))} "
    f"({len(table) // len(hb.METHODS)} runs); far-OoD images: {far_ood_set}"
)
accuracy = table.drop_duplicates(["hardness", "p", "seed"]).groupby("hardness")["test_acc"].mean()
print(setup, "clean test accuracy by hardness type (mean over runs):", sep="\n")
print(accuracy.round(3).to_string())

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("13_hcat_benchmark")

# %% [markdown]
# ## The eight perturbations
#
# One type per row, in H-CAT's input space ([-1, 1]); label noise changes the
# label (old -> new), not the image. H-CAT's constants assume [0, 1]: its noise
# is clipped to [0, 1] and its shift fills with 0 (both grey here).

# %% tags=["hide-input"]
x_demo, y_demo = vog.datasets.mnist(data_root, train=False, limit=6)
x_demo = (x_demo - 0.5) / 0.5
far = {"replacements": vog.datasets.load_ood_set(far_ood_set, like=x_demo, n=6)}
fig, axes = plt.subplots(len(hardness), 6, figsize=(6.5, 1.15 * len(hardness)))
for row, kind in zip(np.atleast_2d(axes), hardness, strict=True):
    options = far if kind == "far_ood" else {}
    out = vog.datasets.perturb(kind, x_demo, y_demo, 1.0, seed=0, **options)
    for ax, img, old, new in zip(row, out.x, y_demo, out.labels, strict=True):
        ax.imshow(img[0], cmap="gray", vmin=-1, vmax=1)
        ax.set(xticks=[], yticks=[])
        if kind in vog.datasets.perturbations.LABEL_NOISE:
            ax.set_title(f"{int(old)} -> {int(new)}", fontsize=7)
    row[0].set_ylabel(kind, fontsize=7, rotation=0, ha="right")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The scores, and how H-CAT computes them
#
# Every score comes from the same run, oriented "higher = more likely perturbed";
# how H-CAT computes it and how its evaluator reads it:

# %% tags=["hide-input"]
raw = {1: "high = hard", -1: "high = clean"}
columns = ["this book", "H-CAT", "H-CAT raw score", "H-CAT AUROC positives"]
cells = [[m.about, m.hcat, raw[m.hcat_raw], m.hcat_auroc] for m in hb.METHODS.values()]
pd.DataFrame(cells, index=list(hb.METHODS), columns=columns)

# %% [markdown]
# ## How well each score finds the perturbed examples (oriented)
#
# Oriented AUROC (chance 0.5), the mean over seeds (and proportions), coloured
# by it; in brackets the 95% Student-t interval over the seeds, cut to [0, 1]
# ({func}`vog.analysis.benchmark_ranks.seed_summary`; wide with 2-3 seeds).
# Below, the same for the average precision (chance: `p`).

# %%
methods = list(hb.METHODS)
metrics = ["AUROC", "AP", "H-CAT AUPRC", "H-CAT AUROC"]
summary = {m: br.seed_summary(table, m, methods=methods, types=hardness) for m in metrics}
auroc, ap, hcat_auprc = (summary[m].mean for m in ["AUROC", "AP", "H-CAT AUPRC"])

# %% tags=["hide-input"]
colour = {"cmap": "RdBu_r", "vmin": 0, "vmax": 1, "axis": None}
display(br.interval_cells(summary["AUROC"]).style.background_gradient(gmap=auroc, **colour))
br.interval_cells(summary["AP"])

# %% [markdown]
# ## The same runs under H-CAT's convention
#
# H-CAT's AUPRC (clean = positive, raw score) turns round the "high = hard"
# scores. Dashed and dotted: a perfect and a random "high = hard" detector at
# this `p` ({func}`vog.analysis.detection.perfect_hcat_auprc`; `1 - p`): those
# that detect well (right) sit low. Last, H-CAT's AUROC (VoG's: 1 minus it).

# %% tags=["hide-input"]
p_ref = float(np.mean(proportions))
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, spec in hb.METHODS.items():
    marker = "o" if spec.hcat_raw > 0 else "s"
    ax.scatter(ap.loc[name], hcat_auprc.loc[name], s=18, marker=marker, label=name)
ax.axhline(detection.perfect_hcat_auprc(p_ref), ls="--", c="k", lw=0.8)
ax.axhline(1 - p_ref, ls=":", c="k", lw=0.8)
ax.set(xlabel="oriented average precision", ylabel="H-CAT AUPRC (clean positive, raw score)")
ax.set_title("each point: one method on one hardness type (circles: raw score high = hard)")
ax.legend(fontsize=6, ncol=2)
plt.tight_layout()
plt.show()
display(br.interval_cells(summary["H-CAT AUPRC"]))
summary["H-CAT AUROC"].mean.round(2)

# %% [markdown]
# ## Rank summary across hardness types, and how stable it is over seeds
#
# Methods ranked within each type (1 = best), placed by mean rank over types:
# the mean ranks; the place on the mean over seeds (`rank`), on each seed, their
# median and range ({func}`vog.analysis.benchmark_ranks.rank_spread`); AUROC ranks.

# %%
names = {"oriented AUROC": "AUROC", "oriented AP": "AP", "H-CAT AUPRC": "H-CAT AUPRC"}
ranks = {name: detection.rank_summary(summary[m].mean) for name, m in names.items()}
mean_ranks = br.mean_rank_table(ranks, sort_by="oriented AUROC")
verdict = br.convention_verdict(ranks, mean_ranks)
spread = {n: br.rank_spread(table, names[n], methods=methods, types=hardness) for n in names}

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(6, 4.5))
for name, (left, right) in mean_ranks[["oriented AP", "H-CAT AUPRC"]].iterrows():
    ax.plot([0, 1], [left, right], "o-", lw=1)
    ax.text(1.03, right, name, va="center", fontsize=7)
    ax.text(-0.03, left, name, va="center", ha="right", fontsize=7)
ax.set_xticks([0, 1], ["oriented AP", "H-CAT AUPRC"])
ax.set(xlim=(-0.6, 1.6), ylabel="mean rank over hardness types (1 = best)")
ax.invert_yaxis()
ax.set_title(f"how the convention reorders the methods (Kendall tau {verdict.tau:.2f})")
plt.tight_layout()
plt.show()
mean_ranks.round(2)

# %% tags=["hide-input"]
order = spread["oriented AUROC"].index
display(pd.concat({k: br.spread_cells(s).loc[order] for k, s in spread.items()}, axis=1))
ranks["oriented AUROC"].round(1)

# %% [markdown]
# ## VoG across the proportions
#
# Oriented AUROC against the perturbed share `p` (mean over seeds).

# %% tags=["hide-input"]
shown = ["VoG (paper, all)", "VoG (H-CAT)", "loss", "AUM", "cleanlab"]
by_p = table.groupby(["hardness", "p", "method"])["AUROC"].mean().unstack()[shown]
rows = int(np.ceil(len(hardness) / 4))
fig, axes = plt.subplots(rows, 4, figsize=(11, 2.6 * rows), squeeze=False, sharey=True)
for ax, kind in zip(axes.ravel(), hardness, strict=False):
    by_p.loc[kind].plot(ax=ax, style="o-", ms=3, legend=False, ylim=(0, 1.02))
    ax.axhline(0.5, c="k", lw=0.6, ls=":")
    ax.set_title(kind, fontsize=9)
for ax in axes.ravel()[len(hardness) :]:
    ax.axis("off")
axes[0, 0].set_ylabel("oriented AUROC")
axes[0, 0].legend(fontsize=6)
plt.tight_layout()
plt.show()

# %% tags=["remove-cell"]
# What the findings state, all computed (chance_sides: the interval over seeds excludes 0.5)
vog_paper, vog_hcat = "VoG (paper, all)", "VoG (H-CAT)"
on_auroc, on_hcat = spread["oriented AUROC"], spread["H-CAT AUPRC"]
best, paper_rank = on_auroc.index[0], int(on_auroc.loc[vog_paper, "rank"])
above, below = br.chance_sides(summary["AUROC"], vog_paper)
diff = br.paired_difference(table, vog_paper, vog_hcat)
mark = "holds" if verdict.holds else "fails"
page = {
    "hcat_profile": profile,
    "hcat_setup": setup,
    "hcat_n_methods": len(methods),
    "hcat_n_types": len(hardness),
    "hcat_n_seeds": len(seeds),
    "hcat_vog_above": above,
    "hcat_vog_below": below,
    "hcat_vog_paper_rank": paper_rank,
    "hcat_vog_paper_rank_seeds": br.spread_phrase(on_auroc, vog_paper),
    "hcat_vog_paper_rank_median": float(on_auroc.loc[vog_paper, "median"]),
    "hcat_vog_hcat_rank": int(on_auroc.loc[vog_hcat, "rank"]),
    "hcat_vog_hcat_rank_seeds": br.spread_phrase(on_auroc, vog_hcat),
    "hcat_vog_paper_auroc": float(auroc.loc[vog_paper].mean()),
    "hcat_vog_hcat_auroc": float(auroc.loc[vog_hcat].mean()),
    "hcat_best_oriented": best,
    "hcat_best_auroc": float(auroc.loc[best].mean()),
    "hcat_best_first_seeds": br.times_within(on_auroc, best),
    "hcat_best_hcat": on_hcat.index[0],
    "hcat_vog_hcat_rank_hcat": int(on_hcat.loc[vog_hcat, "rank"]),
    "hcat_vog_hcat_rank_hcat_seeds": br.spread_phrase(on_hcat, vog_hcat),
    "hcat_tau": verdict.tau,
    "hcat_mark": mark,
    "hcat_reason": verdict.reason,
    "hcat_vog_compare": "Averaged over the hardness types, the paper's VoG has an oriented "
    f"AUROC {diff.mean:+.2f} relative to H-CAT's ({diff.interval}): {diff.side}.",
    "hcat_verdict": f"{mark} under the oriented metric (Kendall tau {verdict.tau:.2f}); VoG "
    f"(paper) ranks {paper_rank} of {len(methods)} and beats chance on {above} of "
    f"{len(hardness)} hardness types",
}
for key, value in page.items():
    glue(key, value, display=False)
long = vog.experiments.records.read_record(records, "13_hcat_benchmark") if records else None
glue("hcat_long_status", br.recorded_sentence(long), display=False)
if record_to:  # the long profile (make records): this run's tables, read by later builds
    tables = {f"{k} ranks": br.spread_cells(s) for k, s in spread.items()}
    tables["AUROC"] = br.interval_cells(summary["AUROC"])
    vog.experiments.records.write_tables(
        record_to, "13_hcat_benchmark", tables, values=page, profile=profile
    )
assert detection.perfect_hcat_auprc(p_ref) < 1 - p_ref  # perfect "high = hard": below chance

# %% [markdown]
# ## At ten times the scale (recorded)
#
# {glue:text}`hcat_long_status`
