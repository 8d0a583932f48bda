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
#   nothing computed from them, in the loop order of our sample-major mode
#   (checkpoint-major within chunks of batches), with autograd's own kernels
#   (an input gradient costs about two forwards where the backward kernels are
#   as fast as the forward ones; PyTorch's CPU convolution backward is several
#   times slower than its forward for convolutions with few channels);
# - **gradient_fastconv**: the same passes with each convolution's input
#   gradient by the route the planner measures faster on this machine
#   ({func}`vog.fast_conv.fast_conv_route`, {mod}`vog.conv_planner`: the
#   default's route). The faster of the two is the
#   *floor*: what any VoG built on these gradients needs, in the loop order of
#   the fastest method;
# - **gradient_batch_major** and **gradient_gather**: the same floor run
#   batch-major, and seeded through `gather(...).sum()`: what the loop order
#   and the seeding of the backward cost;
# - **default** (ours: {func}`vog.compute_vog` with its default options, as
#   `vog score` and the shards run it): sample-major, the data cut into chunks
#   of a few batches, every checkpoint's gradients of a chunk written into one
#   reused buffer and reduced at once to one VoG (and gradient magnitude) per
#   example, O(N) memory; each convolution's input gradient by the route the
#   planner timed faster on the first batch of its kind;
# - **sample_major**: the same with autograd's own convolution kernels
#   (`fast_conv=False`);
# - **streaming** (`mode="streaming", fast_conv=False`, the reference scores):
#   one checkpoint at a time, per-pixel running state, O(N x pixels) memory;
# - **sample_major_vmap**: the K checkpoints in one `torch.func.vmap` call;
# - **sample_major_fastconv**: input gradients of every stride-1 convolution
#   computed as forward convolutions (`fast_conv=True`,
#   {func}`vog.scoring.conv_as_forward`), thin or wide;
# - **sample_major_bf16**: under bfloat16 autocast;
# - **store_all**: every gradient map kept, variance at the end (the usual
#   implementation, at its most frugal: one float32 tensor of all K x N maps
#   allocated up front, then {func}`vog.vog_from_gradients`);
# - **per_sample**: one example at a time;
# - **captum**: Captum `Saliency(abs=False)` per checkpoint, maps kept.
#
# A second script, `benchmarks/bench_training.py`, times the training loop
# with and without the VoG recorder and the training dynamics against a plain
# PyTorch loop at the book's settings (LeNet, 28x28 images, batch 128).

