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
# # Performance
#
# How fast and how memory-hungry VoG scoring is, measured when this page was
# built, on the machine that built it. The numbers come from
# `benchmarks/bench_scoring.py`, which scores the same N examples over the
# same K checkpoints with every method, each in a fresh process so that its
# peak memory is its own, and reports ratios from that single run:
#
# - **forward**: K forward passes without gradients, a lower bound;
# - **gradient**: K forward and backward passes for the input gradients, with
#   nothing computed from them: the floor of any VoG built on autograd (an
#   input gradient costs about two forwards where the backward kernels are as
#   fast as the forward ones; PyTorch's CPU convolution backward is several
#   times slower than its forward for convolutions with few channels);
# - **sample_major** (ours, {func}`vog.compute_vog` with `mode="sample_major"`):
#   K gradients per batch reduced at once to one VoG per example, O(N) memory;
# - **streaming** (ours, default mode): one checkpoint at a time, per-pixel
#   running state, O(N x pixels) memory;
# - **sample_major_vmap**: the K checkpoints in one `torch.func.vmap` call;
# - **sample_major_fastconv**: input gradients of stride-1 convolutions
#   computed as forward convolutions ({func}`vog.conv_as_forward`), for CPUs
#   whose convolution backward kernels are slow;
# - **sample_major_bf16**: under bfloat16 autocast;
# - **store_all**: every gradient map kept, variance at the end (the usual
#   implementation);
# - **per_sample**: one example at a time;
# - **captum**: Captum `Saliency(abs=False)` per checkpoint, maps kept.

# %% tags=["parameters"]
profile = "default"  # which parameter profile produced this page
models = ["mlp", "lenet", "resnet18"]  # architectures to benchmark
quick = True  # small N and K (minutes on 2 CPU cores) instead of the full sizes
device = "cpu"  # cpu or cuda
recorded = ["benchmarks/results/cpu-full.json"]  # full-size runs recorded with the script

# %%
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display
from myst_nb import glue

import vog

glue("perf_profile", profile, display=False)
print(f"vog {vog.__version__}")

# %% [markdown]
# ## Measurements

# %%
with tempfile.TemporaryDirectory() as tmp:
    out = Path(tmp) / "bench.json"
    cmd = [
        sys.executable,
        "benchmarks/bench_scoring.py",
        "--device",
        device,
        "--json",
        str(out),
        "--models",
        *models,
    ] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark failed:\n{proc.stderr[-3000:]}")
    bench = json.loads(out.read_text())
glue("perf_device", bench["device"], display=False)
print(f"device: {bench['device']}, torch {bench['torch']}")
rows = [
    {"model": m, "N": r["n"], "K": r["k"], "method": meth, **vals}
    for m, r in bench["models"].items()
    for meth, vals in r["methods"].items()
]
table = pd.DataFrame(rows).set_index(["model", "method"])
table.style.format(
    {
        "seconds": "{:.3f}",
        "peak_mb": "{:.1f}",
        "growth_mb": "{:.1f}",
        "max_abs_diff": "{:.1e}",
        "max_rel_diff": "{:.1e}",
        "spearman_vs_fp32": "{:.4f}",
    },
    na_rep="-",
)

# %% [markdown]
# `peak_mb` is a method's whole peak memory beyond models and data;
# `growth_mb` the part that grows with N (peak after the full run minus the
# peak after a two-batch warm-up). Both are resident-set sizes on a CPU and
# move by a few MB between runs, so small values are noise.
# `max_abs_diff` is the largest absolute difference of a method's scores from
# the streaming (float32 gradients, float64 statistics) scores and
# `max_rel_diff` the same divided by the largest score: every full-precision
# method computes the same VoG (vmap and batch-size-1 runs use other matrix
# kernels, so their float32 rounding differs most). Under bfloat16 autocast the
# scores change; `spearman_vs_fp32` says how much of the *ranking* survives
# (the checkpoints here are randomly initialised, not trained).
#
# ## Ratios

