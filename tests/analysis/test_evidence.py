"""The claims with intervals: known answers, agreement with the chapters' checks, noise."""

import numpy as np
import pytest
import torch

from vog.analysis import claims, evidence, ood_metrics


def test_error_known_answer_and_agreement_with_the_chapter_check():
    # 100 examples: the 10 lowest scores all right, the 10 highest all wrong, 30% error overall
    scores = np.arange(100.0)
    correct = np.ones(100, bool)
    correct[90:] = False
    correct[40:60] = False
    ev = evidence.error_evidence(scores, correct, n_boot=100)
    top_minus_bottom, all_minus_bottom = ev.conditions
    assert top_minus_bottom.estimate == pytest.approx(1.0)
    assert all_minus_bottom.estimate == pytest.approx(0.3)
    assert ev.numbers == {"top": 1.0, "bottom": 0.0, "all": pytest.approx(0.3)}
    assert ev.verdict == "holds"
    assert ev.point == claims.error_by_vog(scores, correct).holds
    # the reversed score: the claim fails, outside the noise
    rev = evidence.error_evidence(-scores, correct, n_boot=100)
    assert rev.verdict == "fails" and rev.point == claims.error_by_vog(-scores, correct).holds


def test_error_on_a_score_unrelated_to_errors_is_within_noise():
    rng = np.random.default_rng(0)
    scores, correct = rng.normal(size=400), rng.random(400) < 0.8
    ev = evidence.error_evidence(scores, correct, n_boot=200, seed=1)
    assert ev.verdict == "within noise"
    lo, hi = ev.conditions[0].low, ev.conditions[0].high
    assert lo < 0 < hi and hi - lo > 0.1


def test_class_level_fisher_interval_known_answer():
    # ten classes, r = 0.65 as on CIFAR-10: z = atanh(0.65) = 0.7753, half width 1.96 / sqrt(7)
    labels = np.repeat(np.arange(10), 20)
    fnr = np.array([0.0, 0.05, 0.1, 0.1, 0.15, 0.2, 0.2, 0.25, 0.3, 0.4])
    rng = np.random.default_rng(0)
    noise = rng.normal(size=10)
    noise = noise - noise.mean()
    noise = noise - (noise @ (fnr - fnr.mean())) / ((fnr - fnr.mean()) ** 2).sum() * (
        fnr - fnr.mean()
    )
    mean_vog = (
        1
        + fnr
        + noise
        / np.linalg.norm(noise)
        * np.linalg.norm(fnr - fnr.mean())
        * (np.sqrt(1 / 0.65**2 - 1))
    )
    raw = np.repeat(mean_vog, 20)
    predictions = labels.copy()
    for c in range(10):  # the first fnr[c] * 20 examples of class c are misclassified
        predictions[c * 20 : c * 20 + int(round(fnr[c] * 20))] = (c + 1) % 10
    ev = evidence.class_evidence(raw, labels, predictions)
    (cond,) = ev.conditions
    assert cond.estimate == pytest.approx(0.65, abs=1e-9)
    half = 1.959964 / np.sqrt(7)
    assert cond.low == pytest.approx(np.tanh(np.arctanh(0.65) - half), abs=1e-5)
    assert cond.high == pytest.approx(np.tanh(np.arctanh(0.65) + half), abs=1e-5)
    assert cond.low == pytest.approx(0.0345, abs=1e-3) and ev.verdict == "holds"
    assert ev.point == claims.class_level_correlation(raw, labels, predictions).holds


def test_flip_known_answer():
    scores = np.arange(200.0)
    correct = np.ones(200, bool)
    correct[::2][:50] = False  # errors among the low scores only
    ev = evidence.flip_evidence(scores, -scores, correct, bins=5, n_boot=50)
    # error falls with the first score (early), rises with the second (late)
    assert ev.conditions[0].estimate == pytest.approx(
        -claims.early_late_flip(scores, -scores, correct, bins=5).numbers["early"]
    )
    assert ev.verdict == "holds"
    assert evidence.flip_evidence(-scores, scores, correct, bins=5, n_boot=50).verdict == "fails"


def test_memorisation_interval_matches_the_paper_test():
    rng = np.random.default_rng(0)
    clean = rng.normal(0.62, 0.54, 4000)
    shuffled = rng.normal(0.85, 0.75, 1000)
    ev = evidence.memorisation_evidence(clean, shuffled)
    chapter = claims.memorisation(clean, shuffled)
    assert ev.verdict == "holds" and chapter.holds
    assert ev.numbers["p"] == pytest.approx(chapter.numbers["p"])
    assert ev.level == pytest.approx(0.999)
    # a small difference: the 99.9% interval contains 0 exactly when Welch p >= 0.001
    near = evidence.memorisation_evidence(clean[:200], clean[200:260] + 0.1)
    assert (near.verdict == "within noise") == (near.numbers["p"] >= 1e-3)
    assert evidence.memorisation_evidence(shuffled, clean).verdict == "fails"


