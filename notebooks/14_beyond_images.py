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
# # Beyond images: VoG on tabular data and on text
#
# ```{chapter-goals}
# ```
#
# The paper's introduction says that "VoG is model and domain-agnostic as all
# that is required is the backpropagated gradients from the model", but every
# experiment of the paper, and every other chapter of this book, is on images.
# This chapter runs the same claim checks ({mod}`vog.analysis.claims`, with
# the intervals of `vog.analysis.evidence`) on data of two other kinds:
#
# - tabular: UCI Letter Recognition (20,000 letters described by 16 integer
#   features of their pixel boxes, 26 classes; 16,000 / 4,000 split) and Landsat
#   Satellite (3x3 pixel neighbourhoods in 4 spectral bands, 36 features, 6 soil
#   classes; 4,435 / 2,000) of the Debian package `r-cran-mlbench`
#   ({func}`vog.datasets.tabular.load_tabular`), an MLP (256 and 128 ReLU units)
#   on standardised features, VoG *with respect to the input features*;
# - text: short texts of eight topics of the Debian package `fortunes`
#   (computers, politics, science, law, education, food, sports, love; 3,278
#   quotations and jokes), encoded once by the frozen all-MiniLM-L6-v2 sentence
#   encoder ({mod}`vog.datasets.text`), the same MLP as a head on the
#   384-dimensional embeddings, VoG *with respect to the sentence embedding*;
# - text, tokens: the same texts fed to the encoder itself, fine-tuned on its
#   word-piece embeddings (64 per text, zero rows as padding;
#   {mod}`vog.datasets.tokens`) with the embedding layer frozen
#   ({class}`vog.experiments.encoder.MiniLMClassifier`: Adam, learning rate 5e-5,
#   batch 32, a checkpoint every epoch), VoG *with respect to the token
#   embeddings*, a transformer's real input. One fine-tuning epoch over 2,458
#   texts takes about two minutes on the book's two CPU cores, so the default
#   profile fine-tunes on the first 640 training texts for 4 epochs, scores the
#   first 400 test texts, with no shuffled-label run (no memorisation check) and
#   one seed; the `paper` profile runs all texts, with the shuffled labels.
#
# Each domain trains with the same loop and recorder as the image chapters
# ({func}`vog.experiments.run_experiment`; the MLPs with the paper-shaped
# schedule: 10 epochs, learning rate divided by 10 at epochs 4 and 7, a
# checkpoint every 2 epochs), on each seed of `seeds` ({mod}`vog.experiments.domains`).
# A twin per MLP domain shuffles a share `label_noise` of the training labels
# and, on the first seed, follows the other difficulty scores through training.
#
# The text corpus and its limits: fortune files are quotations and jokes
# gathered for the Unix `fortune` program; the file an entry sits in is its
# topic, chosen by the collectors, many entries are one-liners whose topic is a
# matter of taste, the topics are unbalanced (1,051 computer fortunes, 147 on
# sports) and the language is American English of the 1970s to 1990s. It is the
# best labelled text offline here, small and noisy, not a benchmark: a topic
# classifier stays well under perfect accuracy, which leaves errors for VoG to
# predict. The held-out topics (medicine, drugs, Star Trek, pets, kids, art) are
# its out-of-distribution set.

