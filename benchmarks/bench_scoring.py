"""Speed and memory of VoG scoring, as ratios measured in one run.

    python benchmarks/bench_scoring.py                      # CPU, all models
    python benchmarks/bench_scoring.py --device cuda        # on a GPU
    python benchmarks/bench_scoring.py --quick --json out.json

Every method scores the same N examples over the same K checkpoints (randomly
initialised models of the named architecture: speed and memory do not depend
on the weights). Each method runs in its own fresh process. Its peak memory
(``ru_maxrss`` on the CPU, ``torch.cuda.max_memory_allocated`` on a GPU) is
counted from the point where the process has built the models and data and run
the method once on 2 examples: library code paged in, one-time caches and the
models are in every method's process alike and are not counted. Times are the
best of ``--repeat`` runs in that process (the machine may be shared): wall-clock
time, or with ``--clock cpu`` the process's CPU time, which on a loaded shared
machine measures the work done rather than the waiting (use it with
``--threads 1``: with more threads it also counts threads spinning at barriers).
With ``--rounds R`` every method's process runs R times, round by round; a
method's row is its fastest process, and the ratio of ours to the fastest
correct method is the median over the rounds of the ratio within a round (two
processes running the very same code differ by up to a fifth on a shared
machine; a speed change between rounds cancels out of a within-round ratio). Memory
is reported twice: the whole peak, and the part that grows with N (the peak
after the full run minus the peak after a two-batch warm-up; one batch in
flight is in both), which is what separates O(N) from O(N x K x pixels)
methods at sizes a CPU can run.
Every method's scores are compared with the streaming scores (sample_major's
when streaming is not run): the largest absolute difference, the same divided
by the largest score, the number of examples that differ by more than
``DIFFER_REL`` of the largest score, and the Spearman correlation.
Methods:

- ``forward``: K forward passes without gradients (a lower bound).
- ``gradient``: K forward + backward passes for the input gradients of the
  true-class logit, nothing kept, in the loop order of our sample-major mode
  (chunks of :data:`vog.scoring.sample_major.CHUNK_BYTES`, checkpoint-major
  within each chunk, which for these sizes is the store-all order too), the
  backward seeded with the one-hot of the class: the floor of any autograd VoG
  (on a CPU, PyTorch's convolution backward is several times slower than its
  forward).
- ``gradient_fastconv``: the ``gradient`` loop with every eligible
  convolution taking the route the planner measures faster on this machine
  (:func:`vog.fast_conv.fast_conv_route`, :mod:`vog.conv_planner`), the route
  our default takes. The *floor* of a model is the faster
  of ``gradient`` and ``gradient_fastconv``: the same passes, in the same loop
  order, as the fastest correct method.
- ``gradient_batch_major``: the same passes batch-major (every checkpoint on a
  batch before the next batch: the order of the sample-major mode before
  chunks); its time over ``gradient`` is what that loop order costs.
- ``gradient_gather``: the ``gradient`` loop with the backward seeded through
  ``gather(...).sum()`` instead of the one-hot ``grad_outputs``: what the
  seeding costs.
- ``default`` (*ours*): :func:`vog.compute_vog` with its default options, what a
  user gets: sample-major, O(N) memory, and each convolution's input gradient by
  the route measured faster on this machine (``fast_conv=None``), the K
  checkpoints one by one or vmapped, whichever is measured faster
  (``vectorize=None``, :mod:`vog.scoring.vmap_route`). The planners time both
  routes on the first batch of each kind of layer and of batch, which happens in
  the process's warm-up: the method's row records their decisions
  (``route_decisions``, ``vmap_decisions``) and what planning cost
  (``planning_seconds``), outside its timed run.
- ``streaming``: :func:`vog.compute_vog` ``mode="streaming", fast_conv=False``:
  checkpoint-major, per-pixel state, autograd's own kernels (the reference scores).
- ``sample_major``: ``mode="sample_major", fast_conv=False, vectorize=False``:
  O(N) memory with autograd's own kernels, the checkpoints one by one.
- ``sample_major_vmap``: the same with ``vectorize=True``.
- ``sample_major_fastconv``: the same with ``fast_conv=True`` (input gradients of
  every stride-1 convolution as forward convolutions, :func:`vog.scoring.conv_as_forward`).
- ``sample_major_bf16``: the same under bfloat16 autocast; its scores differ,
  so the Spearman correlation with the float32 scores is reported.
- ``sample_major_compiled`` (with ``--with-compile``): the same with
  ``torch.compile`` (compilation happens in the warm-up, outside the timing).
- ``store_all``: keep all K x N gradient maps (one preallocated tensor), then
  the variance.
- ``per_sample``: one example at a time (batch size 1), all maps kept.
- ``captum``: Captum ``Saliency(abs=False)`` per checkpoint, all maps kept.

On the CPU the script also times, in its own process, the reduction of one
chunk's maps to VoG in one piece and in the cache-sized blocks our default uses
(:func:`reduction_passes`): what the reduction's passes over memory cost.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import torch

import vog
from vog.scoring.vmap_route import vmap_decisions

METHODS = (
    "forward",
    "gradient",
    "gradient_fastconv",
    "gradient_batch_major",
    "gradient_gather",
    "default",
    "streaming",
    "sample_major",
    "sample_major_vmap",
    "sample_major_fastconv",
    "sample_major_bf16",
    "store_all",
    "per_sample",
    "captum",
)
#: peak-memory growth below this is not resolved (ru_maxrss noise, allocator caching)
GROWTH_RESOLUTION_MB = 1.0
#: a score "differs" from the reference by more than this fraction of the largest
#: score: float32 rounding of the same maths stays far below it, a ReLU whose
#: input sits within rounding of zero (switched by another summation order) does not
DIFFER_REL = 1e-6
#: how a method's time is taken: wall-clock time, or the process's CPU time (--clock)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
#: (N, K, batch size) per model, full and --quick
SIZES = {
    "mlp": ((20000, 8, 500), (4000, 4, 500)),
    "lenet": ((8000, 8, 250), (1000, 4, 250)),
    "resnet18": ((256, 4, 64), (64, 3, 32)),
}


#: full-precision methods whose scores are VoG (candidates for "the fastest correct method",
#: if their scores agree with the reference: see ``correct``)
SCORING = (
    "default",
    "streaming",
    "sample_major",
    "sample_major_vmap",
    "sample_major_fastconv",
    "sample_major_compiled",
    "store_all",
    "per_sample",
    "captum",
)
#: agreement a correct method keeps with the reference scores: the same kernels to float32
#: rounding; other kernels (another summation order can flip a ReLU within rounding of zero)
#: the same ranking and within 1% of the largest score (as ``summary.check_agreement``)
SAME_KERNELS = ("streaming", "sample_major", "store_all", "captum")
SAME_KERNELS_REL, OTHER_KERNELS_REL, OTHER_KERNELS_RHO = 1e-5, 1e-2, 0.9999

#: the methods that are vog.compute_vog with these options
COMPUTE_VOG_OPTIONS = {
    "default": {},
    "streaming": {"mode": "streaming", "fast_conv": False},
    "sample_major": {"mode": "sample_major", "fast_conv": False, "vectorize": False},
    "sample_major_vmap": {"mode": "sample_major", "vectorize": True},
    "sample_major_fastconv": {"mode": "sample_major", "fast_conv": True},
    "sample_major_bf16": {"mode": "sample_major", "autocast": "bfloat16", "vectorize": False},
    "sample_major_compiled": {"mode": "sample_major", "compile": True},
}


def reduction_passes(
    model: str, n: int, k: int, *, repeat: int = 3, clock: str = "wall", threads=None
) -> dict:
    """Seconds to reduce one chunk of a model's gradient maps to VoG (Eq. 2-4) on the CPU,
    in one piece and in cache-sized blocks of examples (ours).

    The chunk holds as many of the N examples as the sample-major mode puts in one
    (:data:`vog.scoring.sample_major.CHUNK_BYTES` of maps and inputs); ``whole_s`` is
    :func:`vog.scoring.sample_major._reduce` with a block as large as the chunk (each
    pass streams the chunk from memory), ``blocked_s`` the same with its blocks of
    :data:`vog.scoring.sample_major.REDUCE_BYTES`. The maps are random (the time does
    not depend on them) and restored before each timed reduction; each time is the
    best of ``repeat``.
    """
    from vog.scoring import sample_major

    shape = INPUT_SHAPES[model]
    pixels = math.prod(shape[1:])  # the channel mean
    per_example = 4 * k * pixels + 4 * math.prod(shape)
    rows = max(1, min(n, sample_major.CHUNK_BYTES // per_example))
    source = torch.randn(k, rows, *shape[1:])
    maps = torch.empty_like(source)
    tick = CLOCKS[clock]
    before_threads, block = torch.get_num_threads(), sample_major.REDUCE_BYTES
    times = {}
    try:
        if threads:
            torch.set_num_threads(threads)
        for name, size in (("whole_s", source.numel() * 4), ("blocked_s", block)):
            sample_major.REDUCE_BYTES = size
            runs = []
            for _ in range(repeat + 1):  # the first run warms up
                maps.copy_(source)
                start = tick()
                sample_major._reduce(maps)
                runs.append(tick() - start)
            times[name] = min(runs[1:])
    finally:
        sample_major.REDUCE_BYTES = block
        torch.set_num_threads(before_threads)
    return {"examples": rows, **times}


#: Input shape of one example, per model.
INPUT_SHAPES = {"mlp": (1, 28, 28), "lenet": (1, 28, 28), "resnet18": (3, 32, 32)}


def build(model: str, n: int, k: int, seed: int = 0):
    """K checkpoints of one architecture and N random examples."""
    torch.manual_seed(seed)
    if model == "mlp":
        make, classes = (lambda: vog.experiments.MLP(784, (256, 128), 10)), 10
    elif model == "lenet":
        make, classes = (lambda: vog.experiments.LeNet(1, 10)), 10
    elif model == "resnet18":
        make, classes = (lambda: vog.experiments.ResNet18(10)), 10
    else:
        raise ValueError(f"unknown model {model!r}; choose one of {sorted(SIZES)}")
    shape = INPUT_SHAPES[model]
    ckpts = [make().eval() for _ in range(k)]
    x = torch.randn(n, *shape)
    y = torch.randint(0, classes, (n,))
    return ckpts, x, y


def _store_all(ckpts, batches, dev, gradient) -> torch.Tensor:
    """Baseline: keep every channel-averaged gradient map, then the variance over checkpoints.

    The maps go into one float32 (K, N, *pixels) tensor allocated up front, the
    most frugal way to keep them (a list of per-batch maps also fragments the
    CPU heap); the variance is :func:`vog.vog_from_gradients`, as a user would
    call it on stored maps.
    """
    n = sum(len(xb) for xb, _ in batches)
    maps = None
    for k, m in enumerate(ckpts):
        m.to(dev).eval()
        start = 0
        for xb, yb in batches:
            g = gradient(m, xb.to(dev), yb.to(dev)).mean(1)
            if maps is None:
                maps = torch.empty(len(ckpts), n, *g.shape[1:])
            maps[k, start : start + len(g)] = g
            start += len(g)
    return vog.vog_from_gradients(maps)


def _one_hot_seeded(m, xx, yy):
    out = m(xx)
    seed = torch.zeros_like(out).scatter_(1, yy.view(-1, 1), 1.0)
    return torch.autograd.grad(out, xx, grad_outputs=seed)


def _gather_seeded(m, xx, yy):
    return torch.autograd.grad(m(xx).gather(1, yy.view(-1, 1)).sum(), xx)


def _chunks(batches, k: int):
    """The batches grouped as the sample-major mode groups them (its byte budget per chunk)."""
    from vog.scoring.sample_major import CHUNK_BYTES

    chunk, size = [], 0
    for xb, yb in batches:
        pixels = xb[0, 0].numel() if xb.dim() >= 4 else xb[0].numel()  # channel mean
        bytes_ = len(xb) * (4 * k * pixels + xb[0].numel() * xb.element_size())
        if chunk and size + bytes_ > CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append((xb, yb))
        size += bytes_
    if chunk:
        yield chunk


def run_method(method: str, ckpts, x, y, batch_size: int, device: str) -> torch.Tensor | None:
    dev = torch.device(device)
    data = (x, y)

    def batches(size):
        return list(zip(x.split(size), y.split(size), strict=True))

    if method == "forward":
        with torch.no_grad():
            for m in ckpts:
                m.to(dev)
                for xb in x.split(batch_size):
                    m(xb.to(dev))
        return None
    if method.startswith("gradient"):
        for m in ckpts:
            m.to(dev).eval().requires_grad_(False)
        seeded = _gather_seeded if method == "gradient_gather" else _one_hot_seeded
        if method == "gradient_batch_major":
            for xb, yb in batches(batch_size):
                xx, yy = xb.to(dev).requires_grad_(True), yb.to(dev)
                for m in ckpts:
                    seeded(m, xx, yy)
            return None
        with ExitStack() as stack:
            if method == "gradient_fastconv":  # the default's route: measured per layer
                for m in ckpts:
                    stack.enter_context(vog.fast_conv.fast_conv_route(m, None, dev))
            for chunk in _chunks(batches(batch_size), len(ckpts)):
                chunk = [(xb.to(dev).requires_grad_(True), yb.to(dev)) for xb, yb in chunk]
                for m in ckpts:
                    for xx, yy in chunk:
                        seeded(m, xx, yy)
        return None
    if method in COMPUTE_VOG_OPTIONS:
        options = COMPUTE_VOG_OPTIONS[method]
        return vog.compute_vog(ckpts, data, batch_size=batch_size, device=dev, **options).raw
    if method == "store_all":
        return _store_all(ckpts, batches(batch_size), dev, vog.input_gradients)
    if method == "per_sample":
        return _store_all(ckpts, batches(1), dev, vog.input_gradients)
    if method == "captum":
        from captum.attr import Saliency

        def saliency(m, xb, yb):
            return Saliency(m).attribute(xb, target=yb, abs=False)

        return _store_all(ckpts, batches(batch_size), dev, saliency)
    raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")


def worker(args) -> None:
    torch.set_num_threads(args.threads) if args.threads else None
    ckpts, x, y = build(args.model, args.n, args.k)
    dev = torch.device(args.device)
    method = args.method

    def peak_rss() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # code warm-up: 2 examples through every code path the method uses; what the
    # process holds now (libraries, one-time caches, models, data) is not counted
    run_method(method, ckpts, x[:2], y[:2], 1 if method == "per_sample" else 2, args.device)
    base_rss = peak_rss()
    # batch warm-up: two batches; growth beyond this is the part that grows with N
    size = 2 if method == "per_sample" else min(len(x), 2 * args.batch_size)
    run_method(method, ckpts, x[:size], y[:size], args.batch_size, args.device)
    warm_rss = peak_rss()
    warm_cuda = None
    if dev.type == "cuda":
        torch.cuda.synchronize()
        warm_cuda = torch.cuda.max_memory_allocated() / 2**20
        torch.cuda.reset_peak_memory_stats()
    seconds = float("inf")
    clock = CLOCKS[args.clock]
    for _ in range(max(args.repeat, 1)):
        t0 = clock()
        scores = run_method(args.method, ckpts, x, y, args.batch_size, args.device)
        if dev.type == "cuda":
            torch.cuda.synchronize()
        seconds = min(seconds, clock() - t0)
    cuda_peak = torch.cuda.max_memory_allocated() / 2**20 if dev.type == "cuda" else None
    out = {
        "seconds": seconds,
        "maxrss_mb": peak_rss(),
        "base_maxrss_mb": base_rss,
        "warm_maxrss_mb": warm_rss,
        "cuda_peak_mb": cuda_peak,
        "cuda_warm_mb": warm_cuda,
    }
    decisions = vog.conv_planner.route_decisions()  # the measured route's plans (warm-ups)
    loops = vmap_decisions()  # the measured loop-or-vmap plans (warm-ups)
    if decisions:
        out["route_decisions"] = [d.as_dict() for d in decisions]
    if loops:
        out["vmap_decisions"] = [d.as_dict() for d in loops]
    if decisions or loops:
        # a loop-or-vmap plan times the loop first, on the examples it plans with: the
        # convolution plans made on that many examples are inside its time
        inside = {d.batch for d in loops}
        out["planning_seconds"] = sum(d.seconds for d in loops) + sum(
            d.seconds for d in decisions if d.batch not in inside
        )
    if scores is not None:
        torch.save(scores, args.scores)
    Path(args.result).write_text(json.dumps(out))


def measure(
    model, method, n, k, batch_size, device, threads, tmp: Path, repeat: int = 3, clock="wall"
) -> dict | None:
    res, sc = tmp / f"{model}-{method}.json", tmp / f"{model}-{method}.pt"
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        method,
        "--model",
        model,
        "--n",
        str(n),
        "--k",
        str(k),
        "--batch-size",
        str(batch_size),
        "--device",
        device,
        "--result",
        str(res),
        "--scores",
        str(sc),
        "--threads",
        str(threads or 0),
        "--repeat",
        str(1 if method == "per_sample" else repeat),
        "--clock",
        clock,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        if method == "captum" and "No module named 'captum'" in proc.stderr:
            return None
        raise RuntimeError(f"{model}/{method} failed:\n{proc.stderr[-3000:]}")
    out = json.loads(res.read_text())
    out["scores"] = torch.load(sc, weights_only=True) if sc.exists() else None
    return out


def benchmark(
    models,
    *,
    device="cpu",
    quick=False,
    threads=None,
    methods=METHODS,
    repeat=3,
    sizes=None,
    clock="wall",
    rounds=1,
) -> dict:
    """Run every method for every model; return timings, memory and ratios.

    ``sizes``: (N, K, batch size) for every model instead of the built-in ones;
    ``clock``: ``"wall"`` or ``"cpu"`` (see :data:`CLOCKS`); ``rounds``: how many
    times every method's process runs, one method after the other in each round
    (each method's row is its fastest process; ``round_seconds`` keeps them all, and
    the ratio of ours to the fastest correct method is the median over the rounds of
    the ratio within a round: a change of the machine's speed between rounds
    cancels out of it).
    """
    if int(rounds) < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    if clock not in CLOCKS:
        raise ValueError(f"clock={clock!r} is not valid; choose one of {sorted(CLOCKS)}")
    if "default" not in methods:
        raise ValueError("methods must include 'default' (the ratios are relative to it)")
    from vog.experiments.provenance import machine

    results = {
        "device": device_name(device, threads),
        "processor": machine(),
        "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "sizes": "custom" if sizes else "quick" if quick else "full",
        "clock": clock,
        "threads": threads or torch.get_num_threads(),
        "models": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            n, k, bs = sizes or SIZES[model][1 if quick else 0]
            runs: dict[str, list[dict]] = {}
            for _ in range(int(rounds)):
                for method in methods:
                    m = measure(model, method, n, k, bs, device, threads, Path(tmp), repeat, clock)
                    if m is not None:
                        runs.setdefault(method, []).append(m)
            rows = {}
            for method, ms in runs.items():
                m = min(ms, key=lambda one: one["seconds"])  # the method's fastest process
                if m["cuda_peak_mb"] is not None:
                    mem = m["cuda_peak_mb"]
                    growth = max(m["cuda_peak_mb"] - m["cuda_warm_mb"], 0.0)
                else:
                    mem = max(m["maxrss_mb"] - m["base_maxrss_mb"], 0.0)
                    growth = max(m["maxrss_mb"] - m["warm_maxrss_mb"], 0.0)
                rows[method] = {
                    "seconds": m["seconds"],
                    "peak_mb": mem,
                    "growth_mb": growth,
                    "scores": m["scores"],
                    "round_seconds": [one["seconds"] for one in ms],
                }
                for key in ("route_decisions", "vmap_decisions", "planning_seconds"):
                    if key in m:  # the measured routes' plans in that process
                        rows[method][key] = m[key]
            ref = rows["streaming" if "streaming" in rows else "default"]["scores"]
            for name, r in rows.items():
                r.update(agreement(r.pop("scores"), ref))
                r["correct"] = correct(name, r)
            results["models"][model] = {"n": n, "k": k, "batch_size": bs, "methods": rows}
            results["models"][model]["fastest_correct"] = fastest_correct(rows)
            if torch.device(device).type == "cpu":
                results["models"][model]["reduction"] = reduction_passes(
                    model, n, k, repeat=repeat, clock=clock, threads=threads
                )
            results["models"][model]["ratios"] = ratios(results["models"][model])
    return results


def agreement(scores: torch.Tensor | None, ref: torch.Tensor) -> dict:
    """How far a method's scores are from the reference ones (all None without scores)."""
    keys = ("max_abs_diff", "max_rel_diff", "n_differ", "spearman_vs_fp32")
    if scores is None:
        return dict.fromkeys(keys)
    diff, scale = (scores - ref).abs(), ref.abs().max()
    return {
        "max_abs_diff": float(diff.max()),
        "max_rel_diff": float(diff.max() / scale),
        "n_differ": int((diff > DIFFER_REL * scale).sum()),
        "spearman_vs_fp32": vog.analysis.spearman(scores, ref)[0],
    }


