# %% [markdown]
# ## Exercises
#
# Each exercise reads this chapter's own results (`module`, `pl_vog`,
# `pl_scores`, `top`, `noisy`): run the chapter first; no solution trains a
# model. The solutions are hidden; open one after you have an answer.
#
# ```{exercise} How far from memorised?
# :label: ex-15-fit
# :nonumber:
#
# Training longer (`-p epochs 30`) lets the MLP fit the shuffled labels. First
# measure where this run stands: with the Lightning model `module`, which share
# of the shuffled training images does it predict as their *shuffled* label,
# which share as their true class (`y_clean`), and which share of the clean
# images does it get right? What should you expect of VoG and of cleanlab's
# label issues (given the model's in-sample probabilities) after the longer run?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-15-fit-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
with torch.no_grad():
    pred = module.eval()(x_flat).argmax(1)
glue("ex15_epochs", epochs, display=False)
glue("ex15_fit_shuffled", 100 * (pred == y_train)[noisy].float().mean().item(), display=False)
glue("ex15_fit_true", 100 * (pred == y_clean)[noisy].float().mean().item(), display=False)
glue("ex15_fit_clean", 100 * (pred == y_train)[~noisy].float().mean().item(), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-15-fit-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-15-fit
# :class: dropdown
#
# After {glue:text}`ex15_epochs` epochs, the Lightning model predicts
# {glue:text}`ex15_fit_shuffled:.0f`% of the shuffled images as their shuffled
# label and {glue:text}`ex15_fit_true:.0f`% as their true class; it gets
# {glue:text}`ex15_fit_clean:.0f`% of the clean images right. The shuffled
# labels it has not fitted are the ones it misclassifies, which every
# loss-based score, and cleanlab's label issues, can see. As the longer run
# fits them, the in-sample probabilities agree with the shuffled labels: expect
# cleanlab's label issues (and the loss) to lose them. Whether VoG still ranks
# them first is the paper's memorisation claim (Sec. 4.1, {doc}`05_memorization`),
# and only the run answers it.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Resuming the callback's state
# :label: ex-15-resume
# :nonumber:
#
# Lightning saves `pl_vog.state_dict()` in its checkpoints and, on
# `trainer.fit(..., ckpt_path=...)`, hands it to the new callback's
# `load_state_dict`. Do that hand-over without training: make a new
# `VoGCallback` for the same data, load `pl_vog`'s state into it and compare
# its VoG of the training set with `pl_scores`. What does the state hold? (A
# full resume, with a `ModelCheckpoint` and a second `fit`, also trains the
# remaining epochs.)
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-15-resume-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
state = pl_vog.state_dict()
resumed = VoGCallback({"train": (x_flat, y_train)}, dynamics=True)
resumed.load_state_dict(state)  # what Lightning does with the checkpoint's state
resumed.core.start(epochs)  # what fit() does first (the callback's setup)
resumed.core.check_resumed_at(epochs)  # and on train start: resume after the last epoch
again = resumed.scores("train")
glue("ex15_state_keys", ", ".join(state), display=False)
glue("ex15_observed", ", ".join(map(str, state["observed"])), display=False)
glue("ex15_resume_diff", (again.raw - pl_scores.raw).abs().max().item(), display=False)
same_flag = vog.analysis.detection_metrics(again.normalized, noisy)["AUROC"]
glue("ex15_resume_auroc", same_flag, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-15-resume-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-15-resume
# :class: dropdown
#
# The state holds {glue:text}`ex15_state_keys`; the epochs observed (0-based)
# are {glue:text}`ex15_observed`. The new callback, loaded with
# it, gives raw VoG that differs from `pl_scores` by at most
# {glue:text}`ex15_resume_diff:.1e`, and finds the shuffled labels with AUROC
# {glue:text}`ex15_resume_auroc:.2f` (the chapter: {glue:text}`int_pl_auroc:.2f`).
# The running statistics of every window are in the state, so a resumed run
# adds the remaining epochs to them rather than starting again. When training
# starts, the callback refuses to resume at an epoch before which its windows
# needed an epoch it never observed (`check_resumed_at`).
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Removing instead of relabelling
# :label: ex-15-drop
# :nonumber:
#
# The review page also exports decisions to *remove* examples. Take the
# oracle's decisions on the reviewed queue `top`
# ({func}`vog.experiments.audit.oracle_decisions`) and turn every "relabel"
# into "remove"; write them and the scores to a new temporary folder and run
# `vog apply decisions.csv --scores scores.parquet --out dropped.txt --indices
# dropped` (`vog.cli.main([...])`). How many indices does it write, how many
# of them are shuffled, and which share of all shuffled labels is that?
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-15-drop-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
folder = Path(tempfile.mkdtemp(prefix="vog-drop-"))
decisions = audit.oracle_decisions(top, y_train, y_clean)
decisions["decision"] = decisions["decision"].replace({"relabel": "remove"})
decisions.to_csv(folder / "decisions.csv", index=False)
scores_path = vog.write_scores(pl_scores, folder / "scores.parquet")
apply_args = ["apply", str(folder / "decisions.csv"), "--scores", str(scores_path)]
vog.cli.main([*apply_args, "--out", str(folder / "dropped.txt"), "--indices", "dropped"])
dropped = [int(i) for i in (folder / "dropped.txt").read_text().split()]
shutil.rmtree(folder)
glue("ex15_n_dropped", len(dropped), display=False)
glue("ex15_dropped_shuffled", int(noisy[dropped].sum()), display=False)
glue("ex15_dropped_share", 100 * int(noisy[dropped].sum()) / int(noisy.sum()), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-15-drop-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-15-drop
# :class: dropdown
#
# `vog apply` writes {glue:text}`ex15_n_dropped` indices, of which
# {glue:text}`ex15_dropped_shuffled` are shuffled (the oracle removes only
# images whose label is wrong, and only the shuffled ones can be). That is
# {glue:text}`ex15_dropped_share:.0f`% of the {glue:text}`int_noisy` shuffled
# labels: reviewing the {glue:text}`int_reviewed` highest-VoG images cannot
# reach the shuffled images VoG ranks lower. Removing costs training images
# where relabelling keeps them; an index list is what a training script needs
# to leave them out.
# ````
# % END SOLUTION
