"""The per-layer convolution-route benchmark: its rows are measured, its summary is theirs."""

import json

import pytest


def test_rows_state_the_measured_ratio_and_the_planners_route(conv_route, monkeypatch):
    import time

    from vog import conv_planner, fast_conv

    conv_planner.clear_route_plans()
    row = conv_route.time_layer((2, 3, 3, 1, 6, 2), channels_last=False, repeat=2)
    assert row["ratio"] == pytest.approx(row["autograd_s"] / row["forward_s"])
    assert row["autograd_s"] > 0 and row["forward_s"] > 0
    assert row["default_route"] in conv_planner.ROUTES
    assert row["planner_agrees"] == (
        row["default_route"] == ("forward" if row["ratio"] > 1 else "autograd")
    )
    real = fast_conv._grad_input

    def slow(*args):  # a processor on which the forward route loses
        time.sleep(0.05)
        return real(*args)

    monkeypatch.setattr(fast_conv, "_grad_input", slow)
    conv_planner.clear_route_plans()
    wide = conv_route.time_layer((20, 2, 3, 1, 4, 1), channels_last=True, repeat=1)
    assert wide["default_route"] == "autograd" and wide["channels_last"]
    assert wide["planner_ratio"] < 1 and wide["planner_agrees"]
    conv_planner.clear_route_plans()


def test_forward_timing_takes_the_forward_route(conv_route, monkeypatch):
    from vog import fast_conv

    calls = []
    real = fast_conv._ForwardConvBackward.apply

    def spy(*args):
        calls.append(args[0].shape)
        return real(*args)

    monkeypatch.setattr(fast_conv._ForwardConvBackward, "apply", spy)
    conv_route.time_layer((1, 2, 3, 1, 5, 2), channels_last=False, repeat=2)
    # the warm-up and the timed passes of the forward route, then the planned pass if the
    # planner (which times its routes outside autograd) chose the forward route
    assert len(calls) in (3, 4)
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
    assert res["summary"] and set(res["summary"]) <= {"forward", "autograd"}  # the planner's
    assert res["processor"]["cpu"] and "kernels" in res["processor"]
    assert "autograd / forward" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        conv_route.main(["--repeat", "0"])