# %% [markdown]
# ## Findings
#
# - Our default scoring (O(N) memory) takes at most {glue:text}`perf_fastest_worst`
#   times the time of the fastest method whose scores are VoG, over the models
#   of the recorded runs (target: at most 1.1x), judged per processor (the table
#   "The target per machine"): {glue:text}`perf_fastest_by_machine`.
#   Where every eligible convolution took the forward route in a run
#   ({glue:text}`perf_same_code_models`), `default` and `sample_major_fastconv`
#   run the very same convolution code, yet
#   their times differ by {glue:text}`perf_same_code_spread` between processes in
#   these runs: that is the timing noise a 1.1x target is tested against, and
#   the small (`quick`) sizes suffer most from it. Runs recorded with
#   `--rounds` run every method's process once per round and take the ratio
#   of ours to the fastest correct method as the median over the rounds of the
#   ratio within a round, which a change of the machine's speed between rounds
#   does not move. {glue:text}`perf_fastest_change` {glue:text}`perf_fastest_who`
# - What changed in the default, cause by cause (the table "What each cause
#   costs" has the ratios): the maps of a chunk are reduced to Eq. 2-4 a
#   cache-sized block of examples at a time, so the reduction's five passes
#   (shift, mean, deviations, squares, sums) run in the core's cache instead of
#   streaming the whole chunk from memory each time (in this build the whole
#   chunk takes {glue:text}`perf_reduce_gain` the time of the blocks: the
#   `reduction passes` row); a chunk holds at most {glue:text}`perf_chunk_mb` of
#   maps and inputs (64 MB before), since the loop order within a chunk makes no
#   measurable difference (the `loop order` row) and a buffer above glibc's
#   32 MB mmap threshold is paged in afresh on every call; and each
#   convolution's backward route is *measured*, not chosen by its shape. A rule
#   by shape (the forward route for layers of at most 16 channels) was right on
#   the Intel Xeon that recorded the first runs and wrong on an AMD EPYC without
#   AVX-512 (measured when the planner was asked for), where the forward route
#   was the slower one on LeNet's first layer. Per layer
#   (`benchmarks/bench_conv_route.py`, the table under "What each cause
#   costs"), autograd's kernel takes {glue:text}`perf_conv_lenet` the time of the
#   forward route on LeNet's first layer (1 -> 6 channels, 5x5). The default now
#   times both routes on the first batch of each kind of layer and keeps the
#   faster ({mod}`vog.conv_planner`, like `torch.backends.cudnn.benchmark`). In
#   the recorded per-layer run {glue:text}`perf_conv_run` the planner chose
#   the route that the longer measurement finds faster for
#   {glue:text}`perf_conv_agree` layers; where it did not, the two routes were
#   within {glue:text}`perf_conv_disagree_gap` of each other. Planning costs
#   {glue:text}`perf_planning_cost` of the default's scoring time in the
#   recorded run (once per process and kind of layer; the quick sizes make it
#   look large). The planner's decisions on the machine that built this page
#   are in the table "The route planner on this machine": it sends
#   {glue:text}`perf_planner_forward` eligible layers forward.
# - Its own work beyond the input gradients (checks, the clone, the maps and
#   the reduction of Eq. 2-4) costs at most {glue:text}`perf_own_worst` times
#   the gradient floor in its loop order; the loop order and the backward's
#   seeding cost what the table "What each cause costs" shows.
# - Recording VoG during training costs {glue:text}`perf_record_overhead` of an
#   epoch for every epoch it observes, in the latest recorded run, on
#   {glue:text}`perf_record_processor`, with the route planner (target: at most
#   10%): {glue:text}`perf_record_verdict`. It is measured *paired*, within the
#   recorder's own run: after each epoch, right after the recorder has observed
#   the model, the benchmark times the evaluation pass and the bare input
#   gradients on the same model, so training, recording and these passes take
#   turns and a change of the machine's speed hits them alike. Whole loops run
#   one after the other are no measure of a few percent here: within the same
#   recorded run their overhead scatters over {glue:text}`perf_record_whole_spread`
#   between rounds (median {glue:text}`perf_record_whole_median`). The paired
#   number is a lower estimate: what recording costs outside the recorder's own
#   timer (the final result, a training epoch slowed by caches that recording
#   flushed) falls into the training time, and only the whole-loop comparison
#   would show it, which it cannot within that noise.
# - The input gradients of the scored set cost {glue:text}`perf_record_inputs`
#   of an epoch by themselves: an input gradient of a LeNet image costs most of
#   a training step (it needs the first layer's input gradient, which training
#   never computes), so scoring a set a sixth of the training set's size costs
#   most of a sixth of an epoch. Their forward pass gives the logits of the
#   test accuracy that the book's runs measure after every epoch, so
#   {func}`vog.train_with_vog` takes the accuracy from the recorder instead of
#   running that pass again: what no recorder can skip, the gradients less that
#   pass, is {glue:text}`perf_record_floor` of an epoch, and the recorder's own
#   work beyond it (checks, Welford's update in float64, bookkeeping) costs
#   {glue:text}`perf_record_own`.
# - What changed the verdict: {glue:text}`perf_record_change`. The first
#   convolution of a LeNet has one input channel, so its input gradient is a
#   convolution with a single output channel, for which the CPU's dense kernel
#   (oneDNN) is 2-3x slower than a depthwise convolution summed over its
#   channels; {func}`vog.scoring.conv_as_forward` now takes that route for
#   single-channel layers in the channels-last format the book trains in.
#   Welford's update also runs in place instead of merging into new float64
#   maps (fewer page faults).
# - Over a whole run the cost scales with the share of epochs observed:
#   {glue:text}`perf_record_book` of the training time when
#   {glue:text}`perf_record_book_share` epochs are observed, as in the book's
#   `fashion-lenet` run, and {glue:text}`perf_record_paper` at the paper's
#   cadence (a checkpoint every 10 epochs). The book's runs also score their
#   training set, as the paper does: that adds about one more epoch of work
#   per observed epoch, whatever the recorder.