# %% [markdown]
# ## Findings
#
# | claim | verdicts, first seed | over seeds |
# |---|---|---|
# | error, logit | {glue:text}`bey_error_logit` | {glue:text}`bey_seeds_error_logit` |
# | error, prob. | {glue:text}`bey_error_probability` | {glue:text}`bey_seeds_error_probability` |
# | error, rel. | {glue:text}`bey_error_relative` | {glue:text}`bey_seeds_error_relative` |
# | class level | {glue:text}`bey_class` | {glue:text}`bey_seeds_class` |
# | mem., logit | {glue:text}`bey_mem_logit` | {glue:text}`bey_seeds_mem_logit` |
# | mem., prob. | {glue:text}`bey_mem_probability` | {glue:text}`bey_seeds_mem_probability` |
# | OoD vs MSP | {glue:text}`bey_msp` | {glue:text}`bey_seeds_msp` |
#
# Profile {glue:text}`bey_profile` ({glue:text}`bey_setup`). On each domain's
# first seed {glue:text}`bey_verdict`; over the seeds ({glue:text}`bey_seeds`),
# {glue:text}`bey_seed_verdict`. Of the fine-tuned encoder's tokens:
# {glue:text}`bey_tokens`. Among the other difficulty scores finding shuffled
# labels, {glue:text}`bey_rank`.
#
# Rows: error by VoG (Fig. 4, 10) with the logit and the probability target and
# by relative VoG (VoG / gradient size); class level (Fig. 9); memorisation (Sec.
# 4.1); VoG against MSP out of distribution (Table 3). A verdict holds when the
# 95% interval of its statistic lies on the paper's side of 0, fails when it lies
# on the other side, and is within noise otherwise. "Over seeds": the verdict on
# every seed, then the estimate on the first seed and its smallest to largest
# value over the seeds (> 0: the paper's side; error: top-10% minus bottom-10%
# error in points, while the claim's second condition, overall minus bottom-10%
# error, can fail alone; class: Pearson r; memorisation: shuffled minus clean
# mean |z|; OoD: VoG's minus MSP's mean AUROC in points). Replicates differ only
# in the training seed: initialisation, batch order, which labels are shuffled.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
domains = {
    "UCI Letter": {"experiment": "letter-mlp", "ood": ["satellite", "gaussian"]},
    "Landsat Satellite": {"experiment": "satellite-mlp", "ood": ["letter", "gaussian"]},
    "fortunes (text)": {"experiment": "fortunes-minilm", "ood": ["fortunes_held_out"]},
    "fortunes (tokens, fine-tuned)": {
        "experiment": "fortunes-minilm-tokens",
        "ood": ["fortunes_held_out_tokens"],
        "noisy": False,
        "n_ood": 200,
        "replicate": False,
    },
}  # name: preset of vog.experiments.presets, OoD sets of vog.datasets.load_vector_ood; optional
# "noisy" (False: no memorisation check), "n_ood", "overrides", "replicate" (False: one seed)
seeds = [0, 1, 2]  # training seeds of the replicated domains; the first one's numbers are quoted
overrides = {}  # settings changed in every domain's experiment (a domain's own "overrides" win)
label_noise = 0.2  # share of training labels shuffled for the memorisation runs
cache_dir = "data/runs"  # trained runs are cached here and shared between chapters
data_root = "data"  # data sets (and the cached sentence embeddings) live here
window = "all"  # VoG window analysed: early | late | all
bins = 10  # VoG percentile buckets
n_boot = 200  # bootstrap resamples for the intervals
n_ood = 2000  # examples per OoD set (and in-distribution test examples scored against them)
cv_folds = 2  # cross-validation folds for cleanlab's out-of-sample probabilities
cv_epochs = 5  # epochs of each fold model
require_claims = False  # fail the run if a claim fails on any domain's first seed

# %%
from itertools import product

import matplotlib.pyplot as plt
from IPython.display import display
from myst_nb import glue

import vog
from vog.analysis.verdicts import FAILS, verdict_figure
from vog.experiments import domain_findings as found
from vog.experiments import domains as dom

spec = dom.domains_of(domains, seeds=seeds, overrides=overrides, n_ood=n_ood)
kw = {"cache_dir": cache_dir, "data_root": data_root, "cv_folds": cv_folds, "cv_epochs": cv_epochs}
replicates = dom.train_domains(spec, label_noise=label_noise, **kw)
opts = {"window": window, "bins": bins, "n_boot": n_boot, "data_root": data_root}
results = {key: dom.evaluate(rep, **opts) for key, rep in replicates.items()}
first = {name: results[name, d.seeds[0]] for name, d in spec.items()}
tab = found.tables(first, label_noise=label_noise)
glue("bey_profile", profile, display=False)
for key, value in found.findings(results, spec, tab["flag"], tab["tokens"], bins=bins).items():
    glue(f"bey_{key}", value, display=False)
tab["overview"]

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("14_beyond_images")

# %% [markdown]
# ## Test error by VoG, with 95% bootstrap intervals
#
# Test examples bucketed by class-normalised VoG (paper Fig. 4), for both
# targets: the logit of the true class (paper Eq. 1) and its softmax probability
# (the authors' toy code). This and the following tables are each domain's first seed.

# %% tags=["hide-input"]
fig, axes = plt.subplots(2, len(spec), figsize=(4.6 * len(spec), 6.4), squeeze=False, sharey="col")
for (i, target), (j, name) in product(enumerate(dom.TARGETS), enumerate(spec)):
    b, ax, base = first[name].curves[target], axes[i, j], 1 - first[name].replicate.run.test_acc
    vog.analysis.percentile_error_plot(
        ax, b["upper"], b["error"], baseline=base, low=b["low"], high=b["high"]
    )
    ax.set_title(f"{name}, {target}: trend {b['trend']:+.2f}", fontsize=9)
plt.tight_layout()
plt.show()
tab["error"].round(2)

# %% [markdown]
# Why the curve can fall: VoG is a spread of gradients, and an example whose
# gradients are small at every checkpoint has a small spread too. The table gives
# the rank correlation of VoG with the size of the same gradients (root mean
# square over the checkpoints and features) and the verdict of the *relative* VoG,
# VoG divided by that size (as the diagnosis of {doc}`11_when_claims_hold`).

# %% tags=["hide-input"]
tab["why"].round(2)

# %% [markdown]
# ## Tokens: what VoG of a fine-tuned encoder follows
#
# For the fine-tuned encoder, VoG is the spread of the gradient with respect to
# each word piece's embedding ({func}`vog.datasets.tokens.token_embeddings`).
# Padding positions get a zero gradient, so paper Eq. 4's mean over all positions
# is the *sum* over a text's real tokens divided by a constant; the mean over its
# real tokens only ({func}`vog.datasets.tokens.per_token_vog`) is the other
# reading. Mean pooling gives each token a share 1/n of the sentence, so its
# gradient shrinks with the text's length n: the table shows which reading follows
# length, whether the per-token one predicts errors, and (last column) the rank
# correlation of token VoG with the frozen encoder's sentence-embedding VoG.

