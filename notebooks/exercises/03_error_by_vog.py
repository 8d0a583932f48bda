# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`run`, `normalised`, `correct`,
# `curves`): run the chapter first. The solutions are hidden; open one after you
# have an answer.
#
# ```{exercise} Fewer, larger buckets
# :label: ex-03-bins
# :nonumber:
#
# Cut the test images into half as many VoG buckets as the chapter's `bins`
# (`bins // 2`) with {func}`vog.analysis.bootstrap_percentile_errors` (the
# chapter's `n_boot`). Each bucket now holds twice as many images. By what
# factor should the 95% intervals narrow? Compare the mean interval width of the
# larger buckets with that of the chapter's.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-03-bins-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
def mean_width(b):
    return float((b["high"] - b["low"]).mean()) * 100


half = max(bins // 2, 1)
larger = vog.analysis.bootstrap_percentile_errors(
    normalised[window], correct, bins=half, n_boot=n_boot
)
width_small, width_large = mean_width(curves[window]), mean_width(larger)  # curves: `bins`
glue("ex03_bins", int(bins), display=False)
glue("ex03_half", int(half), display=False)
glue("ex03_width_chapter", width_small, display=False)
glue("ex03_width_half", width_large, display=False)
ratio = width_small / width_large if width_large else float("nan")
glue("ex03_width_ratio", ratio, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-03-bins-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-03-bins
# :class: dropdown
#
# A bucket's error is a proportion: its standard error falls with the square
# root of the bucket's size, so twice the images should narrow the interval by
# about $\sqrt{2} \approx 1.41$. Measured: a mean width of
# {glue:text}`ex03_width_chapter:.1f` points with {glue:text}`ex03_bins` buckets and
# {glue:text}`ex03_width_half:.1f` with {glue:text}`ex03_half`, a factor of
# {glue:text}`ex03_width_ratio:.2f`. Where the factor is far from $\sqrt{2}$, the
# error rates differ between buckets (a proportion near 0 has a narrower
# interval than one near 50%).
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Without class normalisation
# :label: ex-03-raw
# :nonumber:
#
# The paper normalises VoG within each class (Eq. 4). Score the test set with
# the *raw* VoG instead (`vog.experiments.vog_variants(run, "test", window,
# names=("raw",))["raw"]`). Which share of the top 10% by raw VoG comes from
# the one class with the highest mean raw VoG, against the 10% of a class in a
# balanced test set? What does that do to Fig. 4?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-03-raw-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
import numpy as np

raw = np.asarray(vog.experiments.vog_variants(run, "test", window, names=("raw",))["raw"])
y = np.asarray(labels)
classes = np.unique(y)
loudest = classes[np.argmax([raw[y == c].mean() for c in classes])]
top = raw >= np.quantile(raw, 0.9)
glue("ex03_raw_class", int(loudest), display=False)
glue("ex03_raw_share", 100 * float((y[top] == loudest).mean()), display=False)
glue("ex03_raw_top", 100 * float(1 - np.asarray(correct)[top].mean()), display=False)
glue("ex03_signed_top", float(tails[window]["top 10%"]), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-03-raw-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-03-raw
# :class: dropdown
#
# Class {glue:text}`ex03_raw_class` has the highest mean raw VoG, and it fills
# {glue:text}`ex03_raw_share:.0f`% of the top 10% by raw VoG. Raw VoG mixes
# *class* difficulty with *example* difficulty: the top decile is partly a list
# of one class's images. Its error is {glue:text}`ex03_raw_top:.1f`% against
# {glue:text}`ex03_signed_top:.1f`% for the top decile of the class-normalised
# score used in Fig. 4.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Which window carries the signal?
# :label: ex-03-window
# :nonumber:
#
# Fig. 4 draws three windows. From `curves`, read the trend (the Spearman
# correlation of bucket and error) of each window with its interval. Which
# window's error rises most clearly with VoG? Compare with the flip of
# {doc}`07_dynamics`.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-03-window-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
trends = {w: (b["trend"], b["trend_low"], b["trend_high"]) for w, b in curves.items()}
best = max(trends, key=lambda w: trends[w][1])  # the highest lower bound: the clearest rise
glue("ex03_best_window", best, display=False)
glue(
    "ex03_trends",
    "; ".join(f"{w}: {t:+.2f} [{lo:+.2f}, {hi:+.2f}]" for w, (t, lo, hi) in trends.items()),
    display=False,
)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-03-window-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-03-window
# :class: dropdown
#
# The trends with their 95% intervals: {glue:text}`ex03_trends`. The window whose
# trend has the highest lower bound is **{glue:text}`ex03_best_window`**.
# The paper finds the late and whole-training windows rank hard examples, while
# the early window ranks them the other way round ({doc}`07_dynamics`).
# ````
# % END SOLUTION
