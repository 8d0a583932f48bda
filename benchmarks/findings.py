"""The performance chapter's numbers, as the values it glues into its text.

Each function takes what the chapter measured or loaded (this build's run of
``bench_scoring.py``, the recorded runs, the per-layer route runs, the training
runs) and returns ``{glue key: value}``: the chapter glues them in one loop and
its sentences read them. Nothing here measures; every value comes from the
records passed in (:mod:`benchmarks.summary` reads and tabulates them).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import summary

__all__ = ["judged_rows", "scoring_findings", "route_findings", "recording_findings"]

FASTEST = "ours / fastest correct"


def _fastest_ratios(rec: dict) -> str:
    return ", ".join(
        f"{m} {r['ratios']['ours / fastest correct (time)']:.2f}x"
        for m, r in rec["models"].items()
        if "ours / fastest correct (time)" in r["ratios"]
    )


def scoring_findings(
    bench: dict,
    runs: dict[str, dict],
    *,
    verdict_runs: list[str],
    before: dict[str, dict],
) -> dict[str, Any]:
    """Scoring: this build's worst ratios, the targets over the recorded ``runs`` (the
    1.1x target over ``verdict_runs``, the latest run per processor, judged per
    processor), the same measurement with the code ``before``, and the timing noise
    between two methods that run the same code."""
    out: dict[str, Any] = {}
    ratios = summary.ratio_table(bench)
    table = summary.measurements(bench)
    out["perf_worst_forward"] = float(ratios.loc["ours / forward (time)"].max())
    out["perf_worst_gradient"] = float(ratios.loc["ours / gradient (time)"].max())
    out["perf_best_memory"] = float(ratios.loc["store_all / ours (peak memory)"].max())
    methods = table.index.get_level_values("method")
    out["perf_bf16_rank"] = (
        f"{float(table.xs('sample_major_bf16', level='method')['spearman_vs_fp32'].min()):.3f}"
        if "sample_major_bf16" in methods
        else "(not measured)"
    )
    own = [r["ratios"].get("ours / gradient (time)") for r in bench["models"].values()]
    out["perf_own_worst"] = f"{max(v for v in own if v is not None):.2f}"
    target_table = summary.target_rows(runs)
    for key, column in (
        ("time", "best variant / forward"),
        ("mem", "store_all / ours (peak memory)"),
    ):
        hits, n, misses = summary.target_split(target_table, column)
        out[f"perf_{key}_hits"] = f"{hits} of {n}"
        out[f"perf_{key}_misses"] = misses
    gpu = [run for run, rec in runs.items() if not rec["device"].startswith("CPU")]
    out["perf_gpu_runs"] = ", ".join(gpu) or "none yet"
    judged = judged_rows(bench, target_table, verdict_runs)
    slower = judged[judged[FASTEST] > summary.TARGETS[FASTEST][1]]
    out["perf_fastest_who"] = (
        "Where the target is missed, the faster method is "
        + "; ".join(
            f"{r['model']} ({r['run']}): {r['fastest correct']}" for _, r in slower.iterrows()
        )
        + "."
        if len(slower)
        else "The target is missed nowhere."
    )
    out["perf_fastest_worst"] = f"{float(judged[FASTEST].max()):.2f}"
    by_machine = summary.verdicts_by_machine(judged, FASTEST)
    out["perf_fastest_by_machine"] = "; ".join(
        f"{r['processor']}: {r['verdict']}" for _, r in by_machine.iterrows()
    )
    out["perf_fastest_change"] = _change(runs, before)
    out.update(_same_code_noise(runs))
    return out


def judged_rows(bench: dict, target_table: pd.DataFrame, verdict_runs: list[str]) -> pd.DataFrame:
    """The rows that judge the 1.1x target: those of ``verdict_runs`` (the latest run per
    processor) in ``target_table`` (:func:`summary.target_rows`), else this build's run."""
    judged = target_table[target_table["run"].isin(verdict_runs)] if len(target_table) else None
    if judged is None or not len(judged.dropna(subset=[FASTEST])):
        judged = summary.target_rows({"this build": bench})
    return judged.dropna(subset=[FASTEST])


