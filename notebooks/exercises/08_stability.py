# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own runs and table (`by_seed`, `by_batch`,
# `stab`): run the chapter first, and open a hidden solution only after you have an
# answer.
#
# ```{exercise} Which window ranks most stably?
# :label: ex-08-window
# :nonumber:
#
# Check the stability of the ranking between the seeds for each of the three VoG
# windows, `early`, `late` and `all` (the raw scores are in
# `run.vog["test"][window]`; {func}`vog.analysis.claims.stable_ranking` gives the
# mean pairwise Spearman correlation). Is the late ranking, taken from a nearly
# converged network, more or less stable than the ranking over all checkpoints?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-08-window-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
seed_labels = [r.labels["test"] for r in by_seed.values()]
agree = {}
for w in ("early", "late", "all"):
    raw = [r.vog["test"][w] for r in by_seed.values()]
    verdict_w = vog.analysis.claims.stable_ranking(raw, seed_labels)
    agree[w] = verdict_w.numbers["mean pairwise Spearman"]
glue("ex08_windows", "; ".join(f"{w}: {rho:.2f}" for w, rho in agree.items()), display=False)
glue("ex08_most_stable", max(agree, key=agree.get), display=False)
glue("ex08_late_word", "more" if agree["late"] > agree["all"] else "less", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-08-window-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-08-window
# :class: dropdown
#
# The mean pairwise Spearman correlation between the seeds, per window:
# {glue:text}`ex08_windows`. The most stable ranking comes from the
# **{glue:text}`ex08_most_stable`** window, and the late ranking is
# **{glue:text}`ex08_late_word`** stable than the one over all checkpoints. Two
# things differ between the windows: late in training most gradients are small and
# alike, so little is left to rank, while the window over all checkpoints adds the
# early epochs, in which the seeds' networks differ most. The numbers say which
# effect wins on this data.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Seeds or batch sizes?
# :label: ex-08-batch
# :nonumber:
#
# The table `stab` measures the spread of VoG across the seeds and across the batch
# sizes. Which of the two changes the ranking more (the lower mean pairwise Spearman
# correlation), and which gives each image the larger spread (relative std)?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-08-batch-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
rank_agree = stab.loc["mean pairwise Spearman"]
spread = stab.loc["relative std"]
glue("ex08_rank_seeds", float(rank_agree["seeds"]), display=False)
glue("ex08_rank_batch", float(rank_agree["batch sizes"]), display=False)
glue("ex08_rel_seeds", float(spread["seeds"]), display=False)
glue("ex08_rel_batch", float(spread["batch sizes"]), display=False)
glue("ex08_moves_rank", rank_agree.idxmin(), display=False)
glue("ex08_moves_spread", spread.idxmax(), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-08-batch-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-08-batch
# :class: dropdown
#
# Mean pairwise Spearman correlation: {glue:text}`ex08_rank_seeds:.2f` across the
# seeds and {glue:text}`ex08_rank_batch:.2f` across the batch sizes, so the
# **{glue:text}`ex08_moves_rank`** change the ranking more. Relative std of each
# image's VoG: {glue:text}`ex08_rel_seeds:.2f` across the seeds and
# {glue:text}`ex08_rel_batch:.2f` across the batch sizes (the larger spread: the
# {glue:text}`ex08_moves_spread`). The batch-size runs share one initialisation and
# differ in their schedule; the seed runs share the schedule and differ in their
# start, so the two rows separate the two sources of variation.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} An auditor's top decile
# :label: ex-08-top
# :nonumber:
#
# An auditor reviews the 10% of the test images with the highest class-normalised
# VoG (`vog.experiments.vog_variants(run, "test", window, names=("signed",))`). For
# every pair of seeds, which share of one seed's top 10% is also in the other's
# ({func}`vog.analysis.top_overlap`; chance: 10%)? And how far apart are the pairs'
# Spearman correlations ({func}`vog.analysis.spearman`) from their mean, the
# chapter's number?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-08-top-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
from itertools import combinations

top = {
    s: vog.experiments.vog_variants(r, "test", window, names=("signed",))["signed"]
    for s, r in by_seed.items()
}
pairs = list(combinations(seeds, 2))
shares = [100 * vog.analysis.top_overlap(top[a], top[b], fraction=0.1) for a, b in pairs]
rhos = [
    vog.analysis.spearman(by_seed[a].vog["test"][window], by_seed[b].vog["test"][window])[0]
    for a, b in pairs
]
glue("ex08_n_pairs", len(pairs), display=False)
glue("ex08_share_mean", sum(shares) / len(shares), display=False)
several = len(pairs) > 1
share_range = f"from {min(shares):.0f}% to {max(shares):.0f}%" if several else "a single pair"
rho_range = f"correlations run from {min(rhos):.2f} to {max(rhos):.2f}"
glue("ex08_share_range", share_range, display=False)
glue("ex08_rho_range", rho_range if several else f"correlation is {rhos[0]:.2f}", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-08-top-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-08-top
# :class: dropdown
#
# Over the {glue:text}`ex08_n_pairs` pair(s) of seeds, one seed's top decile shares
# on average {glue:text}`ex08_share_mean:.0f`% of its images with the other's
# ({glue:text}`ex08_share_range`), against 10% by chance. The pairwise Spearman
# {glue:text}`ex08_rho_range`; the mean over the pairs is the chapter's
# {glue:text}`stab_rank_seeds:.2f`. The seeds are exchangeable: a further seed adds
# pairs drawn from the same spread, so the mean should move by less than the spread
# of the pairs (with a single pair there is no spread to compare yet: add a seed).
# ````
# % END SOLUTION
