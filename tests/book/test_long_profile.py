"""Profile ``long`` and ``make records``: the study and H-CAT at ten times the scale, recorded.

The profile runs for hours, so it is checked here for what it asks (issue "Effects, not
verdict counts": at least 10,000 training images, the full test set, three seeds, the
records' folder), and the recording path is run end to end on chapter 13 in the smoke
profile: the chapter saves its tables, and they read back with the run's provenance.
"""

from pathlib import Path

import jupytext
import yaml

import vog
from vog.analysis import benchmark_ranks as br
from vog.experiments import records

ROOT = Path(__file__).resolve().parents[2]
STAGING = "results/long/staging"


def test_long_profile_asks_for_ten_times_the_scale_and_three_seeds(notebook_runner):
    sections = notebook_runner.load_profile("long")
    assert set(sections) == {"11_when_claims_hold", "13_hcat_benchmark"}
    study = sections["11_when_claims_hold"]
    assert study["base_overrides"]["train_limit"] >= 10_000
    assert study["base_overrides"]["test_limit"] is None and study["n_test"] >= 10_000
    assert len(set(study["seeds"])) >= 3 and study["corners"]
    hcat = sections["13_hcat_benchmark"]
    settings = vog.experiments.experiment_settings(hcat["experiment"], **hcat["overrides"])
    assert settings["train_limit"] >= 10_000 and len(set(hcat["seeds"])) >= 3
    for name, section in sections.items():
        assert section["record_to"] == STAGING
        src = ROOT / "notebooks" / f"{name}.py"
        notebook_runner.check_parameters(
            jupytext.read(src), {**section, "profile": "long"}, src
        )  # every parameter exists, of the default's type
    make = (ROOT / "Makefile").read_text()
    assert "--profile long" in make
    assert "mv $(RECORDS)/staging/*.json $(RECORDS)/" in make


def test_a_chapter_records_its_tables_and_reads_them_back(tmp_path, notebook_runner, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    smoke = notebook_runner.load_profile("smoke")["13_hcat_benchmark"]
    section = {
        **smoke,
        "seeds": [0, 1],
        "record_to": str(tmp_path / "records"),
        "records": str(tmp_path / "records"),
        "cache_dir": str(tmp_path / "runs"),
    }
    profile = tmp_path / "recording.yaml"
    profile.write_text(yaml.safe_dump({"13_hcat_benchmark": section}))
    argv = ["--profile", str(profile), "--out", str(tmp_path / "out"), "13_hcat_benchmark"]
    assert notebook_runner.main(argv) == 0
    (tmp_path / "records" / records.BUILD_RECORD).write_bytes(
        (tmp_path / "out" / records.BUILD_RECORD).read_bytes()
    )
    rec = records.read_record(tmp_path / "records", "13_hcat_benchmark")
    assert rec.profile == str(profile) and rec.values["hcat_n_seeds"] == 2
    assert {"oriented AUROC ranks", "AUROC"} <= set(rec.tables)
    assert rec.seconds is not None and rec.seconds > 0
    sentence = br.recorded_sentence(rec)
    assert sentence.startswith(f"Recorded on {rec.written[:10]} with profile")
    assert rec.values["hcat_setup"] in sentence and "make records" in sentence
    assert "No record" in br.recorded_sentence(None)
