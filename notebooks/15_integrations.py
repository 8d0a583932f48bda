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
# # Using vog in your training stack
#
# Most practitioners do not write their own training loop: they train with
# PyTorch Lightning or the Hugging Face `Trainer`, keep their data in
# Hugging Face `datasets` and audit it with cleanlab. This page runs each
# integration once, on scikit-learn's 1,797 handwritten digits with 10% of
# the training labels shuffled, so that the audit has something real to find:
#
# 1. `VoGCallback` records VoG while **Lightning** trains (and the
#    training-dynamics scores, if asked), resumably, without changing training;
# 2. the same callback for the Hugging Face **`Trainer`**;
# 3. the scores as **columns of a `datasets.Dataset`**;
# 4. VoG as an **issue type of cleanlab's Datalab**, beside label issues and
#    outliers;
# 5. the **audit review page** (`vog report`), where an auditor marks the
#    highest-VoG examples keep / relabel / remove / out of distribution, and
#    `vog apply`, which turns the exported decisions into a new label file.
#
# Install the libraries with `pip install "vog[integrations]"`.

# %% [markdown]
# ## Findings
#
# - Lightning: the callback leaves training exactly as it was: the weights
#   trained with and without it are **{glue:text}`int_same_weights`**. Of the
#   training images with the 10% highest class-normalised VoG,
#   {glue:text}`int_pl_p10:.0f`% carry a shuffled label (chance:
#   {glue:text}`int_chance:.0f`%; AUROC {glue:text}`int_pl_auroc:.2f`). On this
#   run VoG ranks them **{glue:text}`int_vog_vs_dyn`** the best training-dynamics
#   score recorded by the same callback ({glue:text}`int_best_dyn`, AUROC
#   {glue:text}`int_best_dyn_auroc:.2f`): a network that has not memorised the
#   shuffled labels misclassifies them, which every loss-based score sees
#   ({doc}`12_compare_scores` compares them at length).
# - Hugging Face `Trainer` (another optimiser, AdamW): {glue:text}`int_hf_p10:.0f`%
#   shuffled among the top 10% (AUROC {glue:text}`int_hf_auroc:.2f`); the
#   Spearman correlation of its VoG with Lightning's is {glue:text}`int_rho:.2f`.
# - cleanlab's Datalab flags {glue:text}`int_n_vog` VoG issues beside
#   {glue:text}`int_n_label` label issues and {glue:text}`int_n_outlier`
#   outliers; the shuffled share among them:
#   {glue:text}`int_prec_vog:.0f`%, {glue:text}`int_prec_label:.0f`% and
#   {glue:text}`int_prec_outlier:.0f`%.
# - Review: an auditor who looks at the {glue:text}`int_k` highest-VoG images of
#   each class ({glue:text}`int_reviewed` images, {glue:text}`int_share:.0f`% of
#   the training set) and relabels the wrong ones fixes
#   {glue:text}`int_fixed` of the {glue:text}`int_noisy` shuffled labels.
# - Profile **{glue:text}`int_profile`**: {glue:text}`int_setup`.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
epochs = 8  # training epochs of each trainer (VoG over all of them)
hidden = 64  # width of the MLP's hidden layer
lr = 0.1  # SGD learning rate (Lightning); the Trainer uses AdamW at lr / 50
label_noise = 0.1  # share of training labels shuffled
k = 4  # examples per class on the review page
seed = 0  # seeds the split, the label noise and both trainings

# %%
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is downloaded

import matplotlib.pyplot as plt
import pandas as pd
import torch
from myst_nb import glue
from torch import nn

import vog

torch.set_num_threads(1)
(x_train, y_clean), (x_test, y_test) = vog.datasets.digits(seed=seed)
y_train, noisy = vog.experiments.shuffle_labels(y_clean, label_noise, seed=seed)
x_flat = x_train.flatten(1)  # the models read 64 pixels
work = Path(tempfile.mkdtemp(prefix="vog-integrations-"))
glue("int_profile", profile, display=False)
glue(
    "int_setup",
    f"{len(y_train)} training digits, {int(noisy.sum())} shuffled labels, an MLP "
    f"(64-{hidden}-10) trained {epochs} epochs by each library",
    display=False,
)
glue("int_chance", 100 * float(noisy.float().mean()), display=False)
print(f"{len(y_train)} training images, {int(noisy.sum())} with a shuffled label")

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("15_integrations")

