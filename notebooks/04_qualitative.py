# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # What low and high VoG examples look like
#
# ```{chapter-goals}
# ```
#
# **Paper:** Sec. 3 (1), Fig. 2, 3 and 7. The 25 training images with the
# lowest and the highest class-normalised VoG of a class, early and late in
# training, and over the whole data set. The paper reports that low-VoG images
# are prototypical (uncluttered, centred) and high-VoG images atypical
# (unusual vantage points, zoomed, occluded or corrupted). This is a visual
# claim: the page shows the images and makes no automatic check.

# %% [markdown]
# ## Findings
#
# - A visual claim, left to the reader's eye: the grids below are the
#   evidence. What can be counted: among the {glue:text}`qual_k` late-stage
#   highest-VoG training images of each class shown, the final model
#   misclassifies {glue:text}`qual_wrong_high`; among the lowest-VoG ones,
#   {glue:text}`qual_wrong_low`.
# - On Fashion-MNIST, compare the two ends within a class: plain, centred,
#   typical items against cut-off, dark, patterned or unusually shaped ones,
#   and items that look like another class. The chapter
#   {doc}`11_when_claims_hold` shows that on this data the lowest VoG also
#   collects images the network's logit barely responds to (small input
#   gradients), which look faint or low in contrast.
# - Profile **{glue:text}`qual_profile`**: {glue:text}`qual_setup`, training
#   images, the paper's signed class-normalised VoG.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
experiment = "fashion-lenet"  # a preset of vog.experiments.PRESETS (or flat settings)
overrides = {}  # settings that replace the preset's, e.g. {"epochs": 20}
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
classes = [0, 7]  # classes shown one by one (Fashion-MNIST: 0 T-shirt/top, 7 Sneaker)
k = 25  # images per grid

# %%
import matplotlib.pyplot as plt
from myst_nb import glue

import vog

cfg = vog.experiments.experiment_config(experiment, **overrides)
run = vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)
glue("qual_profile", profile, display=False)
glue("qual_setup", f"{cfg.model} on {cfg.dataset}", display=False)
labels = run.labels["train"]
scores = {
    w: vog.experiments.vog_variants(run, "train", w, names=("signed",))["signed"]
    for w in ("early", "late")
}

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("04_qualitative")

# %% [markdown]
# ## Per class, early and late (Fig. 2, 3)
#
# One figure per class: early stage on top, late stage below; lowest VoG on
# the left, highest on the right. **What to look at:** whether the left
# grids hold the plain, typical items of the class and the right ones the
# odd, cut-off or ambiguous items, and whether that sharpens from early to
# late.

# %% tags=["hide-input", "full-width"]
for c in classes:
    fig, axes = plt.subplots(2, 2, figsize=(10, 10.4))
    for i, w in enumerate(("early", "late")):
        r = vog.analysis.ranked(scores[w], k=k, among=labels == c)
        name = run.class_names[c]
        vog.analysis.image_grid(
            axes[i, 0], run.examples("train", r["lowest"]), title=f"{name}, {w}: lowest VoG"
        )
        vog.analysis.image_grid(
            axes[i, 1],
            run.examples("train", r["highest"]),
            title=f"{name}, {w}: highest VoG",
        )
    plt.tight_layout()
    plt.show()

# %% tags=["remove-cell"]
# What can be counted in the grids: the final model's errors among the shown images.
correct_train = vog.experiments.correct(run, "train") if "train" in run.predictions else None
wrong = {"lowest": 0, "highest": 0}
for c in classes:
    r = vog.analysis.ranked(scores["late"], k=k, among=labels == c)
    for end in wrong:
        if correct_train is not None:
            wrong[end] += int((~correct_train[r[end]]).sum())
glue("qual_k", f"{k} x {len(classes)}", display=False)
for end in wrong:
    counted = f"{wrong[end]}" if correct_train is not None else "(not recorded for this run)"
    glue(f"qual_wrong_{end.removesuffix('est')}", counted, display=False)

# %% [markdown]
# ## Whole training set, late stage (Fig. 7)
#
# **What to look at:** whether the highest-VoG images (right) are dominated
# by one or two classes, and how they differ from the typical images on the
# left.

# %% tags=["hide-input", "full-width"]
r = vog.analysis.ranked(scores["late"], k=k)
fig, axes = plt.subplots(1, 2, figsize=(10, 5.4))
vog.analysis.image_grid(
    axes[0], run.examples("train", r["lowest"]), title="lowest VoG (all classes)"
)
vog.analysis.image_grid(
    axes[1], run.examples("train", r["highest"]), title="highest VoG (all classes)"
)
plt.tight_layout()
plt.show()
