# %% [markdown]
# ## Exercises
#
# Each exercise reads this chapter's own results (`effects`, `seeds`, `n_test`):
# run the chapter first; no solution trains or scores a run. The solutions are
# hidden; open one after you have an answer.
#
# ```{exercise} What the model factor moves
# :label: ex-11-model
# :nonumber:
#
# The design changes the model in the columns whose name starts with `model:`.
# From `effects`, list for each such column the claims it moves beyond seed
# noise (column `moves`), with the direction (toward or against the paper) and
# the effect against the seed noise, in the claim's unit
# (`vog.experiments.study_effects.UNITS`). A deeper ResNet would need a new
# factor and a new training run (`-y "factors: {'model: ResNet-18 (width 8)':
# {model: resnet18, width: 8}}"`): by which rule would you decide whether
# depth moves a claim that the narrow ResNet does not?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-11-model-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
from vog.experiments.study_effects import UNITS

rest = effects.drop(index="base", level="column")  # every effect over the base
model_cols = [c for c in rest.index.get_level_values("column").unique() if c.startswith("model:")]
lines = []
for col in model_cols:
    t = rest.xs(col, level="column")
    parts = [
        f"{claim} {'toward' if r['effect'] > 0 else 'against'} the paper "
        f"({UNITS[claim][1] * r['effect']:+.2f} {UNITS[claim][0]}, seed noise "
        f"{UNITS[claim][1] * r['seed noise']:.2f})"
        for claim, r in t[t["moves"].astype(bool)].iterrows()
    ]
    lines.append(f"{col} moves {'; '.join(parts) if parts else 'no claim'}")
glue("ex11_model_moves", ". ".join(lines) or "the design has no model column", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-11-model-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-11-model
# :class: dropdown
#
# {glue:text}`ex11_model_moves`.
#
# A ResNet-18 column would be judged by the same rule
# ({func}`vog.analysis.effects.moves`): its effect over the base moves a claim
# only when the effect's 95% interval excludes 0 **and** the effect is larger
# than the seed noise (the larger of the base's and the column's range over
# seeds). Depth moves a claim "where the narrow ResNet did not" only if the
# ResNet-18 passes this rule on a claim where the ResNet-8 above does not;
# its difference from the ResNet-8 would need its own interval, since both are
# compared with the base, not with each other.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} More seeds, a wider noise floor
# :label: ex-11-seeds
# :nonumber:
#
# The seed noise is a *range* (largest minus smallest estimate over the seeds),
# and a range can only grow as seeds are added. If an estimate varies over
# seeds like a normal variable with spread $\sigma$, the expected range of $n$
# seeds is $d_n \sigma$. Estimate $d_n$ by simulation for the chapter's number
# of seeds and for 5 seeds (`-y "seeds: [0, 1, 2, 3, 4]"`), and so the factor
# by which the noise floor should grow. Which of the effects that move a claim
# now exceed their seed noise by more than that factor, and so should still
# move with five seeds?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-11-seeds-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
import numpy as np

rng = np.random.default_rng(0)
d = {n: float(np.ptp(rng.standard_normal((20000, n)), axis=1).mean()) for n in (len(seeds), 5)}
growth = d[5] / d[len(seeds)]
moved = rest[rest["moves"].astype(bool)]
margin = moved["effect"].abs() / moved["seed noise"]  # how many times the noise each effect is
kept = margin[margin > growth]
glue("ex11_n_seeds", len(seeds), display=False)
glue("ex11_growth", growth, display=False)
glue("ex11_n_moved", len(moved), display=False)
glue("ex11_n_kept", len(kept), display=False)
kept_text = "; ".join(f"{col} on {claim} ({m:.1f} times)" for (claim, col), m in kept.items())
glue("ex11_kept", kept_text or "none", display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-11-seeds-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-11-seeds
# :class: dropdown
#
# From {glue:text}`ex11_n_seeds` seeds to 5, the expected range grows by a
# factor {glue:text}`ex11_growth:.2f`. Of the {glue:text}`ex11_n_moved` effects
# that move a claim now, {glue:text}`ex11_n_kept` exceed their seed noise by more
# than that factor: {glue:text}`ex11_kept`. These should still move with five
# seeds; the others sit within what the wider range is expected to cover. This
# is an expectation, not a result: the new seeds' estimates may fall anywhere,
# and only the run with five seeds says which effects stay.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Intervals or seeds: which limits?
# :label: ex-11-ntest
# :nonumber:
#
# The error and flip claims bootstrap over the `n_test` scored test images,
# so their effects' intervals narrow as $1/\sqrt{n}$; the seed noise does not
# (the class claim's interval is over classes, the others over `n_mem` or
# `n_ood` images). For these two claims, take the median half-width of the
# effects' intervals, predict it at `n_test = 10000` (with a test set that
# large), and compare both with the base's seed noise. Which limits the
# conclusions now, and which would at 10,000 images?
# ```


# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-11-ntest-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
def limit(half, noise):
    return "the seed noise limits" if noise > half else "the intervals limit"


rows = []
for claim in ["error", "flip"]:
    t, (unit, scale) = rest.loc[claim], UNITS[claim]
    half = scale * float(((t["effect high"] - t["effect low"]) / 2).median())
    later = half * np.sqrt(n_test / 10000)
    noise = scale * float(effects.loc[(claim, "base"), "seed noise"])
    rows.append(
        f"{claim}: intervals ±{half:.2f} {unit} now, about ±{later:.2f} at 10,000 images, "
        f"seed noise {noise:.2f}: {limit(half, noise)} now, {limit(later, noise)} at 10,000"
    )
glue("ex11_limits", "; ".join(rows), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-11-ntest-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-11-ntest
# :class: dropdown
#
# {glue:text}`ex11_limits`. An effect moves a claim only when it clears both its
# interval and the seed noise, so the larger of the two is the bar. More test
# images lower only the first; past the point where the intervals are narrower
# than the seed range, only more seeds (or a less seed-sensitive training
# recipe) sharpen the conclusions.
# ````
# % END SOLUTION