# %% [markdown]
# ## 1. PyTorch Lightning
#
# `VoGCallback(data, windows=..., dynamics=...)` takes the data sets to score
# (here the training set, with the labels trained on) and, optionally, the
# windows of epochs (default: the paper's stages of `max_epochs`). After each
# epoch it takes the input gradients of every example once and streams them
# into running statistics; nothing else is stored. Its state is part of
# Lightning's checkpoints, so `trainer.fit(..., ckpt_path=...)` resumes it.

# %%
from vog.integrations.lightning import VoGCallback  # imports Lightning

import lightning.pytorch as pl  # isort: skip

logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)  # no "GPU available" banner
warnings.filterwarnings("ignore", message=".*does not have many workers.*")
# Lightning 2.6 calls a torch function that torch 2.14 deprecates
warnings.filterwarnings("ignore", message=".*LeafSpec.*")


class DigitsMLP(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = vog.experiments.MLP(64, (hidden,), 10)

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, _):
        x, y = batch
        return nn.functional.cross_entropy(self(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=lr, momentum=0.9)


def fit_lightning(callbacks):
    pl.seed_everything(seed, verbose=False)
    module = DigitsMLP()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(x_flat, y_train), batch_size=64, shuffle=True
    )
    trainer = pl.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=callbacks,
    )
    trainer.fit(module, loader)
    return module


pl_vog = VoGCallback({"train": (x_flat, y_train)}, dynamics=True)
module = fit_lightning([pl_vog])
pl_scores = pl_vog.scores("train")  # a vog.VoGResult of the window "all"
pl_flag = vog.analysis.detection_metrics(pl_scores.normalized, noisy)
pd.Series(pl_flag).mul(100).round(1).to_frame("shuffled labels found by VoG (%)")

# %% [markdown]
# The training-dynamics scores came with the same run (`dynamics=True`):
# each flags the shuffled labels too (AUROC, %).

# %%
dyn = pl_vog.training_dynamics()["train"]
dyn_auroc = pd.Series(
    {name: 100 * vog.analysis.detection_metrics(s, noisy)["AUROC"] for name, s in dyn.items()}
).sort_values(ascending=False)
dyn_auroc.round(1).to_frame("AUROC (%)")

# %% tags=["remove-cell"]
plain = fit_lightning([])  # the same seed without the callback
same = all(torch.equal(a, b) for a, b in zip(plain.parameters(), module.parameters(), strict=True))
glue("int_same_weights", "identical" if same else "DIFFERENT (a bug: please report it)", False)
glue("int_pl_p10", 100 * pl_flag["precision@10%"], display=False)
glue("int_pl_auroc", pl_flag["AUROC"], display=False)
glue("int_best_dyn", dyn_auroc.index[0], display=False)
glue("int_best_dyn_auroc", float(dyn_auroc.iloc[0]) / 100, display=False)
glue(
    "int_vog_vs_dyn",
    "better than" if pl_flag["AUROC"] > dyn_auroc.iloc[0] / 100 else "worse than",
    display=False,
)
assert same, "the Lightning callback changed training"

# %% [markdown]
# ## 2. Hugging Face `Trainer`
#
# The `Trainer` passes named inputs to a model and reads its `loss` and
# `logits`. `input_name` tells the callback which input to differentiate: a
# continuous one (an image model's `pixel_values`, a text model's
# `inputs_embeds`; token ids have no gradient). At every checkpoint the
# Trainer writes, the callback writes its state beside it
# (`checkpoint-<step>/vog_callback.pt`), and `trainer.train(resume_from_checkpoint=True)`
# continues it.

# %%
import transformers

from vog.integrations.huggingface import VoGCallback as HFVoGCallback

transformers.logging.set_verbosity_error()


class DigitRows(torch.utils.data.Dataset):
    def __len__(self):
        return len(y_train)

    def __getitem__(self, i):
        return {"pixels": x_flat[i], "labels": y_train[i]}


class DigitsModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = vog.experiments.MLP(64, (hidden,), 10)

    def forward(self, pixels, labels=None):
        logits = self.net(pixels)
        loss = None if labels is None else nn.functional.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