def test_auroc_equals_the_ood_metric():
    rng = np.random.default_rng(0)
    s_in, s_out = rng.normal(size=300), rng.normal(0.5, 1, 200).round(1)  # ties included
    assert evidence.auroc(s_in, s_out) == pytest.approx(ood_metrics(s_in, s_out)["auroc"])
    assert evidence.auroc([0, 1], [2, 3]) == 1.0 and evidence.auroc([2, 3], [0, 1]) == 0.0


def test_msp_gap_known_answer():
    s_in, s_out = np.arange(10.0), np.arange(10.0) + 100  # VoG separates perfectly
    vog = {"a": (s_in, s_out), "b": (s_in, s_out)}
    msp = {"a": (s_in, s_in.copy()), "b": (s_in, s_in.copy())}  # MSP at chance (0.5)
    ev = evidence.msp_evidence(vog, msp, n_boot=50)
    assert ev.conditions[0].estimate == pytest.approx(0.5)
    assert ev.numbers["mean_auroc"] == {"VoG": 1.0, "MSP": 0.5}
    assert ev.verdict == "holds"
    assert evidence.msp_evidence(msp, vog, n_boot=50).verdict == "fails"
    with pytest.raises(ValueError, match="same sets"):
        evidence.msp_evidence(vog, {"a": msp["a"]})


def test_oodc_gap_needs_every_baseline():
    s = np.arange(20.0)
    vog = {"blur": (s, s + 50)}
    base = {"PCA": {"blur": (s, s + 50)}, "KDE": {"blur": (s + 50, s)}}
    ev = evidence.oodc_evidence(vog, base, n_boot=50)
    assert [c.estimate for c in ev.conditions] == [0.0, 1.0]
    assert ev.verdict == "within noise"  # equal to PCA: not above it


def test_shift_one_condition_per_set():
    s_in = np.arange(100.0)  # 200 pooled: the shifted set fills the top (bottom) two quartiles
    pairs = {"over": (s_in, s_in + 1000), "under": (s_in, s_in - 1000)}
    ev = evidence.shift_evidence(pairs, n_boot=30)
    assert [c.estimate for c in ev.conditions] == [pytest.approx(0.5), pytest.approx(-0.5)]
    assert [c.verdict for c in ev.conditions] == ["holds", "fails"] and ev.verdict == "fails"
    assert ev.point == all(claims.quartile_shift(sh).holds for sh in ev.numbers.values())


def test_confidence_share_separates_a_reexpressed_confidence():
    rng = np.random.default_rng(0)
    conf = rng.uniform(0.01, 0.25, 500)
    logit = rng.lognormal(size=500)
    pure = evidence.confidence_share(conf**2 * 3.0, logit, conf)  # a function of confidence
    assert pure["r2_confidence"] == pytest.approx(1.0) and pure["spearman_confidence"] == 1.0
    product = evidence.confidence_share(conf * logit, logit, conf)  # the factorisation
    assert product["r2_both"] == pytest.approx(1.0)
    assert product["r2_confidence"] < 0.5 < product["r2_logit"] + product["r2_confidence"]


def test_tensors_are_accepted_and_bad_input_refused():
    t = torch.arange(50.0)
    c = torch.ones(50, dtype=torch.bool)
    c[-5:] = False
    assert evidence.error_evidence(t, c, n_boot=10).verdict == "holds"
    with pytest.raises(ValueError, match="differ in length"):
        evidence.error_evidence(t, c[:-1])
    with pytest.raises(ValueError, match="level"):
        evidence.error_evidence(t, c, level=1.5)
    with pytest.raises(ValueError, match="two clean"):
        evidence.memorisation_evidence([1.0], [2.0, 3.0])


def test_vectorised_bootstrap_matches_the_scalar_definitions():
    """The row-wise AUROC and quartile gap equal auroc() and quantile_shares() per replicate."""
    from vog.analysis import quantile_shares

    rng = np.random.default_rng(3)
    pairs = {"a": (rng.normal(size=40).round(1), rng.normal(0.3, 1, 30).round(1))}
    draws = evidence._resampled(pairs, 25, 0)
    s_in, s_out = pairs["a"]
    rows_in, rows_out = s_in[draws["a"][0]], s_out[draws["a"][1]]
    np.testing.assert_allclose(
        evidence._auroc_rows(rows_in, rows_out),
        [evidence.auroc(i, o) for i, o in zip(rows_in, rows_out, strict=True)],
    )
    gaps = []
    for i, o in zip(rows_in, rows_out, strict=True):
        shares = quantile_shares(i, o, q=4)
        gaps.append(shares[-1] - shares[0])
    ev = evidence.shift_evidence(pairs, n_boot=25, seed=0)
    lo, hi = np.quantile(gaps, [0.025, 0.975])
    assert (ev.conditions[0].low, ev.conditions[0].high) == (pytest.approx(lo), pytest.approx(hi))
