"""A benchmark's tables over seeds (vog.analysis.benchmark_ranks): known answers, planted tables."""

import math

import numpy as np
import pandas as pd
import pytest

from vog.analysis import benchmark_ranks as br
from vog.analysis import detection as det

METHODS = ["A", "B", "C"]
TYPES = ["uniform", "far_ood"]


def _long(values: dict[int, dict[str, dict[str, float]]], ps=(0.2,)) -> pd.DataFrame:
    """A run_grid-shaped table: ``values[seed][type][method]``, the same at every p."""
    rows = [
        {"hardness": t, "p": p, "seed": s, "method": m, "AUROC": v}
        for s, by_type in values.items()
        for t, by_method in by_type.items()
        for m, v in by_method.items()
        for p in ps
    ]
    return pd.DataFrame(rows)


#: seed 0: A > B > C on both types; seed 1: C > A > B on both; seed 2: B > C > A on both
PLANTED = {
    0: {t: {"A": 0.9, "B": 0.7, "C": 0.5} for t in TYPES},
    1: {t: {"A": 0.7, "B": 0.6, "C": 0.8} for t in TYPES},
    2: {t: {"A": 0.5, "B": 0.9, "C": 0.6} for t in TYPES},
}


def test_seed_summary_averages_p_first_then_gives_a_t_interval_over_seeds():
    table = _long(PLANTED, ps=(0.1, 0.3))
    table.loc[(table["p"] == 0.3) & (table["method"] == "A"), "AUROC"] += 0.1  # A: +0.05 mean
    mean, low, high = br.seed_summary(table, "AUROC", methods=METHODS, types=TYPES)
    assert list(mean.index) == METHODS and list(mean.columns) == TYPES
    assert mean.loc["A", "uniform"] == pytest.approx((0.95 + 0.75 + 0.55) / 3)
    expected = det.seed_interval([0.7, 0.6, 0.9])
    assert (mean.loc["B", "far_ood"], low.loc["B", "far_ood"], high.loc["B", "far_ood"]) == (
        pytest.approx(expected)
    )
    one = br.seed_summary(_long({0: PLANTED[0]}), "AUROC", methods=METHODS, types=TYPES)
    assert one.low.isna().all().all() and one.mean.loc["C", "uniform"] == 0.5


def test_interval_cells_cut_the_interval_to_the_metric_range():
    s = br.SeedSummary(
        pd.DataFrame({"t": [0.9, 0.5]}, index=["A", "B"]),
        pd.DataFrame({"t": [0.8, np.nan]}, index=["A", "B"]),
        pd.DataFrame({"t": [1.3, np.nan]}, index=["A", "B"]),
    )
    cells = br.interval_cells(s)
    assert cells.loc["A", "t"] == "0.90 [0.80, 1.00]"
    assert cells.loc["B", "t"] == "0.50"  # one seed: the mean alone


def test_standing_places_methods_by_mean_rank_and_ties_keep_the_row_order():
    frame = pd.DataFrame({"u": [0.1, 0.9, 0.5], "v": [0.2, 0.8, 0.6]}, index=["A", "B", "C"])
    assert br.standing(frame).to_dict() == {"A": 3, "B": 1, "C": 2}
    assert br.standing(frame, higher_is_better=False).to_dict() == {"A": 1, "B": 3, "C": 2}
    tied = pd.DataFrame({"u": [0.9, 0.1, 0.5], "v": [0.1, 0.9, 0.5]}, index=["A", "B", "C"])
    assert br.standing(tied).to_dict() == {"A": 1, "B": 2, "C": 3}  # all mean rank 2
    assert br.standing(tied.loc[["C", "B", "A"]]).to_dict() == {"C": 1, "B": 2, "A": 3}


def test_rank_spread_gives_the_place_on_each_seed_and_on_the_mean():
    spread = br.rank_spread(_long(PLANTED), "AUROC", methods=METHODS, types=TYPES)
    # mean over seeds: A 0.70, B 0.733, C 0.633 on both types -> B, A, C
    assert list(spread.index) == ["B", "A", "C"]
    assert spread["rank"].tolist() == [1, 2, 3]
    assert spread.loc["A", ["seed 0", "seed 1", "seed 2"]].tolist() == [1, 2, 3]
    assert spread.loc["C", ["seed 0", "seed 1", "seed 2"]].tolist() == [3, 1, 2]
    assert spread.loc["A", "median"] == 2 and spread.loc["C", "median"] == 2
    assert (spread.loc["A", "best"], spread.loc["A", "worst"]) == (1, 3)
    assert br.spread_phrase(spread, "A") == "1-3 on single seeds, median 2"


def test_rank_spread_of_one_seed_equals_its_rank_and_agreeing_seeds_read_as_one_place():
    one = br.rank_spread(_long({1: PLANTED[1]}), "AUROC", methods=METHODS, types=TYPES)
    assert (one["rank"] == one["seed 1"]).all()
    assert br.spread_phrase(one, "C") == "the same on its one seed"
    same = br.rank_spread(
        _long({0: PLANTED[0], 4: PLANTED[0]}), "AUROC", methods=METHODS, types=TYPES
    )
    assert br.spread_phrase(same, "B") == "2 on each of the 2 seeds"
    # agrees with rank_summary's order on the mean
    mean = br.seed_summary(_long(PLANTED), "AUROC", methods=METHODS, types=TYPES).mean
    spread = br.rank_spread(_long(PLANTED), "AUROC", methods=METHODS, types=TYPES)
    assert list(det.rank_summary(mean).index) == list(spread.index)


