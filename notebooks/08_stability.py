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
# # Stability of the ranking
#
# **Paper:** Sec. 3 (3), Fig. 6. Five networks trained from different random
# initialisations give a similar test error in each VoG percentile; the
# instance-wise standard deviation of VoG across initialisations is small
# (paper: mean 3.81e-9 on CIFAR-10 over 10 inits, 9.6e-6 on CIFAR-100) and so
# is the deviation across batch sizes {128, 256, 384, 512, 640} (1.9e-5).
#
# Raw VoG values depend on the input scale and the network, so an absolute
# standard deviation is only meaningful next to the typical score; this page
# reports both, and the rank agreement between runs.
#
# Ten runs do not fit the book's time budget at full size: in the `default`
# profile each run trains for 8 epochs on the first 10,000 Fashion-MNIST
# training images (the paper-shaped schedule otherwise) and VoG is computed
# for the first 5,000 test images. The
# paper's batch sizes {128, ..., 640} on 50,000 CIFAR images take 390 to 78
# steps per epoch; on 10,000 images the same steps per epoch come from batch
# sizes {26, 51, 77, 102, 128}, used here (the paper's sizes on a fifth of the
# data would leave a few dozen updates per epoch, and the largest batches do
# not train at all in 10 epochs).

# %% tags=["parameters"]
profile = "default"  # which parameter profile produced this page
experiment = {
    "dataset": "fashion_mnist",
    "model": "lenet",
    "epochs": 8,
    "lr": 0.05,
    "lr_milestones": [3, 6],
    "vog_every": 2,
    "score_train": False,
    "train_limit": 10000,
    "test_limit": 5000,
}  # vog.experiments.ExperimentConfig
seeds = [0, 1, 2, 3, 4]  # random initialisations
batch_sizes = [26, 51, 77, 102, 128]  # paper: 128..640 on 50,000 images (same steps per epoch)
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
window = "all"  # VoG window compared
bins = 10  # number of VoG percentile buckets, 10 for deciles
require_claims = False  # fail the run if the paper's claim is not reproduced

# %%
import matplotlib.pyplot as plt
import pandas as pd
from myst_nb import glue

import vog

glue("stab_profile", profile, display=False)


def train(**change):
    cfg = vog.experiments.ExperimentConfig(**{**experiment, **change})
    return vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)


by_seed = {s: train(seed=s) for s in seeds}
by_batch = {b: train(batch_size=b) for b in batch_sizes}
subset, scored = experiment.get("train_limit"), experiment.get("test_limit")
glue(
    "stab_setup",
    f"{experiment['model']} on {experiment['dataset']}, {len(seeds)} seeds, "
    f"batch sizes {batch_sizes}, {experiment['epochs']} epochs"
    + (f", trained on the first {subset:,} training images" if subset else "")
    + (f", scored on the first {scored:,} test images" if scored else ""),
    display=False,
)

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("08_stability")

# %% [markdown]
# ## Fig. 6: error per VoG percentile for each initialisation

# %%
fig, ax = plt.subplots(figsize=(7, 3.6))
curves = {}
for s, run in by_seed.items():
    labels = run.labels["test"]
    correct = (run.predictions["test"] == labels).numpy()
    upper, err = vog.analysis.error_by_percentile(
        vog.class_normalize(run.vog["test"][window], labels), correct, bins=bins
    )
    curves[s] = 100 * err
    ax.plot(upper, 100 * err, "o-", label=f"seed {s}")
ax.set(xlabel="VoG percentile bucket", ylabel="error (%)", title=f"VoG({window}), test set")
ax.legend(fontsize=8)
plt.show()
curve_sd = pd.DataFrame(curves, index=upper).std(axis=1)

# %% [markdown]
# ## Instance-wise deviation across initialisations and batch sizes


# %%
def scores(runs):
    return [r.vog["test"][window] for r in runs.values()], [r.labels["test"] for r in runs.values()]


verdicts = {
    "seeds": vog.analysis.claims.stable_ranking(*scores(by_seed)),
    "batch sizes": vog.analysis.claims.stable_ranking(*scores(by_batch)),
}
stab = pd.DataFrame({k: v.numbers for k, v in verdicts.items()})
stab

# %%
rank_seeds = stab.loc["mean pairwise Spearman", "seeds"]
glue("stab_rank_seeds", float(rank_seeds), display=False)
glue("stab_rel_std", float(stab.loc["relative std", "seeds"]), display=False)
glue("stab_curve_sd", float(curve_sd.mean()), display=False)

# %% tags=["remove-cell"]
# Paper claim (Sec. 3 (3)): the VoG ranking is stable across initialisations. Checked as a
# mean pairwise Spearman correlation of at least 0.5 between the seeds' scores
# (vog.analysis.claims.stable_ranking).
glue("stab_claim", verdicts["seeds"].text(), display=False)
if require_claims:
    assert verdicts["seeds"].holds, stab

# %% [markdown]
# ## Summary
#
# - Profile **{glue:text}`stab_profile`**: {glue:text}`stab_setup`.
# - Mean pairwise Spearman correlation of the seeds' VoG scores:
#   {glue:text}`stab_rank_seeds:.2f`; instance-wise standard deviation is
#   {glue:text}`stab_rel_std:.2f` of the mean score; the error per percentile
#   varies by {glue:text}`stab_curve_sd:.2f` percentage points between seeds.
# - The paper's absolute deviations (1e-9 to 1e-5) are not comparable across
#   set-ups: raw VoG scales with the inputs and the network. The stability
#   claim, checked as rank agreement, is **{glue:text}`stab_claim`** here.
#
# ## Try it yourself
#
# 1. Compare the windows: `-p window late`. Is the late ranking, taken from a
#    converged network, more or less stable between seeds than the ranking
#    over all checkpoints?
# 2. Train on more data (`-y "experiment: {dataset: fashion_mnist, model:
#    lenet, epochs: 10, lr: 0.05, lr_milestones: [4, 7], vog_every: 2,
#    score_train: false}"`, about 20 minutes on two cores): does the agreement
#    between seeds rise?
# 3. Add a seed to `seeds` and check that the mean pairwise correlation moves
#    by less than the spread of the pairs (the seeds are exchangeable).
