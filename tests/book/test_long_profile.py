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


def test_the_committed_records_hold_the_long_design_within_its_budget():
    """results/long: the study at 10,000 training images with 3 seeds of the base and the
    corners, a corner that fitted its shuffled labels (<= 5% error), H-CAT at 10,000 MNIST
    images with 3 seeds, and the run's provenance: within 2.5 hours on 2 cores."""
    folder = ROOT / "results" / "long"
    study = records.read_record(folder, "11_when_claims_hold")
    hcat = records.read_record(folder, "13_hcat_benchmark")
    assert study is not None and hcat is not None, "run `make records` and commit results/long"
    for rec in (study, hcat):
        build = rec.build
        assert rec.profile == "long" and build["profile"] == "long" and not build["dirty"]
        assert build["commit"] and build["date"] and build["machine"]["cores"] == 2
        assert build["runs"], "every run's configuration key"
    assert sum(study.build["chapters"].values()) <= 2.5 * 3600
    view = study.tables["overview"]
    assert view["training images"].min() >= 10_000
    family = view.index.str.split(", seed").str[0]  # "base, seed 1" is a replicate of "base"
    seeds = view.groupby(family)["seed"].nunique()
    corners = list(view.index[view["factor"] == "corner"])
    assert seeds["base"] >= 3 and corners and all(seeds[c] >= 3 for c in corners)
    fit = view.loc[view["factor"] == "corner", "twin: error on its shuffled labels (%)"]
    assert fit.min() <= 5.0, "a corner fitted its shuffled labels (paper Sec. 4.1)"
    sentence = br.recorded_sentence(hcat)
    assert "10000 training images" in sentence and "seeds 0, 1, 2" in sentence
