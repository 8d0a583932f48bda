# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`train_scores`, `flag`, `issues`,
# `decile`, `corr`, `overlap`): run the chapter first, and open a hidden solution only
# after you have an answer.
#
# ```{exercise} Whom does VoG agree with?
# :label: ex-12-agree
# :nonumber:
#
# On the training set, which of the other (non-VoG) scores does the best VoG variant
# for the shuffled labels (`best_vog`) agree with most (the highest Spearman
# correlation in `corr`), and how much of its top 1% do they share (`overlap`)? Are
# VoG's variants, on average, closer to each other than to the other scores?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-12-agree-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
import numpy as np

vogs = [n for n in names if n.startswith(("VoG", "|VoG|"))]
others = [n for n in names if n not in vogs]
partner = corr.loc[best_vog, others].idxmax()
within = corr.loc[vogs, vogs].where(~np.eye(len(vogs), dtype=bool)).stack().mean()
between = corr.loc[vogs, others].stack().mean()
glue("ex12_partner", partner, display=False)
glue("ex12_partner_rho", float(corr.loc[best_vog, partner]), display=False)
glue("ex12_partner_top", 100 * float(overlap.loc[best_vog, partner]), display=False)
glue("ex12_within", float(within), display=False)
glue("ex12_between", float(between), display=False)
glue("ex12_closer", "closer" if within > between else "no closer", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-12-agree-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-12-agree
# :class: dropdown
#
# The best VoG variant, {glue:text}`cmp_best_vog`, agrees most with
# **{glue:text}`ex12_partner`** (Spearman {glue:text}`ex12_partner_rho:+.2f`); they
# share {glue:text}`ex12_partner_top:.0f`% of its top 1% (1% by chance). VoG's
# variants correlate with each other at {glue:text}`ex12_within:+.2f` on average and
# with the other scores at {glue:text}`ex12_between:+.2f`: they are
# **{glue:text}`ex12_closer`** to each other than to the other scores. Rerunning the
# chapter without label noise (`-y "overrides: {label_noise: 0.0}"`, a new training
# run) shows how much of this agreement comes from the shuffled labels.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} cleanlab's budget
# :label: ex-12-budget
# :nonumber:
#
# `find_label_issues` flags a number of training images (`issues`). Give every score
# the same budget: the precision among its as many highest-scored images
# ({func}`vog.analysis.detection_metrics` with `budgets=(k / n,)`). How does the
# best VoG variant compare with cleanlab's flags, and how many of the scores beat
# them?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-12-budget-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
k, n = int(issues.sum()), len(noisy)


def precision_at_k(v):
    m = vog.analysis.detection_metrics(v, noisy, budgets=(k / n,))
    return 100 * next(x for name, x in m.items() if name.startswith("precision@"))


at_k = pd.Series({s: precision_at_k(v) for s, v in train_scores.items()})
cleanlab_precision = found["precision (%)"]
glue("ex12_k", k, display=False)
glue("ex12_cl_precision", float(cleanlab_precision), display=False)
glue("ex12_vog_at_k", float(at_k[best_vog]), display=False)
glue("ex12_n_beat", int((at_k > cleanlab_precision).sum()), display=False)
glue("ex12_n_all", len(at_k), display=False)
glue("ex12_best_at_k", at_k.idxmax(), display=False)
glue("ex12_best_at_k_value", float(at_k.max()), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-12-budget-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-12-budget
# :class: dropdown
#
# cleanlab flags {glue:text}`ex12_k` images with a precision of
# {glue:text}`ex12_cl_precision:.1f`%. Among its {glue:text}`ex12_k` highest-scored
# images, the best VoG variant ({glue:text}`cmp_best_vog`) holds
# {glue:text}`ex12_vog_at_k:.1f`% shuffled labels. {glue:text}`ex12_n_beat` of the
# {glue:text}`ex12_n_all` scores beat cleanlab's flags at that budget, the best
# being {glue:text}`ex12_best_at_k` ({glue:text}`ex12_best_at_k_value:.1f`%). Unlike
# the other scores, cleanlab chooses the budget itself; better out-of-sample
# probabilities (`-p cv_folds 4 -p cv_epochs 10`, four more models) change both its
# budget and its precision.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Early, late and averaged scores
# :label: ex-12-windows
# :nonumber:
#
# In the test-error table `decile`, compare the class-normalised VoG of the early and
# of the late window with EL2N (an early score) and AUM (an average over training).
# Which of the four has the steepest rising trend? Does the early VoG window's trend
# point the same way as EL2N's?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-12-windows-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
import numpy as np

four = decile.loc[["VoG class-normalised (early)", "VoG class-normalised (late)", "EL2N", "AUM"]]
listed = "; ".join(f"{s}: {r['trend']:+.2f} {r['trend 95%']}" for s, r in four.iterrows())
glue("ex12_trends", listed, display=False)
glue("ex12_steepest", four["trend"].idxmax(), display=False)
same = np.sign(four.loc["VoG class-normalised (early)", "trend"]) == np.sign(
    four.loc["EL2N", "trend"]
)
glue("ex12_same_way", "the same way as" if same else "the opposite way to", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-12-windows-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-12-windows
# :class: dropdown
#
# Trends of test error over the score buckets, with their 95% intervals:
# {glue:text}`ex12_trends`. The steepest rise belongs to
# **{glue:text}`ex12_steepest`**, and the early VoG window's trend points
# **{glue:text}`ex12_same_way`** EL2N's. EL2N is the size of an early network's
# error on an image, so it ranks first the images the early network gets wrong;
# early VoG measures how much an image's gradient moves, which the paper finds
# ranks the test set the other way round early in training (checked in
# {doc}`07_dynamics`).
# ````
# % END SOLUTION
