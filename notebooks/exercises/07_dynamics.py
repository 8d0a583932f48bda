# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`runs`, `trends`, `signed`,
# `flip_ev`): run the chapter first, and open a hidden solution only after you have an
# answer.
#
# ```{exercise} Does the flip need a slow start?
# :label: ex-07-lr
# :nonumber:
#
# The supplement sees the early trend of CIFAR only at a low learning rate. From the
# chapter's table `trends`, compare the early trend of both runs with its 95%
# interval (recompute the low-learning-rate run's with
# {func}`vog.analysis.bootstrap_percentile_errors`, the chapter's `bins` and `n_boot`,
# to have its bounds as numbers). Is the early trend of the low-learning-rate run
# lower (more negative) than the usual run's, and does its interval lie entirely
# below 0? What should a rerun with a slower start (`-p low_lr 0.0003`) show if the
# supplement is right?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-07-lr-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
slow = runs["low learning rate"]
score = vog.experiments.vog_variants(slow, "test", "early", names=("signed",))["signed"]
low = vog.analysis.bootstrap_percentile_errors(
    score, vog.experiments.correct(slow, "test"), bins=bins, n_boot=n_boot
)
usual_row = trends.loc[("usual learning rate", "early")]
glue(
    "ex07_usual", f"{usual_row['trend (Spearman)']:+.2f} {usual_row['95% interval']}", display=False
)
low_text = f"{low['trend']:+.2f} [{low['trend_low']:+.2f}, {low['trend_high']:+.2f}]"
glue("ex07_low", low_text, display=False)
lower = low["trend"] < usual_row["trend (Spearman)"]
glue("ex07_lower", "lower" if lower else "not lower", display=False)
glue("ex07_below", "lies" if low["trend_high"] < 0 else "does not lie", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-07-lr-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-07-lr
# :class: dropdown
#
# The early trend with its 95% interval: {glue:text}`ex07_usual` at the usual
# learning rate and {glue:text}`ex07_low` at the low one. The low rate's early trend
# is **{glue:text}`ex07_lower`** than the usual one, and its interval
# **{glue:text}`ex07_below`** entirely below 0 (only then does the data show error
# falling with early VoG). If the supplement is right, a slower start pushes the
# early trend further below 0 and a faster one brings it back towards the usual
# run's; each rerun trains a new network, so check the sign *and* the interval.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Fewer, larger buckets
# :label: ex-07-bins
# :nonumber:
#
# Recompute the usual run's early and late trends with 5 buckets (10 if the chapter
# already uses 5) with {func}`vog.analysis.bootstrap_percentile_errors` and the
# chapter's `n_boot`, and compare the widths of their 95% intervals with those for
# the chapter's `bins` (the conditions `minus_early` and `late` of `flip_ev`). With
# fewer buckets each holds more images: are the intervals narrower?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-07-bins-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
other = 5 if bins != 5 else 10
width = {bins: {"early": minus_early.high - minus_early.low, "late": late.high - late.low}}
width[other] = {}
for stage, score in signed.items():
    b = vog.analysis.bootstrap_percentile_errors(score, correct_usual, bins=other, n_boot=n_boot)
    width[other][stage] = b["trend_high"] - b["trend_low"]
few, many = sorted(width)
early_w = f"{width[few]['early']:.2f} with {few} buckets, {width[many]['early']:.2f} with {many}"
late_w = f"{width[few]['late']:.2f} with {few} buckets, {width[many]['late']:.2f} with {many}"
glue("ex07_width_early", early_w, display=False)
glue("ex07_width_late", late_w, display=False)
narrower = sum(width[few].values()) < sum(width[many].values())
glue("ex07_width_word", "narrower" if narrower else "not narrower", display=False)
glue("ex07_few", few, display=False)
glue("ex07_many", many, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-07-bins-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-07-bins
# :class: dropdown
#
# The widths of the trends' intervals: early {glue:text}`ex07_width_early`; late
# {glue:text}`ex07_width_late`. On average over the two stages the intervals with
# {glue:text}`ex07_few` buckets are **{glue:text}`ex07_width_word`** than with
# {glue:text}`ex07_many`. Two effects pull against each other: each bucket's error
# is more precise with more images, but a Spearman correlation over few points takes
# only a few distinct values, so a resample that swaps two buckets moves it a long
# way.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} A flip of the error, or of the ranking?
# :label: ex-07-agree
# :nonumber:
#
# The flip says that the test images with high VoG early are easy, and those with
# high VoG late are hard. Do the two windows then rank the test set in opposite
# order? For the usual run, compute the Spearman correlation of VoG(early) and
# VoG(late) ({func}`vog.analysis.spearman`) and the share of the 10% highest by
# VoG(early) that are also among the 10% highest by VoG(late)
# ({func}`vog.analysis.top_overlap`; chance: 10%).
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-07-agree-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
rho = vog.analysis.spearman(signed["early"], signed["late"])[0]
shared = vog.analysis.top_overlap(signed["early"], signed["late"], fraction=0.1)
if rho >= 0.5:
    alike = "largely alike"
elif rho >= 0.2:
    alike = "somewhat alike"
elif rho > -0.2:
    alike = "almost independently"
else:
    alike = "partly in opposite order"
glue("ex07_rho", float(rho), display=False)
glue("ex07_shared", 100 * shared, display=False)
glue("ex07_alike", alike, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-07-agree-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-07-agree
# :class: dropdown
#
# The Spearman correlation of VoG(early) and VoG(late) is
# {glue:text}`ex07_rho:+.2f`: the two windows rank the test images
# **{glue:text}`ex07_alike`**, and {glue:text}`ex07_shared:.0f`% of the early top
# decile is also in the late one (10% by chance). The flip is a statement about the
# error per bucket, not about the order of all the images: an opposite trend only
# needs the *misclassified* images (few of them, when the test error is low) to move
# between the ends of the ranking, and the correlation over all the images says
# little about where those few go.
# ````
# % END SOLUTION
