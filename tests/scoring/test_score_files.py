"""One on-disk shape for scores: result files, a run's cached windows and shards are one table."""

import pytest
import torch

import vog
from vog.scoring.result import COLUMNS, read_columns, write_columns


def _result(n=7, magnitude=True):
    g = torch.Generator().manual_seed(0)
    raw = torch.rand(n, generator=g, dtype=torch.float64)
    labels = torch.arange(n) % 3
    preds = (labels + (torch.arange(n) % 2)) % 3
    size = torch.rand(n, generator=g, dtype=torch.float64) if magnitude else None
    return vog.VoGResult.from_raw(raw, labels, preds, labels, magnitude=size)


@pytest.mark.parametrize("suffix", [".pt", ".csv", ".parquet"])
@pytest.mark.parametrize("magnitude", [True, False])
def test_every_format_holds_the_same_columns_and_round_trips(tmp_path, suffix, magnitude):
    res = _result(magnitude=magnitude)
    path = vog.write_scores(res, tmp_path / f"s{suffix}")
    columns, meta = read_columns(path)
    expected = [c for c in COLUMNS if magnitude or c != "magnitude"]
    assert sorted(columns) == sorted(expected) and meta == {}
    back = vog.read_scores(path)
    for attr, dtype in COLUMNS.values():
        if attr and (magnitude or attr != "magnitude"):
            assert getattr(back, attr).dtype == dtype
            assert torch.equal(getattr(back, attr), getattr(res, attr)), attr
    assert (back.magnitude is None) == (not magnitude)


def test_rows_in_any_order_are_read_in_index_order(tmp_path):
    res = _result()
    cols = res.columns()
    perm = torch.tensor([3, 0, 6, 1, 5, 2, 4])
    write_columns({k: v[perm] for k, v in cols.items()}, tmp_path / "s.pt")
    assert torch.equal(vog.read_scores(tmp_path / "s.pt").raw, res.raw)


def test_a_shard_is_the_same_table_and_is_not_read_as_a_whole_result(tmp_path):
    res = _result()
    part = {k: v[2:5] for k, v in res.columns().items() if k != "vog_normalized"}
    write_columns(part, tmp_path / "shard.pt", meta={"fingerprint": "abc"})
    columns, meta = read_columns(tmp_path / "shard.pt", required=True)
    assert meta == {"fingerprint": "abc"} and torch.equal(columns["index"], torch.arange(2, 5))
    with pytest.raises(ValueError, match="lacks the score columns \\['vog_normalized'\\]"):
        vog.read_scores(tmp_path / "shard.pt")
    write_columns({**part, "vog_normalized": part["vog"]}, tmp_path / "shard2.pt")
    with pytest.raises(ValueError, match="merge"):
        vog.read_scores(tmp_path / "shard2.pt")


def test_files_of_the_previous_layout_are_read(tmp_path):
    res = _result()
    old = {k: getattr(res, k) for k in ("raw", "normalized", "labels", "predictions")}
    old |= {"scored_labels": res.scored_labels, "magnitude": None}
    torch.save(old, tmp_path / "old.pt")  # vog 0.2's write_scores: attribute names as keys
    back = vog.read_scores(tmp_path / "old.pt")
    assert torch.equal(back.raw, res.raw) and back.magnitude is None


def test_bad_tables_are_refused_naming_the_file(tmp_path):
    with pytest.raises(ValueError, match="unknown score columns \\['score'\\]"):
        write_columns({"score": torch.zeros(3)}, tmp_path / "x.pt")
    torch.save({"vog": torch.zeros(3)}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="bad.pt.*lacks the score columns"):
        read_columns(tmp_path / "bad.pt")
    cols = {k: v for k, v in _result().columns().items()}
    cols["vog"] = cols["vog"][:3]
    torch.save(cols, tmp_path / "ragged.pt")
    with pytest.raises(ValueError, match="ragged.pt.*one row per example"):
        read_columns(tmp_path / "ragged.pt")
