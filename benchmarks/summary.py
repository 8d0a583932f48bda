"""What the Performance chapter reports from the benchmark's JSON results.

``bench_scoring.py`` writes one JSON file per run (measured in one process
tree, ratios included); this module reads such results and turns them into
the chapter's tables: the measurements, the ratios, the agreement of every
method's scores, and the targets each run meets or misses. Nothing here
measures anything.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

__all__ = [
    "SAME_KERNELS",
    "OTHER_KERNELS",
    "TARGETS",
    "CAUSES",
    "cause_table",
    "conv_route_table",
    "forward_route_layers",
    "planner_decisions",
    "route_plans",
    "TIME_PLOT",
    "MEMORY_PLOT",
    "TARGET_FORMATS",
    "REDUCTION",
    "checkpoint_routes",
    "planning_cost",
    "same_code_models",
    "THIN_RULE_CHANNELS",
    "processor",
    "verdicts_by_machine",
    "run_training_benchmark",
    "training_table",
    "training_rows",
    "recording_numbers",
    "recording_verdict",
    "run_benchmark",
    "load_results",
    "measurements",
    "ratio_table",
    "check_agreement",
    "target_rows",
    "target_split",
]

HERE = Path(__file__).resolve().parent
#: Methods that run the same kernels as the streaming mode: equal to float32 rounding.
SAME_KERNELS = ("streaming", "sample_major", "store_all", "captum")
#: Full-precision methods that run other kernels: same ranking, close scores.
OTHER_KERNELS = ("default", "sample_major_vmap", "sample_major_fastconv", "per_sample")
#: The targets: scoring time at most 2.5x the forward-only time; peak memory at least
#: 10x below storing every gradient map; our O(N) mode at most 1.1x the fastest method
#: whose scores are VoG (issue 26); recording at most 10% of a training epoch.
TARGETS = {
    "best variant / forward": ("<=", 2.5),
    "store_all / ours (peak memory)": (">=", 10.0),
    "ours / fastest correct": ("<=", 1.1),
    "recording overhead (fraction of an epoch)": ("<=", 0.1),
}
#: The ratio of the reduction's two ways (bench_scoring.reduction_passes).
REDUCTION = "reduction passes: whole chunk / cache-sized blocks (reduction time)"
#: What each suspected cause of slow scoring costs: a ratio of two times of one run, and
#: what it compares.
CAUSES = {
    "loop order: batch-major / chunked checkpoint-major (gradient time)": (
        "loop order",
        "the gradient floor run batch-major (every checkpoint on a batch, then the next "
        "batch) over the same passes run checkpoint-major within chunks",
    ),
    "seeding: gather / one-hot (gradient time)": (
        "backward seeding",
        "the floor seeded through gather(...).sum() over the one-hot grad_outputs",
    ),
    "ours / gradient (time)": (
        "VoG's own work",
        "our sample-major mode (autograd's convolution kernels) over the floor in its loop "
        "order: input checks, the detached clone, writing the maps and the two-pass "
        "reduction (Eq. 2-4)",
    ),
    "conv route: autograd / forward convolutions (gradient time)": (
        "convolution backward kernel",
        "the floor with autograd's backward-data kernels over the same floor with each "
        "convolution's input gradient by the route the planner measured faster (our "
        "default)",
    ),
    REDUCTION: (
        "reduction passes",
        "reducing one chunk's K maps per example to VoG (Eq. 2-4) in one piece, each pass "
        "streaming the chunk from memory, over the same in cache-sized blocks of examples "
        "(ours)",
    ),
    "streaming / ours (time)": (
        "per-pixel running state",
        "checkpoint-major with a float64 Welford state per pixel (O(N x pixels)) over ours",
    ),
    "store_all / ours (time)": (
        "storing every map",
        "keeping all K x N maps, then the variance, over ours",
    ),
}
#: Our sample-major variants and the ratio that times each against the forward floor.
VARIANTS = {
    "default": "ours / forward (time)",
    "loop, autograd convs": "ours autograd convs / forward (time)",
    "vmap": "ours vmap / forward (time)",
    "fast_conv": "ours fast_conv / forward (time)",
}


#: The time ratios and the memory ratios the performance chapter plots.
TIME_PLOT = (
    "ours / forward (time)",
    "ours / gradient (time)",
    "store_all / ours (time)",
    "per_sample / ours (time)",
)
MEMORY_PLOT = ("store_all / ours (peak memory)", "store_all / ours (memory growing with N)")
#: How the columns of :func:`target_rows` are shown.
TARGET_FORMATS = {
    "ours / forward": "{:.2f}x",
    "best variant / forward": "{:.2f}x",
    "gradient / forward": "{:.2f}x",
    "ours / fastest correct": "{:.2f}x",
    "store_all / ours (peak memory)": "{:.1f}x",
    "store_all max rel. diff": "{:.1e}",
}


def run_benchmark(
    models: list[str],
    *,
    device: str = "cpu",
    quick: bool = True,
    repeat: int = 3,
    methods: list[str] | None = None,
) -> dict:
    """Run ``bench_scoring.py`` in a fresh process and return its JSON result.

    ``repeat``: each time is the best of this many runs; ``methods``: a subset
    of the script's methods (default: all).
    """
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.json"
        cmd = [sys.executable, str(HERE / "bench_scoring.py"), "--device", device]
        cmd += ["--json", str(out), "--models", *models, "--repeat", str(int(repeat))]
        cmd += ["--quick"] if quick else []
        cmd += ["--methods", *methods] if methods else []
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"benchmark failed:\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text())


def load_results(paths: list[str | Path]) -> dict[str, dict]:
    """Recorded runs by file stem; a path that does not exist is skipped."""
    return {Path(p).stem: json.loads(Path(p).read_text()) for p in paths if Path(p).is_file()}


def measurements(result: dict) -> pd.DataFrame:
    """One row per (model, method): N, K, seconds, memory and score agreement."""
    rows = [
        {"model": m, "N": r["n"], "K": r["k"], "method": meth, **vals}
        for m, r in result["models"].items()
        for meth, vals in r["methods"].items()
    ]
    return pd.DataFrame(rows).set_index(["model", "method"])


def ratio_table(result: dict) -> pd.DataFrame:
    """The ratios of a run: one column per model, one row per ratio."""
    return pd.DataFrame({m: r["ratios"] for m, r in result["models"].items()})


def check_agreement(methods: dict, where: str) -> None:
    """Assert that every full-precision method computes the same VoG.

    Same kernels: within 1e-5 of the largest score. Other kernels (another
    summation order, which can flip a ReLU whose input sits within rounding of
    zero): Spearman > 0.9999 with the reference and within 1% of the largest
    score. Raises ``AssertionError`` naming the run and the method.
    """
    for name, v in methods.items():
        rel = v.get("max_rel_diff")
        if rel is None:
            continue
        if name in SAME_KERNELS:
            assert rel < 1e-5, f"{where}: {name} disagrees ({rel:.1e})"
        if name in OTHER_KERNELS:
            assert v["spearman_vs_fp32"] > 0.9999, f"{where}: {name} ranks differently"
            assert rel < 1e-2, f"{where}: {name} disagrees ({rel:.1e})"


def target_rows(runs: dict[str, dict]) -> pd.DataFrame:
    """Per recorded run and model: the ratios the targets are stated in.

    ``best variant`` is the fastest of our sample-major variants that the run
    measured; ``store_all max rel. diff`` is how far the stored-maps scores
    are from ours (relative to the largest score).
    """
    rows = []
    for run, rec in runs.items():
        for m, r in rec["models"].items():
            q = r["ratios"]
            proc = processor(rec)
            timed = {name: q[key] for name, key in VARIANTS.items() if q.get(key) is not None}
            best = min(timed, key=timed.get) if timed else None
            rows.append(
                {
                    "run": run,
                    "processor": proc,
                    "model": m,
                    "N, K, batch": f"{r['n']}, {r['k']}, {r['batch_size']}",
                    "ours / fastest correct": q.get("ours / fastest correct (time)"),
                    "fastest correct": r.get("fastest_correct"),
                    "ours / forward": q.get("ours / forward (time)"),
                    "best variant / forward": timed.get(best),
                    "best variant": best,
                    "gradient / forward": q.get("gradient / forward (time)"),
                    "store_all / ours (peak memory)": q.get("store_all / ours (peak memory)"),
                    "store_all max rel. diff": r["methods"]
                    .get("store_all", {})
                    .get("max_rel_diff"),
                }
            )
    return pd.DataFrame(rows)


def cause_table(result: dict) -> pd.DataFrame:
    """What each suspected cause costs in a run: one row per cause, one column per model
    (the ratio of the two times it compares; missing where a method was not run)."""
    rows = {}
    for key, (cause, _) in CAUSES.items():
        rows[cause] = {m: r["ratios"].get(key) for m, r in result["models"].items()}
    table = pd.DataFrame(rows).T
    table["compares"] = [what for _, what in CAUSES.values()]
    return table


def conv_route_table(result: dict) -> pd.DataFrame:
    """One row per layer shape of a ``bench_conv_route.py`` run: autograd's time over the
    forward route's (above 1: the forward route is faster) and the route the CPU default
    takes for that layer."""
    rows = [
        {
            "C_in": r["c_in"],
            "C_out": r["c_out"],
            "kernel": r["kernel"],
            "size": r["size"],
            "layout": "channels-last" if r["channels_last"] else "NCHW",
            "autograd / forward": r["ratio"],
            "default route": r["default_route"],
            "planner agrees": r.get("planner_agrees"),
        }
        for r in result["rows"]
    ]
    return pd.DataFrame(rows)


@functools.lru_cache(maxsize=1)
def _bench_scoring():
    """``bench_scoring.py`` as a module, loaded once (its models and data)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_bench_scoring", HERE / "bench_scoring.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def _keep_input(seen: dict, name: str, module, args) -> None:
    """A forward pre-hook: the first input ``name`` receives."""
    seen.setdefault(name, args[0])


