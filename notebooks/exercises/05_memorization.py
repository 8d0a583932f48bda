# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`run`, `noisy`, `variants`):
# run the chapter first. The solutions are hidden; open one after you have an
# answer.
#
# ```{exercise} The gap in each window
# :label: ex-05-window
# :nonumber:
#
# Early in training the shuffled examples have not been memorised yet. For
# each of the run's windows (`run.windows()`), compare the mean
# |class-normalised VoG| ({func}`vog.experiments.vog_variants`, `"absolute"`)
# of the shuffled and the clean examples, with the Welch test of
# {func}`vog.analysis.claims.memorisation`. In which window is the gap
# largest? What was the training accuracy at the end of the early window?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-05-window-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
gaps = {}
for w in run.windows():
    a = vog.experiments.vog_variants(run, "train", w, names=("absolute",))["absolute"]
    welch = vog.analysis.claims.memorisation(a[~noisy], a[noisy])
    gaps[w] = (a[noisy].mean() - a[~noisy].mean(), welch.numbers["p"])
table = "; ".join(f"{w}: {g:+.2f} (p = {p:.2g})" for w, (g, p) in gaps.items())
glue("ex05_gaps", table, display=False)
glue("ex05_widest", max(gaps, key=lambda w: gaps[w][0]), display=False)
early_end = run.windows()["early"][-1]
glue("ex05_early_acc", 100 * run.history[early_end]["train_acc"], display=False)
glue("ex05_early_end", early_end, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-05-window-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-05-window
# :class: dropdown
#
# Mean |z| of the shuffled minus that of the clean examples, with the Welch
# p-value: {glue:text}`ex05_gaps`. The gap is largest in the
# **{glue:text}`ex05_widest`** window. At the end of the early window (epoch
# {glue:text}`ex05_early_end`, counted from 0) the training accuracy is
# {glue:text}`ex05_early_acc:.1f`%, and at the end of training
# {glue:text}`mem_train_acc:.1f`%. Memorisation is complete at 100%: below
# it, the network still misclassifies some shuffled examples. The paper's
# claim is about the gradients while the network memorises the shuffled
# labels, so compare the gap of the window in which the training accuracy
# climbs towards 100% with the others.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Size or direction?
# :label: ex-05-sign
# :nonumber:
#
# The chapter compares the absolute score. How well does each score, |z|
# (`variants["absolute"]`) and the signed z (`variants["signed"]`), flag the
# shuffled examples as the positives, higher score first (AUROC of
# {func}`vog.analysis.detection_metrics`, 0.5 = chance)? Is it the size of the
# deviation from the class mean or its direction that separates the sets?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-05-sign-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
flags = {
    name: vog.analysis.detection_metrics(variants[name], noisy, budgets=(0.1,))
    for name in ("absolute", "signed")
}
auroc_abs, auroc_signed = flags["absolute"]["AUROC"], flags["signed"]["AUROC"]
glue("ex05_auroc_abs", auroc_abs, display=False)
glue("ex05_auroc_signed", auroc_signed, display=False)
glue("ex05_signed_end", "higher" if auroc_signed > 0.5 else "lower", display=False)
glue("ex05_better", "|z|" if auroc_abs > auroc_signed else "the signed z", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-05-sign-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-05-sign
# :class: dropdown
#
# AUROC of |z|: {glue:text}`ex05_auroc_abs:.3f`; of the signed z:
# {glue:text}`ex05_auroc_signed:.3f`. The shuffled examples tend towards the
# **{glue:text}`ex05_signed_end`** end of the signed score, and the better flag
# is **{glue:text}`ex05_better`**. |z| counts a deviation in either direction:
# where it beats the signed z, it is the size of the deviation that marks a
# shuffled example, whichever its sign; where the signed z wins, the direction
# does. An auditor ranking by the signed score should look at the end the
# shuffled examples sit at.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} An auditor's top 10%
# :label: ex-05-audit
# :nonumber:
#
# An auditor reviews the 10% of training examples with the highest score. What
# share of them have shuffled labels, for |z| and for the signed z
# (`"precision@10%"` of {func}`vog.analysis.detection_metrics`)? Compare with
# the shuffled examples' share of the whole set, what a random 10% would hold.
# The chapter {doc}`12_compare_scores` measures this for many scores.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-05-audit-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
glue("ex05_top_abs", 100 * flags["absolute"]["precision@10%"], display=False)
glue("ex05_top_signed", 100 * flags["signed"]["precision@10%"], display=False)
glue("ex05_noise_share", 100 * float(noisy.mean()), display=False)
glue("ex05_lift", flags["absolute"]["precision@10%"] / float(noisy.mean()), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-05-audit-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-05-audit
# :class: dropdown
#
# Of the top 10% by |z|, {glue:text}`ex05_top_abs:.1f`% have shuffled labels;
# by the signed z, {glue:text}`ex05_top_signed:.1f`%. A random 10% holds
# {glue:text}`ex05_noise_share:.1f`%, so |z| finds
# {glue:text}`ex05_lift:.2f` times as many shuffled labels per reviewed example
# as chance (1 = no better than chance).
# ````
# % END SOLUTION
