"""The Performance chapter's tables and checks, on hand-made benchmark results."""

import json

import pytest


def _method(seconds, rel=None, rho=None):
    return {
        "seconds": seconds,
        "peak_mb": 10.0,
        "growth_mb": 1.0,
        "max_abs_diff": rel,
        "max_rel_diff": rel,
        "n_differ": 0,
        "spearman_vs_fp32": rho,
    }


def _result(ratios, methods=None, n=100):
    return {
        "device": "CPU: test",
        "torch": "x",
        "models": {
            "mlp": {"n": n, "k": 4, "batch_size": 10, "methods": methods or {}, "ratios": ratios}
        },
    }


def test_agreement_accepts_rounding_and_names_a_disagreeing_method(summary):
    ok = {
        "streaming": _method(1.0, 0.0, 1.0),
        "store_all": _method(1.0, 9e-6, 1.0),
        "sample_major_vmap": _method(1.0, 5e-3, 0.99995),
        "forward": _method(1.0),
    }
    summary.check_agreement(ok, "run")
    with pytest.raises(AssertionError, match="run: store_all disagrees"):
        summary.check_agreement({"store_all": _method(1.0, 2e-5, 1.0)}, "run")
    with pytest.raises(AssertionError, match="per_sample ranks differently"):
        summary.check_agreement({"per_sample": _method(1.0, 1e-4, 0.999)}, "run")
    with pytest.raises(AssertionError, match="fastconv disagrees"):
        summary.check_agreement({"sample_major_fastconv": _method(1.0, 0.02, 1.0)}, "run")


def test_target_rows_pick_the_fastest_variant(summary):
    rec = _result(
        {
            "ours / forward (time)": 3.0,
            "ours vmap / forward (time)": 2.0,
            "ours fast_conv / forward (time)": 2.4,
            "gradient / forward (time)": 1.9,
            "store_all / ours (peak memory)": 12.0,
        },
        {"store_all": _method(1.0, 1e-7, 1.0)},
    )
    row = summary.target_rows({"a": rec}).iloc[0]
    assert row["best variant"] == "vmap" and row["best variant / forward"] == 2.0
    assert row["ours / forward"] == 3.0 and row["store_all max rel. diff"] == 1e-7
    assert row["N, K, batch"] == "100, 4, 10"


def test_target_split_counts_hits_and_lists_misses(summary):
    runs = {
        "a": _result({"ours / forward (time)": 2.5, "store_all / ours (peak memory)": 9.9}),
        "b": _result({"ours / forward (time)": 3.1, "store_all / ours (peak memory)": 10.0}),
        "c": _result({"store_all / ours (peak memory)": 50.0}),  # time not measured
    }
    table = summary.target_rows(runs)
    assert summary.target_split(table, "best variant / forward") == (1, 2, "mlp (b) 3.10x")
    assert summary.target_split(table, "store_all / ours (peak memory)") == (2, 3, "mlp (a) 9.90x")
    empty = summary.target_rows({})
    assert summary.target_split(empty, "best variant / forward") == (0, 0, "none")


def test_load_results_skips_missing_files(summary, tmp_path):
    path = tmp_path / "cpu-x.json"
    path.write_text(json.dumps(_result({"ours / forward (time)": 2.0})))
    runs = summary.load_results([path, tmp_path / "absent.json"])
    assert list(runs) == ["cpu-x"]
    assert summary.ratio_table(runs["cpu-x"]).loc["ours / forward (time)", "mlp"] == 2.0


def test_cause_table_and_the_fastest_correct_target(summary):
    ratios = {
        "loop order: batch-major / chunked checkpoint-major (gradient time)": 1.2,
        "seeding: gather / one-hot (gradient time)": 1.01,
        "ours / gradient (time)": 1.05,
        "ours / fastest correct (time)": 1.3,
    }
    rec = _result(ratios)
    rec["models"]["mlp"]["fastest_correct"] = "store_all"
    causes = summary.cause_table(rec)
    assert causes.loc["loop order", "mlp"] == 1.2
    assert causes.loc["VoG's own work", "mlp"] == 1.05
    assert pd_isna(causes.loc["storing every map", "mlp"])
    assert list(causes.index) == [cause for cause, _ in summary.CAUSES.values()]
    table = summary.target_rows({"a": rec})
    assert table.iloc[0]["fastest correct"] == "store_all"
    assert summary.target_split(table, "ours / fastest correct") == (0, 1, "mlp (a) 1.30x")


def test_training_rows_and_the_recording_target(summary):
    def run(overhead):
        return {
            "settings": {"n_train": 600, "n_scored": 100, "epochs": 3},
            "clock": "cpu",
            "loops": {"plain": {"seconds": 1.0, "images_per_second": 1800.0}},
            "ratios": {"recording overhead (fraction of an epoch)": overhead},
        }

    rows = summary.training_rows({"a": run(0.05), "b": run(0.2)})
    assert list(rows["n_train, n_scored, epochs"]) == ["600, 100, 3"] * 2
    col = "recording overhead (fraction of an epoch)"
    assert summary.target_split(rows, col) == (1, 2, "LeNet training (b) 0.20")
    assert summary.training_table(run(0.1)).loc["plain", "images_per_second"] == 1800.0


