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
# ```{chapter-goals}
# ```
#
# Practitioners train with PyTorch Lightning or the Hugging Face `Trainer`, keep
# data in `datasets` and audit it with cleanlab. Here each integration runs once
# on scikit-learn's 1,797 digits, 10% of the training labels shuffled so that the
# audit has something to find: `VoGCallback` for (1) **Lightning** and (2) the
# **`Trainer`**, (3) **`datasets` columns**, (4) a **cleanlab Datalab issue type**,
# (5) the **review page** and `vog apply` (`pip install "vog[integrations]"`).

# %% [markdown]
# ## Findings
#
# | flagged by | shuffled among them (%) | AUROC |
# |---|---|---|
# | VoG (Lightning), top 10% | {glue:text}`int_pl_p10:.0f` | {glue:text}`int_pl_auroc:.2f` |
# | VoG (`Trainer`, AdamW), top 10% | {glue:text}`int_hf_p10:.0f` | {glue:text}`int_hf_auroc:.2f` |
# | {glue:text}`int_best_dyn` (Lightning) | - | {glue:text}`int_best_dyn_auroc:.2f` |
# | Datalab: {glue:text}`int_n_vog` VoG issues | {glue:text}`int_prec_vog:.0f` | - |
# | Datalab: {glue:text}`int_n_label` label issues | {glue:text}`int_prec_label:.0f` | - |
# | Datalab: {glue:text}`int_n_outlier` outliers | {glue:text}`int_prec_outlier:.0f` | - |
#
# Chance: {glue:text}`int_chance:.0f`% shuffled, AUROC 0.5. The weights Lightning
# trains with and without the callback are **{glue:text}`int_same_weights`**. VoG
# ranks the shuffled labels **{glue:text}`int_vog_vs_dyn`** the best training-dynamics
# score: a network that has not memorised them misclassifies them, which every
# loss-based score sees ({doc}`12_compare_scores`). The `Trainer`'s VoG correlates
# with Lightning's at Spearman {glue:text}`int_rho:.2f`. Reviewing the {glue:text}`int_k`
# highest-VoG images per class ({glue:text}`int_reviewed`, {glue:text}`int_share:.0f`%
# of the training set) fixes {glue:text}`int_fixed` of the {glue:text}`int_noisy`
# shuffled labels. Profile **{glue:text}`int_profile`**: {glue:text}`int_setup`.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
epochs = 8  # training epochs of each trainer (VoG over all of them)
hidden = 64  # width of the MLP's hidden layer
lr = 0.1  # SGD learning rate (Lightning); the Trainer uses AdamW at lr / 50
label_noise = 0.1  # share of training labels shuffled
k = 4  # examples per class on the review page
seed = 0  # seeds the split, the label noise and both trainings

# %%
import html
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
from IPython.display import HTML, display
from myst_nb import glue
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import vog
from vog.experiments import audit

torch.set_num_threads(1)
(x_train, y_clean), (x_test, y_test) = vog.datasets.digits(seed=seed)
y_train, noisy = vog.experiments.shuffle_labels(y_clean, label_noise, seed=seed)
x_flat = x_train.flatten(1)  # the models read 64 pixels
work = Path(tempfile.mkdtemp(prefix="vog-integrations-"))
print(f"{len(y_train)} training images, {int(noisy.sum())} with a shuffled label")

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("15_integrations")

# %% [markdown]
# ## 1. PyTorch Lightning
#
# `VoGCallback(data, windows=..., dynamics=...)` scores the named data sets
# (here the training set, with the labels trained on) after each epoch,
# streaming every example's input gradients into running statistics, over
# windows of epochs (default: the paper's stages of `max_epochs`);
# `dynamics=True` adds the training-dynamics scores. Its state is part of
# Lightning's checkpoints: `trainer.fit(..., ckpt_path=...)` resumes it.

# %%
from vog.integrations.lightning import VoGCallback  # imports Lightning

import lightning.pytorch as pl  # isort: skip

logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)  # no "GPU available" banner
warnings.filterwarnings("ignore", ".*(does not have many workers|LeafSpec)")  # LeafSpec: torch 2.14


class DigitsMLP(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = vog.experiments.MLP(64, (hidden,), 10)

    def forward(self, x):
        return self.net(x)

    def training_step(self, batch, _):
        return nn.functional.cross_entropy(self(batch[0]), batch[1])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=lr, momentum=0.9)