def test_ties_on_one_seed_keep_the_method_order():
    tied = {0: {t: {"A": 0.6, "B": 0.6, "C": 0.6} for t in TYPES}}
    spread = br.rank_spread(_long(tied), "AUROC", methods=["C", "A", "B"], types=TYPES)
    assert spread["seed 0"].to_dict() == {"C": 1, "A": 2, "B": 3}


def test_a_method_missing_on_one_seed_is_refused():
    table = _long(PLANTED)
    table = table[
        ~((table["seed"] == 2) & (table["method"] == "B") & (table["hardness"] == "far_ood"))
    ]
    with pytest.raises(ValueError, match="method 'B' has no AUROC for type 'far_ood' on seed 2"):
        br.rank_spread(table, "AUROC", methods=METHODS, types=TYPES)
    with pytest.raises(ValueError, match="lacks the columns \\['AP'\\]"):
        br.per_seed_frames(table, "AP", methods=METHODS, types=TYPES)
    spread = br.rank_spread(_long(PLANTED), "AUROC", methods=METHODS, types=TYPES)
    with pytest.raises(ValueError, match="method='D' is not ranked"):
        br.spread_phrase(spread, "D")


def test_chance_sides_use_the_interval_and_the_mean_with_one_seed():
    idx = ["A"]
    s = br.SeedSummary(
        pd.DataFrame({"u": [0.8], "v": [0.3], "w": [0.6]}, index=idx),
        pd.DataFrame({"u": [0.7], "v": [0.2], "w": [0.4]}, index=idx),
        pd.DataFrame({"u": [0.9], "v": [0.4], "w": [0.8]}, index=idx),
    )
    assert br.chance_sides(s, "A") == (1, 1)  # w's interval holds 0.5
    nan = pd.DataFrame({"u": [np.nan], "v": [np.nan], "w": [np.nan]}, index=idx)
    assert br.chance_sides(br.SeedSummary(s.mean, nan, nan), "A") == (2, 1)


def test_paired_difference_averages_per_seed_then_over_seeds():
    d = br.paired_difference(_long(PLANTED), "A", "B")
    expected = det.seed_interval([0.2, 0.1, -0.4])
    assert (d.mean, d.low, d.high) == pytest.approx(expected)
    assert d.side == "not distinguishable" and d.interval.startswith("95% interval over seeds [")
    one = br.paired_difference(_long({0: PLANTED[0]}), "C", "A")
    assert one.mean == pytest.approx(-0.4) and one.side == "lower"
    assert one.interval == "one seed, no interval" and math.isnan(one.low)
    assert br.Difference(0.05, 0.01, 0.09).side == "higher"
    with pytest.raises(ValueError, match="method 'Z' is not in the table"):
        br.paired_difference(_long(PLANTED), "A", "Z")


def test_convention_verdict_holds_only_with_the_same_best_and_agreeing_orders():
    good = pd.DataFrame({"u": [0.9, 0.5, 0.1], "v": [0.8, 0.6, 0.2]}, index=METHODS)
    ranks = {"oriented AP": det.rank_summary(good), "H-CAT AUPRC": det.rank_summary(good)}
    mean_ranks = br.mean_rank_table(ranks, sort_by="oriented AP")
    v = br.convention_verdict(ranks, mean_ranks)
    assert v.holds and v.tau == pytest.approx(1.0)
    assert v.reason.startswith("best by H-CAT's AUPRC: A; by the oriented AP: A; Kendall tau 1.00")
    ranks["H-CAT AUPRC"] = det.rank_summary(-good)  # the order turned round
    mean_ranks = br.mean_rank_table(ranks, sort_by="oriented AP")
    v = br.convention_verdict(ranks, mean_ranks)
    assert not v.holds and v.tau == pytest.approx(-1.0)
    assert v.reason.endswith("moves A down by 2.0 ranks and C up by 2.0")
    with pytest.raises(ValueError, match="sort_by='AUROC' is not a ranking"):
        br.mean_rank_table(ranks, sort_by="AUROC")
    with pytest.raises(ValueError, match="needs the ranking 'H-CAT AUPRC'"):
        br.convention_verdict({"oriented AP": ranks["oriented AP"]}, mean_ranks)


def test_times_within_and_spread_cells_read_the_places_on_single_seeds():
    spread = br.rank_spread(_long(PLANTED), "AUROC", methods=METHODS, types=TYPES)
    assert br.times_within(spread, "A") == 1  # first on seed 0 only
    assert br.times_within(spread, "C", k=2) == 2  # 3, 1, 2
    assert br.times_within(spread, "B", k=3) == 3
    cells = br.spread_cells(spread)
    assert cells.loc["C"].to_dict() == {
        "rank": 3,
        "seeds": "3, 1, 2",
        "median": "2",
        "range": "1-3",
    }
    assert list(cells.index) == ["B", "A", "C"]
    with pytest.raises(ValueError, match="method='D' is not ranked"):
        br.times_within(spread, "D")
    with pytest.raises(ValueError, match="k must be >= 1"):
        br.times_within(spread, "A", k=0)
