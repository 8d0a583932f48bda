"""The verdict-table builder: three-way decisions, the claims x runs table, "holds with"."""

import math

import numpy as np
import pytest

from vog.analysis import evidence, verdicts
from vog.analysis.verdicts import Condition, Evidence


def _ev(claim, *intervals):
    return Evidence(
        claim,
        tuple(Condition(f"c{i}", (lo + hi) / 2, lo, hi) for i, (lo, hi) in enumerate(intervals)),
        0.95,
    )


def check_decisions(mod):
    """Known answers of the decision rule (used on the real module and on a mutant)."""
    assert mod.decide(0.01, 0.3) == "holds"
    assert mod.decide(-0.3, -0.01) == "fails"
    assert mod.decide(-0.1, 0.2) == "within noise"
    assert mod.decide(0.0, 0.2) == "within noise"  # touching 0 is not above it
    assert mod.decide(math.nan, 0.2) == "within noise"
    assert mod.combine(["holds", "holds"]) == "holds"
    assert mod.combine(["holds", "within noise"]) == "within noise"
    assert mod.combine(["holds", "fails"]) == "fails"
    assert mod.combine(["within noise", "fails"]) == "fails"


def check_table(mod):
    """A hand-written design: the table, its codes and "holds with" (known answers)."""
    evidence = {
        ("error", "base"): _ev("error", (0.1, 0.2), (0.05, 0.1)),  # both above 0
        ("error", "ResNet"): _ev("error", (0.1, 0.2), (-0.2, -0.1)),  # one below 0
        ("class", "base"): _ev("class", (-0.5, 0.7)),  # straddles 0
        ("class", "ResNet"): _ev("class", (0.2, 0.9)),
        ("oodc", "base"): None,  # does not apply
    }
    table = mod.verdict_table(
        evidence, claims=["error", "class", "oodc"], columns=["base", "ResNet"]
    )
    assert table.to_dict() == {
        "base": {"error": "holds", "class": "within noise", "oodc": "n/a"},
        "ResNet": {"error": "fails", "class": "holds", "oodc": "n/a"},
    }
    codes = mod.verdict_codes(table)
    np.testing.assert_array_equal(codes[:2], [[1.0, -1.0], [0.0, 1.0]])
    assert np.isnan(codes[2]).all()
    assert mod.holds_with(table, "error") == "base"
    assert mod.holds_with(table, "class") == "ResNet"
    assert mod.holds_with(table, "oodc") == "not studied"
    assert mod.holds_with(table, "toy") == "not studied"
    flips = mod.changes(table, "base")
    assert flips.to_dict("records") == [
        {"column": "ResNet", "claim": "error", "base": "holds", "verdict": "fails"},
        {"column": "ResNet", "claim": "class", "base": "within noise", "verdict": "holds"},
    ]


def test_decisions_known_answers():
    check_decisions(verdicts)


def test_table_known_answers():
    check_table(verdicts)


def test_none_when_a_claim_holds_nowhere():
    table = verdicts.verdict_table({("msp", "a"): _ev("msp", (-0.3, -0.2))})
    assert verdicts.holds_with(table, "msp") == "none"


@pytest.mark.parametrize("check", [check_decisions, check_table])
def test_a_mutant_that_swaps_holds_and_fails_is_caught(monkeypatch, check):
    """Swapping "holds" and "fails" in the decision rule must fail the known-answer checks."""
    original = verdicts.decide
    swap = {"holds": "fails", "fails": "holds"}

    def mutant(low, high):
        v = original(low, high)
        return swap.get(v, v)

    monkeypatch.setattr(verdicts, "decide", mutant)
    with pytest.raises(AssertionError):
        check(verdicts)


def test_a_mutant_that_swaps_the_colour_codes_is_caught(monkeypatch):
    monkeypatch.setitem(verdicts.CODES, "holds", -1.0)
    monkeypatch.setitem(verdicts.CODES, "fails", 1.0)
    with pytest.raises(AssertionError):
        check_table(verdicts)


def test_evidence_verdict_and_point():
    ev = _ev("error", (0.1, 0.2), (-0.05, 0.1))
    assert ev.verdict == "within noise" and ev.point
    assert "c0 +0.15 [+0.1, +0.2]" in ev.summary()


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="wrong order"):
        verdicts.decide(0.3, 0.1)
    with pytest.raises(ValueError, match="unknown verdict"):
        verdicts.combine(["holds", "maybe"])
    with pytest.raises(ValueError, match="at least one"):
        verdicts.combine([])
    with pytest.raises(ValueError, match="filed under"):
        verdicts.verdict_table({("class", "a"): _ev("error", (0.1, 0.2))})
    table = verdicts.verdict_table({("error", "a"): _ev("error", (0.1, 0.2))})
    with pytest.raises(ValueError, match="base column"):
        verdicts.changes(table, "b")


def test_heatmap_draws_every_cell():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = verdicts.verdict_table(
        {("error", "a"): _ev("error", (0.1, 0.2)), ("class", "a"): None},
    )
    fig, ax = plt.subplots()
    verdicts.verdict_heatmap(ax, table, title="t")
    assert [t.get_text() for t in ax.texts] == ["holds", "n/a"]
    plt.close(fig)


def test_wide_tables_are_drawn_in_panels_legible_at_a_page_width():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = {(c, f"run {j}"): _ev(c, (0.1, 0.2)) for c in ("error", "class") for j in range(17)}
    table = verdicts.verdict_table(cells)
    fig = verdicts.verdict_figure(table, per_panel=7, title="t")
    assert len(fig.axes) == 3  # 17 columns in panels of at most 7, balanced: 6 + 6 + 5
    assert [len(ax.get_xticklabels()) for ax in fig.axes] == [6, 6, 5]
    assert sum(len(ax.texts) for ax in fig.axes) == 2 * 17  # every cell written
    # at 9.5 inches a panel's cell is over an inch wide: 9-point text fits at a page's width
    width = fig.get_size_inches()[0]
    assert width <= 10 and all(t.get_fontsize() >= 9 for ax in fig.axes for t in ax.texts)
    plt.close(fig)
    with pytest.raises(ValueError, match="per_panel"):
        verdicts.verdict_figure(table, per_panel=0)


@pytest.mark.parametrize(
    ("magnitude", "signed", "mark"),
    [
        ("holds", "holds", "holds"),
        ("holds", "fails", "holds as |z| only; signed: reversed"),
        ("holds", "within noise", "holds as |z| only; signed: within noise"),
        ("fails", "fails", "fails"),
        ("within noise", "holds", "within noise as |z|; signed: holds"),
    ],
)
def test_direction_mark_keeps_the_signed_direction(magnitude, signed, mark):
    assert verdicts.direction_mark(magnitude, signed) == mark


def test_direction_mark_from_evidence_of_a_reversed_score():
    """Shuffled examples far from their class's mean on both sides, mostly below: |z|
    separates them, the signed score puts them lowest."""
    rng = np.random.default_rng(0)
    clean = rng.normal(0.2, 0.5, 2000)
    shuffled = np.r_[rng.normal(-2.0, 0.5, 400), rng.normal(1.5, 0.5, 100)]
    size = evidence.memorisation_evidence(np.abs(clean), np.abs(shuffled)).verdict
    sign = evidence.memorisation_evidence(clean, shuffled).verdict
    assert (size, sign) == ("holds", "fails")
    assert verdicts.direction_mark(size, sign) == "holds as |z| only; signed: reversed"
    with pytest.raises(ValueError, match="unknown verdict 'yes'"):
        verdicts.direction_mark("yes", "holds")