def fit_lightning(callbacks):
    pl.seed_everything(seed, verbose=False)
    module = DigitsMLP()
    loader = DataLoader(TensorDataset(x_flat, y_train), batch_size=64, shuffle=True)
    trainer = pl.Trainer(
        max_epochs=epochs, accelerator="cpu", callbacks=callbacks, logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    trainer.fit(module, loader)
    return module


pl_vog = VoGCallback({"train": (x_flat, y_train)}, dynamics=True)
module = fit_lightning([pl_vog])
pl_scores = pl_vog.scores("train")  # a vog.VoGResult of the window "all"
dyn = pl_vog.training_dynamics()["train"]  # {score name: (N,) scores}
pl_flag = vog.analysis.detection_metrics(pl_scores.normalized, noisy)
pd.Series(pl_flag).mul(100).round(1).to_frame("shuffled labels found by VoG (%)")

# %% tags=["hide-input"]
plain = fit_lightning([])  # the same seed without the callback: the same weights?
same = all(torch.equal(a, b) for a, b in zip(plain.parameters(), module.parameters(), strict=True))
dyn_auroc = audit.score_aurocs(dyn, noisy)  # each training-dynamics score's AUROC (%)
dyn_auroc.round(1).to_frame("AUROC (%) for the shuffled labels")

# %% [markdown]
# ## 2. Hugging Face `Trainer`
#
# The `Trainer` passes named inputs to a model and reads its `loss` and
# `logits`; `input_name` names the continuous input to differentiate
# (`pixel_values`, `inputs_embeds`; token ids have no gradient). The callback
# saves its state beside each checkpoint (`vog_callback.pt`), and
# `trainer.train(resume_from_checkpoint=True)` continues it.

# %%
import transformers

from vog.integrations.huggingface import VoGCallback as HFVoGCallback

transformers.logging.set_verbosity_error()


class DigitsModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = vog.experiments.MLP(64, (hidden,), 10)

    def forward(self, pixels, labels=None):
        logits = self.net(pixels)
        loss = None if labels is None else nn.functional.cross_entropy(logits, labels)
        return {"loss": loss, "logits": logits}


rows = [{"pixels": x, "labels": y} for x, y in zip(x_flat, y_train, strict=True)]
hf_vog = HFVoGCallback({"train": (x_flat, y_train)}, input_name="pixels")
args = transformers.TrainingArguments(
    output_dir=str(work / "hf"), num_train_epochs=epochs, per_device_train_batch_size=64,
    learning_rate=lr / 50, use_cpu=True, seed=seed,
    report_to=[], save_strategy="no", logging_strategy="no", disable_tqdm=True,
)  # fmt: skip
trainer = transformers.Trainer(DigitsModel(), args, train_dataset=rows, callbacks=[hf_vog])
trainer.remove_callback(transformers.PrinterCallback)  # no metrics printout
trainer.train()
hf_scores = hf_vog.scores("train")
hf_flag = vog.analysis.detection_metrics(hf_scores.normalized, noisy)
rho, _ = vog.analysis.spearman(hf_scores.normalized, pl_scores.normalized)
print(f"top 10%: {100 * hf_flag['precision@10%']:.0f}% shuffled; Spearman to Lightning {rho:.2f}")

# %% [markdown]
# ## 3. Scores as dataset columns
#
# `VoGResult.add_to_dataset` returns a new `datasets.Dataset` with the scores as
# columns (a `label` column that disagrees with the scores' labels is refused);
# `vog.integrations.columns.add_columns` joins other scores. Sorting gives the
# audit queue.

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
# **FiftyOne** is not covered: offline on Debian 12 it has no MongoDB server
# (`fiftyone-db` downloads one on first use) and cannot create a dataset; with
# one, `dataset.set_values("vog", ds["vog_normalized"])` adds the same column.
#
# ## 4. cleanlab's Datalab
#
# Importing `vog.integrations.datalab` registers the issue type `"vog"` with
# cleanlab's own hook: a VoG issue is among the 10% highest class-normalised VoG
# (the paper's top-10 percentile). cleanlab gets the Lightning model's in-sample
# probabilities; out-of-sample ones serve its label issues better
# ({doc}`12_compare_scores`).

# %%
from cleanlab import Datalab

import vog.integrations.datalab  # noqa: F401  registers "vog"

probs = module.eval()(x_flat).softmax(1).detach().numpy()  # in-sample probabilities
lab = Datalab(data={"label": y_train.numpy()}, label_name="label", verbosity=0)
types = {"label": {}, "outlier": {}, "vog": {"scores": pl_scores}}  # VoG beside cleanlab's own
with warnings.catch_warnings():  # cleanlab 2.9 passes an argument pandas 3 deprecates
    warnings.simplefilter("ignore")
    lab.find_issues(pred_probs=probs, features=x_flat.numpy(), issue_types=types)
found = audit.flag_table({t: lab.get_issues(t)[f"is_{t}_issue"] for t in types}, noisy)
found.round(1)

# %% [markdown]
# ## 5. The audit review page, and `vog apply`
#
# `vog report scores.parquet --data mypkg:train_set --out review.html` (or
# `vog.analysis.write_report`) writes one self-contained page: per class the
# highest-VoG examples with image (or row, or text), label, prediction and
# scores. The auditor marks each **keep** (`k`), **relabel** (`r` and the class,
# or a digit), **remove** (`x`) or **out of distribution** (`o`); decisions
# survive a reload and export as CSV or JSON. The page below is live; under it,
# the same queue with the labels the images carry (red: shuffled). Then an
# auditor who knows the truth relabels the reviewed images with a shuffled label
# and keeps the others; `vog apply` checks the export against the scores
# (indices, labels, fingerprint) and writes a **new** label file.

# %% tags=["hide-input"]
page = vog.analysis.write_report(pl_scores, x_train, work / "review.html", k=k,
    scores={"AUM": dyn["AUM"]}, title="Digits: highest VoG per class")  # fmt: skip
style, srcdoc = "width:100%;height:560px;border:1px solid #ccc", html.escape(page.read_text())
display(HTML(f"<iframe title='VoG review page' style='{style}' srcdoc='{srcdoc}'></iframe>"))
top = audit.top_per_class(pl_scores.normalized, pl_scores.labels, k=k)  # the page's queue
audit.queue_figure(x_train, top, y_train, noisy)
plt.show()

# %%
scores_file = vog.write_scores(pl_scores, work / "scores.parquet")
audit.oracle_decisions(top, y_train, y_clean).to_csv(work / "decisions.csv", index=False)
status = vog.cli.main(
    ["apply", str(work / "decisions.csv"), "--scores", str(scores_file),
     "--out", str(work / "new_labels.csv")]
)  # fmt: skip
new = pd.read_csv(work / "new_labels.csv", keep_default_na=False)
fixed = audit.labels_fixed(new["label"], y_clean, noisy)
print(f"{fixed} of {int(noisy.sum())} shuffled labels fixed by reviewing {len(top)} images")

# %% tags=["remove-cell"]
assert same and status == 0, "the Lightning callback changed training, or vog apply failed"
n_found, share = found["flagged"], found["shuffled among them (%)"]
page_values = {
    "int_profile": profile, "int_chance": 100 * float(noisy.float().mean()),
    "int_setup": f"{len(y_train)} training digits, {int(noisy.sum())} shuffled labels, an MLP "
    f"(64-{hidden}-10) trained {epochs} epochs by each library",
    "int_same_weights": "identical" if same else "DIFFERENT (a bug: please report it)",
    "int_pl_p10": 100 * pl_flag["precision@10%"], "int_pl_auroc": pl_flag["AUROC"],
    "int_best_dyn": dyn_auroc.index[0], "int_best_dyn_auroc": float(dyn_auroc.iloc[0]) / 100,
    "int_vog_vs_dyn": "better than" if pl_flag["AUROC"] > dyn_auroc.iloc[0] / 100 else "worse than",
    "int_hf_p10": 100 * hf_flag["precision@10%"], "int_hf_auroc": hf_flag["AUROC"],
    "int_n_label": int(n_found["label"]), "int_prec_label": float(share["label"]),
    "int_n_outlier": int(n_found["outlier"]), "int_prec_outlier": float(share["outlier"]),
    "int_n_vog": int(n_found["vog"]), "int_prec_vog": float(share["vog"]),
    "int_rho": float(rho), "int_k": k, "int_reviewed": len(top), "int_fixed": fixed,
    "int_share": 100 * len(top) / len(y_train), "int_noisy": int(noisy.sum()),
}  # fmt: skip
for key, value in page_values.items():
    glue(key, value, display=False)
shutil.rmtree(work)  # the scores, decisions and label files of this page
