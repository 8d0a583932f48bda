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
# **Paper:** Sec. 3 (1), Fig. 2, 3 and 7. The 25 training images with the
# lowest and the highest class-normalised VoG of a class, early and late in
# training, and over the whole data set. The paper reports that low-VoG images
# are prototypical (uncluttered, centred) and high-VoG images atypical
# (unusual vantage points, zoomed, occluded or corrupted). This is a visual
# claim: the page shows the images and makes no automatic check.

# %% tags=["parameters"]
profile = "default"  # which parameter profile produced this page
experiment = {
    "dataset": "fashion_mnist",
    "model": "lenet",
    "epochs": 10,
    "lr": 0.05,
    "lr_milestones": [4, 7],
    "vog_every": 2,
}  # vog.experiments.ExperimentConfig
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
classes = [0, 7]  # classes shown one by one (Fashion-MNIST: 0 T-shirt/top, 7 Sneaker)
k = 25  # images per grid

# %%
import matplotlib.pyplot as plt
from myst_nb import glue

import vog

cfg = vog.experiments.ExperimentConfig(**experiment)
run = vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)
glue("qual_profile", profile, display=False)
glue("qual_setup", f"{cfg.model} on {cfg.dataset}", display=False)
labels = run.labels["train"]
scores = {w: vog.class_normalize(run.vog["train"][w], labels) for w in ("early", "late")}

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("04_qualitative")

# %% [markdown]
# ## Per class, early and late (Fig. 2, 3)

# %%
for c in classes:
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
    for i, w in enumerate(("early", "late")):
        r = vog.analysis.ranked(scores[w], k=k, among=labels == c)
        name = run.class_names[c]
        vog.analysis.image_grid(
            axes[2 * i], run.examples("train", r["lowest"]), title=f"{name}, {w}: lowest VoG"
        )
        vog.analysis.image_grid(
            axes[2 * i + 1],
            run.examples("train", r["highest"]),
            title=f"{name}, {w}: highest VoG",
        )
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## Whole training set, late stage (Fig. 7)

# %%
r = vog.analysis.ranked(scores["late"], k=k)
fig, axes = plt.subplots(1, 2, figsize=(7, 3.6))
vog.analysis.image_grid(
    axes[0], run.examples("train", r["lowest"]), title="lowest VoG (all classes)"
)
vog.analysis.image_grid(
    axes[1], run.examples("train", r["highest"]), title="highest VoG (all classes)"
)
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Summary
#
# - Profile **{glue:text}`qual_profile`**: {glue:text}`qual_setup`, training images.
# - The grids are the reader's evidence for the paper's qualitative claim. On
#   Fashion-MNIST, compare the two ends within a class: plain, centred,
#   typical items against cut-off, dark, patterned or unusually shaped ones,
#   and items that look like another class. The chapter
#   {doc}`11_when_claims_hold` shows that on this data the lowest VoG also
#   collects images the network's logit barely responds to (small input
#   gradients), which look faint or low in contrast.
#
# ## Try it yourself
#
# 1. Show other classes: `-p classes "[2, 6]"` (Pullover and Shirt, the pair
#    the network confuses most). Do the highest-VoG pullovers look like shirts?
# 2. Rank by the raw score instead of the class-normalised one (replace
#    `vog.class_normalize(run.vog["train"][w], labels)` by `run.vog["train"][w]`)
#    and look at the whole-set grids: one or two classes now fill the top.
# 3. Use the test set: replace `"train"` by `"test"` throughout (the paper's
#    Fig. 7 shows test images); misclassified images are easier to spot there.
