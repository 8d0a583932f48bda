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
# # VoG among the other difficulty scores
#
# ```{chapter-goals}
# ```
#
# An auditor choosing a tool asks what VoG buys over cheaper scores. The paper
# compares VoG with the maximum softmax probability and the Table 1
# baselines only. This chapter measures VoG beside the scores the literature
# proposes for the same jobs, **on the same training run**:
#
# - loss and margin, at the end of training and averaged over it (the
#   average margin is AUM, Pleiss et al. 2020), and the prediction confidence;
# - EL2N and GraNd early in training (Paul et al. 2021);
# - forgetting events (Toneva et al. 2019);
# - Data Maps confidence and variability (Swayamdipta et al. 2020);
# - cleanlab's label-quality score and `find_label_issues` (Northcutt et al.
#   2021), from out-of-sample probabilities of a cross-validation.
#
# All are followed through training by
# {class}`vog.analysis.difficulty.TrainingDynamics` beside the VoG recorder,
# each oriented "higher = harder" (or "more likely mislabelled"). The run is
# the memorisation chapter's: 20% of the training labels shuffled.

# %% [markdown]
# ## Findings
#
# - **Shuffled labels.** The best of {glue:text}`cmp_n_scores` scores is
#   {glue:text}`cmp_best` (AUROC {glue:text}`cmp_best_auroc:.1f`%); the best
#   VoG variant, {glue:text}`cmp_best_vog`, ranks {glue:text}`cmp_vog_rank`
#   (AUROC {glue:text}`cmp_best_vog_auroc:.1f`%, precision
#   {glue:text}`cmp_best_vog_p10:.1f`% among the 10% it ranks highest);
#   cleanlab's label-quality score reaches {glue:text}`cmp_cleanlab_auroc:.1f`%.
# - **Test error by decile.** The steepest rising curve belongs to
#   {glue:text}`cmp_decile_best`; among VoG's variants to
#   {glue:text}`cmp_decile_best_vog` (trend {glue:text}`cmp_decile_best_vog_trend:+.2f`).
# - **Cost.** The table at the end: what each score adds to an epoch and keeps
#   in memory. VoG needs gradients and per-pixel state (or, scored afterwards
#   in sample-major mode, saved checkpoints); the output-based scores need one
#   forward pass per epoch; cleanlab needs extra training runs.
# - Profile **{glue:text}`cmp_profile`**: {glue:text}`cmp_setup`.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
experiment = "fashion-lenet-noisy"  # a preset of vog.experiments.PRESETS (or flat settings)
overrides = {}  # settings that replace the preset's, e.g. {"label_noise": 0.4}
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
cv_folds = 2  # cross-validation folds for cleanlab's out-of-sample probabilities
cv_epochs = 5  # epochs of each fold model
bins = 10  # score percentile buckets for the test error
n_boot = 100  # bootstrap resamples for the trends' intervals

# %%
import matplotlib.pyplot as plt
import pandas as pd
from myst_nb import glue

import vog

cfg = vog.experiments.experiment_config(experiment, **overrides)
run = vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)
cv = vog.experiments.out_of_sample_probabilities(
    cfg, folds=cv_folds, epochs=cv_epochs, cache_dir=cache_dir, data_root=data_root
)
noisy = run.noisy.numpy()
glue("cmp_profile", profile, display=False)
glue(
    "cmp_setup",
    f"{cfg.model} on {cfg.dataset}, {cfg.label_noise:.0%} shuffled training labels, "
    f"{cfg.epochs} epochs",
    display=False,
)
print(f"{noisy.sum()} of {len(noisy)} training labels shuffled")
print(f"test error {100 * (1 - run.test_acc):.1f}%")

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("12_compare_scores")


# %%
# VoG's variants (vog.experiments.vog_variants) under the names the tables show
shown_as = {
    "raw": "VoG raw",
    "signed": "VoG class-normalised",
    "absolute": "|VoG| class-normalised",
    "relative": "VoG relative, class-normalised",
}


def vog_scores(split):
    """VoG's variants for one split: {name: values}, higher = harder."""
    out = {}
    for w in run.windows():
        for name, s in vog.experiments.vog_variants(run, split, w, names=shown_as).items():
            out[f"{shown_as[name]} ({w})"] = s
    predicted = vog.experiments.vog_variants(run, split, "all", names=("predicted",))
    out["VoG predicted label (all)"] = predicted["predicted"]
    return out


train_scores = {
    **vog_scores("train"),
    **{k: v.numpy() for k, v in run.dynamics["train"].items()},
    "cleanlab label issue": vog.analysis.label_issues.label_issue_score(
        run.labels["train"], cv.probs
    ),
}
test_scores = {
    **vog_scores("test"),
    **{k: v.numpy() for k, v in run.dynamics["test"].items()},
}

# %% [markdown]
# ## Finding the shuffled labels
#
# Each score ranks the 60,000 training images; the shuffled ones should come
# first. AUROC (chance 50%), average precision and the precision among the 5%
# and 10% highest-scored images (an auditor's budget; chance: the shuffled
# share, 20% minus the shuffled labels that landed on their own class).

