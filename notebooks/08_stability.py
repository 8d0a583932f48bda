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

# %% tags=["parameters"]
profile = "default"  # which parameter profile produced this page
experiment = {
    "dataset": "mnist",
    "model": "lenet",
    "epochs": 12,
    "lr": 0.05,
}  # vog.experiments.ExperimentConfig
seeds = [0, 1, 2, 3, 4]  # random initialisations
batch_sizes = [128, 256, 384, 512, 640]  # paper's batch-size study
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
window = "all"  # VoG window compared
bins = 10  # number of VoG percentile buckets, 10 for deciles
require_claims = False  # fail the run if the paper's claim is not reproduced

# %%
import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from myst_nb import glue

import vog

glue("stab_profile", profile, display=False)


def train(**change):
    cfg = vog.experiments.ExperimentConfig(**{**experiment, **change})
    return vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)


by_seed = {s: train(seed=s) for s in seeds}
by_batch = {b: train(batch_size=b) for b in batch_sizes}
glue(
    "stab_setup",
    f"{experiment['model']} on {experiment['dataset']}, {len(seeds)} seeds, "
    f"batch sizes {batch_sizes}",
    display=False,
)

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
def spread(runs):
    raw = torch.stack([r.vog["test"][window] for r in runs.values()])
    z = torch.stack(
        [vog.class_normalize(r.vog["test"][window], r.labels["test"]) for r in runs.values()]
    )
    pairs = [vog.analysis.spearman(a, b)[0] for a, b in itertools.combinations(list(raw), 2)]
    return {
        "mean instance std (raw VoG)": raw.std(dim=0, correction=0).mean().item(),
        "mean raw VoG": raw.mean().item(),
        "relative std": (raw.std(dim=0, correction=0).mean() / raw.mean()).item(),
        "mean instance std (normalised VoG)": z.std(dim=0, correction=0).mean().item(),
        "mean pairwise Spearman": float(np.mean(pairs)),
    }


stab = pd.DataFrame({"seeds": spread(by_seed), "batch sizes": spread(by_batch)})
stab

# %%
rank_seeds = stab.loc["mean pairwise Spearman", "seeds"]
glue("stab_rank_seeds", float(rank_seeds), display=False)
glue("stab_rel_std", float(stab.loc["relative std", "seeds"]), display=False)
glue("stab_curve_sd", float(curve_sd.mean()), display=False)

# %% tags=["remove-cell"]
# Paper claim (Sec. 3 (3)): the VoG ranking is stable across initialisations. Checked as a
# mean pairwise Spearman correlation of at least 0.5 between the seeds' scores.
stable = bool(rank_seeds >= 0.5)
glue("stab_claim", "reproduced" if stable else "NOT reproduced", display=False)
if require_claims:
    assert stable, stab

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