def planner_decisions(models: list[str], *, batch: int = 16) -> pd.DataFrame:
    """The convolution routes of :func:`route_plans` (one row per layer)."""
    return route_plans(models, batch=batch)[0]


def route_plans(models: list[str], *, batch: int = 16) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the default's planners choose for the benchmark models on this machine.

    Scores one batch of each model (two checkpoints) with the default, after forgetting
    earlier decisions, so every kind of layer and batch is timed here. Returns the
    convolution routes, one row per layer (model, layer, both routes' times on the first
    batch, their ratio, the route taken), and the checkpoint routes, one row per model
    (the loop's and vmap's times, their ratio, the route taken and why).
    """
    import copy

    import torch

    import vog
    from vog import conv_planner
    from vog.fast_conv import conv_eligible
    from vog.scoring import vmap_route

    bench = _bench_scoring()
    rows, loops = [], []
    for model in models:
        ckpts, x, y = bench.build(model, batch, 2)
        conv_planner.clear_route_plans()
        vmap_route.clear_vmap_plans()
        seen: dict[str, torch.Tensor] = {}

        hooks = [
            m.register_forward_pre_hook(functools.partial(_keep_input, seen, name))
            for name, m in ckpts[0].named_modules()
            if isinstance(m, torch.nn.Conv2d)
        ]
        try:
            vog.compute_vog(ckpts, (x, y), batch_size=batch, device="cpu")
        finally:
            for h in hooks:
                h.remove()
        for d in vmap_route.vmap_decisions():
            loops.append(
                {
                    "model": model,
                    "loop ms": 1e3 * d.loop_seconds,
                    "vmap ms": None if d.vmap_seconds is None else 1e3 * d.vmap_seconds,
                    "loop / vmap": d.ratio,
                    "route": d.route,
                    "why": d.reason,
                }
            )
        for name, m in ckpts[0].named_modules():
            if name not in seen:
                continue
            frozen = copy.deepcopy(m).requires_grad_(False)  # as scoring freezes it
            d = conv_planner.lookup(m, seen[name]) if conv_eligible(frozen) else None
            rows.append(
                {
                    "model": model,
                    "layer": f"{name} ({m.in_channels} -> {m.out_channels}, "
                    f"{m.kernel_size[0]}x{m.kernel_size[1]})",
                    "autograd ms": 1e3 * d.autograd_seconds if d else None,
                    "forward ms": 1e3 * d.forward_seconds if d else None,
                    "autograd / forward": d.ratio if d else None,
                    "route": d.route if d else "autograd (not eligible)",
                }
            )
    columns = ["model", "layer", "autograd ms", "forward ms", "autograd / forward", "route"]
    loop_columns = ["model", "loop ms", "vmap ms", "loop / vmap", "route", "why"]
    return pd.DataFrame(rows, columns=columns), pd.DataFrame(loops, columns=loop_columns)


def checkpoint_routes(rec: dict) -> dict[str, str]:
    """Per model of a recorded run: how the default ran its K checkpoints, e.g.
    ``"loop (vmap 1.08x its time)"``; runs recorded before the loop-or-vmap planner
    (no ``vmap_decisions``) ran the loop."""
    out = {}
    for model, r in rec["models"].items():
        decisions = r["methods"].get("default", {}).get("vmap_decisions")
        if decisions is None:
            out[model] = "loop (before the planner)"
            continue
        d = max(decisions, key=lambda d: d["batch"])  # the full batches' plan
        if d["ratio"] is None:
            out[model] = f"{d['route']} ({d['reason']})"
        elif d["route"] == "vmap":
            out[model] = f"vmap (loop {d['ratio']:.2f}x its time)"
        else:
            out[model] = f"loop (vmap {1 / d['ratio']:.2f}x its time)"
    return out


def forward_route_layers(model: str) -> dict[str, int]:
    """How many convolutions of a benchmark model (``bench_scoring.build``) may take the
    forward route: ``"default"``, those the planner sends forward on this machine
    (:func:`planner_decisions`), and ``"all"``, ``fast_conv=True``'s (every eligible
    layer). Where the two are equal, ``default`` and ``sample_major_fastconv`` run the
    same convolution code (the default adds its planning)."""
    from vog.fast_conv import fast_conv_route

    decisions = planner_decisions([model])
    net = _bench_scoring().build(model, 1, 2)[0][0].requires_grad_(False)
    with fast_conv_route(net, True, "cpu") as every:
        pass
    routed = int((decisions["route"] == "forward").sum()) if len(decisions) else 0
    return {"default": routed, "all": every}


#: The CPU default's route before the planner (runs recorded before 2026-12-07): the forward
#: route for eligible layers with at most this many input and output channels.
THIN_RULE_CHANNELS = 16


def same_code_models(rec: dict) -> list[str]:
    """The models of a recorded CPU run on which ``default`` and ``sample_major_fastconv``
    ran the same convolution code: every eligible layer took the forward route.

    Runs with the planner say what it chose (``route_decisions`` of ``default``, for the
    batch sizes of the timed run); older runs followed the thin-layer rule
    (:data:`THIN_RULE_CHANNELS`), checked on the model's layers."""
    import torch

    from vog.conv_planner import PLAN_EXAMPLES
    from vog.fast_conv import conv_eligible

    out = []
    for model, r in rec["models"].items():
        default = r["methods"].get("default", {})
        if any(d["route"] == "vmap" for d in default.get("vmap_decisions", [])):
            continue  # the default ran the checkpoints vmapped: other code
        decisions = default.get("route_decisions")
        if decisions is not None:
            full = min(int(r["batch_size"]), PLAN_EXAMPLES)  # examples a full batch's plan timed
            timed = [d for d in decisions if d["batch"] == full]
            if timed and all(d["route"] == "forward" for d in timed):
                out.append(model)
            continue
        net = _bench_scoring().build(model, 1, 1)[0][0].requires_grad_(False)
        convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d) and conv_eligible(m)]
        widest = [max(m.in_channels, m.out_channels) for m in convs]
        if convs and max(widest) <= THIN_RULE_CHANNELS:
            out.append(model)
    return sorted(out)