# %% tags=["parameters", "hide-cell"]
profile = "default"  # which parameter profile produced this page
models = ["mlp", "lenet", "resnet18"]  # architectures to benchmark
quick = True  # small N and K (minutes on 2 CPU cores) instead of the full sizes
device = "cpu"  # cpu or cuda
repeat = 1  # each time is the best of this many runs (the recorded runs below use 3)
methods = []  # the script's methods to measure at build time (empty: all)
recorded = [
    "benchmarks/results/cpu-2026-12-07-rounds.json",
    "benchmarks/results/cpu-2026-11-28-rounds.json",
    "benchmarks/results/cpu-2026-11-28-mlp-full.json",
    "benchmarks/results/cpu-2026-11-27-lenet-full.json",
    "benchmarks/results/cpu-2026-11-24-resnet18-scale.json",
    "benchmarks/results/cpu-2026-12-07-lenet-rounds-quiet.json",
]  # runs recorded with the script, shown as written
scoring_before = "benchmarks/results/cpu-2026-11-27-rounds.json"  # the same run, code before
conv_route = "benchmarks/results/cpu-2026-12-07-conv-route.json"  # bench_conv_route.py
conv_route_before = "benchmarks/results/cpu-2026-11-28-conv-route.json"  # the shape rule
training_recorded = [
    "benchmarks/results/cpu-2026-11-27-training-paired-before.json",
    "benchmarks/results/cpu-2026-11-27-training-paired.json",
    "benchmarks/results/cpu-2026-12-07-training-paired.json",
]  # runs recorded with bench_training.py (the last: the verdict)
training_quick = True  # small training benchmark at build time (seconds)

# %%
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import display
from myst_nb import glue

import vog
from benchmarks import summary

glue("perf_profile", profile, display=False)
print(f"vog {vog.__version__}")

# %% tags=["remove-input"]
vog.experiments.companion.launch_links("90_performance")

# %% [markdown]
# ## Measurements

# %%
bench = summary.run_benchmark(
    models, device=device, quick=quick, repeat=repeat, methods=methods or None
)
glue("perf_device", bench["device"], display=False)
print(f"device: {bench['device']}, torch {bench['torch']}")
table = summary.measurements(bench)
table.style.format(
    {
        "seconds": "{:.3f}",
        "peak_mb": "{:.1f}",
        "growth_mb": "{:.1f}",
        "max_abs_diff": "{:.1e}",
        "max_rel_diff": "{:.1e}",
        "n_differ": "{:.0f}",
        "spearman_vs_fp32": "{:.4f}",
    },
    na_rep="-",
)

# %% [markdown]
# `peak_mb` is a method's peak memory beyond what its process holds after
# running the method once on 2 examples (the models, the data, the library
# code that run paged in and one-time caches: the same for every method);
# `growth_mb` the part that grows with N (peak after the full run minus the
# peak after a two-batch warm-up). Both are resident-set sizes on a CPU and
# move by a few MB between runs, so small values are noise.
# `max_abs_diff` is the largest absolute difference of a method's scores from
# the streaming (autograd's kernels, float32 gradients, float64 statistics) scores and
# `max_rel_diff` the same divided by the largest score, and `n_differ` the
# number of examples whose score differs by more than a millionth of the
# largest score. Every full-precision method computes the same VoG. Those that
# run the same kernels as the streaming mode (store_all, captum, our
# loop over checkpoints with autograd's kernels) agree to float32 rounding. Those
# that run other kernels (vmap, a batch of one, forward convolutions: fast_conv
# and the CPU default) sum in another order,
# and where a ReLU's input (or a max-pool's tie) sits within rounding of zero in
# one of the K checkpoints, that order decides which side it falls on: the
# input gradient of that example, a piecewise-constant function of the input,
# jumps, and its score moves. In a shallow network that happens to a handful of
# examples; in a deep one (ResNet-18: far more ReLUs per example and
# checkpoint) rounding differences also grow from layer to layer, so more
# examples move (`n_differ`), each by a small fraction of the largest score
# (`max_rel_diff`) and with the ranking kept. Neither method is wrong: float32
# decides the switch either way. Under bfloat16 autocast the scores change;
# `spearman_vs_fp32` says how much of the *ranking* survives
# (the checkpoints here are randomly initialised, not trained).
#
# ## Ratios

# %%
ratios = summary.ratio_table(bench)
ratios.style.format("{:.2f}x")