def correct(method: str, row: dict) -> bool | None:
    """Whether a method's scores are VoG (None for methods that compute no scores)."""
    if method not in SCORING or row.get("max_rel_diff") is None:
        return None
    if method in SAME_KERNELS:
        return row["max_rel_diff"] < SAME_KERNELS_REL
    return row["max_rel_diff"] < OTHER_KERNELS_REL and row["spearman_vs_fp32"] > OTHER_KERNELS_RHO


def fastest_correct(methods: dict) -> str | None:
    """The fastest method whose scores are VoG (see :func:`correct`), or None."""
    ok = {m: r["seconds"] for m, r in methods.items() if r.get("correct")}
    return min(ok, key=ok.get) if ok else None


def ratios(model_result: dict) -> dict:
    """The ratios the targets are stated in (all measured in this run; those whose
    methods were run)."""
    r = model_result["methods"]

    def t(method):
        return r[method]["seconds"]

    def time_ratio(a, b):
        return t(a) / t(b) if a in r and b in r else None

    best = fastest_correct(r)
    floors = [m for m in ("gradient", "gradient_fastconv") if m in r]
    floor = min(floors, key=t) if floors else None
    out = {
        "ours / fastest correct (time)": paired_ratio(r, "default", best) if best else None,
        "streaming / fastest correct (time)": time_ratio("streaming", best) if best else None,
        "fastest correct / floor (time)": time_ratio(best, floor) if best and floor else None,
        "ours / floor (time)": time_ratio("default", floor) if floor else None,
        "conv route: autograd / forward convolutions (gradient time)": time_ratio(
            "gradient", "gradient_fastconv"
        ),
        "loop order: batch-major / chunked checkpoint-major (gradient time)": time_ratio(
            "gradient_batch_major", "gradient"
        ),
        "seeding: gather / one-hot (gradient time)": time_ratio("gradient_gather", "gradient"),
        "ours / forward (time)": time_ratio("default", "forward"),
        "ours autograd convs / forward (time)": time_ratio("sample_major", "forward"),
        "ours vmap / forward (time)": time_ratio("sample_major_vmap", "forward"),
        "ours fast_conv / forward (time)": time_ratio("sample_major_fastconv", "forward"),
        "ours / gradient (time)": time_ratio("sample_major", "gradient"),
        "gradient / forward (time)": time_ratio("gradient", "forward"),
        "store_all / ours (time)": time_ratio("store_all", "default"),
        "store_all / ours (peak memory)": None,
        "store_all / ours (memory growing with N)": None,
        "per_sample / ours (time)": time_ratio("per_sample", "default"),
        "streaming / ours (time)": time_ratio("streaming", "default"),
        "vmap / loop (time)": time_ratio("sample_major_vmap", "sample_major"),
        "captum / ours (time)": time_ratio("captum", "default"),
        "reduction passes: whole chunk / cache-sized blocks (reduction time)": None,
    }
    red = model_result.get("reduction")
    if red:
        out["reduction passes: whole chunk / cache-sized blocks (reduction time)"] = (
            red["whole_s"] / red["blocked_s"]
        )
    if "store_all" in r:
        ours, store = r["default"], r["store_all"]
        out["store_all / ours (peak memory)"] = store["peak_mb"] / max(ours["peak_mb"], 1e-3)
        # growth below the resolution counts as the resolution: the ratio is then a lower bound
        out["store_all / ours (memory growing with N)"] = store["growth_mb"] / max(
            ours["growth_mb"], GROWTH_RESOLUTION_MB
        )
    return {name: value for name, value in out.items() if value is not None}