hf_vog = HFVoGCallback({"train": (x_flat, y_train)}, input_name="pixels")
args = transformers.TrainingArguments(
    output_dir=str(work / "hf"),
    num_train_epochs=epochs,
    per_device_train_batch_size=64,
    learning_rate=lr / 50,
    use_cpu=True,
    report_to=[],
    save_strategy="no",
    logging_strategy="no",
    disable_tqdm=True,
    seed=seed,
)
trainer = transformers.Trainer(
    model=DigitsModel(), args=args, train_dataset=DigitRows(), callbacks=[hf_vog]
)
trainer.remove_callback(transformers.PrinterCallback)  # no metrics printout
trainer.train()
hf_scores = hf_vog.scores("train")
hf_flag = vog.analysis.detection_metrics(hf_scores.normalized, noisy)
rho, _ = vog.analysis.spearman(hf_scores.normalized, pl_scores.normalized)
print(f"top 10% by VoG: {100 * hf_flag['precision@10%']:.0f}% shuffled labels")
print(f"Spearman correlation with Lightning's VoG: {rho:.2f}")

# %% tags=["remove-cell"]
glue("int_hf_p10", 100 * hf_flag["precision@10%"], display=False)
glue("int_hf_auroc", hf_flag["AUROC"], display=False)
glue("int_rho", float(rho), display=False)

# %% [markdown]
# ## 3. Scores as dataset columns
#
# `VoGResult.add_to_dataset` returns a new `datasets.Dataset` with the
# scores as columns, row by row (a `label` column that disagrees with the
# scores' labels is refused: the scores would be in another order). The
# training-dynamics scores join with `vog.integrations.columns.add_columns`.
# Sorting by `vog_normalized` gives the audit queue.

# %%
import datasets

datasets.disable_progress_bars()
ds = datasets.Dataset.from_dict({"image": x_train.numpy(), "label": y_train.numpy()})
ds = pl_scores.add_to_dataset(ds)
ds = vog.integrations.columns.add_columns(ds, {"aum": dyn["AUM"], "forgetting": dyn["forgetting"]})
with warnings.catch_warnings():  # pyarrow 26 deprecates an option datasets 5 passes when sorting
    warnings.simplefilter("ignore", FutureWarning)
    queue = ds.sort("vog_normalized", reverse=True)
queue.select(range(8)).remove_columns("image").to_pandas().round(3)

# %% [markdown]
# **FiftyOne** is not covered: its `fiftyone-db` package installs from PyPI
# but holds no MongoDB server for this machine's Debian 12; it downloads one
# from mongodb.org on first use, which cannot be reached offline (Debian has
# no MongoDB package either), and without a database FiftyOne cannot create
# a dataset (`FiftyOneConfigError: MongoDB could not be installed`). With a
# database, the same columns go to a FiftyOne dataset with
# `dataset.set_values("vog", ds["vog_normalized"])`.

# %% [markdown]
# ## 4. cleanlab's Datalab
#
# Importing `vog.integrations.datalab` registers the issue type `"vog"`
# with cleanlab's own hook. An example is a VoG issue when its
# class-normalised VoG is among the 10% highest (the paper's top-10
# percentile). Here cleanlab gets the Lightning model's predicted
# probabilities on its own training set: cleanlab asks for out-of-sample
# ones, which would serve its label issues better (see
# {doc}`12_compare_scores`).

# %%
from cleanlab import Datalab

import vog.integrations.datalab  # noqa: F401  registers "vog"

with torch.no_grad():
    probs = module.eval()(x_flat).softmax(1).numpy()
lab = Datalab(data={"label": y_train.numpy()}, label_name="label", verbosity=0)
with warnings.catch_warnings():  # cleanlab 2.9 passes an argument pandas 3 deprecates
    warnings.simplefilter("ignore")
    lab.find_issues(
        pred_probs=probs,
        features=x_flat.numpy(),
        issue_types={"label": {}, "outlier": {}, "vog": {"scores": pl_scores}},
    )
issues, shuffled = lab.get_issues(), noisy.numpy()
found = {}
for kind in ("label", "outlier", "vog"):
    flagged = issues[f"is_{kind}_issue"].to_numpy()
    found[kind] = {
        "flagged": int(flagged.sum()),
        "shuffled among them (%)": 100 * float(shuffled[flagged].mean()) if flagged.any() else 0,
        "shuffled found (%)": 100 * float(flagged[shuffled].mean()),
    }
pd.DataFrame(found).T.round(1)

