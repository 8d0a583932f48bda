# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`run`, `in_dist`, `shifted`,
# `scores`, `table`): run the chapter first, and open a hidden solution only after you
# have an answer.
#
# ```{exercise} VoG or -MSP, set by set
# :label: ex-10-method
# :nonumber:
#
# For each shifted set, compare the two scores as detectors of the shift: the top
# minus the bottom quartile share (from `table`) and the AUROC of telling the
# shifted images from the in-distribution ones ({func}`vog.analysis.ood_metrics` on
# `scores`). For which set is -MSP the better detector, and for which VoG?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-10-method-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
lines = []
gap = table.loc["top 25%"] - table.loc["bottom 25%"]  # per column: VoG, then -MSP
for shift, pair in scores.items():
    auc_vog = 100 * vog.analysis.ood_metrics(*pair["VoG"])["auroc"]
    auc_msp = 100 * vog.analysis.ood_metrics(*pair["MSP"])["auroc"]
    better = "VoG" if auc_vog > auc_msp else "-MSP"
    lines.append(
        f"{shift}: top − bottom {gap[shift]:+.0f} points for VoG, "
        f"{gap[f'{shift} (-MSP)']:+.0f} for -MSP; AUROC {auc_vog:.1f}% vs {auc_msp:.1f}%, "
        f"so {better} is the better detector"
    )
glue("ex10_method", "; ".join(lines), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-10-method-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-10-method
# :class: dropdown
#
# {glue:text}`ex10_method`. The two measures need not agree: the quartile gap looks
# at the two ends of the ranking only, AUROC at all of it. The paper's Fig. 12b uses
# VoG only; the comparison shows, for each kind of shift, whether the gradient adds
# anything over the network's own confidence.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Before the classes are learnt
# :label: ex-10-early
# :nonumber:
#
# Score the same images with VoG over the early window (`run.checkpoints("early")`
# in {func}`vog.analysis.vog_and_msp`) and cut them into quartiles
# ({func}`vog.analysis.quantile_shares`). Before the network has learnt the
# classes, do the shifted images still over-index at high VoG? Compare each set's
# top minus bottom quartile share with the chapter's window.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-10-early-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
early = vog.analysis.vog_and_msp(run.checkpoints("early"), in_dist, shifted, model=run.model())
lines = []
for name, per_method in early.items():
    shares = 100 * vog.analysis.quantile_shares(*per_method["VoG"], q=4)
    gap_early, gap_chapter = shares[3] - shares[0], quart[name][3] - quart[name][0]
    lines.append(
        f"{name}: {shares[3]:.0f}% vs {shares[0]:.0f}% early, a gap of {gap_early:+.0f} points "
        f"against {gap_chapter:+.0f} in the chapter's window "
        f"({'smaller' if abs(gap_early) < abs(gap_chapter) else 'larger'} in size early)"
    )
glue("ex10_early", "; ".join(lines), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-10-early-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-10-early
# :class: dropdown
#
# Share of each shifted set in the top vs the bottom VoG quartile:
# {glue:text}`ex10_early`. A gap near 0 means the score does not tell the sets
# apart. An early network has not yet learnt what an in-distribution image looks
# like, so there is less for a shifted image to differ from: where the early gap is
# smaller in size, that part of the effect needs a trained network.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Textures
# :label: ex-10-textures
# :nonumber:
#
# Add a third shifted set, the textures (`vog.datasets.load_ood_set("textures",
# like=like, n=..., root=data_root, seed=1)`): regular patterns instead of
# photographs. To keep it cheap, score 500 textures (at most `n_shift`) beside the
# chapter's in-distribution images with {func}`vog.analysis.vog_and_msp` over the
# chapter's window. Where in the VoG ranking do they fall: which share lands in the
# top and in the bottom quartile?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-10-textures-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
tex = vog.datasets.load_ood_set("textures", like=like, n=min(500, n_shift), root=data_root, seed=1)
per_method = vog.analysis.vog_and_msp(
    run.checkpoints(window), in_dist, {"textures": tex}, model=run.model()
)["textures"]
shares = 100 * vog.analysis.quantile_shares(*per_method["VoG"], q=4)
glue("ex10_tex_n", len(tex), display=False)
glue("ex10_tex_top", float(shares[3]), display=False)
glue("ex10_tex_bottom", float(shares[0]), display=False)
glue("ex10_tex_word", "more" if shares[3] > shares[0] else "less", display=False)
glue("ex10_tex_auroc", 100 * vog.analysis.ood_metrics(*per_method["VoG"])["auroc"], display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-10-textures-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-10-textures
# :class: dropdown
#
# Of the {glue:text}`ex10_tex_n` textures, {glue:text}`ex10_tex_top:.0f`% fall in
# the top VoG quartile and {glue:text}`ex10_tex_bottom:.0f`% in the bottom one: the
# textures are **{glue:text}`ex10_tex_word`** frequent at high VoG than at low VoG
# (AUROC {glue:text}`ex10_tex_auroc:.1f`% against the in-distribution images).
# The chapter's sets, top vs bottom quartile: {glue:text}`shift_quartiles`. (The
# textures were ranked with the in-distribution images alone, as each of the
# chapter's sets was.)
# ````
# % END SOLUTION