# %% tags=["hide-input"]
tab["tokens"].round(2)

# %% [markdown]
# ## Class level: mean VoG against the false-negative rate
#
# Each point is a class (26 letters, 6 soils, 8 topics). The interval of the
# correlation is Fisher's, its sample the classes.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, len(spec), figsize=(4.6 * len(spec), 3.6), squeeze=False)
for ax, (name, r) in zip(axes[0], first.items(), strict=True):
    cl, names = r.classes, r.replicate.run.class_names
    ax.scatter(cl["mean_abs_score"], 100 * cl["fnr"], s=12)
    for c, xv, yv in zip(cl["classes"], cl["mean_abs_score"], 100 * cl["fnr"], strict=True):
        ax.annotate(names[c], (xv, yv), fontsize=7)
    ax.set(xlabel="mean VoG of the class", ylabel="false-negative rate (%)", title=name)
plt.tight_layout()
plt.show()
tab["class"].round(2)

# %% [markdown]
# ## Memorisation: shuffled labels
#
# A share `label_noise` of the training labels is shuffled among themselves and
# the model is trained again; |class-normalised VoG| of the shuffled examples
# against the clean ones (paper Sec. 4.1, Welch's test).

# %% tags=["hide-input"]
tab["memorisation"].round(3)

# %% [markdown]
# ## Out of distribution: VoG against the maximum softmax probability
#
# Tabular: the other tabular set's test split brought to the same width
# (columns repeated or cut, each standardised on its own, so that only the
# joint structure differs: {func}`vog.datasets.tabular.fit_width`), and Gaussian
# N(0, 1) features in the standardised space (the analogue of ODIN's noise
# images). Text: fortunes of the six held-out topics, embedded by the same
# encoder. VoG of the predicted label, pooled class normalisation; MSP as
# -MSP (higher = more OoD). AUROC and AUPR in %, then the mean AUROC per domain.

# %% tags=["hide-input"]
display(tab["ood"].round(1), tab["msp"].round(1))

# %% [markdown]
# ## Among the other difficulty scores
#
# The shuffled-label runs follow loss, margin and AUM, the prediction
# confidence, EL2N and GraNd, forgetting events and Data Maps through training
# (`vog.analysis.difficulty.TrainingDynamics`); cleanlab's label-quality
# score comes from out-of-sample probabilities of a cross-validation. Each
# ranks the training set; AUROC (%) of finding the shuffled labels (chance 50).

# %% tags=["hide-input"]
flag = tab["flag"]
fig, ax = plt.subplots(figsize=(7, 0.32 * len(flag) + 1))
fig.colorbar(found.flag_heatmap(ax, flag), ax=ax, label="AUROC (%)")
plt.show()
flag.round(1)

# %% [markdown]
# ## Over seeds: how far each verdict moves
#
# Each replicated domain is trained again on every seed of `seeds`, its
# shuffled-label twin too, and checked as above ({func}`vog.experiments.domains.evaluate`):
# the figure gives each verdict per seed, the table the estimate on the first
# seed, its smallest and largest value and their range
# ({func}`vog.analysis.effects.seed_noise`). Seeds run: {glue:text}`bey_seeds`. A
# domain with `replicate: False` runs once: in the default profile the
# fine-tuned encoder, whose every seed is another fine-tuning and another scoring
# of its token embeddings (minutes of the build's CPU budget, an MLP's seconds).

# %% tags=["hide-input"]
verdict_figure(found.verdicts_by_seed(results, spec), per_panel=6)
plt.show()
found.spread_table(results, spec).round(2)

# %% tags=["remove-cell"]
failed = [(n, *k) for n, r in first.items() for k, e in r.evidence.items() if e.verdict == FAILS]
if require_claims:
    assert not [f for f in failed if f[1] not in found.DIAGNOSTICS], failed

# %% [markdown]
# ## What this shows, and what it does not
#
# - VoG needs nothing image-specific: the same recorder and the same checks ran
#   on feature vectors, sentence embeddings and token embeddings.
# - VoG with respect to the sentence embedding measures how the trained head's
#   view of a text moves over training; it says nothing about which words are
#   hard. VoG with respect to the token embeddings of the fine-tuned encoder is
#   the paper's construction applied to a transformer's real input; the token
#   table shows whether the two agree on which texts are hard, and that the
#   choice of mean (over the fixed grid of positions, or over a text's own
#   tokens) decides whether the score follows the text's length.
# - The fine-tuned encoder's run in this profile: {glue:text}`bey_tokens_scope`.
#   With few test texts per VoG bucket its intervals are wide; a shuffled-label
#   fine-tuning with a cross-validation for cleanlab costs about six more minutes
#   of the default build's CPU budget, so only the `paper` profile runs it.
# - The Gaussian OoD set is far from any real data and easy for every method;
#   the other tabular set, with the same marginal scale per feature, and the
#   held-out fortune topics, which share the encoder's space, are the harder tests.
