"""Known answers, worked out by hand, for every helper that puts a number in the book.

Small arrays with ties, unequal classes and reversed order; each test fails if
the helper reverses the buckets, counts accuracy instead of error or the
false-negative rate, takes the bottom instead of the top, or is off by one.
"""

import numpy as np
import pytest
import torch

import vog
from vog.analysis import metrics

# ten examples: sorted by score, the last four are misclassified
SCORES = np.array([0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 1.0])
CORRECT = np.array([0, 1, 1, 1, 0, 1, 0, 1, 1, 0], dtype=bool)


def test_error_by_percentile_known_answer():
    upper, err = vog.analysis.error_by_percentile(SCORES, CORRECT, bins=5)
    assert upper.tolist() == [20.0, 40.0, 60.0, 80.0, 100.0]
    # buckets by score: (.1,.2) (.3,.4) (.5,.6) (.7,.8) (.9,1.)
    assert err.tolist() == [0.0, 0.0, 0.0, 1.0, 1.0]
    # the same examples in reversed order give the same buckets
    _, rev = vog.analysis.error_by_percentile(SCORES[::-1], CORRECT[::-1], bins=5)
    assert rev.tolist() == err.tolist()
    # higher score of a wrong example moves it to a higher bucket, never a lower one
    _, neg = vog.analysis.error_by_percentile(-SCORES, CORRECT, bins=5)
    assert neg.tolist() == [1.0, 1.0, 0.0, 0.0, 0.0]


def test_error_by_percentile_ties_and_unequal_buckets():
    # tied scores share their error, never broken by example order: score 0 (index 4, 5)
    # has error 1/2 at both positions, score 1 (index 0-3) error 1/4 at each of four
    scores = np.array([1, 1, 1, 1, 0, 0])
    correct = np.array([0, 1, 1, 1, 1, 0], dtype=bool)
    _, err = vog.analysis.error_by_percentile(scores, correct, bins=3)
    assert err.tolist() == [0.5, 0.25, 0.25]
    _, again = vog.analysis.error_by_percentile(scores[::-1], correct[::-1], bins=3)
    assert again.tolist() == err.tolist()
    # seven examples in three buckets: sizes 3, 2, 2 (np.array_split)
    s = np.arange(7.0)
    c = np.array([1, 1, 0, 1, 0, 0, 0], dtype=bool)
    upper, err = vog.analysis.error_by_percentile(s, c, bins=3)
    np.testing.assert_allclose(err, [1 / 3, 0.5, 1.0])
    np.testing.assert_allclose(upper, [100 / 3, 200 / 3, 100.0])
    with pytest.raises(ValueError, match="bins must be between 1 and N=7"):
        vog.analysis.error_by_percentile(s, c, bins=8)
    with pytest.raises(ValueError, match="differ in length"):
        vog.analysis.error_by_percentile(s, c[:3])


def test_tail_errors_known_answer():
    tails = vog.analysis.tail_errors(SCORES, CORRECT, percent=20)
    # bottom 20% = scores .1, .2 (both right); top 20% = .9, 1.0 (both wrong); all: 4 of 10
    assert tails == {"bottom 20%": 0.0, "all": 0.4, "top 20%": 1.0}
    # one wrong example among the lowest two: the bottom tail sees it
    c = CORRECT.copy()
    c[1] = False  # score 0.1
    tails = vog.analysis.tail_errors(SCORES, c, percent=20)
    assert tails["bottom 20%"] == 0.5 and tails["top 20%"] == 1.0 and tails["all"] == 0.5
    assert list(vog.analysis.tail_errors(SCORES, CORRECT)) == ["bottom 10%", "all", "top 10%"]
    assert vog.analysis.tail_errors(SCORES, CORRECT)["top 10%"] == 1.0  # k = 1: score 1.0


