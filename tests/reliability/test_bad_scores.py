"""Bad scores never give a verdict (issue 21, point 4), and a score never taken is not missing.

NaN or infinite scores raise saying how many; tied scores share their error,
so neither the order of the examples nor constant scores can make a claim hold.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import vog
from vog.analysis import claims, metrics

N = 100
# the first half classified correctly, the second half wrongly: example order alone
# would make "higher score, higher error" hold if ties were broken by order
CORRECT = np.arange(N) < N // 2


def test_nan_and_inf_scores_raise_saying_how_many():
    scores = np.linspace(0, 1, N)
    scores[[3, 7, 11]] = np.nan
    scores[20] = np.inf
    with pytest.raises(ValueError, match="3 NaN and 1 infinite values of 100"):
        claims.error_by_vog(scores, CORRECT)
    with pytest.raises(ValueError, match="early scores hold 3 NaN"):
        claims.early_late_flip(scores, np.linspace(0, 1, N), CORRECT)
    with pytest.raises(ValueError, match="late scores hold 3 NaN"):
        claims.early_late_flip(np.linspace(0, 1, N), torch.tensor(scores), CORRECT)
    labels, preds = np.arange(N) % 5, np.zeros(N, int)
    with pytest.raises(ValueError, match="NaN"):
        claims.class_level_correlation(scores, labels, preds)
    with pytest.raises(ValueError, match="NaN"):
        claims.memorisation(np.ones(10), scores)
    with pytest.raises(ValueError, match="run 1"):
        claims.stable_ranking([np.linspace(0, 1, N), scores], [labels, labels])
    with pytest.raises(ValueError, match="NaN"):
        claims.quartile_shift([0.1, np.nan, 0.3, 0.6])
    with pytest.raises(ValueError, match="NaN"):
        claims.beats_baselines({"vog": np.nan, "msp": 0.5}, method="vog", baselines=("msp",))


def test_constant_scores_cannot_make_a_claim_hold():
    v = claims.error_by_vog(np.zeros(N), CORRECT)
    assert not v.holds
    assert v.numbers["top"] == v.numbers["bottom"] == v.numbers["all"] == 0.5
    assert np.isnan(v.numbers["trend"])
    flip = claims.early_late_flip(np.zeros(N), np.ones(N), CORRECT)
    assert not flip.holds and np.isnan(flip.numbers["early"]) and np.isnan(flip.numbers["late"])
    _, error = metrics.error_by_percentile(np.zeros(N), CORRECT, bins=10)
    assert np.allclose(error, 0.5)


def test_ties_split_evenly_whatever_the_example_order():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, N).astype(float)  # four tie groups
    correct = rng.random(N) < 0.6
    base = metrics.tail_errors(scores, correct), metrics.error_by_percentile(scores, correct)[1]
    for _ in range(5):
        p = rng.permutation(N)
        again = metrics.tail_errors(scores[p], correct[p])
        assert again == pytest.approx(base[0], abs=1e-12)
        assert metrics.error_by_percentile(scores[p], correct[p])[1] == pytest.approx(base[1])
    # known answer: a tie group straddling the bottom-10% edge counts with its mean error
    s = np.array([0.0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    c = np.array([1, 1, 0, 0, 1, 1, 1, 1, 1, 1], dtype=bool)
    assert metrics.tail_errors(s, c, percent=10)["bottom 10%"] == pytest.approx(0.5)
    # distinct scores: unchanged (the plain bucket means)
    assert metrics.tail_errors(np.arange(10.0), c, percent=20)["bottom 20%"] == 0.0


def test_tied_scores_do_not_put_the_shifted_set_on_top():
    shares = metrics.quantile_shares(np.zeros(40), np.zeros(40), q=4)
    assert shares == pytest.approx([0.25] * 4)
    assert not claims.quartile_shift(shares).holds
    boot = metrics.bootstrap_percentile_errors(np.zeros(N), CORRECT, n_boot=20, bins=5)
    assert np.allclose(boot["error"], 0.5) and np.isnan(boot["trend"])


def test_training_dynamics_scores_not_yet_taken_are_nan_columns():
    x, y = torch.randn(12, 4), torch.arange(12) % 3
    dyn = vog.analysis.difficulty.TrainingDynamics({"train": (x, y)}, early_epoch=5)
    net = nn.Linear(4, 3)
    vog.train_with_vog(net, (x, y), epochs=2, windows={"all": [0, 1]}, observers=[dyn])
    with pytest.warns(UserWarning, match="after epoch 5, but 2 epochs were observed"):
        res = dyn.result()
    assert set(res["train"]) == set(dyn.SCORES)
    assert torch.isnan(res["train"]["EL2N"]).all() and torch.isnan(res["train"]["GraNd"]).all()
    assert torch.isfinite(res["train"]["loss (final)"]).all()
    with pytest.raises(ValueError, match="12 NaN"):
        claims.error_by_vog(res["train"]["EL2N"], np.ones(12, bool))
