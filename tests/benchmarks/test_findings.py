"""The performance chapter's numbers (benchmarks/findings.py), on the recorded runs."""

from pathlib import Path

import pandas as pd
import pytest

RESULTS = Path(__file__).resolve().parents[2] / "benchmarks" / "results"
QUIET = "cpu-2026-12-07-lenet-rounds-quiet"  # AMD EPYC: ours 1.16x sample_major_vmap (paired)
XEON = "cpu-2026-11-28-rounds"


@pytest.fixture(scope="module")
def records(findings):
    summary = findings.summary
    return summary.load_results(
        [RESULTS / f"{n}.json" for n in (QUIET, XEON, "cpu-2026-11-27-rounds")]
    )


def test_the_target_is_judged_per_processor_on_the_runs_named(findings, records):
    runs = {k: records[k] for k in (QUIET, XEON)}
    before = {"cpu-2026-11-27-rounds": records["cpu-2026-11-27-rounds"]}
    out = findings.scoring_findings(records[XEON], runs, verdict_runs=[QUIET, XEON], before=before)
    quiet = records[QUIET]["models"]["lenet"]["ratios"]["ours / fastest correct (time)"]
    assert quiet > 1.1  # the recorded miss
    assert out["perf_fastest_worst"] == f"{quiet:.2f}"
    assert "AMD EPYC" in out["perf_fastest_by_machine"]
    assert "fails for 1 of 1" in out["perf_fastest_by_machine"]
    assert "lenet (cpu-2026-12-07-lenet-rounds-quiet): sample_major_vmap" in out["perf_fastest_who"]
    assert out["perf_fastest_change"].startswith("In the same measurement with the code before")
    # judged on the Xeon's run alone, the target holds there
    xeon = findings.scoring_findings(records[XEON], runs, verdict_runs=[XEON], before=before)
    assert "fails" not in xeon["perf_fastest_by_machine"]
    assert xeon["perf_fastest_who"] == "The target is missed nowhere."


def test_route_findings_read_the_latest_run(findings, records):
    planner = pd.DataFrame({"route": ["forward", "autograd", "autograd (not eligible)"]})
    out = findings.route_findings(
        records[XEON],
        {QUIET: records[QUIET]},
        verdict_runs=[QUIET],
        conv_runs={},
        conv_route="none",
        planner=planner,
    )
    assert out["perf_planner_forward"] == "1 of 2"
    assert out["perf_checkpoint_routes"] == "lenet: loop (before the planner)"
    cost = records[QUIET]["models"]["lenet"]["methods"]["default"]["planning_seconds"]
    seconds = records[QUIET]["models"]["lenet"]["methods"]["default"]["seconds"]
    assert out["perf_planning_cost"] == (
        f"lenet {cost:.2f} s ({cost / seconds:.0%} of the run's scoring time)"
    )
    assert out["perf_conv_run"] == "(none)" and out["perf_conv_agree"] == "(not recorded)"


def test_recording_findings_scale_the_overhead_to_a_run(findings):
    summary = findings.summary
    names = ["cpu-2026-11-27-training-paired-before", "cpu-2026-11-27-training-paired"]
    runs = summary.load_results([RESULTS / f"{n}.json" for n in names])
    latest = runs[names[-1]]
    out = findings.recording_findings(latest, runs, observed=8, epochs=10)
    numbers = summary.recording_numbers(latest)
    assert out["perf_record_overhead"].startswith(f"{numbers['overhead']:.1%}")
    per_epoch = max(numbers["overhead"], numbers["floor"])
    assert out["perf_record_book"] == f"{per_epoch * 8 / 10:.0%}"
    assert out["perf_record_paper"] == f"{per_epoch / 10:.0%}"
    assert out["perf_record_book_share"] == "8 of 10"
    assert out["perf_record_change"].startswith("in the same paired measurement")
    assert "before (`cpu-2026-11-27-training-paired-before`" in out["perf_record_change"]
    assert "now (`cpu-2026-11-27-training-paired`)" in out["perf_record_change"]
