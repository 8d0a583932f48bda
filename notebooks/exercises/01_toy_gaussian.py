# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`model`, `scores`, `dist`,
# `corr`, `variants_table`): run the chapter first. The solutions are hidden;
# open one after you have an answer.
#
# ```{exercise} Which stage follows the boundary?
# :label: ex-01-stage
# :nonumber:
#
# From `corr`, which stage's VoG correlates most with closeness to the learned
# boundary, on the training and on the test points? Then shorten training to
# 6 epochs (the toy network trains in a fraction of a second: train it again
# with `epochs=6` on top of `train_options` and `windows=vog.stage_windows(6)`,
# stages of two epochs each) and compute the same correlation per stage
# against the short network's own boundary. Which stage still follows it?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-01-stage-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
rho = corr["spearman_rho"]
glue("ex01_best_train", rho["train"].idxmax(), display=False)
glue("ex01_best_test", rho["test"].idxmax(), display=False)
glue("ex01_epochs", int(epochs), display=False)
glue("ex01_rho_stages", ", ".join(f"{w} {r:.2f}" for w, r in rho["train"].items()), display=False)

torch.manual_seed(seed)  # the chapter's initialisation
short_model = vog.experiments.MLP(2, (hidden,), 2, activation=activation)
short = vog.train_with_vog(
    short_model, (x_train, y_train), train_options, epochs=6, windows=vog.stage_windows(6)
)
near = -vog.experiments.boundary_distance(short_model, x_train, resolution=boundary_resolution)
short_rho = {
    w: vog.analysis.spearman(vog.class_normalize(s, y_train), near)[0]
    for w, s in short.vog["train"].items()
}
glue("ex01_rho_short", ", ".join(f"{w} {r:.2f}" for w, r in short_rho.items()), display=False)
glue("ex01_best_short", max(short_rho, key=short_rho.get), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-01-stage-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-01-stage
# :class: dropdown
#
# After {glue:text}`ex01_epochs` epochs the Spearman correlations of the training points are
# {glue:text}`ex01_rho_stages`; the highest is the
# **{glue:text}`ex01_best_train`** stage on the training points and the
# **{glue:text}`ex01_best_test`** stage on the test points. After 6 epochs:
# {glue:text}`ex01_rho_short`, the highest for **{glue:text}`ex01_best_short`**.
# Each of the three stages is now a variance over only two gradients, and the boundary is
# the one of a network trained less: a stage follows the final boundary only
# if the network's boundary no longer moves much during that stage.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Points on the wrong side
# :label: ex-01-wrong
# :nonumber:
#
# The clusters overlap, so the final model misclassifies some training points:
# more with more overlap (`-p cluster_std 3.0`). How many does it misclassify
# here? How well does VoG over all epochs flag them (the AUROC of
# {func}`vog.analysis.detection_metrics`, 0.5 = chance), and what is their
# median percentile of VoG within their class
# ({func}`vog.analysis.class_percentile`)?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-01-wrong-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
wrong = (model.eval()(x_train).argmax(1) != y_train).detach().numpy()
z = scores["train"]["all"]
glue("ex01_n_wrong", int(wrong.sum()), display=False)
glue("ex01_n_train", len(wrong), display=False)
if wrong.any():
    auroc = vog.analysis.detection_metrics(z, wrong)["AUROC"]
    pct = float(np.median(vog.analysis.class_percentile(z, y_train.numpy())[wrong]))
else:  # nothing to flag
    auroc = pct = float("nan")
glue("ex01_wrong_auroc", auroc, display=False)
glue("ex01_wrong_pct", pct, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-01-wrong-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-01-wrong
# :class: dropdown
#
# The final model misclassifies {glue:text}`ex01_n_wrong` of
# {glue:text}`ex01_n_train` training points. VoG flags them with an AUROC of
# {glue:text}`ex01_wrong_auroc:.2f`; their median percentile within their
# class is {glue:text}`ex01_wrong_pct:.0f` (50 = a typical point). VoG
# follows closeness to the boundary, and a misclassified point can lie close
# to it or deep inside the other cluster, far from it: VoG sees how close a
# point is, not which side it is on. With more overlap there are more points
# on the wrong side, and more of them far from the boundary.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Smooth or piecewise linear?
# :label: ex-01-relu
# :nonumber:
#
# With ReLU (`-p activation relu`) the points of one linear region share their
# input gradient, so in Fig. 1a they share a colour. From `variants_table`,
# compare the ReLU network with the chapter's (`activation`): training
# accuracy and Spearman correlation of VoG with closeness. Is the ReLU network
# worse at the task, or only VoG worse at reading it?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-01-relu-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
for act, key in (("relu", "relu"), (activation, "main")):
    glue(f"ex01_acc_{key}", 100 * float(variants_table.loc[act, "train_acc"]), display=False)
    glue(f"ex01_rho_{key}", float(variants_table.loc[act, "spearman_rho_all"]), display=False)
glue("ex01_activation", activation, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-01-relu-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-01-relu
# :class: dropdown
#
# ReLU: training accuracy {glue:text}`ex01_acc_relu:.1f`%, correlation
# {glue:text}`ex01_rho_relu:.2f`; {glue:text}`ex01_activation`: training
# accuracy {glue:text}`ex01_acc_main:.1f`%, correlation
# {glue:text}`ex01_rho_main:.2f`. Where the accuracies are close and the
# correlations are not, both networks find a similar boundary and the
# difference lies in what VoG can see: a ReLU network's input gradient changes
# only from one linear region to the next, so VoG tells the regions apart, not
# the points within a region, while tanh's gradient varies smoothly with the
# distance to the boundary.
# ````
# % END SOLUTION