def test_class_level_uses_the_false_negative_rate_and_mean_absolute_score():
    # unequal classes: 3, 2 and 5 members
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2, 2])
    preds = np.array([0, 0, 1, 1, 1, 2, 0, 0, 1, 2])  # FNR: 1/3, 0/2, 3/5
    scores = np.array([-1.0, 1.0, 2.0, 0.5, -0.5, 3.0, -3.0, 3.0, 3.0, -3.0])
    cl = vog.analysis.class_level(scores, labels, preds)
    assert cl["classes"].tolist() == [0, 1, 2]
    np.testing.assert_allclose(cl["fnr"], [1 / 3, 0.0, 0.6])
    np.testing.assert_allclose(cl["mean_abs_score"], [4 / 3, 0.5, 3.0])
    # Pearson r by hand: x = (4/3, 1/2, 3), y = (1/3, 0, 3/5)
    x, y = np.array([4 / 3, 0.5, 3.0]), np.array([1 / 3, 0.0, 0.6])
    dx, dy = x - x.mean(), y - y.mean()
    r = (dx * dy).sum() / np.sqrt((dx**2).sum() * (dy**2).sum())
    assert cl["pearson_r"] == pytest.approx(r, abs=1e-12) and r > 0.95
    # a perfectly linear relation is +1; with accuracy instead of FNR it would be -1
    lin = vog.analysis.class_level(
        np.array([1.0, 1, 2, 2, 3, 3]), [0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 0, 1]
    )
    np.testing.assert_allclose(lin["fnr"], [0.0, 0.5, 1.0])
    assert lin["pearson_r"] == pytest.approx(1.0)


def test_quantile_shares_known_answer():
    assert vog.analysis.quantile_shares([1, 2, 3, 4], [5, 6, 7, 8], q=2).tolist() == [0.0, 1.0]
    assert vog.analysis.quantile_shares([5, 6, 7, 8], [1, 2, 3, 4], q=2).tolist() == [1.0, 0.0]
    # ties share: pooled scores 1, 1, 1 (one of three is out: 1/3 each), 2, 2 (1/2 each), 3
    # (out): positions [1/3, 1/3, 1/3, 1/2, 1/2, 1] in buckets of 2, over 3 out examples
    shares = vog.analysis.quantile_shares([1, 1, 2], [1, 2, 3], q=3)
    np.testing.assert_allclose(shares, [2 / 9, 5 / 18, 1 / 2])
    # unequal buckets (7 pooled into 4: sizes 2, 2, 2, 1) and a tensor input
    shares = vog.analysis.quantile_shares(torch.tensor([0.0, 1, 2, 3]), torch.tensor([4.0, 5, 6]))
    np.testing.assert_allclose(shares, [0.0, 0.0, 2 / 3, 1 / 3])
    assert shares.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="score_out is empty"):
        vog.analysis.quantile_shares([1.0], [])


def test_error_trend_sign_and_ties():
    assert vog.analysis.error_trend([0.0, 0.1, 0.2, 0.4]) == pytest.approx(1.0)
    assert vog.analysis.error_trend([0.4, 0.2, 0.1, 0.0]) == pytest.approx(-1.0)
    # a U shape: falls then rises; Spearman of (0,1,2,3,4) with (3,1,0,2,4) = 0.3
    assert vog.analysis.error_trend([0.3, 0.1, 0.0, 0.2, 0.4]) == pytest.approx(0.3)
    assert np.isnan(vog.analysis.error_trend([0.1, 0.1, 0.1]))


def test_bootstrap_intervals_contain_the_estimate_and_shrink_with_data():
    rng = np.random.default_rng(0)
    s = rng.random(2000)
    c = rng.random(2000) > s * 0.4  # error rises with the score
    r = vog.analysis.bootstrap_percentile_errors(s, c, bins=5, n_boot=300, seed=1)
    assert np.all(r["low"] <= r["error"]) and np.all(r["error"] <= r["high"])
    assert r["trend"] == pytest.approx(1.0) and r["trend_low"] > 0.5
    np.testing.assert_array_equal(r["error"], vog.analysis.error_by_percentile(s, c, bins=5)[1])
    again = vog.analysis.bootstrap_percentile_errors(s, c, bins=5, n_boot=300, seed=1)
    np.testing.assert_array_equal(again["low"], r["low"])  # seeded
    small = vog.analysis.bootstrap_percentile_errors(s[:200], c[:200], bins=5, seed=1)
    assert (small["high"] - small["low"]).mean() > (r["high"] - r["low"]).mean()
    perfect = vog.analysis.bootstrap_percentile_errors(s, np.ones(2000, bool), bins=5)
    assert perfect["low"].tolist() == perfect["high"].tolist() == [0.0] * 5
    assert np.isnan(perfect["trend"])