# %% tags=["hide-input"]
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
# ## What each cause costs
#
# Each row is one suspected cause of slow scoring, measured as the ratio of two
# times from the same run (`compares` says which): the loop order (the
# gradient floor run batch-major, as the sample-major mode did before it cut
# the data into chunks, over the same passes run checkpoint-major within
# chunks), the seeding of the backward pass, VoG's own work beyond the
# floor, the per-pixel running state of the streaming mode and storing every
# map. Switching models costs no reload in either order: the K checkpoints are
# K modules held in memory, never `load_state_dict` per batch. A profile of
# the old sample-major loop (`torch.profiler`, one thread, MLP) found its
# largest cost of its own in the finiteness checks (`isfinite` + `all`, four
# passes over every input K times and every gradient map); they now take one
# pass (`aminmax`), the inputs are checked and cloned once per batch instead
# of once per checkpoint, and a NaN or inf gradient is caught in the VoG it
# propagates into. Threads: on a 2-core machine shared by other work, two
# OpenMP threads per process wait at every barrier for a descheduled thread,
# so the recorded CPU runs use one thread and the process's CPU time
# (`--threads 1 --clock cpu`).

# %%
causes = summary.cause_table(bench)
causes.style.format({m: "{:.2f}x" for m in bench["models"]}, na_rep="-")

# %% [markdown]
# The convolution route per layer, from the recorded runs of
# `benchmarks/bench_conv_route.py` (one thread, CPU time, best of its passes;
# `autograd / forward` above 1: the forward route is faster; `default route`:
# the route the default took for that layer: the planner's choice in the new
# run, the rule by shape in the old one; `planner agrees`: whether that is the
# route the longer measurement finds faster):

# %% tags=["hide-input"]
conv_runs = summary.load_results([conv_route, conv_route_before])
for run, rec in conv_runs.items():
    print(f"{run}: {summary.processor(rec)}")
    display(
        summary.conv_route_table(rec)
        .style.format({"autograd / forward": "{:.2f}x"}, na_rep="-")
        .hide(axis="index")
    )
conv_rec = conv_runs.get(Path(conv_route).stem)
conv_table = summary.conv_route_table(conv_rec) if conv_rec else None

# %% [markdown]
# ## The route planner on this machine
#
# The route each convolution of the benchmark models takes on the machine that
# built this page ({glue:text}`perf_build_processor`), as the default's planner
# chose it on the first batch of 16 images (both routes' times, milliseconds):

# %% tags=["hide-input"]
planner = summary.planner_decisions(models)
display(
    planner.style.format(
        {"autograd ms": "{:.3f}", "forward ms": "{:.3f}", "autograd / forward": "{:.2f}x"},
        na_rep="-",
    ).hide(axis="index")
)

# %% [markdown]
# ## Recorded runs
#
# The measurements above are taken at small sizes while the book builds. The
# script's full sizes (`python benchmarks/bench_scoring.py --json FILE`) take
# longer; the runs recorded in `benchmarks/results/` are shown here as the
# script wrote them, with the machine they ran on. One of them scores a
# CIFAR ResNet-18 at a larger N and a small batch
# (`--models resnet18 --sizes 8192 4 4 --methods sample_major store_all`):
# at the full sizes, the activations of one batch of 64 through a ResNet-18
# outweigh all stored gradient maps, so the memory that storing maps costs
# only shows once N x K is large.

# %%
runs = summary.load_results(recorded)
for run, rec in runs.items():
    how = f"{rec.get('threads', '?')} thread(s), {rec.get('clock', 'wall')} time"
    print(f"{run}: {summary.processor(rec)} ({how}), torch {rec['torch']}, {rec.get('date', '?')}")
    display(summary.ratio_table(rec).style.format("{:.2f}x", na_rep="-"))

# %% tags=["remove-cell"]
# Every full-precision method computes the same VoG, in this run and in every recorded one.
for m, r in bench["models"].items():
    summary.check_agreement(r["methods"], f"this run, {m}")
for run, rec in runs.items():
    for m, r in rec["models"].items():
        summary.check_agreement(r["methods"], f"{run} {m}")

