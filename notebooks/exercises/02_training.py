# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`runs`, `table`, `first`):
# run the chapter first. The solutions are hidden; open one after you have an
# answer.
#
# ```{exercise} Does the accuracy settle after the drop?
# :label: ex-02-schedule
# :nonumber:
#
# From each run's `history`, take the test accuracy's change from one epoch to
# the next (in points). Average its size before and after the first epoch
# trained at a lower learning rate than the first (for a run at a constant
# rate, cut at the middle epoch). In how many runs are the steps smaller after
# the cut? What should a run without the schedule (papermill `-y "experiments:
# {F: {dataset: fashion_mnist, model: lenet, epochs: 10, lr: 0.05}}"`) show?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-02-schedule-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
steps, n_settled = [], 0
for name, r in runs.items():
    h = pd.DataFrame(r.history)
    change = 100 * h["eval_acc"].diff().abs()  # change into each epoch from the one before
    dropped = h.index[h["lr"] < h["lr"].iloc[0]]
    cut = int(dropped[0]) if len(dropped) else len(h) // 2
    before, after = change.iloc[1:cut].mean(), change.iloc[cut:].mean()
    n_settled += int(after < before)
    how = f"lr x {h['lr'].iloc[cut] / h['lr'].iloc[0]:g}" if len(dropped) else "constant lr, cut"
    steps.append(f"{name}: {before:.2f} before, {after:.2f} after ({how} at epoch {cut})")
glue("ex02_steps", "; ".join(steps), display=False)
glue("ex02_n_settled", n_settled, display=False)
glue("ex02_n_runs", len(runs), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-02-schedule-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-02-schedule
# :class: dropdown
#
# Mean size of the test accuracy's step, in points per epoch:
# {glue:text}`ex02_steps`. The steps are smaller after the cut in
# {glue:text}`ex02_n_settled` of {glue:text}`ex02_n_runs` runs. A smaller learning
# rate moves the weights by proportionally smaller steps, so after a
# drop the accuracy can only creep; a run that is already converged before the
# cut settles without one. At a constant rate nothing shrinks the steps: expect
# the curve to keep oscillating to the last epoch, and the late checkpoints
# (the late VoG window) to differ more from one another. The chapter
# {doc}`11_when_claims_hold` shows what that does to VoG.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} How early is the early window?
# :label: ex-02-early
# :nonumber:
#
# The paper's CIFAR-10 network reaches 44.65% test accuracy after its early
# window and 89.57% at the end. From `table`, compute for each run the test
# accuracy after the early window as a share of its final test accuracy, and
# compare with the paper's share. What does a share near 100% mean for
# VoG(early)?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-02-early-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
share = 100 * table["after early stage (%)"] / table["test accuracy (%)"]
glue("ex02_paper_share", 100 * 44.65 / 89.57, display=False)
early_share = "; ".join(
    f"{name}: {table.loc[name, 'after early stage (%)']:.1f}% after epoch "
    f"{runs[name].windows()['early'][-1]}, {share[name]:.0f}% of the final"
    for name in runs
)
glue("ex02_early_share", early_share, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-02-early-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-02-early
# :class: dropdown
#
# The paper's network ends its early window at
# {glue:text}`ex02_paper_share:.0f`% of its final accuracy. Here (epochs are
# counted from 0): {glue:text}`ex02_early_share`. VoG(early) is meant to
# describe a network that is still learning the easy examples. Where a run's
# share is close to 100%, its early window already describes a nearly trained
# network, and early and late VoG measure similar things; the lower learning
# rate of {doc}`07_dynamics` slows training down to get a real early stage.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Do the windows rank the test images alike?
# :label: ex-02-windows
# :nonumber:
#
# For the first run, class-normalise the test set's VoG of the early and of
# the late window ({func}`vog.experiments.vog_variants`, `"signed"`). Compute
# their Spearman correlation ({func}`vog.analysis.spearman`) and the share of
# the 10% highest by late VoG that are also among the 10% highest by early VoG
# ({func}`vog.analysis.top_overlap`). What share would two unrelated scores
# give?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-02-windows-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
early, late = (
    vog.experiments.vog_variants(runs[first], "test", w, names=("signed",))["signed"]
    for w in ("early", "late")
)
glue("ex02_window_rho", vog.analysis.spearman(early, late)[0], display=False)
glue(
    "ex02_window_overlap", 100 * vog.analysis.top_overlap(late, early, fraction=0.1), display=False
)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-02-windows-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-02-windows
# :class: dropdown
#
# Spearman correlation of early and late VoG: {glue:text}`ex02_window_rho:.2f`.
# Of the 10% highest by late VoG, {glue:text}`ex02_window_overlap:.0f`% are also
# among the 10% highest by early VoG; two unrelated scores share 10% by
# chance. The further these numbers are from 1 and 100%, the more the two
# windows order the images differently; the paper even finds them ordered the
# other way round with respect to error ({doc}`07_dynamics`).
# ````
# % END SOLUTION