def test_ranked_takes_the_extremes_in_order():
    r = vog.analysis.ranked(SCORES, k=3)
    assert r["lowest"].tolist() == [1, 5, 3]  # scores .1, .2, .3
    assert r["highest"].tolist() == [9, 0, 6]  # scores 1.0, .9, .8
    r = vog.analysis.ranked(SCORES, k=2, among=CORRECT)
    assert r["lowest"].tolist() == [1, 5] and r["highest"].tolist() == [8, 2]


def test_spearman_known_answer():
    assert vog.analysis.spearman([1, 2, 3, 4], [10, 20, 30, 40])[0] == pytest.approx(1.0)
    # d = (0, 1, -1, 0): rho = 1 - 6 * 2 / (4 * 15) = 0.8
    assert vog.analysis.spearman([1, 2, 3, 4], [1, 3, 2, 4])[0] == pytest.approx(0.8)
    assert np.isnan(vog.analysis.spearman([1, 1, 1], [1, 2, 3])[0])


def test_helpers_live_in_one_module():
    for name in ("error_by_percentile", "tail_errors", "class_level", "quantile_shares"):
        assert getattr(vog.analysis, name) is getattr(metrics, name)


def test_class_percentile_known_answer():
    scores = np.array([5.0, 1.0, 3.0, 10.0, 0.0, 7.0])
    labels = np.array([0, 0, 0, 1, 1, 2])
    # class 0: 1 < 3 < 5 -> 0, 50, 100; class 1: 0 < 10 -> 0, 100; class 2 alone -> 0
    assert vog.analysis.class_percentile(scores, labels).tolist() == [100, 0, 50, 100, 0, 0]
    ties = vog.analysis.class_percentile([2.0, 2.0, 1.0], [0, 0, 0])
    assert ties.tolist() == [50, 100, 0]  # ties by example order


def test_instance_spread_known_answer():
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0, 6.0])
    labels = np.zeros(4, dtype=int)
    out = vog.analysis.instance_spread([a, b], [labels, labels])
    # per-example population std over the two runs: 0, 0, 0, 1 -> mean 0.25
    assert out["mean instance std (raw VoG)"] == pytest.approx(0.25)
    assert out["mean raw VoG"] == pytest.approx(22 / 8)
    assert out["relative std"] == pytest.approx(0.25 / (22 / 8))
    assert out["mean pairwise Spearman"] == pytest.approx(1.0)
    assert vog.analysis.instance_spread([a, a[::-1]], [labels, labels])[
        "mean pairwise Spearman"
    ] == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="need >= 2 runs"):
        vog.analysis.instance_spread([a], [labels])


def test_detection_metrics_known_answer():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    positives = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    m = vog.analysis.detection_metrics(scores, positives, budgets=(0.1, 0.2, 0.3))
    # the top 10% (1 example) is positive; top 20%: 1 of 2; top 30%: 2 of 3
    assert m["precision@10%"] == 1.0 and m["precision@20%"] == 0.5
    assert m["precision@30%"] == pytest.approx(2 / 3)
    # 16 pairs (positive, negative): the positives beat 8 and 7 of the 8 negatives
    assert m["AUROC"] == pytest.approx(15 / 16)
    assert m["AP"] == pytest.approx((1 + 2 / 3) / 2)  # precision at each positive's rank
    flipped = vog.analysis.detection_metrics(-scores, positives)
    assert flipped["AUROC"] == pytest.approx(1 / 16)  # direction: higher score = flagged
    with pytest.raises(ValueError, match="both True and False"):
        vog.analysis.detection_metrics(scores, np.ones(10, bool))


def test_top_overlap_known_answer():
    a = np.arange(100.0)
    assert vog.analysis.top_overlap(a, a, fraction=0.05) == 1.0
    assert vog.analysis.top_overlap(a, -a, fraction=0.05) == 0.0
    b = a.copy()
    b[99], b[0] = -1.0, 1000.0  # one of a's top 5 leaves, another example enters
    assert vog.analysis.top_overlap(a, b, fraction=0.05) == pytest.approx(4 / 5)
