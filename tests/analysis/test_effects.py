"""Effects with intervals and the seed-noise rule (vog.analysis.effects)."""

import numpy as np
import pytest

from vog.analysis import effects


def _mean_diff(score, hard):
    """A deciding estimate of the error claim's kind: mean score of hard minus easy."""
    return score[hard].mean() - score[~hard].mean()


def _data(n=600, shift=0.0, seed=0):
    rng = np.random.default_rng(seed)
    hard = rng.random(n) < 0.3
    score = rng.normal(size=n) + 0.5 * hard
    return score, hard, score + shift * hard


def test_identical_runs_have_no_effect():
    score, hard, _ = _data()
    e = effects.paired_effect(_mean_diff, (score, hard), (score, hard), n_boot=200)
    assert e.estimate == 0 and e.low == 0 and e.high == 0 and e.paired
    assert not effects.moves(e, noise=0.0)


def test_a_planted_shift_is_recovered_inside_its_interval():
    score, hard, shifted = _data(shift=0.4)
    e = effects.paired_effect(_mean_diff, (score, hard), (shifted, hard), n_boot=400)
    assert e.estimate == pytest.approx(0.4)
    assert e.low < 0.4 < e.high and e.low > 0
    assert effects.moves(e, noise=0.1)


def test_a_shift_smaller_than_the_seed_noise_does_not_move_the_claim():
    score, hard, shifted = _data(shift=0.15)
    e = effects.paired_effect(_mean_diff, (score, hard), (shifted, hard), n_boot=400)
    assert e.low > 0  # its interval excludes 0 ...
    base_seeds = [0.50, 0.31, 0.62]  # ... but the base moves more with the seed alone
    noise = effects.seed_noise(base_seeds)
    assert noise == pytest.approx(0.31)
    assert not effects.moves(e, noise)


def test_pairing_cancels_what_the_runs_share():
    """A shift on the same examples is resolved paired, not from independent intervals."""
    score, hard, shifted = _data(shift=0.1, n=400)
    paired = effects.paired_effect(_mean_diff, (score, hard), (shifted, hard), n_boot=400)
    base = (0.5, 0.3, 0.7)  # independent intervals as wide as one run's
    unpaired = effects.unpaired_effect(base, (0.6, 0.4, 0.8))
    assert paired.high - paired.low < (unpaired.high - unpaired.low) / 3
    assert unpaired.estimate == pytest.approx(0.1) and not unpaired.paired
    # two intervals of half-width 0.2: the difference's half-width is 0.2 * sqrt(2)
    assert unpaired.high - unpaired.estimate == pytest.approx(0.2 * np.sqrt(2))


def test_bad_input_is_named():
    score, hard, _ = _data()
    with pytest.raises(ValueError, match="same examples"):
        effects.paired_effect(_mean_diff, (score, hard), (score[:-1], hard[:-1]))
    with pytest.raises(ValueError, match="at least 2 replicate"):
        effects.seed_noise([0.3, float("nan")])
    with pytest.raises(ValueError, match="wrong order"):
        effects.unpaired_effect((0, 1, -1), (0, -1, 1))


def test_effect_table_and_forest_plot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    table = effects.effect_table(
        {
            "model: MLP": effects.Effect(0.3, 0.1, 0.5),
            "data: MNIST": effects.Effect(0.05, 0.01, 0.09),
        },
        noise=0.1,
    )
    assert table["moves the claim"].tolist() == [True, False]
    est = pd.DataFrame(
        {"estimate": [0.2, 0.5], "low": [0.1, 0.3], "high": [0.3, 0.7]}, index=["base", "MLP"]
    )
    fig, ax = plt.subplots()
    effects.forest_plot(ax, est, base="base", seeds=[0.15, 0.25, 0.2])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["base", "MLP"]
    assert ax.get_legend() is not None  # the seed band is drawn and named
    plt.close(fig)


def test_unpaired_effect_reads_each_interval_at_its_level():
    """A 99.9% interval (memorisation's Welch) is wider for the same standard error."""
    from scipy.stats import norm

    z999 = norm.ppf(0.9995)
    wide = (0.0, -z999 * 0.1, z999 * 0.1)  # se 0.1 at 99.9%
    narrow = (0.5, 0.5 - 1.96 * 0.1, 0.5 + 1.96 * 0.1)  # se 0.1 at 95%
    e = effects.unpaired_effect(wide, narrow, levels=(0.999, 0.95))
    assert e.estimate == pytest.approx(0.5)
    assert e.high - e.estimate == pytest.approx(norm.ppf(0.975) * 0.1 * np.sqrt(2), rel=1e-3)
    with pytest.raises(ValueError, match=r"level must lie in \(0, 1\)"):
        effects.unpaired_effect(wide, narrow, levels=(1.5, 0.95))


def test_condition_effect_pairs_through_shared_bootstrap_replicates():
    """Two runs scored on the same test images with the same resamples: the error claim's
    condition differs by a planted shift, recovered by a paired interval narrower than the
    unpaired one; identical runs give exactly 0."""
    from vog.analysis import evidence

    rng = np.random.default_rng(3)
    n = 800
    correct = rng.random(n) < 0.8
    base = rng.normal(size=n) + 1.0 * ~correct
    run = base + 1.5 * ~correct  # the run ranks errors higher
    eb = evidence.error_evidence(base, correct, n_boot=300).conditions[0]
    er = evidence.error_evidence(run, correct, n_boot=300).conditions[0]
    same = effects.condition_effect(eb, eb, paired=True)
    assert same.estimate == 0 and same.low == 0 and same.high == 0 and same.paired
    paired = effects.condition_effect(eb, er, paired=True)
    unpaired = effects.condition_effect(eb, er, paired=False)
    assert paired.paired and not unpaired.paired
    assert paired.estimate == pytest.approx(er.estimate - eb.estimate)
    assert paired.estimate > 0
    assert paired.low < paired.estimate < paired.high and paired.low > 0
    assert paired.high - paired.low < unpaired.high - unpaired.low
    # conditions without replicates (a Fisher or Welch interval) fall back to unpaired
    from vog.analysis.verdicts import Condition

    plain = Condition("r", 0.2, -0.1, 0.5)
    e = effects.condition_effect(plain, Condition("r", 0.6, 0.3, 0.9), paired=True)
    assert not e.paired and e.estimate == pytest.approx(0.4)
