# %% [markdown]
# ## Exercises
#
# Each exercise reads this chapter's own results (`table`, `summary`, `auroc`,
# `methods`, `hardness`): run the chapter first; no solution trains a run. The
# solutions are hidden; open one after you have an answer.
#
# ```{exercise} VoG's place at each proportion
# :label: ex-13-rank
# :nonumber:
#
# H-CAT's full grid (`python scripts/run_notebooks.py --profile hcat
# 13_hcat_benchmark`, resumable, hours) perturbs five shares `p`. Write the
# check you would run on it, on this chapter's `table`: for each `p` in
# `proportions`, the place of "VoG (paper, all)" among the methods by mean rank
# over the types (oriented AUROC; {func}`vog.analysis.benchmark_ranks.seed_summary`
# of the rows of that `p`, then {func}`vog.analysis.benchmark_ranks.standing`)
# and its mean AUROC. Does VoG's rank change with `p`?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-13-rank-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
places = {}
for p in proportions:
    mean_p = br.seed_summary(table[table["p"] == p], "AUROC", methods=methods, types=hardness).mean
    places[p] = (int(br.standing(mean_p)[vog_paper]), float(mean_p.loc[vog_paper].mean()))
glue(
    "ex13_places",
    "; ".join(f"p = {p:g}: {r} of {len(methods)} (AUROC {a:.2f})" for p, (r, a) in places.items()),
    display=False,
)
ranks_p = {r for r, _ in places.values()}
if len(places) == 1:
    change = "cannot be read from a single proportion: run the hcat profile"
else:
    change = "is the same at every p" if len(ranks_p) == 1 else "changes with p"
glue("ex13_rank_change", change, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-13-rank-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-13-rank
# :class: dropdown
#
# VoG (paper, all) places {glue:text}`ex13_places`. Its rank
# {glue:text}`ex13_rank_change`. On the full grid, read the change against the
# spread over seeds ({func}`vog.analysis.benchmark_ranks.rank_spread` of the
# rows of each `p`): a place that moves by less than it moves between single
# seeds is not a change with `p`.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} H-CAT's VoG with the logit
# :label: ex-13-logit
# :nonumber:
#
# H-CAT's VoG differentiates the softmax *probability*, from snapshots after
# epochs 1, 3 and 5, without class normalisation. Changing only its target to
# the logit needs a change to {mod}`vog.experiments.hardness` and new runs.
# The closest score the runs already hold is "VoG (paper, early)": the logit,
# class-normalised, over the first epochs. Compare the two on the same runs
# ({func}`vog.analysis.benchmark_ranks.paired_difference`), count the types on
# which the early paper VoG has the higher mean AUROC, and say what the
# comparison cannot separate.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-13-logit-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
vog_early = "VoG (paper, early)"
logit_diff = br.paired_difference(table, vog_early, vog_hcat)  # early paper VoG minus H-CAT's
glue("ex13_logit_diff", logit_diff.mean, display=False)
glue("ex13_logit_interval", logit_diff.interval, display=False)
side = {"higher": "higher than", "lower": "lower than"}.get(
    logit_diff.side, "not distinguishable from"
)
glue("ex13_logit_side", side, display=False)
glue("ex13_logit_types", int((auroc.loc[vog_early] > auroc.loc[vog_hcat]).sum()), display=False)
glue("ex13_early_epochs", ", ".join(str(e + 1) for e in cfg.windows()["early"]), display=False)
hcat_epochs = ", ".join(str(e + 1) for e in hb.HCAT_VOG_EPOCHS)
glue("ex13_hcat_epochs", hcat_epochs, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-13-logit-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-13-logit
# :class: dropdown
#
# Averaged over the types, VoG (paper, early) minus VoG (H-CAT) is
# {glue:text}`ex13_logit_diff:+.2f` in oriented AUROC
# ({glue:text}`ex13_logit_interval`): the early paper VoG is
# **{glue:text}`ex13_logit_side`** H-CAT's. It has the higher mean AUROC on
# {glue:text}`ex13_logit_types` of {glue:text}`hcat_n_types` types. The two
# scores differ in three ways at once: the target (logit or probability), the
# class normalisation, and the snapshots (epochs {glue:text}`ex13_early_epochs`
# against H-CAT's {glue:text}`ex13_hcat_epochs`). The comparison cannot say
# which of the three makes the difference; only H-CAT's VoG rerun with the
# logit alone can.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Far-OoD images
# :label: ex-13-far
# :nonumber:
#
# H-CAT's far-OoD images are CIFAR-10 photographs; offline, this chapter
# replaces them with crops of scikit-image's photographs (`far_ood_set`). On
# `far_ood`, which methods have a mean oriented AUROC below chance (0.5), and
# for how many of them does the 95% interval over seeds (`summary["AUROC"]`)
# lie below it? On which type is VoG (paper, all) best, and on which worst?
# What would a run with CIFAR-10 (`-p far_ood_set cifar10`, the data in
# `data/cifar-10-batches-py`) tell you?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-13-far-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
far = auroc["far_ood"]
under = far[far < 0.5]
sure = summary["AUROC"].high.loc[under.index, "far_ood"] < 0.5  # NaN (one seed) counts as False
glue(
    "ex13_far_under", ", ".join(f"{m} ({a:.2f})" for m, a in under.items()) or "none", display=False
)
glue("ex13_far_n_under", len(under), display=False)
glue("ex13_far_n_sure", int(sure.sum()), display=False)
vog_row = auroc.loc[vog_paper]
glue("ex13_vog_best", f"{vog_row.idxmax()} (AUROC {vog_row.max():.2f})", display=False)
glue("ex13_vog_worst", f"{vog_row.idxmin()} (AUROC {vog_row.min():.2f})", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-13-far-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-13-far
# :class: dropdown
#
# On `far_ood`, {glue:text}`ex13_far_n_under` of {glue:text}`hcat_n_methods`
# methods have a mean AUROC below chance: {glue:text}`ex13_far_under`; for
# {glue:text}`ex13_far_n_sure` of them the interval over seeds lies below chance.
# A score below chance ranks the replaced images as *easier* than the MNIST
# digits. VoG (paper, all) is best on {glue:text}`ex13_vog_best` and worst on
# {glue:text}`ex13_vog_worst`. These numbers are of the photographs: a run with
# CIFAR-10 tells whether they hold for H-CAT's own far-OoD images.
# ````
# % END SOLUTION
