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
    # the paired measurement within the recorder's run: R, E, G and the run less the clock
    p = loops["recorder"]["paired"]
    assert p["vog_seconds"] == loops["recorder"]["vog_wall_seconds"]
    assert 0 < p["evaluation_seconds"] and 0 < p["gradient_seconds"]
    assert p["vog_seconds"] < p["run_seconds"]
    epoch = p["run_seconds"] - p["vog_seconds"] + p["evaluation_seconds"]
    assert q["recording overhead, paired (fraction of an epoch)"] == pytest.approx(
        (p["vog_seconds"] - p["evaluation_seconds"]) / epoch
    )


def test_epoch_clock_leaves_the_model_as_it_was(training):
    import torch

    import vog

    model = vog.experiments.LeNet(1, 10).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = torch.randn(20, 1, 28, 28), torch.randint(0, 10, (20,))
    clock = training.EpochClock({"test": (x, y)})
    assert clock.observe(model, 0) and clock.observe(model, 1)
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert clock.evaluation > 0 and clock.gradient > 0
    assert clock.own["wall"] >= clock.evaluation + clock.gradient


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
    # the paired measurement of each round: R 0.2, E 0.05, G 0.15 in a run of 1.15 s, so an
    # epoch of the package loop is 1.0 s; the second round runs it twice as slow
    for r, scale in zip(rounds, (1.0, 2.0, 1.0), strict=True):
        r["recorder"]["paired"] = {
            "vog_seconds": 0.2 * scale,
            "evaluation_seconds": 0.05 * scale,
            "gradient_seconds": 0.15 * scale,
            "run_seconds": 1.15 * scale,
        }
    q = training.median_ratios(rounds)
    assert q["recording overhead, paired (fraction of an epoch)"] == pytest.approx(0.15)
    assert q["gradient floor, paired (fraction of an epoch)"] == pytest.approx(0.10)
    own = "recorder's own work beyond the floor, paired (fraction of an epoch)"
    assert q[own] == pytest.approx(0.05)
    assert q["recording overhead (fraction of an epoch)"] == pytest.approx(0.1)
    assert q["gradient floor (fraction of an epoch)"] == pytest.approx(0.1)
    assert q["recorder's own work beyond the floor (fraction of an epoch)"] == pytest.approx(0.0)
    assert q["package / plain (time)"] == pytest.approx(1.0)