# %%
ratios = pd.DataFrame({m: r["ratios"] for m, r in bench["models"].items()})
ratios.style.format("{:.2f}x")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
time_cols = [
    "ours / forward (time)",
    "ours / gradient (time)",
    "store_all / ours (time)",
    "per_sample / ours (time)",
]
ratios.loc[[c for c in time_cols if c in ratios.index]].T.plot.bar(ax=axes[0], rot=0)
axes[0].axhline(1, color="k", lw=0.8)
axes[0].set(title="time ratios", ylabel="ratio (log)", yscale="log")
mem_cols = ["store_all / ours (peak memory)", "store_all / ours (memory growing with N)"]
ratios.loc[mem_cols].T.plot.bar(ax=axes[1], rot=0)
axes[1].axhline(1, color="k", lw=0.8)
axes[1].set(title="memory: store-all / ours", ylabel="ratio (log)", yscale="log")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## Recorded full-size runs
#
# The measurements above are taken at small sizes while the book builds. The
# script's full sizes (`python benchmarks/bench_scoring.py --json FILE`)
# take longer; the runs recorded in `benchmarks/results/` are shown here as
# the script wrote them, with the machine they ran on.

# %%
for path in recorded:
    if not Path(path).is_file():
        print(f"{path}: not recorded")
        continue
    rec = json.loads(Path(path).read_text())
    when = rec.get("date", "date not recorded")
    print(f"{path}: {rec['device']}, torch {rec['torch']}, {when}")
    sizes = {
        m: f"N={r['n']}, K={r['k']}, batch {r['batch_size']}" for m, r in rec["models"].items()
    }
    display(
        pd.DataFrame({m: r["ratios"] for m, r in rec["models"].items()}).style.format("{:.2f}x")
    )
    print("; ".join(f"{m}: {s}" for m, s in sizes.items()))

# %%
worst_forward = float(ratios.loc["ours / forward (time)"].max())
worst_gradient = float(ratios.loc["ours / gradient (time)"].max())
glue("perf_worst_gradient", worst_gradient, display=False)
best_memory = float(ratios.loc["store_all / ours (peak memory)"].max())
glue("perf_worst_forward", worst_forward, display=False)
glue("perf_best_memory", best_memory, display=False)
# the scores of every full-precision method agree (a correctness check, not a speed claim)
exact = table.drop(index="sample_major_bf16", level="method", errors="ignore")
max_diff = exact["max_rel_diff"].dropna().max()
bf16_rank = table.xs("sample_major_bf16", level="method")["spearman_vs_fp32"].min()
glue("perf_bf16_rank", float(bf16_rank), display=False)
assert max_diff < 1e-3, f"methods disagree: max |diff| / max |score| = {max_diff}"

# %% [markdown]
# ## Summary
#
# - Measured on {glue:text}`perf_device` (profile {glue:text}`perf_profile`).
# - Our sample-major scoring takes at most {glue:text}`perf_worst_forward:.1f`
#   times the forward-only time of the same checkpoints (target: 2.5x) and at
#   most {glue:text}`perf_worst_gradient:.2f` times the time of computing the
#   input gradients alone with autograd and doing nothing with them. VoG's own
#   work is the excess of that second ratio over 1; the rest is PyTorch's
#   forward and backward passes (on a CPU, convolution backward kernels with
#   few channels are several times slower than the forward ones).
# - Storing every gradient map needs up to {glue:text}`perf_best_memory:.1f`
#   times the peak memory of sample-major scoring at these sizes; the gap
#   grows with N x K x pixels, since sample-major keeps one number per example
#   (target: 10x at large N, where stored maps dominate).
# - bfloat16 autocast keeps the ranking to a Spearman correlation of at least
#   {glue:text}`perf_bf16_rank:.3f` with the float32 scores.
# - Small CPU runs are noisy; the full sizes (`quick = False`) and a GPU
#   (`device = "cuda"`) give the figures to quote.
