# %% [markdown]
# ## Exercises
#
# Each exercise reads this chapter's own results (`results`, `first`, `spec`):
# run the chapter first; no solution trains or rescores a run. The solutions
# are hidden; open one after you have an answer.
#
# ```{exercise} Which verdicts survive the seeds?
# :label: ex-14-seeds
# :nonumber:
#
# From {func}`vog.experiments.domain_findings.spread_table` (its `verdicts`
# column), count per replicated domain the (claim, target) rows whose verdict
# is the same on every seed and not "within noise". Give each domain's number
# of training examples beside it. Does the smallest training set keep the
# fewest verdicts out of noise? (To add a small set, swap in scikit-learn's
# Wine: `-y "domains: {Wine: {experiment: wine-mlp, ood: [breast_cancer,
# gaussian]}}"`, 133 training examples; more seeds: `-y "seeds: [0, 1, 2, 3, 4]"`.)
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-14-seeds-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
spread = found.spread_table(results, spec)
counts = {}
for name, d in spec.items():
    if name not in spread.index.get_level_values("domain") or len(d.seeds) < 2:
        continue  # a domain run on one seed has nothing to agree over
    verdicts = spread.xs(name, level="domain")["verdicts"].str.split(", ")
    steady = verdicts.map(lambda v: len(set(v)) == 1 and v[0] != "within noise")
    n_train = len(results[name, d.seeds[0]].replicate.run.labels["train"])
    counts[name] = (n_train, int(steady.sum()), len(steady))
glue(
    "ex14_steady",
    "; ".join(f"{n}, {t} training examples: {k} of {m}" for n, (t, k, m) in counts.items())
    or "no domain ran on two seeds",
    display=False,
)
smallest = min(counts, key=lambda n: counts[n][0], default=None)
fewest = smallest is not None and counts[smallest][1] == min(k for _, k, _ in counts.values())
glue("ex14_smallest", smallest or "none", display=False)
glue("ex14_smallest_fewest", "yes" if fewest else "no", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-14-seeds-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-14-seeds
# :class: dropdown
#
# Rows whose verdict holds (or fails) on every seed, per domain:
# {glue:text}`ex14_steady`. The smallest training set is
# {glue:text}`ex14_smallest`; does it keep the fewest (ties included)?
# **{glue:text}`ex14_smallest_fewest`**. Fewer examples widen the intervals of
# the claims computed over examples, so a small set needs larger effects to leave the noise; a
# row that is steady on two seeds can still split on five, and a count over so
# few seeds is itself noisy.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} The early/late flip off images
# :label: ex-14-flip
# :nonumber:
#
# The paper finds that error falls with VoG of the early epochs and rises with
# VoG of the late ones (Sec. 3; {doc}`07_dynamics` checks it on images). Each domain's run
# recorded VoG of the test set over the windows `"early"` and `"late"` too
# (`first[name].replicate.run.vog["test"]`). Class-normalise both
# ({func}`vog.class_normalize`) and check the flip on each domain's first seed
# with {func}`vog.analysis.evidence.flip_evidence` (the chapter's `bins` and
# `n_boot`). Does the flip appear on tabular data or text?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-14-flip-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
from vog.analysis import evidence as ev

flips = []
for name, r in first.items():
    run = r.replicate.run
    y = run.labels["test"]
    correct = (run.predictions["test"] == y).numpy()
    z = {w: vog.class_normalize(run.vog["test"][w], y).numpy() for w in ("early", "late")}
    e = ev.flip_evidence(z["early"], z["late"], correct, bins=bins, n_boot=n_boot)
    flips.append(
        f"{name}: early trend {e.numbers['early']:+.2f}, late {e.numbers['late']:+.2f}, "
        f"flip verdict: {e.verdict}"
    )
glue("ex14_flips", "; ".join(flips), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-14-flip-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-14-flip
# :class: dropdown
#
# {glue:text}`ex14_flips`. The flip holds only where the early trend's interval
# lies below 0 *and* the late trend's above 0; a domain where both trends have
# the same sign has no flip, whatever its error claim says.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Did the twins memorise?
# :label: ex-14-fit
# :nonumber:
#
# The paper's memorisation claim (Sec. 4.1) is about shuffled labels the
# network has *memorised*. Training longer (`-y "overrides: {epochs: 20,
# lr_milestones: [9, 14]}"`) would fit more of them; first check how far the
# twins are from it. For each domain with a twin (first seed), which share of
# its shuffled training labels does it predict at the end of training
# (`twin.predictions["train"]`, `twin.labels["train"]`, `twin.noisy`), which
# share of its clean ones, and what is its memorisation verdict (logit)? Call
# a twin fitted where it predicts at least 95% of its shuffled labels.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-14-fit-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
fits = []
for name, r in first.items():
    twin = r.replicate.noisy
    if twin is None:
        continue
    hit = (twin.predictions["train"] == twin.labels["train"]).numpy()
    shuffled = twin.noisy.numpy()
    fitted = "fitted" if hit[shuffled].mean() >= 0.95 else "not fitted"
    fits.append(
        f"{name}: {100 * hit[shuffled].mean():.0f}% of the shuffled labels and "
        f"{100 * hit[~shuffled].mean():.0f}% of the clean ones ({fitted}), memorisation "
        f"verdict: {r.evidence['memorisation', 'logit'].verdict}"
    )
glue("ex14_fits", "; ".join(fits), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-14-fit-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-14-fit
# :class: dropdown
#
# {glue:text}`ex14_fits`. Where a twin is not fitted, a memorisation verdict
# compares examples the network has not learnt with ones it has: a "holds"
# there says VoG finds wrong labels the network still disagrees with, not
# memorised ones. Training longer should raise the share of shuffled labels
# predicted; where it nears 100%, the verdict tests the paper's claim itself,
# and it may change either way.
# ````
# % END SOLUTION
