# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`per`, `mean_auroc`,
# `ood_sets`, `x_in`, `x_train`): run the chapter first. The solutions are
# hidden; open one after you have an answer.
#
# ```{exercise} Which corruptions does VoG miss?
# :label: ex-06-miss
# :nonumber:
#
# From `per` (AUROC per corruption, in %), list the corruptions on which VoG
# stays below 60% AUROC, and name the one it detects best. On how many of the
# corruptions does the final model's MSP, which needs no checkpoints, do
# better than VoG?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-06-miss-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
auroc = per["VoG"].sort_values()
missed = auroc[auroc < 60]
glue(
    "ex06_missed", ", ".join(f"{c} ({v:.0f}%)" for c, v in missed.items()) or "none", display=False
)
glue("ex06_n_missed", len(missed), display=False)
glue("ex06_best", f"{auroc.index[-1]} ({auroc.iloc[-1]:.0f}%)", display=False)
glue("ex06_msp_wins", int((per["MSP"] > per["VoG"]).sum()), display=False)
glue("ex06_n_sets", len(per), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-06-miss-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-06-miss
# :class: dropdown
#
# VoG stays below 60% on {glue:text}`ex06_n_missed` corruptions:
# {glue:text}`ex06_missed`. It detects {glue:text}`ex06_best` best. MSP does
# better on {glue:text}`ex06_msp_wins` of the {glue:text}`ex06_n_sets`
# corruptions. Find the missed ones in the grid at the top of the chapter: on
# them, the gradients of the predicted class vary over the checkpoints no
# more than on clean digits (below 50%: less). The chapter {doc}`11_when_claims_hold` compares
# how large the gradients of clean and corrupted digits are.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} The true label instead of the predicted one
# :label: ex-06-label
# :nonumber:
#
# OoD images have no label, but corrupted digits keep theirs. On the
# corruption where VoG is weakest, score the clean and the corrupted images
# with the *true* label: `vog.compute_vog(run.checkpoints(window), (x, y),
# model=run.model())` with `y = run.labels["test"][: len(x_in)]`, then
# class-normalise both sets together ({func}`vog.analysis.pooled_vog`, the
# true labels in place of the predicted ones). Compare its AUROC with the
# chapter's predicted-label VoG. What share of the corrupted digits does the
# final model misclassify?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-06-label-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
weakest = per["VoG"].idxmin()
y = run.labels["test"][: len(x_in)]  # the corrupted images are the same digits
clean_res, corrupt_res = (
    vog.compute_vog(run.checkpoints(window), (x, y), model=run.model())
    for x in (x_in, ood_sets[weakest])
)
z_in, z_out = vog.analysis.pooled_vog(clean_res.raw, y, corrupt_res.raw, y)
glue("ex06_weakest", weakest, display=False)
glue("ex06_true_auroc", 100 * vog.analysis.ood_metrics(z_in, z_out)["auroc"], display=False)
glue("ex06_pred_auroc", float(per.loc[weakest, "VoG"]), display=False)
glue("ex06_wrong_out", 100 * (corrupt_res.predictions != y).float().mean().item(), display=False)
glue("ex06_wrong_in", 100 * (clean_res.predictions != y).float().mean().item(), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-06-label-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-06-label
# :class: dropdown
#
# VoG is weakest on **{glue:text}`ex06_weakest`**: AUROC
# {glue:text}`ex06_pred_auroc:.1f`% with the predicted label,
# {glue:text}`ex06_true_auroc:.1f`% with the true one. The final model
# misclassifies {glue:text}`ex06_wrong_out:.1f`% of these corrupted digits
# (clean: {glue:text}`ex06_wrong_in:.1f`%). The two scores differ only through
# the misclassified digits: for the others, the true and the predicted class
# are the same logit. The true label is not available for real OoD data, so only the predicted-label
# score is a detector; the comparison shows what the missing label costs.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Baselines fitted on fewer images
# :label: ex-06-fit
# :nonumber:
#
# Fit the two baselines of the paper's claim, PCA and KDE, on a sixth of the
# chapter's `max_fit` images (`-p max_fit 500` in the `default` profile) with
# {func}`vog.analysis.fit_baseline`, and compute their mean AUROC over the
# corruptions. How much do they lose, and does VoG (which needs no fit) now
# beat them?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-06-fit-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
import numpy as np

few = max(50, max_fit // 6)
refit = {}
for method in ("PCA", "KDE"):
    score = vog.analysis.fit_baseline(method, x_train, max_fit=few, seed=0)
    clean = score(x_in)
    refit[method] = 100 * np.mean(
        [vog.analysis.ood_metrics(clean, score(x))["auroc"] for x in ood_sets.values()]
    )
glue("ex06_few", few, display=False)
was = {m: f"{a:.1f}% (with {max_fit}: {mean_auroc[m]:.1f}%)" for m, a in refit.items()}
glue("ex06_refit", "; ".join(f"{m}: {text}" for m, text in was.items()), display=False)
glue("ex06_vog_mean", float(mean_auroc["VoG"]), display=False)
glue("ex06_n_beaten", sum(int(a < mean_auroc["VoG"]) for a in refit.values()), display=False)
glue("ex06_lost_most", max(refit, key=lambda m: mean_auroc[m] - refit[m]), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-06-fit-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-06-fit
# :class: dropdown
#
# Mean AUROC fitted on {glue:text}`ex06_few` images:
# {glue:text}`ex06_refit`. VoG's mean AUROC is
# {glue:text}`ex06_vog_mean:.1f`%, above {glue:text}`ex06_n_beaten` of the two
# refitted baselines. The larger drop in AUROC is
# **{glue:text}`ex06_lost_most`**'s. The neural
# baselines (DOCC, AE, AEGAN) would have to be trained again to take part in
# the comparison: run the chapter with the smaller `max_fit` for them.
# ````
# % END SOLUTION