# %% tags=["hide-input"]
flag = pd.DataFrame(
    {name: vog.analysis.detection_metrics(s, noisy) for name, s in train_scores.items()}
).T.mul(100)
flag = flag.sort_values("AUROC", ascending=False)
flag.round(1)

# %% tags=["hide-input"]
issues = vog.analysis.label_issues.find_label_issues(run.labels["train"], cv.probs)
found = {
    "flagged": int(issues.sum()),
    "precision (%)": 100 * float(noisy[issues].mean()) if issues.any() else float("nan"),
    "recall (%)": 100 * float(issues[noisy].mean()),
}
pd.Series(found).round(1).to_frame("cleanlab find_label_issues")

# %% [markdown]
# ## Test error by score decile (as in Fig. 4)
#
# The test images are bucketed by each score; `trend` is the Spearman
# correlation between bucket and error with its 95% bootstrap interval.
# Scores computed from the final model's own output on the image (loss,
# margin, confidence) are related to its error by construction (an image the
# model gets wrong has a negative margin); VoG, EL2N and the averaged scores
# are not.

# %% tags=["hide-input"]
correct = vog.experiments.correct(run, "test")
rows = []
for name, s in test_scores.items():
    b = vog.analysis.bootstrap_percentile_errors(s, correct, bins=bins, n_boot=n_boot)
    rows.append(
        {
            "score": name,
            "bottom decile (%)": 100 * b["error"][0],
            "top decile (%)": 100 * b["error"][-1],
            "trend": b["trend"],
            "trend 95%": f"[{b['trend_low']:+.2f}, {b['trend_high']:+.2f}]",
        }
    )
decile = pd.DataFrame(rows).set_index("score").sort_values("trend", ascending=False)
decile.round(2)

# %% [markdown]
# ## How the scores relate
#
# Spearman rank correlation between the scores on the training set, and how
# many of each score's top 1% the others share (chance: 1%). **What to look
# at:** the blocks of scores that agree (red above, bright below), and whether
# VoG's variants sit with the output-based scores or apart from them.

# %% tags=["hide-input"]
names = list(train_scores)
corr = pd.DataFrame(
    [[vog.analysis.spearman(train_scores[a], train_scores[b])[0] for b in names] for a in names],
    index=names,
    columns=names,
)
overlap = pd.DataFrame(
    [[vog.analysis.top_overlap(train_scores[a], train_scores[b]) for b in names] for a in names],
    index=names,
    columns=names,
)
fig, axes = plt.subplots(2, 1, figsize=(8.5, 16))
for ax, (title, m, lim) in zip(
    axes,
    (("Spearman correlation", corr, (-1, 1)), ("top-1% overlap", overlap, (0, 1))),
    strict=True,
):
    im = ax.imshow(
        m.to_numpy(), vmin=lim[0], vmax=lim[1], cmap="coolwarm" if lim[0] < 0 else "viridis"
    )
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.6)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Cost, measured in the same run
#
# Seconds per epoch each score added to training, the running state it keeps
# and its peak: the state plus the largest temporary tensors it needed at
# once (a batch of gradient maps for VoG, one batch's per-example parameter
# gradients for GraNd, the logits of a pass for the others). The
# output-based scores share one evaluation pass over both splits per epoch
# (the time shown for each is that pass); GraNd is computed once,
# early, with per-example gradients (its time is spread over the epochs).
# VoG's time is its recorder's gradient passes on the epochs of its windows;
# its state is two per-pixel maps per image and window. cleanlab's cost is
# the cross-validation: training `cv_folds` more models.

# %% tags=["hide-input"]
costs = pd.DataFrame(run.costs).T
costs["state (MB)"] = costs.pop("state bytes") / 2**20
costs["peak (MB)"] = costs.pop("peak bytes") / 2**20
probs_mb = cv.probs.element_size() * cv.probs.numel() / 2**20
costs.loc["cleanlab (cross-validation)"] = {
    "seconds per epoch": cv.seconds / cfg.epochs,
    "state (MB)": probs_mb,
    "peak (MB)": probs_mb,
}
costs.round(3)

# %% tags=["remove-cell"]
best = flag.index[0]
vog_rows = flag.loc[[n for n in flag.index if n.startswith(("VoG", "|VoG|"))]]
best_vog = vog_rows.index[0]
glue("cmp_best", best, display=False)
glue("cmp_best_auroc", float(flag.loc[best, "AUROC"]), display=False)
glue("cmp_best_vog", best_vog, display=False)
glue("cmp_best_vog_auroc", float(vog_rows.loc[best_vog, "AUROC"]), display=False)
glue("cmp_vog_rank", int(list(flag.index).index(best_vog)) + 1, display=False)
glue("cmp_n_scores", len(flag), display=False)
glue("cmp_best_vog_p10", float(vog_rows.loc[best_vog, "precision@10%"]), display=False)
glue("cmp_cleanlab_auroc", float(flag.loc["cleanlab label issue", "AUROC"]), display=False)
glue("cmp_decile_best", decile.index[0], display=False)
vog_deciles = decile.loc[[n for n in decile.index if n.startswith(("VoG", "|VoG|"))]]
glue("cmp_decile_best_vog", vog_deciles.index[0], display=False)
glue("cmp_decile_best_vog_trend", float(vog_deciles["trend"].iloc[0]), display=False)
