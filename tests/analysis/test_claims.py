"""The claim checks the chapters and the diagnosis share: known answers on small arrays."""

import numpy as np
import pytest

import vog
from vog.analysis import claims

SCORES = np.arange(10.0)


def test_error_by_vog_known_answers():
    rising = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=bool)  # wrong at the top
    v = claims.error_by_vog(SCORES, rising, percent=20, bins=5)
    assert v.holds and v.failed == () and v.text() == "reproduced"
    assert (v.numbers["top"], v.numbers["bottom"]) == (1.0, 0.0)
    assert v.numbers["all"] == pytest.approx(0.2)
    assert v.numbers["trend"] == pytest.approx(np.sqrt(0.5))  # errors (0,0,0,0,1) over 5 buckets
    u_shape = np.array([0, 1, 1, 1, 1, 1, 1, 1, 1, 0], dtype=bool)  # wrong at both ends
    v = claims.error_by_vog(SCORES, u_shape, percent=20, bins=5)
    assert not v.holds
    assert v.failed == ("top 20% error > bottom 20% error", "bottom 20% error < overall error")
    assert v.text().startswith("NOT reproduced: top 20% error > bottom")
    falling = rising[::-1]
    assert claims.error_by_vog(SCORES, falling, percent=20).failed[0].startswith("top")


def test_flip_needs_falling_early_and_rising_late():
    correct = np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], dtype=bool)  # wrong: examples 0 and 1
    # early VoG lowest for the wrong ones (error falls with VoG), late VoG highest for them
    v = claims.early_late_flip(SCORES, -SCORES, correct, bins=5)
    assert v.holds and v.numbers["early"] < 0 < v.numbers["late"]
    v = claims.early_late_flip(-SCORES, SCORES, correct, bins=5)  # the other way round
    assert not v.holds and v.failed == ("early trend < 0", "late trend > 0")


def test_class_level_and_memorisation():
    labels = np.array([0, 0, 1, 1, 2, 2])
    preds = np.array([0, 0, 0, 1, 0, 1])  # FNR 0, 0.5, 1
    v = claims.class_level_correlation(np.array([1.0, 1, 2, 2, 3, 3]), labels, preds)
    assert v.holds and v.numbers["r"] == pytest.approx(1.0)
    v = claims.class_level_correlation(np.array([3.0, 3, 2, 2, 1, 1]), labels, preds)
    assert not v.holds and v.numbers["r"] == pytest.approx(-1.0)
    rng = np.random.default_rng(0)
    clean, shuffled = rng.normal(0.6, 0.5, 4000), rng.normal(0.85, 0.7, 1000)
    v = claims.memorisation(clean, shuffled)
    assert v.holds and v.numbers["p"] < 1e-3 and v.numbers["shuffled_mean"] > 0.8
    v = claims.memorisation(shuffled, clean)
    assert v.failed == ("shuffled mean > clean mean",)
    v = claims.memorisation(clean[:20], clean[20:40] + 0.01)
    assert "Welch p < 0.001" in v.failed


def test_baselines_and_quartiles():
    v = claims.beats_baselines(
        {"VoG": 80.0, "PCA": 70.0, "KDE": 85.0}, method="VoG", baselines=("PCA", "KDE")
    )
    assert not v.holds and v.failed == ("VoG > KDE",) and v.claim == "VoG beats PCA, KDE"
    assert claims.quartile_shift([0.24, 0.2, 0.26, 0.30]).holds
    v = claims.quartile_shift([0.30, 0.2, 0.26, 0.24])
    assert not v.holds and v.numbers == {"top": 0.24, "bottom": 0.30}


def test_registry_names_every_check():
    assert set(claims.CLAIMS) == {
        "error_by_vog", "class_level", "flip", "memorisation", "stability", "beats_baselines",
        "quartile_shift",
    }  # fmt: skip
    assert vog.analysis.claims is claims


def test_stable_ranking():
    a = np.arange(20.0) + 1
    labels = [np.zeros(20, int)] * 3
    v = claims.stable_ranking([a, a + 0.1, a * 2], labels)
    assert v.holds and v.numbers["mean pairwise Spearman"] == pytest.approx(1.0)
    v = claims.stable_ranking([a, a[::-1]], labels[:2])
    assert not v.holds and v.failed == ("mean pairwise Spearman >= 0.5",)