# %% [markdown]
# Per run and model: scoring time against the forward-only time of the same
# checkpoints (target: at most 2.5x), and peak memory against storing every
# gradient map (target: at least 10x less) with the same scores
# (`store_all max rel. diff`: the largest difference between the stored-maps
# scores and ours, divided by the largest score). `best variant` is the
# fastest of our sample-major implementations (the `default`, the `loop` over
# checkpoints with autograd's convolution kernels, `vmap` over checkpoints,
# `fast_conv`), which a user picks with the options of {func}`vog.compute_vog`.
# `gradient / forward` is the cost of the input gradients alone: no autograd
# VoG can beat it.

# %%
target_table = summary.target_rows(runs)
if len(target_table):
    display(
        target_table.set_index(["run", "model"]).style.format(
            {
                "ours / forward": "{:.2f}x",
                "best variant / forward": "{:.2f}x",
                "gradient / forward": "{:.2f}x",
                "store_all / ours (peak memory)": "{:.1f}x",
                "store_all max rel. diff": "{:.1e}",
            },
            na_rep="-",
        )
    )

# %% [markdown]
# **The target per machine.** At most 1.1x the fastest correct method, per processor: float
# kernels, vector instructions and caches differ between processors, so a run
# on one says nothing of another.

# %% tags=["hide-input"]
by_machine = summary.verdicts_by_machine(
    target_table if len(target_table) else summary.target_rows({"this build": bench}),
    "ours / fastest correct",
)
display(by_machine.style.hide(axis="index"))

# %% [markdown]
# ## Training with recording
#
# `benchmarks/bench_training.py` trains a LeNet on 28x28 images with batch
# 128 (the book's settings; random images, since speed does not depend on
# them) with a plain PyTorch loop, with {func}`vog.train_with_vog` scoring
# nothing, with its VoG recorder scoring a test set a sixth the size of the
# training set after every epoch (the book's `fashion-lenet` runs score the
# 10,000 test images of a 60,000-image training set, after 8 of 10 epochs),
# and with the training dynamics besides. Every loop measures the test
# accuracy after each epoch, as the book's runs do (with the recorder, from its
# logits). It also times the input gradients of the scored set alone and the
# evaluation pass alone: the gradients less that pass are the floor of any
# recorder (VoG needs the gradients of the model as it is at the end of the
# epoch). The overhead of recording is the recorder's time over the package
# loop's, minus one: the fraction of an epoch that recording adds, with scoring
# counted; each ratio is the median over rounds of the ratio within a round
# (the loops of a round run back to back). The ratios marked *paired* are
# measured within the recorder's own run instead: with R the recorder's time,
# E and G the evaluation pass and the bare gradients timed right after it each
# epoch, and T the run's time less theirs, an epoch of the package loop is
# T - R + E, and the paired overhead, floor and own work are R - E,
# max(G - E, 0) and R - max(G, E) over it. Below, a small run made while
# this page was built, then the recorded runs: the code before this release
# (its `note` says what it was) and now.

# %%
train_bench = summary.run_training_benchmark(quick=training_quick, repeat=1)
display(summary.training_table(train_bench).style.format("{:.1f}"))
train_runs = summary.load_results(training_recorded)
training = summary.training_rows({"this build": train_bench, **train_runs})
display(training.set_index("run").T)

# %% tags=["remove-cell"]
glue("perf_worst_forward", float(ratios.loc["ours / forward (time)"].max()), display=False)
glue("perf_worst_gradient", float(ratios.loc["ours / gradient (time)"].max()), display=False)
glue("perf_best_memory", float(ratios.loc["store_all / ours (peak memory)"].max()), display=False)
if "sample_major_bf16" in table.index.get_level_values("method"):
    bf16_rank = table.xs("sample_major_bf16", level="method")["spearman_vs_fp32"].min()
    glue("perf_bf16_rank", f"{float(bf16_rank):.3f}", display=False)
else:
    glue("perf_bf16_rank", "(not measured)", display=False)
