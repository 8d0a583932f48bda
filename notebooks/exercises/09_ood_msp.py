# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`runs`, `x_in`, `sets`, `scored`,
# `table`): run the chapter first, and open a hidden solution only after you have an
# answer.
#
# ```{exercise} The hardest OoD set
# :label: ex-09-sets
# :nonumber:
#
# From the AUROC column of `table`, find for VoG and for MSP the OoD set (and model)
# each detects worst, and the set on which VoG's lead over MSP is largest. Is the
# hardest set the same for both methods?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-09-sets-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
auroc = table["auroc"].unstack("method")[["VoG", "MSP"]]
hardest = auroc.idxmin()  # per method: the (model, OoD set) with the lowest AUROC
lead = auroc["VoG"] - auroc["MSP"]
hard = {m: f"{hardest[m][1]} ({hardest[m][0]}, {auroc[m].min():.1f}%)" for m in auroc}
glue("ex09_hard_vog", hard["VoG"], display=False)
glue("ex09_hard_msp", hard["MSP"], display=False)
glue("ex09_same", "the same" if hardest["VoG"] == hardest["MSP"] else "not the same", display=False)
glue("ex09_lead_set", f"{lead.idxmax()[1]} ({lead.idxmax()[0]})", display=False)
glue("ex09_lead", float(lead.max()), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-09-sets-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-09-sets
# :class: dropdown
#
# VoG detects {glue:text}`ex09_hard_vog` worst, MSP {glue:text}`ex09_hard_msp`: the
# hardest set is **{glue:text}`ex09_same`** for both. VoG's lead over MSP is largest
# on {glue:text}`ex09_lead_set`, {glue:text}`ex09_lead:+.1f` AUROC points (a
# negative lead means MSP is ahead on every set). Compare the hardest set's images,
# at the top of the chapter, with the in-distribution ones.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Before the classes are learnt
# :label: ex-09-early
# :nonumber:
#
# Score the first model with the early window instead (`run.checkpoints("early")` in
# {func}`vog.analysis.vog_and_msp`; MSP then comes from the last early checkpoint).
# To keep it cheap, use the first 500 images of the in-distribution set and of each
# OoD set. How does the mean AUROC over the OoD sets of VoG, and of MSP, compare with
# the chapter's window?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-09-early-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
arch = architectures[0]
k = min(500, len(x_in))
early = vog.analysis.vog_and_msp(
    runs[arch].checkpoints("early"),
    x_in[:k],
    {s: x[:k] for s, x in sets.items()},
    model=runs[arch].model(),
)
early_auroc = pd.DataFrame(
    {
        s: {m: vog.analysis.ood_metrics(*p)["auroc"] for m, p in by.items()}
        for s, by in early.items()
    }
).T
early_mean = 100 * early_auroc.mean()
chapter_mean = table.sort_index().loc[arch, "auroc"].groupby(level="method").mean()
word = {m: "lower" if early_mean[m] < chapter_mean[m] else "higher" for m in ("VoG", "MSP")}
glue("ex09_early_vog", float(early_mean["VoG"]), display=False)
glue("ex09_early_msp", float(early_mean["MSP"]), display=False)
glue("ex09_all_vog", float(chapter_mean["VoG"]), display=False)
glue("ex09_all_msp", float(chapter_mean["MSP"]), display=False)
glue("ex09_early_vog_word", word["VoG"], display=False)
glue("ex09_early_msp_word", word["MSP"], display=False)
glue("ex09_early_n", k, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-09-early-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-09-early
# :class: dropdown
#
# On {glue:text}`ex09_early_n` images per set, the early window gives VoG a mean
# AUROC of {glue:text}`ex09_early_vog:.1f`% (**{glue:text}`ex09_early_vog_word`**
# than the chapter window's {glue:text}`ex09_all_vog:.1f`%) and MSP
# {glue:text}`ex09_early_msp:.1f`% (**{glue:text}`ex09_early_msp_word`** than
# {glue:text}`ex09_all_msp:.1f`%). Both scores read the network: VoG its
# gradients, MSP its confidence, and an early network has a vaguer idea of its
# classes to set the OoD images against. The chapter's numbers use all `n_eval`
# images, so small differences are within sampling noise.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Halve the OoD sets
# :label: ex-09-aupr
# :nonumber:
#
# AUPR depends on how many images of each kind there are; AUROC does not. Keep the
# chapter's scores (`scored`), drop the second half of every OoD set, and recompute
# AUROC, AUPR-in and AUPR-out ({func}`vog.analysis.ood_metrics`). By how much does
# each metric move, on average over the models, sets and the two methods, and what
# is each AUPR's chance level now?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-09-aupr-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
change = []
for by_set in scored.values():
    for per_method in by_set.values():
        for s_in, s_out in per_method.values():
            full = vog.analysis.ood_metrics(s_in, s_out)
            half = vog.analysis.ood_metrics(s_in, s_out[: len(s_out) // 2])
            change.append({m: 100 * (half[m] - full[m]) for m in full})
change = pd.DataFrame(change).mean()
glue("ex09_d_auroc", float(change["auroc"]), display=False)
glue("ex09_d_in", float(change["aupr_in"]), display=False)
glue("ex09_d_out", float(change["aupr_out"]), display=False)
n_in, n_out = len(s_in), len(s_out) // 2
glue("ex09_chance_in", 100 * n_in / (n_in + n_out), display=False)
glue("ex09_chance_out", 100 * n_out / (n_in + n_out), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-09-aupr-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-09-aupr
# :class: dropdown
#
# Average change: AUROC {glue:text}`ex09_d_auroc:+.1f` points, AUPR-in
# {glue:text}`ex09_d_in:+.1f` and AUPR-out {glue:text}`ex09_d_out:+.1f`. AUROC
# compares every in-distribution image with every OoD image, so the size of either
# set does not enter it (what moves is sampling noise). AUPR is a precision, whose
# chance level is the share of the positive class: now
# {glue:text}`ex09_chance_in:.0f`% for AUPR-in (in-distribution positive) and
# {glue:text}`ex09_chance_out:.0f`% for AUPR-out. Tables that report AUPR should
# say how many images of each kind they used.
# ````
# % END SOLUTION
