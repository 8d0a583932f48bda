# %% [markdown]
# ## Exercises
#
# Each exercise runs on this chapter's own results (`run`, `scores`, `labels`,
# `k`): run the chapter first. The solutions are hidden; open one after you
# have an answer.
#
# ```{exercise} The pair the network confuses most
# :label: ex-04-pair
# :nonumber:
#
# From the final model's test predictions (`run.predictions["test"]`), find
# the ordered pair of classes (true class *a*, predicted class *b*) with the
# most errors (for Fashion-MNIST the chapter guesses Pullover and Shirt).
# Among the `k` highest late-VoG training images of class *a*, how many does
# the final model call *b*? And among the `k` lowest? Show the two classes
# with `-p classes "[a, b]"`.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-04-pair-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
import numpy as np

n_classes = len(run.class_names)
confusion = np.zeros((n_classes, n_classes), dtype=int)
np.add.at(confusion, (run.labels["test"].numpy(), run.predictions["test"].numpy()), 1)
np.fill_diagonal(confusion, 0)
a, b = (int(i) for i in np.unravel_index(confusion.argmax(), confusion.shape))
pred_train = run.predictions["train"].numpy()
ends = vog.analysis.ranked(scores["late"], k=k, among=labels == a)
for end in ("highest", "lowest"):
    glue(f"ex04_as_b_{end}", int((pred_train[ends[end]] == b).sum()), display=False)
for key, c in (("a", a), ("b", b)):  # digits are named by their index
    named = run.class_names[c]
    glue(f"ex04_{key}", named if named == str(c) else f"{named} ({c})", display=False)
glue("ex04_n_confused", int(confusion[a, b]), display=False)
glue("ex04_k", k, display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-04-pair-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-04-pair
# :class: dropdown
#
# The final model most often takes class {glue:text}`ex04_a` for class
# {glue:text}`ex04_b`: {glue:text}`ex04_n_confused` test images. Among the
# {glue:text}`ex04_k` highest late-VoG training images of class
# {glue:text}`ex04_a`, {glue:text}`ex04_as_b_highest` are predicted as class
# {glue:text}`ex04_b`; among the {glue:text}`ex04_k` lowest,
# {glue:text}`ex04_as_b_lowest`. These are
# training images: each one counted is an image the network could not fit to
# its label. Judge the others by eye: do the highest-VoG images of
# {glue:text}`ex04_a` look like {glue:text}`ex04_b`?
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Raw or class-normalised at the top
# :label: ex-04-raw
# :nonumber:
#
# Rank the whole training set by the *raw* late VoG
# ({func}`vog.experiments.vog_variants` with `names=("raw",)`) instead of the
# class-normalised one. Among the `k` highest, how many classes appear, and
# which share belongs to the most frequent one? Compare with the `k` highest
# by the class-normalised score of Fig. 7.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-04-raw-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
raw = vog.experiments.vog_variants(run, "train", "late", names=("raw",))["raw"]
y = labels.numpy()
for name, s in (("raw", raw), ("signed", scores["late"])):
    top = np.bincount(y[vog.analysis.ranked(s, k=k)["highest"]], minlength=len(run.class_names))
    glue(f"ex04_{name}_n_classes", int((top > 0).sum()), display=False)
    glue(f"ex04_{name}_share", 100 * float(top.max()) / k, display=False)
    glue(f"ex04_{name}_class", run.class_names[top.argmax()], display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-04-raw-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-04-raw
# :class: dropdown
#
# By raw VoG the {glue:text}`ex04_k` highest images come from
# {glue:text}`ex04_raw_n_classes` classes, {glue:text}`ex04_raw_share:.0f`% of
# them from class {glue:text}`ex04_raw_class`. By the class-normalised score they come
# from {glue:text}`ex04_signed_n_classes` classes, the most frequent
# (class {glue:text}`ex04_signed_class`) with {glue:text}`ex04_signed_share:.0f`%.
# Raw VoG is larger for classes whose images have larger input gradients
# overall; normalising within each class removes that, so an image competes
# for the top only with the images of its own class, as the paper intends.
# The fewer classes fill the raw top, the more it shows classes rather than
# unusual images.
# ````
# % END SOLUTION

# %% [markdown]
# ```{exercise} Errors at the top of the test set
# :label: ex-04-test
# :nonumber:
#
# The paper's Fig. 7 shows test images. Among the `k` highest late-VoG *test*
# images (class-normalised), how many does the final model misclassify
# ({func}`vog.experiments.correct`)? Compare with the `k` highest training
# images and with what the overall error rate of each set would predict.
# ```

# %% tags=["hide-cell"] nbgrader={"grade": false, "grade_id": "ex-04-test-code", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
for split in ("test", "train"):
    late = vog.experiments.vog_variants(run, split, "late", names=("signed",))["signed"]
    ok = vog.experiments.correct(run, split)
    glue(
        f"ex04_wrong_{split}",
        int((~ok[vog.analysis.ranked(late, k=k)["highest"]]).sum()),
        display=False,
    )
    glue(f"ex04_expected_{split}", k * float((~ok).mean()), display=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-04-test-answer", "locked": false, "schema_version": 3, "solution": true}
# % BEGIN SOLUTION
# ````{solution} ex-04-test
# :class: dropdown
#
# Among the {glue:text}`ex04_k` highest test images the final model
# misclassifies {glue:text}`ex04_wrong_test` (the test error rate predicts
# {glue:text}`ex04_expected_test:.1f`); among the {glue:text}`ex04_k` highest
# training images, {glue:text}`ex04_wrong_train` (expected at the training
# error rate: {glue:text}`ex04_expected_train:.1f`). A count above the
# expected one means high VoG gathers the network's errors. A training error
# is an image the network could not fit; a test error can also be an image it
# fails to generalise to, which the training grids cannot show.
# ````
# % END SOLUTION
