"""The training benchmark: its loops run and its ratios are the measured ones."""

import pytest


def test_loops_images_per_second_and_overhead_ratios(training):
    res = training.benchmark(n_train=64, n_test=32, epochs=2, repeat=1, clock="cpu")
    assert set(res["loops"]) == set(training.LOOPS)
    s = res["settings"]
    assert (s["n_train"], s["n_scored"], s["epochs"], s["batch_size"]) == (64, 32, 2, 128)
    assert s["scored"] == ["test"] and res["clock"] == "cpu"
    loops, q = res["loops"], res["ratios"]
    for name, r in loops.items():
        images = 32 * 2 if name in ("gradient", "evaluation") else 64 * 2
        assert r["images_per_second"] == pytest.approx(images / r["seconds"])
    package = loops["package"]["seconds"]
    assert q["package / plain (time)"] == pytest.approx(package / loops["plain"]["seconds"])
    assert q["recording overhead (fraction of an epoch)"] == pytest.approx(
        loops["recorder"]["seconds"] / package - 1
    )
    assert q["input gradients (fraction of an epoch)"] == pytest.approx(
        loops["gradient"]["seconds"] / package
    )
    # the floor: the gradients less the evaluation pass whose logits they give
    floor = max(loops["gradient"]["seconds"] - loops["evaluation"]["seconds"], 0.0)
    assert q["gradient floor (fraction of an epoch)"] == pytest.approx(floor / package)
    assert q["recorder's own work beyond the floor (fraction of an epoch)"] == pytest.approx(
        (loops["recorder"]["seconds"] - package - floor) / package
    )
    # the recorder timed its own observing; the package loop scored nothing
    assert loops["recorder"]["vog_wall_seconds"] > 0
    assert "vog_wall_seconds" not in loops["plain"]


def test_bad_settings_are_refused(training):
    with pytest.raises(ValueError, match="epochs must be >= 2"):
        training.benchmark(n_train=8, n_test=8, epochs=1)
    with pytest.raises(ValueError, match="clock"):
        training.benchmark(n_train=8, n_test=8, epochs=2, clock="sundial")


def test_ratios_are_medians_of_the_rounds(training):
    """A round slowed as a whole (a load change) moves no ratio; best-of times would."""

    def loops(scale, recorder=1.1):
        t = {"plain": 1.0, "package": 1.0, "recorder": recorder, "recorder+dynamics": 2.0}
        t |= {"gradient": 0.15, "evaluation": 0.05}
        return {k: {"seconds": v * scale} for k, v in t.items()}

    rounds = [loops(1.0), loops(3.0), loops(1.0, recorder=1.2)]
    q = training.median_ratios(rounds)
    assert q["recording overhead (fraction of an epoch)"] == pytest.approx(0.1)
    assert q["gradient floor (fraction of an epoch)"] == pytest.approx(0.1)
    assert q["recorder's own work beyond the floor (fraction of an epoch)"] == pytest.approx(0.0)
    assert q["package / plain (time)"] == pytest.approx(1.0)