n_time, n_all, time_miss = summary.target_split(target_table, "best variant / forward")
n_mem, n_mem_all, mem_miss = summary.target_split(target_table, "store_all / ours (peak memory)")
glue("perf_time_hits", f"{n_time} of {n_all}", display=False)
glue("perf_time_misses", time_miss, display=False)
glue("perf_mem_hits", f"{n_mem} of {n_mem_all}", display=False)
glue("perf_mem_misses", mem_miss, display=False)
gpu_runs = [run for run, rec in runs.items() if not rec["device"].startswith("CPU")]
glue("perf_gpu_runs", ", ".join(gpu_runs) or "none yet", display=False)
# issue 26: our O(N) mode against the fastest correct method, in the recorded runs
# (this build's small sizes as well when none is recorded)
fastest = target_table.dropna(subset=["ours / fastest correct"]) if len(target_table) else None
if fastest is None or not len(fastest):
    fastest = summary.target_rows({"this build": bench})
n_fast, n_fast_all, fast_miss = summary.target_split(fastest, "ours / fastest correct")
slower = fastest[fastest["ours / fastest correct"] > summary.TARGETS["ours / fastest correct"][1]]
glue(
    "perf_fastest_who",
    "Where the target is missed, the faster method is "
    + "; ".join(f"{r['model']} ({r['run']}): {r['fastest correct']}" for _, r in slower.iterrows())
    + "."
    if len(slower)
    else "The target is missed nowhere.",
    display=False,
)
glue("perf_fastest_worst", f"{float(fastest['ours / fastest correct'].max()):.2f}", display=False)
glue(
    "perf_fastest_verdict",
    f"holds for all {n_fast_all}"
    if n_fast == n_fast_all
    else f"fails for {n_fast_all - n_fast} of {n_fast_all} ({fast_miss})",
    display=False,
)
glue(
    "perf_fastest_by_machine",
    "; ".join(f"{r['processor']}: {r['verdict']}" for _, r in by_machine.iterrows()),
    display=False,
)
# what changed: the same measurement with the code before, on the same processor
before = summary.load_results([scoring_before])
before_rec = next(iter(before.values()), None)
first_run = next(
    (
        run
        for run, rec in runs.items()
        if before_rec is not None
        and summary.processor(rec) == summary.processor(before_rec)
        and all(before_rec.get(k) == rec.get(k) for k in ("sizes", "clock", "threads"))
    ),
    None,
)
same_setup = first_run is not None


def _fastest_ratios(rec: dict) -> str:
    return ", ".join(
        f"{m} {r['ratios']['ours / fastest correct (time)']:.2f}x"
        for m, r in rec["models"].items()
        if "ours / fastest correct (time)" in r["ratios"]
    )


glue(
    "perf_fastest_change",
    f"In the same measurement with the code before (`{next(iter(before))}`) ours took "
    f"{_fastest_ratios(next(iter(before.values())))} of the fastest correct method; in "
    f"`{first_run}` it takes {_fastest_ratios(runs[first_run])}."
    if same_setup
    else "(No run of the code before on the same processor with the same sizes, clock and "
    "threads is recorded.)",
    display=False,
)
glue("perf_chunk_mb", f"{vog.scoring.sample_major.CHUNK_BYTES / 2**20:.0f} MB", display=False)
# the convolution route per layer (bench_conv_route.py), the planner, the reduction in blocks
lenet_first = [
    f"{r['autograd / forward']:.2f}x ({r['layout']}) on {summary.processor(rec)}"
    for rec in conv_runs.values()
    for _, r in summary.conv_route_table(rec).iterrows()
    if r["C_in"] == 1 and r["C_out"] == 6
]
glue("perf_conv_lenet", "; ".join(lenet_first) or "(not measured)", display=False)
glue(
    "perf_conv_run",
    f"`{Path(conv_route).stem}`" if conv_table is not None else "(none)",
    display=False,
)
if conv_table is not None and conv_table["planner agrees"].notna().all():
    agree = int(conv_table["planner agrees"].sum())
    glue("perf_conv_agree", f"{agree} of {len(conv_table)}", display=False)
    wrong = conv_table[~conv_table["planner agrees"].astype(bool)]["autograd / forward"]
    gap = max((max(r, 1 / r) - 1 for r in wrong), default=None)
    glue("perf_conv_disagree_gap", f"{gap:.0%}" if gap is not None else "(none)", display=False)
else:
    glue("perf_conv_agree", "(not recorded)", display=False)
    glue("perf_conv_disagree_gap", "(not recorded)", display=False)
