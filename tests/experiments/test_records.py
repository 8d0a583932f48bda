"""Recorded results: tables written by a long run, read back verified (vog.experiments.records)."""

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from vog.atomic import CorruptFileError
from vog.experiments import records

WHEN = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.timezone.utc)


def _effects():
    index = pd.MultiIndex.from_tuples(
        [("error", "base"), ("error", "model: MLP"), ("class", "base")], names=["claim", "column"]
    )
    return pd.DataFrame(
        {
            "estimate": [0.12, 0.31, np.nan],
            "moves": [False, True, False],
            "condition": ["top minus bottom", "top minus bottom", "r"],
            "seeds": [3, 1, 3],
        },
        index=index,
    )


def test_tables_and_values_round_trip_exactly(tmp_path):
    frame = _effects()
    plain = pd.DataFrame({"run": ["base", "mlp"], "error (%)": [10.5, 12.25]}).set_index("run")
    path = records.write_tables(
        tmp_path, "11_when", {"effects": frame, "overview": plain}, profile="long",
        values={"n_test": 10000, "sentence": "none moves"}, now=WHEN,
    )  # fmt: skip
    assert path == tmp_path / "11_when.json" and not list(tmp_path.glob(".*tmp"))
    rec = records.read_record(tmp_path, "11_when")
    pd.testing.assert_frame_equal(rec.tables["effects"], frame)
    pd.testing.assert_frame_equal(rec.tables["overview"], plain)
    assert rec.values == {"n_test": 10000, "sentence": "none moves"}
    assert (rec.profile, rec.written, rec.build, rec.seconds) == (
        "long", "2026-12-07T12:00:00+00:00", None, None,
    )  # fmt: skip
    assert records.read_record(tmp_path, "13_hcat") is None  # no record: None, not an error


def test_provenance_line_names_commit_machine_time_and_command(tmp_path):
    records.write_tables(tmp_path, "11_when", {"effects": _effects()}, profile="long", now=WHEN)
    rec = records.read_record(tmp_path, "11_when")
    assert "run time not recorded" in records.provenance_line(rec)
    build = {
        "commit": "0123456789abcdef", "dirty": False, "chapters": {"11_when": 5400.0},
        "machine": {"cpu": "AMD EPYC 9B14", "cores": 2},
    }  # fmt: skip
    (tmp_path / records.BUILD_RECORD).write_text(json.dumps(build))
    rec = records.read_record(tmp_path, "11_when")
    assert rec.seconds == 5400.0
    assert records.provenance_line(rec) == (
        "Recorded on 2026-12-07 with profile 'long' from commit 0123456789 on AMD EPYC 9B14 "
        "(2 cores), in 90 minutes; the command 'make records' remakes it."
    )


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda t: t.replace("0.31", "0.32"), "fails its SHA-256"),
        (lambda t: t[: len(t) // 2], "not a readable record"),
        (lambda t: t.replace('"format": 1', '"format": 9'), "record format 9, not 1"),
    ],
)
def test_a_damaged_record_is_a_one_line_error_naming_the_file(tmp_path, damage, message):
    path = records.write_tables(tmp_path, "11_when", {"effects": _effects()}, profile="long")
    path.write_text(damage(path.read_text()))
    with pytest.raises(CorruptFileError, match=message) as err:
        records.read_record(tmp_path, "11_when")
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert "make records" in str(err.value)