def _change(runs: dict[str, dict], before: dict[str, dict]) -> str:
    """The 1.1x ratios with the code ``before`` and in the first recorded run on the same
    processor with the same sizes, clock and threads."""
    before_rec = next(iter(before.values()), None)
    first = next(
        (
            run
            for run, rec in runs.items()
            if before_rec is not None
            and summary.processor(rec) == summary.processor(before_rec)
            and all(before_rec.get(k) == rec.get(k) for k in ("sizes", "clock", "threads"))
        ),
        None,
    )
    if first is None or before_rec is None:
        return (
            "(No run of the code before on the same processor with the same sizes, clock and "
            "threads is recorded.)"
        )
    return (
        f"In the same measurement with the code before (`{next(iter(before))}`) ours took "
        f"{_fastest_ratios(before_rec)} of the fastest correct method; in "
        f"`{first}` it takes {_fastest_ratios(runs[first])}."
    )


def _same_code_noise(runs: dict[str, dict]) -> dict[str, str]:
    """Where ``default`` and ``sample_major_fastconv`` ran the same code
    (:func:`summary.same_code_models`), the spread of their times between processes:
    the runs' timing noise, against which a 1.1x target is tested."""
    same = {run: summary.same_code_models(rec) for run, rec in runs.items()}
    spreads = [
        abs(a / b - 1)
        for run, rec in runs.items()
        if rec["device"].startswith("CPU")
        for model, r in rec["models"].items()
        if model in same[run] and {"default", "sample_major_fastconv"} <= set(r["methods"])
        for a, b in zip(
            r["methods"]["default"].get("round_seconds", [r["methods"]["default"]["seconds"]]),
            r["methods"]["sample_major_fastconv"].get(
                "round_seconds", [r["methods"]["sample_major_fastconv"]["seconds"]]
            ),
            strict=True,
        )
    ]
    return {
        "perf_same_code_models": "; ".join(
            f"{', '.join(ms)} in `{run}`" for run, ms in same.items() if ms
        )
        or "none",
        "perf_same_code_spread": f"up to {max(spreads):.0%}" if spreads else "(not measured)",
    }


def route_findings(
    bench: dict,
    runs: dict[str, dict],
    *,
    verdict_runs: list[str],
    conv_runs: dict[str, dict],
    conv_route: str,
    planner: pd.DataFrame,
) -> dict[str, Any]:
    """The routes: LeNet's first layer per recorded per-layer run, whether the planner
    agreed with the longer measurement of ``conv_route`` (a run of ``conv_runs``), what
    planning cost and how the latest run ran its checkpoints, the build's planner table,
    and the reduction in cache-sized blocks."""
    out: dict[str, Any] = {}
    lenet_first = [
        f"{r['autograd / forward']:.2f}x ({r['layout']}) on {summary.processor(rec)}"
        for rec in conv_runs.values()
        for _, r in summary.conv_route_table(rec).iterrows()
        if r["C_in"] == 1 and r["C_out"] == 6
    ]
    out["perf_conv_lenet"] = "; ".join(lenet_first) or "(not measured)"
    conv_rec = conv_runs.get(conv_route)
    conv_table = summary.conv_route_table(conv_rec) if conv_rec else None
    out["perf_conv_run"] = f"`{conv_route}`" if conv_table is not None else "(none)"
    out["perf_conv_agree"] = out["perf_conv_disagree_gap"] = "(not recorded)"
    if conv_table is not None and conv_table["planner agrees"].notna().all():
        out["perf_conv_agree"] = f"{int(conv_table['planner agrees'].sum())} of {len(conv_table)}"
        wrong = conv_table[~conv_table["planner agrees"].astype(bool)]["autograd / forward"]
        gap = max((max(r, 1 / r) - 1 for r in wrong), default=None)
        out["perf_conv_disagree_gap"] = f"{gap:.0%}" if gap is not None else "(none)"
    latest = [runs[r] for r in verdict_runs if r in runs]
    costs = {
        m: (rec["models"][m]["methods"]["default"]["planning_seconds"], share)
        for rec in reversed(latest)
        for m, share in summary.planning_cost(rec).items()
    }
    out["perf_planning_cost"] = ", ".join(
        f"{m} {s:.2f} s ({c:.0%} of the run's scoring time)" for m, (s, c) in costs.items()
    ) or ("(not recorded)")
    out["perf_checkpoint_routes"] = (
        "; ".join(f"{m}: {r}" for m, r in summary.checkpoint_routes(latest[0]).items())
        if latest
        else "(not recorded)"
    )
    eligible = planner[planner["route"].isin(["forward", "autograd"])]
    out["perf_planner_forward"] = (
        f"{int((eligible['route'] == 'forward').sum())} of {len(eligible)}"
    )
    reduce_gain = [
        r["ratios"][summary.REDUCTION]
        for r in bench["models"].values()
        if summary.REDUCTION in r["ratios"]
    ]
    out["perf_reduce_gain"] = (
        "(not measured)"
        if not reduce_gain
        else f"{reduce_gain[0]:.1f}x"
        if len(reduce_gain) == 1
        else f"{min(reduce_gain):.1f}x to {max(reduce_gain):.1f}x"
    )
    return out