def paired_ratio(methods: dict, a: str, b: str) -> float:
    """Time of ``a`` over ``b``: the median over rounds of the ratio within a round when
    both ran in the same rounds (``round_seconds``), else the ratio of their best times."""
    ra, rb = methods[a].get("round_seconds"), methods[b].get("round_seconds")
    if ra and rb and len(ra) == len(rb) and len(ra) > 1:
        return float(statistics.median(x / y for x, y in zip(ra, rb, strict=True)))
    return methods[a]["seconds"] / methods[b]["seconds"]


def device_name(device: str, threads: int | None = None) -> str:
    """The device in words; on a CPU with the threads the methods run with."""
    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    return f"CPU: {cpu_model()}, {threads or torch.get_num_threads()} threads"


def cpu_model() -> str:
    """The processor's model name and architecture, as the build's record states them
    (:func:`vog.experiments.provenance.machine`)."""
    from vog.experiments.provenance import machine

    m = machine()
    return f"{m['cpu']} ({m['architecture']})"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--models", nargs="+", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--quick", action="store_true", help="small sizes (seconds, for docs/CI)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3, help="time: best of this many runs")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every method's process this many times, round by round (median ratios)",
    )
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument(
        "--clock", choices=list(CLOCKS), default="wall", help="wall-clock or process CPU time"
    )
    ap.add_argument("--with-compile", action="store_true", help="also time torch.compile")
    ap.add_argument(
        "--methods",
        nargs="+",
        choices=METHODS + ("sample_major_compiled",),
        help="run only these (sample_major is always needed)",
    )
    ap.add_argument(
        "--sizes",
        nargs=3,
        type=int,
        metavar=("N", "K", "BATCH"),
        help="N examples, K checkpoints and the batch size for every model",
    )
    # worker mode (internal)
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    for name in ("--model", "--result", "--scores"):
        ap.add_argument(name, help=argparse.SUPPRESS)
    for name in ("--n", "--k", "--batch-size"):
        ap.add_argument(name, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        args.method = args.worker
        worker(args)
        return 0
    methods = tuple(args.methods) if args.methods else METHODS
    if args.with_compile and "sample_major_compiled" not in methods:
        methods += ("sample_major_compiled",)
    if args.sizes and (min(args.sizes) < 1 or args.sizes[1] < 2):
        ap.error(f"--sizes needs N >= 1, K >= 2, BATCH >= 1; got {args.sizes}")
    res = benchmark(
        args.models,
        device=args.device,
        quick=args.quick,
        threads=args.threads,
        methods=methods,
        repeat=args.repeat,
        sizes=tuple(args.sizes) if args.sizes else None,
        clock=args.clock,
        rounds=args.rounds,
    )
    print(f"device: {res['device']}  torch {res['torch']}  ({res['clock']} time)")
    for model, mr in res["models"].items():
        print(f"\n{model}: N={mr['n']} K={mr['k']} batch={mr['batch_size']}")
        print(
            f"  {'method':<21} {'seconds':>9} {'peak MB':>9} {'growth MB':>9} "
            f"{'max |diff|':>11} {'differ':>7}"
        )
        for method, r in mr["methods"].items():
            diff = "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.1e}"
            differ = "-" if r["n_differ"] is None else str(r["n_differ"])
            print(
                f"  {method:<21} {r['seconds']:>9.3f} {r['peak_mb']:>9.1f} "
                f"{r['growth_mb']:>9.1f} {diff:>11} {differ:>7}"
            )
        print(f"  fastest correct method: {mr['fastest_correct']}")
        for name, value in mr["ratios"].items():
            print(f"  {name:<66} {value:7.2f}x")
    if args.json:
        vog.atomic.atomic_write(args.json, lambda p: p.write_text(json.dumps(res, indent=1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
