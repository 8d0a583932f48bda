"""Windows of epochs: known answers and the checks a training run relies on."""

import pytest
import torch

import vog
from vog.windows import check_windows


def test_first_last_windows_known_answers():
    w = vog.first_last_windows(10, 3, every=4)
    assert list(w["early"]) == [0, 1, 2]
    assert list(w["late"]) == [7, 8, 9]  # the last three epochs, not 6..8 or 8..10
    assert list(w["all"]) == [0, 4, 8, 9]  # every 4th epoch and the last
    assert list(vog.first_last_windows(350, every=10)["all"])[-3:] == [330, 340, 349]
    assert len(vog.first_last_windows(350, every=10)["all"]) == 36
    assert vog.first_last_windows(12, 2)["all"] == range(12)
    assert vog.first_last_windows(9, every=4)["all"] == range(0, 9, 4)  # 0, 4, 8: the last is 8
    with pytest.raises(ValueError, match="2 <= k <= epochs"):
        vog.first_last_windows(2, 3)
    with pytest.raises(ValueError, match="every must be >= 1"):
        vog.first_last_windows(10, every=0)


def test_stage_windows_known_answers():
    w = vog.stage_windows(15)
    assert {k: list(v) for k, v in w.items()} == {
        "early": [0, 1, 2, 3, 4],
        "middle": [5, 6, 7, 8, 9],
        "late": [10, 11, 12, 13, 14],
        "all": list(range(15)),
    }
    assert {k: list(v) for k, v in vog.stage_windows(8, 2).items()} == {
        "stage0": [0, 1, 2, 3],
        "stage1": [4, 5, 6, 7],
        "all": list(range(8)),
    }
    with pytest.raises(ValueError, match="cannot form 3 stages"):
        vog.stage_windows(5)


def test_check_windows():
    assert check_windows({"a": range(3), "b": [5, 2, 2]}, 6) == {"a": [0, 1, 2], "b": [2, 5]}
    with pytest.raises(ValueError, match="window 'b' must hold >= 2 epochs in \\[0, 6\\)"):
        check_windows({"a": [0, 1], "b": [6, 1]}, 6)
    with pytest.raises(ValueError, match="window 'c'"):
        check_windows({"c": [3]}, 6)
    with pytest.raises(ValueError, match="no VoG windows"):
        check_windows({}, 6)


def test_experiment_windows_are_the_first_last_windows():
    cfg = vog.experiments.ExperimentConfig(dataset="digits", model="mlp", epochs=20, vog_every=5)
    assert cfg.windows() == vog.first_last_windows(20, 3, every=5)
    assert list(cfg.windows()["all"]) == [0, 5, 10, 15, 19]


def test_empty_windows_are_refused_clearly():
    x, y = torch.randn(8, 2), torch.randint(0, 2, (8,))
    with pytest.raises(ValueError, match="window 'late' must hold >= 2 epochs"):
        vog.VoGRecorder({"d": (x, y)}, {"early": [0, 1], "late": []})
    with pytest.raises(ValueError, match="no VoG windows given"):
        vog.train_with_vog(vog.experiments.MLP(2), (x, y), epochs=2, windows={}, device="cpu")
    gen = {"w": (e for e in (0, 1))}  # a generator is read once, and checked
    assert vog.VoGRecorder({"d": (x, y)}, gen).windows == {"w": [0, 1]}
