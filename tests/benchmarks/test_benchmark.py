"""The benchmark script: its methods agree, its ratios are the measured ones."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_subset_of_methods_at_custom_sizes(bench):
    methods = ("forward", "sample_major", "store_all")
    res = bench.benchmark(["mlp"], sizes=(96, 3, 32), methods=methods, repeat=1)
    assert res["sizes"] == "custom"
    mr = res["models"]["mlp"]
    assert (mr["n"], mr["k"], mr["batch_size"]) == (96, 3, 32)
    assert set(mr["methods"]) == set(methods)
    # no streaming run: differences are taken from sample_major, store_all agrees with it
    assert mr["methods"]["sample_major"]["max_abs_diff"] == 0.0
    assert mr["methods"]["store_all"]["max_rel_diff"] < 1e-5
    assert mr["methods"]["store_all"]["n_differ"] == 0
    assert mr["methods"]["forward"]["max_abs_diff"] is None
    assert mr["methods"]["forward"]["n_differ"] is None
    r = mr["methods"]
    assert mr["ratios"]["ours / forward (time)"] == pytest.approx(
        r["sample_major"]["seconds"] / r["forward"]["seconds"]
    )
    assert mr["ratios"]["store_all / ours (peak memory)"] == pytest.approx(
        r["store_all"]["peak_mb"] / max(r["sample_major"]["peak_mb"], 1e-3)
    )
    # ratios of methods that did not run are left out, not filled in
    assert "captum / ours (time)" not in mr["ratios"]
    assert "ours / gradient (time)" not in mr["ratios"]


def test_ratios_need_sample_major(bench):
    with pytest.raises(ValueError, match="sample_major"):
        bench.benchmark(["mlp"], sizes=(8, 2, 4), methods=("forward",), repeat=1)


@pytest.mark.parametrize("sizes", [["8", "1", "4"], ["0", "2", "4"]])
def test_bad_sizes_are_refused(bench, sizes, capsys):
    with pytest.raises(SystemExit):
        bench.main(["--sizes", *sizes])
    assert "--sizes needs" in capsys.readouterr().err


def test_device_name_names_the_cpu(bench):
    name = bench.device_name("cpu")
    assert name.startswith("CPU: ") and "threads" in name
