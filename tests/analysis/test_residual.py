"""What VoG adds beyond the gradient's size and confidence (vog.analysis.residual)."""

import numpy as np
import pytest

from vog.analysis import residual


def test_rank_r2_known_answers():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    # one swapped pair: Spearman 1 - 6 * 2 / (4 * 15) = 0.8, its square explained
    assert residual.rank_r2(y, [1.0, 2.0, 4.0, 3.0]) == pytest.approx(0.64)
    assert residual.rank_r2(y, y) == pytest.approx(1.0)
    assert residual.rank_r2(y, np.exp(3 * y)) == pytest.approx(1.0)  # ranks only
    assert residual.rank_r2(y, -y) == pytest.approx(1.0)  # a reversed ranking explains too
    assert np.isnan(residual.rank_r2(np.ones(4), y))


def test_rank_residual_is_what_the_covariates_leave():
    rng = np.random.default_rng(0)
    size = rng.lognormal(size=500)
    left = residual.rank_residual(size**2, size)
    np.testing.assert_allclose(left, 0, atol=1e-12)
    y = rng.normal(size=500)
    free = residual.rank_residual(y)  # no covariate: the standardised ranks
    assert free.mean() == pytest.approx(0) and free.std() == pytest.approx(1)
    with pytest.raises(ValueError, match="NaN"):
        residual.rank_residual([1.0, np.nan, 2.0], [1, 2, 3])
    with pytest.raises(ValueError, match="differ in length"):
        residual.rank_residual([1.0, 2.0, 3.0], [1, 2])


def test_log_slope():
    size = np.linspace(0.1, 2, 50)
    assert residual.log_slope(3 * size**2, size) == pytest.approx(2.0)
    assert residual.log_slope(0.5 * size, size) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive"):
        residual.log_slope(-size, size)


def _planted(extra: float, n=2000, seed=1):
    """VoG = gradient size x noise, plus ``extra`` on the hard examples."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0, 0.5, n)
    hard = rng.random(n) < 0.2
    confidence = rng.uniform(0.5, 1, n)
    vog = size * np.exp(0.05 * rng.normal(size=n)) * np.where(hard, np.exp(extra), 1.0)
    return vog, size, confidence, hard


def test_vog_that_is_only_the_size_adds_nothing():
    out = residual.what_vog_adds(*_planted(0.0)[:3], hard=_planted(0.0)[3])
    assert out["spearman_size"] > 0.95 and out["r2_size"] > 0.9
    assert out["left"] < 0.1
    assert abs(out["auroc residual | size"] - 0.5) < 0.05  # nothing left to find them
    assert abs(out["auroc vog"] - 0.5) < 0.05
    assert out["slope"] == pytest.approx(1.0, abs=0.05)


def test_a_planted_extra_is_found_by_the_residual_not_by_the_size():
    vog, size, confidence, hard = _planted(0.3)
    out = residual.what_vog_adds(vog, size, confidence, hard=hard)
    assert out["auroc residual | size"] > 0.95
    assert out["auroc residual | both"] > 0.95
    assert abs(out["auroc size"] - 0.5) < 0.05
    assert out["auroc relative"] > 0.95  # here VoG is proportional to the size
    assert out["auroc vog"] > out["auroc size"]


def test_aurocs_are_undefined_without_both_kinds():
    vog, size, confidence, _ = _planted(0.0, n=50)
    out = residual.what_vog_adds(vog, size, confidence, hard=np.zeros(50, bool))
    assert np.isnan(out["auroc vog"]) and not np.isnan(out["r2_both"])


def test_hard_auroc_known_answers():
    score = np.array([1.0, 2.0, 3.0, 4.0])
    assert residual.hard_auroc(score, [False, False, True, True]) == 1.0
    assert residual.hard_auroc(-score, [False, False, True, True]) == 0.0
    assert residual.hard_auroc(score, [False, True, False, True]) == 0.75
    assert np.isnan(residual.hard_auroc(score, [True] * 4))
