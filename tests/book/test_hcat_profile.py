"""Profile ``hcat``: H-CAT's full grid for chapter 13, and its documented command.

The command (README, "H-CAT's full grid")::

    python scripts/run_notebooks.py --profile hcat 13_hcat_benchmark

The full-size grid needs hours; here the same command runs the same grid (8 types x 5
proportions x 3 seeds = 120 runs) on the smoke profile's tiny data, then again to show
that a finished grid is read back from its cache instead of trained again.
"""

from pathlib import Path

import jupytext
import pytest
import yaml

import vog
from vog.datasets.perturbations import HARDNESS
from vog.experiments import hardness as hb

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = ROOT / "notebooks" / "13_hcat_benchmark.py"
COMMAND = "python scripts/run_notebooks.py --profile hcat 13_hcat_benchmark"


def test_hcat_profile_is_hcats_full_grid(notebook_runner):
    sections = notebook_runner.load_profile("hcat")
    assert set(sections) == {"13_hcat_benchmark"}
    section = sections["13_hcat_benchmark"]
    assert sorted(section["hardness"]) == sorted(HARDNESS)
    assert tuple(section["proportions"]) == hb.HCAT_PROPORTIONS
    assert tuple(section["seeds"]) == hb.HCAT_SEEDS
    settings = vog.experiments.experiment_settings(section["experiment"])
    assert settings["data_source"] == "pypi" and settings.get("train_limit") is None
    for key in ("model", "optimizer", "lr", "batch_size", "epochs"):
        assert settings[key] == hb.HCAT_RECIPE[key], key
    # the notebook accepts every parameter of the profile, of the right type
    nb = jupytext.read(CHAPTER)
    notebook_runner.check_parameters(nb, {**section, "profile": "hcat"}, CHAPTER)
    assert COMMAND in (ROOT / "README.md").read_text()
    assert COMMAND in (ROOT / "profiles" / "hcat.yaml").read_text()


@pytest.mark.slow
def test_full_grid_command_runs_and_resumes_in_the_smoke_profile(
    tmp_path, notebook_runner, monkeypatch
):
    # 120 runs of 16 images: one thread each (the kernel inherits it) is the fastest
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    hcat = notebook_runner.load_profile("hcat")["13_hcat_benchmark"]
    smoke = notebook_runner.load_profile("smoke")["13_hcat_benchmark"]
    section = {
        **hcat,  # the full grid: every type, proportion and seed
        "experiment": smoke["experiment"],
        "overrides": {**smoke.get("overrides", {}), "train_limit": 16, "test_limit": 16},
        "cv_epochs": smoke["cv_epochs"],
        "cache_dir": str(tmp_path / "runs"),
        "data_root": str(tmp_path / "data"),
    }
    profile = tmp_path / "hcat-smoke.yaml"
    profile.write_text(yaml.safe_dump({"13_hcat_benchmark": section}))
    argv = ["--profile", str(profile), "--out", str(tmp_path / "out"), "13_hcat_benchmark"]
    assert notebook_runner.main(argv) == 0
    results = sorted((tmp_path / "runs").glob(f"hcat-*/{hb.RESULT_FILE}"))
    assert len(results) == len(HARDNESS) * len(hb.HCAT_PROPORTIONS) * len(hb.HCAT_SEEDS)
    stamps = {p: p.stat().st_mtime_ns for p in results}
    assert notebook_runner.main(argv) == 0  # the second pass reads the cached runs
    assert {p: p.stat().st_mtime_ns for p in results} == stamps
    assert len(list((tmp_path / "runs").iterdir())) == len(results)