def planning_cost(rec: dict) -> dict[str, float]:
    """Per model of a recorded run: the planner's time (once per process, in the warm-up)
    over the default's timed run, where the run recorded it."""
    out = {}
    for model, r in rec["models"].items():
        d = r["methods"].get("default", {})
        if d.get("planning_seconds") is not None:
            out[model] = d["planning_seconds"] / d["seconds"]
    return out


def processor(rec: dict) -> str:
    """The processor of a recorded run: its model name and vector instructions.

    Runs recorded before the processor was written (``"processor"``) name the
    model only, from their ``device`` line, and say that the ISA was not recorded."""
    proc = rec.get("processor")
    if proc:
        return f"{proc['cpu']} ({', '.join(proc['isa']) or 'no AVX'}; kernels {proc['kernels']})"
    device = rec.get("device", "")
    if not device.startswith("CPU: "):
        return device or "processor not recorded"
    name = device.removeprefix("CPU: ").rsplit(",", 1)[0]
    return f"{name.removesuffix(' (x86_64)')} (ISA not recorded)"


def verdicts_by_machine(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The target of ``column`` per processor: one row per processor of the table's runs
    (``runs``), with how many of its rows meet it and the misses (:func:`target_split`)."""
    rows = []
    for proc, part in table.groupby("processor", sort=False):
        ok, n, misses = target_split(part, column)
        if n:
            verdict = f"holds for all {n}" if ok == n else f"fails for {n - ok} of {n}"
            judged = ", ".join(dict.fromkeys(part["run"]))
            rows.append({"processor": proc, "runs": judged, "verdict": verdict, "misses": misses})
    return pd.DataFrame(rows, columns=["processor", "runs", "verdict", "misses"])


def run_training_benchmark(*, quick: bool = True, repeat: int = 1, clock: str = "wall") -> dict:
    """Run ``bench_training.py`` in a fresh process and return its JSON result."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "train.json"
        cmd = [sys.executable, str(HERE / "bench_training.py"), "--json", str(out)]
        cmd += ["--repeat", str(int(repeat)), "--clock", clock] + (["--quick"] if quick else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"training benchmark failed:\n{proc.stderr[-3000:]}")
        return json.loads(out.read_text())


def training_table(result: dict) -> pd.DataFrame:
    """One row per training loop: seconds and images per second."""
    return pd.DataFrame(result["loops"]).T[["seconds", "images_per_second"]]


def training_rows(runs: dict[str, dict]) -> pd.DataFrame:
    """Per recorded training run: its settings and overhead ratios."""
    rows = []
    for run, rec in runs.items():
        s = rec["settings"]
        rows.append(
            {
                "run": run,
                "n_train, n_scored, epochs": f"{s['n_train']}, {s['n_scored']}, {s['epochs']}",
                "clock": rec.get("clock", "wall"),
                "note": rec.get("note", ""),
                **rec["ratios"],
            }
        )
    return pd.DataFrame(rows)


def _recording_ratio(what: str, paired: bool) -> str:
    """The name of a training benchmark ratio, e.g. ``"gradient floor, paired (fraction ...)"``."""
    return f"{what}{', paired' if paired else ''} (fraction of an epoch)"


def _is_paired(result: dict) -> bool:
    """Whether a training benchmark run has the measurement paired within the recorder's run."""
    return _recording_ratio("recording overhead", True) in result["ratios"]


def recording_numbers(result: dict) -> dict:
    """The recording overhead of a training benchmark run and its parts, fractions of an epoch.

    From the measurement paired within the recorder's run when the run has it,
    else from the comparison of whole loops: ``overhead``, ``floor``, ``inputs``
    (the input gradients alone) and ``own`` (the recorder's work beyond the
    floor), each the median over rounds (None where the run lacks it); ``paired``
    (bool) says which; and
    ``whole_spread``: the lowest and highest whole-loop overhead of its rounds
    (None without rounds), the timing noise of comparing whole loops.
    """
    q, paired = result["ratios"], _is_paired(result)
    names = {
        key: _recording_ratio(what, paired)
        for key, what in (
            ("overhead", "recording overhead"),
            ("floor", "gradient floor"),
            ("inputs", "input gradients"),
            ("own", "recorder's own work beyond the floor"),
        )
    }
    # runs recorded before a ratio existed lack it: None
    out: dict = {key: (float(q[n]) if q.get(n) is not None else None) for key, n in names.items()}
    out["paired"] = paired
    whole = result.get("ratio_rounds", {}).get(_recording_ratio("recording overhead", False))
    out["whole_spread"] = (min(whole), max(whole)) if whole else None
    return out


def recording_verdict(result: dict) -> str:
    """Whether a training benchmark run meets the recording target (:data:`TARGETS`).

    The overhead judged is the one paired within the recorder's run (``...,
    paired``, see ``bench_training.py``) when the run has it, else the
    comparison of whole loops. The verdict reads the spread of the per-round
    overheads (``ratio_rounds``, interquartile range) as the run's timing noise:
    "holds" when the upper quartile is within the target and the floor is too,
    "fails" when the lower quartile is above it (or the floor alone is),
    "within noise" otherwise; each with its numbers and which measurement. A
    run without rounds is judged on its median alone.
    """
    target = TARGETS["recording overhead (fraction of an epoch)"][1]
    q, paired = result["ratios"], _is_paired(result)
    name = _recording_ratio("recording overhead", paired)
    overhead, floor = q[name], q[_recording_ratio("gradient floor", paired)]
    per_round = sorted(result.get("ratio_rounds", {}).get(name, []))
    if len(per_round) >= 3:
        lo, hi = (float(pd.Series(per_round).quantile(p)) for p in (0.25, 0.75))
    else:
        lo = hi = overhead
    numbers = (
        ("paired within the run: " if paired else "whole loops: ")
        + f"median {overhead:.1%} of an epoch"
        + (
            f", interquartile range of {len(per_round)} rounds [{lo:.1%}, {hi:.1%}]"
            if lo < hi
            else ""
        )
        + f"; the floor alone {floor:.1%}"
    )
    if floor > target:
        return f"fails: the floor alone exceeds {target:.0%} ({numbers})"
    if hi <= target:
        return f"holds ({numbers})"
    if lo > target:
        return f"fails ({numbers})"
    return f"within noise: the rounds straddle the {target:.0%} target ({numbers})"


def target_split(table: pd.DataFrame, column: str) -> tuple[int, int, str]:
    """How many rows meet the target of ``column`` (see :data:`TARGETS`), of how many
    rows measured it, and the misses as ``"model (run) 3.10x, ..."`` (``"none"``)."""
    op, bound = TARGETS[column]
    rows = table.dropna(subset=[column]) if len(table) else table
    if not len(rows):
        return 0, 0, "none"
    ok = rows[column] <= bound if op == "<=" else rows[column] >= bound
    miss = rows[~ok]

    def shown(value: float) -> str:  # two decimals, more where two would round onto the bound
        digits = next((d for d in (2, 3, 4) if round(value, d) != bound), 4)
        return f"{value:.{digits}f}"

    listing = ", ".join(
        f"{getattr(r, 'model', 'LeNet training')} ({r.run}) {shown(r[column])}"
        + ("" if column.startswith("recording") else "x")
        for _, r in miss.iterrows()
    )
    return int(ok.sum()), len(rows), listing or "none"
