"""The per-layer convolution-route benchmark: its rows are measured, its summary is theirs."""

import json

import pytest


def test_rows_state_the_measured_ratio_and_the_default_route(conv_route, monkeypatch):
    from vog.fast_conv import CPU_MAX_CHANNELS

    row = conv_route.time_layer((2, 3, 3, 1, 6, 2), channels_last=False, repeat=2)
    assert row["ratio"] == pytest.approx(row["autograd_s"] / row["forward_s"])
    assert row["autograd_s"] > 0 and row["forward_s"] > 0
    assert row["default_route"] == ("forward" if 3 <= CPU_MAX_CHANNELS else "autograd")
    for shape in ((CPU_MAX_CHANNELS + 1, 2, 3, 1, 4, 1), (2, CPU_MAX_CHANNELS + 1, 3, 1, 4, 1)):
        wide = conv_route.time_layer(shape, channels_last=True, repeat=1)
        assert wide["default_route"] == "autograd" and wide["channels_last"]


def test_forward_timing_takes_the_forward_route(conv_route, monkeypatch):
    from vog import fast_conv

    calls = []
    real = fast_conv._ForwardConvBackward.apply

    def spy(*args):
        calls.append(args[0].shape)
        return real(*args)

    monkeypatch.setattr(fast_conv._ForwardConvBackward, "apply", spy)
    conv_route.time_layer((1, 2, 3, 1, 5, 2), channels_last=False, repeat=2)
    assert len(calls) == 3  # the warm-up and the timed passes of the forward route only
    with pytest.raises(ValueError, match="cannot take the forward route"):
        conv_route.time_layer((1, 2, 3, 3, 5, 2), channels_last=False, repeat=1)  # padding 3


def test_summary_ranges_each_side_of_the_bound(conv_route):
    rows = [
        {"ratio": 2.0, "default_route": "forward"},
        {"ratio": 1.2, "default_route": "forward"},
        {"ratio": 0.9, "default_route": "autograd"},
    ]
    s = conv_route.summarise(rows)
    assert s["forward"] == {"n": 2, "min": 1.2, "median": 1.6, "max": 2.0}
    assert s["autograd"] == {"n": 1, "min": 0.9, "median": 0.9, "max": 0.9}
    assert "autograd" not in conv_route.summarise(rows[:2])


def test_quick_run_writes_json(conv_route, tmp_path, capsys):
    out = tmp_path / "route.json"
    assert conv_route.main(["--quick", "--repeat", "1", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    assert len(res["rows"]) == 2 * len(conv_route.QUICK)
    assert set(res["summary"]) == {"forward", "autograd"}
    assert "autograd / forward" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        conv_route.main(["--repeat", "0"])