costs = {m: c for rec in runs.values() for m, c in summary.planning_cost(rec).items()}
glue(
    "perf_planning_cost",
    ", ".join(f"{m} {c:.0%}" for m, c in costs.items()) or "(not recorded)",
    display=False,
)
eligible = planner[planner["route"].isin(["forward", "autograd"])]
glue(
    "perf_planner_forward",
    f"{int((eligible['route'] == 'forward').sum())} of {len(eligible)}",
    display=False,
)
build_machine = {"processor": vog.experiments.provenance.machine()}
glue("perf_build_processor", summary.processor(build_machine), display=False)
reduce_gain = [
    r["ratios"]["reduction passes: whole chunk / cache-sized blocks (reduction time)"]
    for r in bench["models"].values()
    if "reduction passes: whole chunk / cache-sized blocks (reduction time)" in r["ratios"]
]
glue(
    "perf_reduce_gain",
    "(not measured)"
    if not reduce_gain
    else f"{reduce_gain[0]:.1f}x"
    if len(reduce_gain) == 1
    else f"{min(reduce_gain):.1f}x to {max(reduce_gain):.1f}x",
    display=False,
)
# The default and sample_major_fastconv run the same convolution code where every eligible
# layer took the forward route in a run (summary.same_code_models): the spread of their times
# between processes is the runs' timing noise, against which a 1.1x target is tested (each
# round's processes where a run has rounds, else the best times)
same_code = {run: summary.same_code_models(rec) for run, rec in runs.items()}
glue(
    "perf_same_code_models",
    "; ".join(f"{', '.join(ms)} in `{run}`" for run, ms in same_code.items() if ms) or "none",
    display=False,
)
spreads = [
    abs(a / b - 1)
    for run, rec in runs.items()
    if rec["device"].startswith("CPU")
    for model, r in rec["models"].items()
    if model in same_code[run] and {"default", "sample_major_fastconv"} <= set(r["methods"])
    for a, b in zip(
        r["methods"]["default"].get("round_seconds", [r["methods"]["default"]["seconds"]]),
        r["methods"]["sample_major_fastconv"].get(
            "round_seconds", [r["methods"]["sample_major_fastconv"]["seconds"]]
        ),
        strict=True,
    )
]
glue(
    "perf_same_code_spread",
    f"up to {max(spreads):.0%}" if spreads else "(not measured)",
    display=False,
)
own = [r["ratios"].get("ours / gradient (time)") for r in bench["models"].values()]
glue("perf_own_worst", f"{max(v for v in own if v is not None):.2f}", display=False)
# the last recorded training run if there is one, else this build's; its overhead is the
# paired measurement when it has one (summary.recording_numbers)
record = training.iloc[-1]
all_training = {"this build": train_bench, **train_runs}
record_run = all_training[record["run"]]
rec = summary.recording_numbers(record_run)
overhead, floor = rec["overhead"], rec["floor"]
glue("perf_record_overhead", f"{overhead:.1%} ({record['run']})", display=False)
glue("perf_record_processor", summary.processor(record_run), display=False)
glue("perf_record_floor", f"{floor:.1%}", display=False)
glue(
    "perf_record_inputs",
    "(not measured)" if rec["inputs"] is None else f"{rec['inputs']:.0%}",
    display=False,
)
glue(
    "perf_record_own",
    "(not measured)"
    if rec["own"] is None
    else f"{rec['own']:.1%} of an epoch"
    if rec["own"] > 0
    else f"nothing measurable ({rec['own']:.0%}: below the run's timing noise)",
    display=False,
)
spread = rec["whole_spread"]
glue(
    "perf_record_whole_spread",
    f"{spread[0]:.0%} to {spread[1]:.0%}" if spread else "(no rounds recorded)",
    display=False,
)
whole_median = record_run["ratios"]["recording overhead (fraction of an epoch)"]
glue("perf_record_whole_median", f"{whole_median:.1%}", display=False)
# before and after the recorder's changes: the first and the last paired runs on the
# processor of the first (a change is measured on one machine)
numbers = {run: summary.recording_numbers(r) for run, r in train_runs.items()}
paired = [run for run, n in numbers.items() if n["paired"]]
paired_runs = [
    (run, numbers[run]["overhead"])
    for run in paired
    if summary.processor(train_runs[run]) == summary.processor(train_runs[paired[0]])
]
glue(
    "perf_record_change",
    f"in the same paired measurement the overhead was {paired_runs[0][1]:.1%} with the "
    f"code before (`{paired_runs[0][0]}`: "
    f"{summary.recording_verdict(train_runs[paired_runs[0][0]]).split(' (')[0]}) and is "
    f"{paired_runs[-1][1]:.1%} now (`{paired_runs[-1][0]}`)"
    if len(paired_runs) >= 2
    else f"({len(paired_runs)} paired runs recorded: nothing to compare)",
    display=False,
)
book_cfg = vog.experiments.experiment_config("fashion-lenet")
book_observed = len(set().union(*map(set, book_cfg.windows().values())))
book_epochs = book_cfg.train.epochs
# per observed epoch, recording costs at least the floor (a lower overhead is timing noise)
per_epoch = max(overhead, floor)
glue("perf_record_book", f"{per_epoch * book_observed / book_epochs:.0%}", display=False)
glue("perf_record_book_share", f"{book_observed} of {book_epochs}", display=False)
glue("perf_record_paper", f"{per_epoch / 10:.0%}", display=False)
# The verdict reads the spread of the run's per-round overheads as its timing noise
# (summary.recording_verdict); the floor is a lower bound of what recording costs.
record_verdict = summary.recording_verdict(record_run)
glue("perf_record_verdict", record_verdict, display=False)

