"""Detection metrics of the H-CAT benchmark (vog.analysis.detection): known answers.

H-CAT's convention (seedatnabeel/H-CAT src/evaluator.py): AUPRC =
average_precision_score(y_true=clean, y_score=raw) for every method; AUROC with
the flagged examples as positives for el2n/grand/loss/forgetting, the clean ones
for the rest (VoG included).
"""

import math

import numpy as np
import pandas as pd
import pytest

from vog.analysis import detection as det

N, P = 20_000, 0.1


def _mask(n=N, p=P, seed=0):
    m = np.zeros(n, dtype=bool)
    m[np.random.default_rng(seed).choice(n, int(round(p * n)), replace=False)] = True
    return m


def test_perfect_detector_at_ten_percent_gets_hcat_auprc_about_074():
    m = _mask()
    perfect = m.astype(float) + np.random.default_rng(1).random(N) * 0.5  # perturbed all on top
    assert det.oriented_metrics(perfect, m) == {"AUROC": 1.0, "AP": 1.0}
    h = det.hcat_metrics(perfect, m, auroc_positives="clean")
    closed = 1 - P / (1 - P) * math.log(1 / P)  # integral of t / (p + t) over the clean share
    assert h["H-CAT AUPRC"] == pytest.approx(closed, abs=2e-3)
    assert h["H-CAT AUPRC"] == pytest.approx(0.744, abs=2e-3)
    assert det.perfect_hcat_auprc(P) == pytest.approx(h["H-CAT AUPRC"], abs=1e-3)
    assert h["H-CAT AUROC"] == 0.0  # VoG's convention: a perfect detector reads as the worst
    flagged = det.hcat_metrics(perfect, m, auroc_positives="perturbed")
    assert flagged["H-CAT AUROC"] == 1.0  # loss, EL2N, GraNd, forgetting: oriented


def test_random_detector_gets_hcat_auprc_about_090():
    m = _mask()
    noise = np.random.default_rng(2).random(N)
    o = det.oriented_metrics(noise, m)
    assert o["AUROC"] == pytest.approx(0.5, abs=0.02)
    assert o["AP"] == pytest.approx(P, abs=0.01)
    assert det.hcat_metrics(noise, m, auroc_positives="clean")["H-CAT AUPRC"] == pytest.approx(
        0.9, abs=0.01
    )


def test_reversed_detector_gets_the_best_hcat_auprc():
    m = _mask()
    reversed_ = -m.astype(float) + np.random.default_rng(3).random(N) * 0.5  # perturbed lowest
    o = det.oriented_metrics(reversed_, m)
    assert o["AUROC"] == 0.0 and o["AP"] < P
    h = det.hcat_metrics(reversed_, m, auroc_positives="clean")
    assert h["H-CAT AUPRC"] == 1.0 and h["H-CAT AUROC"] == 1.0
    # so the convention orders perfect < random < reversed for a "higher = harder" score
    assert det.perfect_hcat_auprc(P) < 0.9 < h["H-CAT AUPRC"]


def test_a_clean_high_raw_score_is_oriented_under_hcat():
    m = _mask()
    aum_like = -m.astype(float)  # raw AUM: high = clean; perfect
    h = det.hcat_metrics(aum_like, m, auroc_positives="clean")
    assert h == {"H-CAT AUPRC": 1.0, "H-CAT AUROC": 1.0}


def test_hand_computed_small_case():
    scores = np.array([4.0, 3.0, 2.0, 1.0])
    m = np.array([True, False, True, False])
    o = det.oriented_metrics(scores, m)
    assert o["AP"] == pytest.approx((1 / 1 + 2 / 3) / 2)  # positives at ranks 1 and 3
    assert o["AUROC"] == pytest.approx(3 / 4)  # 3 of the 4 (perturbed, clean) pairs in order
    h = det.hcat_metrics(scores, m, auroc_positives="clean")
    assert h["H-CAT AUPRC"] == pytest.approx((1 / 2 + 2 / 4) / 2)  # clean at ranks 2 and 4
    assert h["H-CAT AUROC"] == pytest.approx(1 / 4)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="both True and False"):
        det.oriented_metrics([1.0, 2.0], [True, True])
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        det.hcat_metrics([1.0, np.nan], [True, False], auroc_positives="clean")
    with pytest.raises(ValueError, match="auroc_positives='flagged' is not a valid option"):
        det.hcat_metrics([1.0, 2.0], [True, False], auroc_positives="flagged")
    with pytest.raises(ValueError, match="differ in length"):
        det.oriented_metrics([1.0, 2.0, 3.0], [True, False])


def test_seed_interval_is_a_student_t_interval():
    mean, low, high = det.seed_interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, 2) * s / sqrt(n)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    one = det.seed_interval([0.7])
    assert one[0] == 0.7 and math.isnan(one[1]) and math.isnan(one[2])
    assert det.seed_interval([0.5, 0.5]) == (0.5, 0.5, 0.5)
    with pytest.raises(ValueError, match="finite values"):
        det.seed_interval([0.5, float("nan")])


def test_rank_summary_ranks_within_types_and_averages():
    table = {
        "uniform": {"VoG": 0.9, "loss": 0.8, "AUM": 0.7},
        "zoom_shift": {"VoG": 0.6, "loss": 0.6, "AUM": 0.9},
    }
    ranks = det.rank_summary(table)
    assert list(ranks.index) == ["VoG", "AUM", "loss"]
    assert ranks.loc["VoG", "zoom_shift"] == 2.5  # tie shares the mean rank
    assert ranks.loc["AUM", "mean rank"] == pytest.approx((3 + 1) / 2)
    low = det.rank_summary(pd.DataFrame(table), higher_is_better=False)
    assert low.loc["AUM", "uniform"] == 1
    with pytest.raises(ValueError, match="a value for every"):
        det.rank_summary({"uniform": {"VoG": 0.9}, "zoom_shift": {"loss": 0.2}})