# %% tags=["remove-cell"]
for kind in ("label", "outlier", "vog"):
    glue(f"int_n_{kind}", found[kind]["flagged"], display=False)
    glue(f"int_prec_{kind}", found[kind]["shuffled among them (%)"], display=False)

# %% [markdown]
# ## 5. The audit review page, and `vog apply`
#
# `vog report scores.parquet --data mypkg:train_set --out review.html` (or
# `vog.analysis.write_report`) writes one self-contained page: per class the
# highest-VoG examples, each with its image (or row, or text), label,
# prediction and scores. The auditor marks each **keep** (`k`), **relabel**
# (`r` and the class, or a digit), **remove** (`x`) or **out of distribution**
# (`o`), with the mouse or the keys; the decisions survive a reload and are
# exported as CSV or JSON. The page below is live: try it.

# %% tags=["hide-input"]
import html

from IPython.display import HTML

page = vog.analysis.write_report(
    pl_scores, x_train, work / "review.html", k=k, title="Digits: highest VoG per class",
    scores={"AUM": dyn["AUM"]},
)  # fmt: skip
HTML(
    f"<iframe title='VoG review page' style='width:100%;height:560px;border:1px solid #ccc' "
    f"srcdoc='{html.escape(page.read_text(), quote=True)}'></iframe>"
)

# %% [markdown]
# The highest-VoG training images of each class, with the label they carry
# (red: a shuffled label):

# %% tags=["hide-input"]
top = [int(i) for c in range(10) for i in vog.analysis.ranked(
    pl_scores.normalized, k=k, among=(pl_scores.labels == c).numpy())["highest"]]  # fmt: skip
fig, axes = plt.subplots(k, 10, figsize=(8, 0.9 * k + 0.4))
for j, i in enumerate(top):
    ax = axes[j % k, j // k]
    ax.imshow(x_train[i, 0], cmap="gray", vmin=0, vmax=1)
    ax.set_title(str(int(y_train[i])), fontsize=8, color="red" if noisy[i] else "black")
    ax.set_axis_off()
plt.tight_layout()
plt.show()

# %% [markdown]
# An auditor's export is a CSV (or JSON) of decisions. Here we stand in for
# an auditor who knows the truth: every reviewed image with a shuffled label
# is relabelled to its true class, the others kept. `vog apply` checks the
# file against the scores (indices, labels, the scores' fingerprint) and
# writes a **new** label file; the scores and the data are not touched.

# %%
scores_file = vog.write_scores(pl_scores, work / "scores.parquet")
rows = [
    {"index": i, "decision": "relabel" if noisy[i] else "keep", "label": int(y_train[i]),
     "new_label": int(y_clean[i]) if noisy[i] else None}
    for i in top
]  # fmt: skip
pd.DataFrame(rows).to_csv(work / "decisions.csv", index=False)
status = vog.cli.main(
    ["apply", str(work / "decisions.csv"), "--scores", str(scores_file),
     "--out", str(work / "new_labels.csv")]
)  # fmt: skip
new = pd.read_csv(work / "new_labels.csv", keep_default_na=False)
fixed = int(((new["label"].to_numpy() == y_clean.numpy()) & noisy.numpy()).sum())
print(f"{fixed} of {int(noisy.sum())} shuffled labels fixed by reviewing {len(top)} images")

# %% tags=["remove-cell"]
assert status == 0
glue("int_k", k, display=False)
glue("int_reviewed", len(top), display=False)
glue("int_share", 100 * len(top) / len(y_train), display=False)
glue("int_fixed", fixed, display=False)
glue("int_noisy", int(noisy.sum()), display=False)
shutil.rmtree(work)  # the scores, decisions and label files of this page

# %% [markdown]
# ## Try it yourself
#
# 1. Train longer (`-p epochs 30`): the MLP memorises the shuffled labels.
#    Does VoG still put them at the top, and do cleanlab's label issues
#    (from in-sample probabilities) still find them?
# 2. Resume a Lightning run: add a `ModelCheckpoint`, stop after a few epochs
#    and call `trainer.fit(..., ckpt_path=...)` with a new callback. Compare
#    its VoG with the uninterrupted run's.
# 3. Open the review page, mark a few images and export the JSON; run
#    `vog apply review.json --scores scores.parquet --out dropped.txt --indices dropped`.