# %% [markdown]
# ## Summary
#
# - Measured on {glue:text}`perf_device` (profile {glue:text}`perf_profile`).
# - Our sample-major scoring takes at most {glue:text}`perf_worst_forward:.1f`
#   times the forward-only time of the same checkpoints at these small sizes
#   and at most {glue:text}`perf_worst_gradient:.2f` times the time of
#   computing the input gradients alone with autograd and doing nothing with
#   them. VoG's own work is the excess of that second ratio over 1; the rest is
#   PyTorch's forward and backward passes.
# - Target of at most 2.5x the forward time: met by our fastest variant in
#   {glue:text}`perf_time_hits` recorded model runs; missed by:
#   {glue:text}`perf_time_misses`. Compare the column `gradient / forward`:
#   where the target is missed, the input gradients alone, with nothing
#   computed from them, already cost about 2.5 forwards or more on that CPU
#   (PyTorch's CPU convolution backward with few channels is several times
#   slower than its forward, and an MLP's forward is so cheap that per-call
#   overheads count), so no autograd method has room to meet it there; the
#   ratio also moves by tens of percent between CPU hosts of the same kind.
# - Target of at least 10x less peak memory than storing every gradient map:
#   met in {glue:text}`perf_mem_hits` recorded model runs; missed by:
#   {glue:text}`perf_mem_misses`. It is missed where N x K is too small for
#   the stored maps to outweigh what every method needs anyway (one batch of
#   activations through a ResNet-18: the `peak_mb` of `gradient` in the
#   tables); the gap grows with N x K x pixels, since sample-major keeps one
#   number per example (see the `resnet18-scale` run). At the small sizes of
#   this build the ratio is at most {glue:text}`perf_best_memory:.1f`.
# - bfloat16 autocast keeps the ranking to a Spearman correlation of at least
#   {glue:text}`perf_bf16_rank` with the float32 scores; on CPUs without
#   native bfloat16 arithmetic it is much slower, so use it on GPUs only.
# - GPU runs recorded: {glue:text}`perf_gpu_runs` (run the script with
#   `--device cuda --json FILE` and add the file to `recorded`).
#
# ## Try it yourself
#
# 1. Time one model at larger sizes: `python benchmarks/bench_scoring.py
#    --models lenet --sizes 4000 6 250 --methods forward gradient sample_major
#    store_all` and compare `store_all / ours (peak memory)` with the table
#    above: the gap grows with N x K.
# 2. Compare the loop over checkpoints with `vmap` (`-p quick false` on a GPU,
#    or `--methods sample_major sample_major_vmap` on a CPU): which wins where?
# 3. Score your own checkpoints with `vog score ... --no-fast-conv` and without
#    (the default times both convolution routes on the first batch and keeps the
#    faster; `logging.getLogger("vog.conv_planner").setLevel("DEBUG")` prints its
#    decisions), and check that the two score files agree to float32 rounding.
# 4. Time the two convolution routes on your own layers' shapes: edit `SHAPES` in
#    `benchmarks/bench_conv_route.py`, run it twice, and see how far the ratios move
#    between runs before reading much into one.