def recording_findings(
    train_bench: dict, train_runs: dict[str, dict], *, observed: int, epochs: int
) -> dict[str, Any]:
    """Recording during training: the latest recorded run's overhead (paired where it was
    measured so), floor and own work, its verdict, the change from the first paired run
    on the same processor, and the whole-run cost when ``observed`` of ``epochs`` epochs
    are observed (the book's run) or one in ten (the paper's cadence)."""
    out: dict[str, Any] = {}
    training = summary.training_rows({"this build": train_bench, **train_runs})
    record = training.iloc[-1]
    record_run = {"this build": train_bench, **train_runs}[record["run"]]
    rec = summary.recording_numbers(record_run)
    overhead, floor = rec["overhead"], rec["floor"]
    out["perf_record_overhead"] = f"{overhead:.1%} ({record['run']})"
    out["perf_record_processor"] = summary.processor(record_run)
    out["perf_record_floor"] = f"{floor:.1%}"
    out["perf_record_inputs"] = (
        "(not measured)" if rec["inputs"] is None else f"{rec['inputs']:.0%}"
    )
    out["perf_record_own"] = (
        "(not measured)"
        if rec["own"] is None
        else f"{rec['own']:.1%} of an epoch"
        if rec["own"] > 0
        else f"nothing measurable ({rec['own']:.0%}: below the run's timing noise)"
    )
    spread = rec["whole_spread"]
    out["perf_record_whole_spread"] = (
        f"{spread[0]:.0%} to {spread[1]:.0%}" if spread else "(no rounds recorded)"
    )
    whole = record_run["ratios"]["recording overhead (fraction of an epoch)"]
    out["perf_record_whole_median"] = f"{whole:.1%}"
    numbers = {run: summary.recording_numbers(r) for run, r in train_runs.items()}
    paired = [run for run, n in numbers.items() if n["paired"]]
    same = [
        (run, numbers[run]["overhead"])
        for run in paired
        if summary.processor(train_runs[run]) == summary.processor(train_runs[paired[0]])
    ]
    out["perf_record_change"] = (
        f"in the same paired measurement the overhead was {same[0][1]:.1%} with the "
        f"code before (`{same[0][0]}`: "
        f"{summary.recording_verdict(train_runs[same[0][0]]).split(' (')[0]}) and is "
        f"{same[-1][1]:.1%} now (`{same[-1][0]}`)"
        if len(same) >= 2
        else f"({len(same)} paired runs recorded: nothing to compare)"
    )
    per_epoch = max(overhead, floor)  # at least the floor: a lower overhead is noise
    out["perf_record_book"] = f"{per_epoch * observed / epochs:.0%}"
    out["perf_record_book_share"] = f"{observed} of {epochs}"
    out["perf_record_paper"] = f"{per_epoch / 10:.0%}"
    out["perf_record_verdict"] = summary.recording_verdict(record_run)
    return out
