"""A claim over replicate seeds (vog.analysis.seeds): planted estimates and verdicts."""

import math

import pytest

from vog.analysis.seeds import SCALE, SeedSpread, seed_spread
from vog.analysis.verdicts import FAILS, HOLDS, NOISE, Condition, Evidence


def _error(estimate, low, high):
    """Error evidence whose first condition is planted (the second always holds)."""
    return Evidence(
        "error",
        (
            Condition("top minus bottom", estimate, low, high),
            Condition("all minus bottom", 1, 1, 2),
        ),
        0.95,
    )


def test_planted_estimates_give_their_verdicts_range_and_text():
    by_seed = {
        0: _error(0.12, 0.05, 0.20),  # holds
        1: _error(0.08, 0.01, 0.15),  # holds
        2: _error(0.15, -0.02, 0.30),  # within noise
    }
    sp = seed_spread(by_seed)
    assert sp.seeds == (0, 1, 2)
    assert sp.verdicts == (HOLDS, HOLDS, NOISE)
    assert sp.estimates == pytest.approx((12.0, 8.0, 15.0))  # error: percentage points
    assert (sp.low, sp.high) == pytest.approx((8.0, 15.0))
    assert sp.noise == pytest.approx(7.0)  # effects.seed_noise: max - min
    assert sp.count(HOLDS) == 2 and sp.count(NOISE) == 1 and sp.count(FAILS) == 0
    assert not sp.stable
    assert (
        sp.text()
        == "holds on 2 of 3 seeds, within noise on 1; +12.0 on seed 0, +8.0 to +15.0 over seeds"
    )


def test_the_first_seed_is_the_quoted_one_whatever_its_number():
    sp = seed_spread({5: _error(-0.3, -0.4, -0.2), 1: _error(-0.1, -0.2, -0.05)})
    assert sp.seeds == (5, 1) and sp.estimates[0] == pytest.approx(-30.0)
    assert sp.stable and sp.verdicts == (FAILS, FAILS)
    assert sp.text() == "fails on 2 of 2 seeds; -30.0 on seed 5, -30.0 to -10.0 over seeds"


def test_the_most_frequent_verdict_is_named_first():
    sp = SeedSpread((0, 1, 2), (NOISE, FAILS, FAILS), (0.1, -0.2, -0.3))
    assert sp.text().startswith("fails on 2 of 3 seeds, within noise on 1; +0.10 on seed 0")


def test_one_seed_has_no_range():
    sp = seed_spread({0: Evidence("class", (Condition("r", 0.456, 0.1, 0.7),), 0.95)})
    assert sp.estimates == pytest.approx((0.456,))  # Pearson r: unscaled, 2 decimals
    assert math.isnan(sp.noise)
    assert sp.text() == "holds on its one seed (0), +0.46"


def test_scales_follow_the_claim():
    mem = seed_spread({0: Evidence("memorisation", (Condition("d", 0.5, 0.4, 0.6),), 0.999)})
    msp = seed_spread({0: Evidence("msp", (Condition("d", -0.25, -0.3, -0.2),), 0.95)})
    other = seed_spread({0: Evidence("stable", (Condition("d", 0.5, 0.4, 0.6),), 0.95)})
    assert mem.estimates == (0.5,) and mem.decimals == SCALE["memorisation"][1] == 2
    assert msp.estimates == pytest.approx((-25.0,)) and msp.decimals == 1
    assert other.estimates == (0.5,) and other.decimals == 2  # unknown claims: as they are


def test_an_undefined_estimate_is_left_out_of_the_range():
    sp = SeedSpread((0, 1, 2), (NOISE, HOLDS, HOLDS), (math.nan, 2.0, 5.0))
    assert (sp.low, sp.high, sp.noise) == (2.0, 5.0, 3.0)
    assert math.isnan(SeedSpread((0, 1), (NOISE, NOISE), (math.nan, 1.0)).noise)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="at least one seed"):
        seed_spread({})
    with pytest.raises(ValueError, match="different claims"):
        seed_spread({0: _error(0.1, 0, 0.2), 1: Evidence("class", (Condition("r", 0, 0, 0),), 0.9)})
    with pytest.raises(ValueError, match="unknown verdict"):
        SeedSpread((0,), ("maybe",), (0.0,))
    with pytest.raises(ValueError, match="as long"):
        SeedSpread((0, 1), (HOLDS,), (0.0,))