def test_recording_verdict_reads_the_rounds_spread_as_noise(summary):
    def run(rounds, floor=0.05):
        rounds = sorted(rounds)
        return {
            "ratios": {
                "recording overhead (fraction of an epoch)": rounds[len(rounds) // 2],
                "gradient floor (fraction of an epoch)": floor,
            },
            "ratio_rounds": {"recording overhead (fraction of an epoch)": rounds},
        }

    assert summary.recording_verdict(run([0.06, 0.07, 0.08, 0.09, 0.095])).startswith("holds")
    assert summary.recording_verdict(run([0.11, 0.12, 0.13, 0.14, 0.2])).startswith("fails (")
    noisy = summary.recording_verdict(run([-0.1, 0.05, 0.113, 0.2, 0.5]))
    assert noisy.startswith("within noise") and "[5.0%, 20.0%]" in noisy
    floor = summary.recording_verdict(run([0.06, 0.07, 0.08], floor=0.15))
    assert floor.startswith("fails: the floor alone exceeds 10%")
    # a run without rounds: its median decides
    one = {"ratios": run([0.12])["ratios"]}
    assert summary.recording_verdict(one).startswith("fails (whole loops: median 12.0%")


def test_recording_verdict_prefers_the_paired_measurement(summary):
    """The paired overhead (measured within the recorder's run) decides when present."""
    paired = "recording overhead, paired (fraction of an epoch)"
    whole = "recording overhead (fraction of an epoch)"
    result = {
        "ratios": {
            whole: 0.12,
            "gradient floor (fraction of an epoch)": 0.05,
            paired: 0.085,
            "gradient floor, paired (fraction of an epoch)": 0.065,
        },
        "ratio_rounds": {whole: [-0.2, 0.12, 0.4], paired: [0.079, 0.085, 0.089]},
    }
    verdict = summary.recording_verdict(result)
    assert verdict.startswith("holds (paired within the run: median 8.5%")
    assert "the floor alone 6.5%" in verdict
    result["ratio_rounds"][paired] = [0.09, 0.10, 0.12]
    assert summary.recording_verdict(result).startswith("within noise")


def pd_isna(value):
    import pandas as pd

    return bool(pd.isna(value))


def test_recording_numbers_read_the_paired_measurement_when_there_is_one(summary):
    whole = {
        "recording overhead (fraction of an epoch)": 0.12,
        "gradient floor (fraction of an epoch)": 0.05,
        "input gradients (fraction of an epoch)": 0.14,
        "recorder's own work beyond the floor (fraction of an epoch)": 0.07,
    }
    run = {"ratios": dict(whole), "ratio_rounds": {}}
    got = summary.recording_numbers(run)
    assert not got["paired"] and got["whole_spread"] is None
    assert (got["overhead"], got["floor"], got["inputs"], got["own"]) == (0.12, 0.05, 0.14, 0.07)
    run["ratios"] |= {
        "recording overhead, paired (fraction of an epoch)": 0.085,
        "gradient floor, paired (fraction of an epoch)": 0.07,
        "input gradients, paired (fraction of an epoch)": 0.12,
        "recorder's own work beyond the floor, paired (fraction of an epoch)": 0.015,
    }
    run["ratio_rounds"]["recording overhead (fraction of an epoch)"] = [0.3, -0.2, 0.1]
    got = summary.recording_numbers(run)
    assert got["paired"] and got["whole_spread"] == (-0.2, 0.3)
    assert (got["overhead"], got["floor"], got["inputs"], got["own"]) == (0.085, 0.07, 0.12, 0.015)


def test_a_miss_is_never_shown_as_the_bound(summary):
    table = summary.pd.DataFrame(
        [{"run": "r", "model": "resnet18", "ours / fastest correct": 1.1002}]
    )
    assert summary.target_split(table, "ours / fastest correct") == (0, 1, "resnet18 (r) 1.1002x")


def test_recording_numbers_of_a_run_recorded_before_a_ratio_existed(summary):
    old = {
        "ratios": {
            "recording overhead (fraction of an epoch)": 0.12,
            "gradient floor (fraction of an epoch)": 0.05,
        }
    }
    got = summary.recording_numbers(old)
    assert got["overhead"] == 0.12 and got["inputs"] is None and got["own"] is None


def test_conv_route_table_keeps_each_measured_row(summary):
    rows = [
        {
            "c_in": 1,
            "c_out": 6,
            "kernel": 5,
            "size": 28,
            "channels_last": False,
            "ratio": 2.0,
            "default_route": "forward",
        },
        {
            "c_in": 64,
            "c_out": 64,
            "kernel": 3,
            "size": 32,
            "channels_last": True,
            "ratio": 0.9,
            "default_route": "autograd",
        },
    ]
    table = summary.conv_route_table({"rows": rows})
    assert list(table["autograd / forward"]) == [2.0, 0.9]
    assert list(table["layout"]) == ["NCHW", "channels-last"]
    assert list(table["default route"]) == ["forward", "autograd"]
    assert list(table["C_in"]) == [1, 64]


def _slow(fn):
    import time

    def slowed(*args, **kwargs):
        time.sleep(0.05)
        return fn(*args, **kwargs)

    return slowed


@pytest.mark.parametrize("slow", ["forward", "autograd"])
def test_forward_route_layers_are_the_planners_choices(summary, monkeypatch, slow):
    from vog import conv_planner, fast_conv

    if slow == "forward":  # a machine where the forward route loses everywhere
        monkeypatch.setattr(fast_conv, "_grad_input", _slow(fast_conv._grad_input))
    else:
        monkeypatch.setattr(
            conv_planner, "autograd_input_grad", _slow(conv_planner.autograd_input_grad)
        )
    assert summary.forward_route_layers("mlp") == {"default": 0, "all": 0}
    lenet = summary.forward_route_layers("lenet")  # 1->6 and 6->16, both eligible
    assert lenet == {"default": 0 if slow == "forward" else 2, "all": 2}
    table = summary.planner_decisions(["lenet"])
    assert list(table["layer"]) == ["features.0 (1 -> 6, 5x5)", "features.3 (6 -> 16, 5x5)"]
    assert set(table["route"]) == {"autograd" if slow == "forward" else "forward"}
    assert (table["autograd / forward"] < 1).all() == (slow == "forward")


def test_processor_and_verdicts_per_machine(summary):
    old = {"device": "CPU: Intel(R) Xeon(R) Processor (x86_64), 1 threads"}
    assert summary.processor(old) == "Intel(R) Xeon(R) Processor (ISA not recorded)"
    assert summary.processor({"rows": []}) == "processor not recorded"  # an older per-layer run
    new = {"processor": {"cpu": "AMD EPYC", "isa": ["avx", "avx2"], "kernels": "AVX2"}}
    assert summary.processor(new) == "AMD EPYC (avx, avx2; kernels AVX2)"
    import pandas as pd

    table = pd.DataFrame(
        {
            "run": ["a", "a", "b", "b"],
            "processor": ["X", "X", "Y", "Y"],
            "model": ["mlp", "lenet", "mlp", "lenet"],
            "ours / fastest correct": [0.97, 1.05, 0.99, 1.25],
        }
    )
    got = summary.verdicts_by_machine(table, "ours / fastest correct")
    assert list(got["processor"]) == ["X", "Y"]
    assert list(got["verdict"]) == ["holds for all 2", "fails for 1 of 2"]
    assert got["misses"].iloc[1] == "lenet (b) 1.25x"
    judged = summary.verdicts_by_machine(table[table["run"] == "a"], "ours / fastest correct")
    assert list(judged["processor"]) == ["X"] and list(judged["runs"]) == ["a"]


def _default_with(vmap_decisions=None, route_decisions=None):
    default = {"seconds": 1.0}
    if vmap_decisions is not None:
        default["vmap_decisions"] = vmap_decisions
    if route_decisions is not None:
        default["route_decisions"] = route_decisions
    return {"batch_size": 250, "methods": {"default": default}}


def test_checkpoint_routes_read_the_full_batch_plan(summary):
    def d(batch, route, ratio, reason="faster"):
        return {"batch": batch, "route": route, "ratio": ratio, "reason": reason}

    rec = {
        "models": {
            "lenet": _default_with([d(2, "loop", 0.5), d(64, "vmap", 1.25)]),
            "mlp": _default_with([d(64, "loop", 0.8)]),
            "big": _default_with([d(64, "loop", None, "K copies of the batch exceed 16 MiB")]),
            "old": _default_with(),
        }
    }
    assert summary.checkpoint_routes(rec) == {
        "lenet": "vmap (loop 1.25x its time)",
        "mlp": "loop (vmap 1.25x its time)",
        "big": "loop (K copies of the batch exceed 16 MiB)",
        "old": "loop (before the planner)",
    }


def test_same_code_models_exclude_a_vmapped_default(summary):
    forward = [{"batch": 64, "route": "forward"}]
    rec = {
        "models": {
            "looped": _default_with([{"batch": 64, "route": "loop"}], forward),
            "vmapped": _default_with([{"batch": 64, "route": "vmap"}], forward),
        }
    }
    assert summary.same_code_models(rec) == ["looped"]


def test_route_plans_list_the_checkpoint_route_per_model(summary):
    layers, loops = summary.route_plans(["mlp"])
    assert len(layers) == 0  # an MLP has no convolution
    assert list(loops["model"]) == ["mlp"] and loops["route"].iloc[0] in ("loop", "vmap")
    assert loops["loop ms"].iloc[0] > 0
