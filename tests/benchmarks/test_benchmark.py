"""The benchmark script: its methods agree, its ratios are the measured ones."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_subset_of_methods_at_custom_sizes(bench):
    methods = ("forward", "default", "store_all")
    res = bench.benchmark(["mlp"], sizes=(96, 3, 32), methods=methods, repeat=1)
    assert res["sizes"] == "custom"
    mr = res["models"]["mlp"]
    assert (mr["n"], mr["k"], mr["batch_size"]) == (96, 3, 32)
    assert set(mr["methods"]) == set(methods)
    # no streaming run: differences are taken from the default, store_all agrees with it
    assert mr["methods"]["default"]["max_abs_diff"] == 0.0
    assert mr["methods"]["store_all"]["max_rel_diff"] < 1e-5
    assert mr["methods"]["store_all"]["n_differ"] == 0
    assert mr["methods"]["forward"]["max_abs_diff"] is None
    assert mr["methods"]["forward"]["n_differ"] is None
    r = mr["methods"]
    assert mr["ratios"]["ours / forward (time)"] == pytest.approx(
        r["default"]["seconds"] / r["forward"]["seconds"]
    )
    assert mr["ratios"]["store_all / ours (peak memory)"] == pytest.approx(
        r["store_all"]["peak_mb"] / max(r["default"]["peak_mb"], 1e-3)
    )
    # the reduction's passes, timed in the parent process: one chunk (here all 96 examples)
    red = mr["reduction"]
    assert red["examples"] == 96 and red["whole_s"] > 0 and red["blocked_s"] > 0
    assert mr["ratios"][
        "reduction passes: whole chunk / cache-sized blocks (reduction time)"
    ] == pytest.approx(red["whole_s"] / red["blocked_s"])
    # ratios of methods that did not run are left out, not filled in
    assert "captum / ours (time)" not in mr["ratios"]
    assert "ours / gradient (time)" not in mr["ratios"]


def test_ratios_need_the_default(bench):
    with pytest.raises(ValueError, match="'default'"):
        bench.benchmark(["mlp"], sizes=(8, 2, 4), methods=("forward",), repeat=1)


@pytest.mark.parametrize("sizes", [["8", "1", "4"], ["0", "2", "4"]])
def test_bad_sizes_are_refused(bench, sizes, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--sizes", *sizes])
    assert "--sizes needs" in capsys.readouterr().err


def test_device_name_names_the_cpu(bench):
    name = bench.device_name("cpu")
    assert name.startswith("CPU: ") and "threads" in name


def test_floors_and_the_fastest_correct_method(bench):
    methods = (
        "gradient",
        "gradient_fastconv",
        "gradient_batch_major",
        "gradient_gather",
        "default",
        "sample_major",
        "store_all",
    )
    res = bench.benchmark(["lenet"], sizes=(24, 3, 8), methods=methods, repeat=1, clock="cpu")
    assert res["clock"] == "cpu"
    mr = res["models"]["lenet"]
    r, q = mr["methods"], mr["ratios"]
    # the floors compute no scores; the scoring methods agree and are correct
    assert r["gradient"]["correct"] is None and r["gradient_gather"]["max_abs_diff"] is None
    assert r["gradient_fastconv"]["correct"] is None
    assert r["default"]["correct"] and r["sample_major"]["correct"] and r["store_all"]["correct"]
    best = min(("default", "sample_major", "store_all"), key=lambda m: r[m]["seconds"])
    assert mr["fastest_correct"] == best
    assert q["ours / fastest correct (time)"] == pytest.approx(
        r["default"]["seconds"] / r[best]["seconds"]
    )
    floor = min(r["gradient"]["seconds"], r["gradient_fastconv"]["seconds"])
    assert q["ours / floor (time)"] == pytest.approx(r["default"]["seconds"] / floor)
    assert q["conv route: autograd / forward convolutions (gradient time)"] == pytest.approx(
        r["gradient"]["seconds"] / r["gradient_fastconv"]["seconds"]
    )
    key = "loop order: batch-major / chunked checkpoint-major (gradient time)"
    assert q[key] == pytest.approx(r["gradient_batch_major"]["seconds"] / r["gradient"]["seconds"])
    assert q["seeding: gather / one-hot (gradient time)"] == pytest.approx(
        r["gradient_gather"]["seconds"] / r["gradient"]["seconds"]
    )


def test_a_method_whose_scores_disagree_is_not_the_fastest(bench):
    row = {"max_rel_diff": 1e-3, "spearman_vs_fp32": 1.0}
    assert bench.correct("store_all", row) is False  # same kernels: rounding only
    assert bench.correct("sample_major_vmap", row) is True  # other kernels: within 1%
    assert bench.correct("sample_major_bf16", row) is None  # reduced precision: not a candidate
    assert bench.correct("gradient", {"max_rel_diff": None}) is None
    methods = {
        "store_all": {"seconds": 1.0, "correct": False},
        "sample_major": {"seconds": 2.0, "correct": True},
        "gradient": {"seconds": 0.5, "correct": None},
    }
    assert bench.fastest_correct(methods) == "sample_major"
    assert bench.fastest_correct({"gradient": {"seconds": 1.0, "correct": None}}) is None


def test_chunks_follow_the_scoring_modes_budget(bench, monkeypatch):
    import torch

    from vog.scoring import sample_major

    x = torch.zeros(10, 1, 4, 4)
    batches = list(zip(x.split(2), torch.zeros(10).split(2), strict=True))
    per_batch = 2 * (4 * 3 * 16 + 16 * 4)  # K=3 float32 maps + the float32 input, 2 examples
    monkeypatch.setattr(sample_major, "CHUNK_BYTES", 2 * per_batch)
    assert [len(c) for c in bench._chunks(batches, 3)] == [2, 2, 1]


def test_rounds_give_each_method_its_fastest_process_and_a_median_ratio(bench):
    res = bench.benchmark(
        ["mlp"], sizes=(48, 2, 16), methods=("default", "store_all"), repeat=1, rounds=3
    )
    r = res["models"]["mlp"]["methods"]
    for row in r.values():
        assert len(row["round_seconds"]) == 3 and row["seconds"] == min(row["round_seconds"])
    best = res["models"]["mlp"]["fastest_correct"]
    pairs = zip(r["default"]["round_seconds"], r[best]["round_seconds"], strict=True)
    within = sorted(a / b for a, b in pairs)
    assert res["models"]["mlp"]["ratios"]["ours / fastest correct (time)"] == pytest.approx(
        within[1]
    )
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        bench.benchmark(["mlp"], sizes=(8, 2, 4), methods=("default",), rounds=0)


def test_paired_ratio_is_the_median_within_rounds(bench):
    """Identical code slowed in one round: best times would show 1.5x, the rounds show 1.0x."""
    methods = {
        "default": {"seconds": 1.5, "round_seconds": [1.5, 3.0, 2.0]},
        "other": {"seconds": 1.0, "round_seconds": [1.5, 1.0, 2.0]},
    }
    assert bench.paired_ratio(methods, "default", "other") == pytest.approx(1.0)
    single = {"default": {"seconds": 1.5}, "other": {"seconds": 1.0}}
    assert bench.paired_ratio(single, "default", "other") == pytest.approx(1.5)


def test_reduction_passes_take_one_chunk_and_restore_the_block(bench, monkeypatch):
    import torch

    from vog.scoring import sample_major

    block, threads = sample_major.REDUCE_BYTES, torch.get_num_threads()
    per_example = 4 * 4 * 32 * 32 + 4 * 3 * 32 * 32  # K=4 float32 maps + the input
    red = bench.reduction_passes("resnet18", 10**6, 4, repeat=1, clock="cpu", threads=1)
    assert red["examples"] == sample_major.CHUNK_BYTES // per_example
    assert sample_major.REDUCE_BYTES == block and torch.get_num_threads() == threads
    sizes = []

    def spy(maps):
        sizes.append(sample_major.REDUCE_BYTES)
        raise RuntimeError("broken reduction")

    monkeypatch.setattr(sample_major, "_reduce", spy)
    with pytest.raises(RuntimeError, match="broken"):
        bench.reduction_passes("mlp", 8, 2, repeat=1)
    assert sizes == [8 * 2 * 28 * 28 * 4]  # the whole chunk in one block, first
    assert sample_major.REDUCE_BYTES == block  # restored after a failure too
