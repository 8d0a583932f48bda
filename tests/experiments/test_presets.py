"""Named experiment presets (one home for a run's settings) and VoG's variants of a run."""

from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import vog
from vog.experiments import PRESETS, experiment_config, experiment_settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_preset_builds_a_valid_config():
    for name in PRESETS:
        cfg = experiment_config(name)
        assert cfg.dataset == PRESETS[name]["dataset"]
        assert cfg.key().startswith(f"{cfg.dataset}-{cfg.model}-")


def test_a_preset_is_the_flat_dict_it_names():
    """The default profile's main run: the same config (same cache key) as the flat dict the
    chapters used to copy (since then trained channels-last, which changes the key)."""
    flat = {
        "dataset": "fashion_mnist",
        "model": "lenet",
        "epochs": 10,
        "lr": 0.05,
        "lr_milestones": [4, 7],
        "vog_every": 2,
        "channels_last": True,
    }
    cfg = experiment_config("fashion-lenet")
    assert cfg == vog.experiments.ExperimentConfig(**flat)
    assert cfg.key() == vog.experiments.ExperimentConfig(**flat).key()
    noisy = experiment_config("fashion-lenet-noisy")
    assert noisy == vog.experiments.ExperimentConfig(**flat, label_noise=0.2, record_dynamics=True)


def test_overrides_replace_and_add_settings_without_touching_the_preset():
    cfg = experiment_config("digits-mlp", epochs=8, label_noise=0.1)
    assert (cfg.epochs, cfg.label_noise, cfg.lr) == (8, 0.1, 0.1)
    assert PRESETS["digits-mlp"]["epochs"] == 6 and "label_noise" not in PRESETS["digits-mlp"]
    settings = experiment_settings("digits-mlp", seed=3)
    settings["epochs"] = 99  # a copy
    assert PRESETS["digits-mlp"]["epochs"] == 6
    with pytest.raises(TypeError):
        PRESETS["digits-mlp"]["epochs"] = 1  # read-only


def test_unknown_preset_names_the_valid_ones():
    with pytest.raises(ValueError, match="preset 'fashion'; choose one of .*'fashion-lenet'"):
        experiment_config("fashion")


def test_unknown_setting_names_it_and_the_valid_ones():
    with pytest.raises(ValueError, match=r"unknown experiment setting\(s\) \[.epoch.\].*epochs"):
        experiment_config("digits-mlp", epoch=3)


def test_invalid_settings_are_refused_by_the_config():
    with pytest.raises(ValueError, match="label_noise"):
        experiment_config("digits-mlp", label_noise=1.5)


def test_a_flat_dict_of_ones_own_is_accepted():
    cfg = experiment_config({"dataset": "digits", "model": "mlp", "epochs": 6}, lr=0.2)
    assert (cfg.dataset, cfg.lr) == ("digits", 0.2)
    with pytest.raises(TypeError, match="preset name or a dict"):
        experiment_config(3)


@pytest.mark.parametrize("profile", ["smoke", "default", "paper"])
def test_profiles_name_presets_for_the_chapters(profile):
    """Every chapter's `experiment` (and 02's named runs) in every profile is a preset name."""
    sections = yaml.safe_load((ROOT / "profiles" / f"{profile}.yaml").read_text())
    named = 0
    for chapter, section in sections.items():
        if chapter.startswith("_") or not section or chapter.startswith("11_"):
            continue
        if "experiment" in section:
            assert section["experiment"] in PRESETS, (chapter, section["experiment"])
            experiment_config(section["experiment"], **section.get("overrides", {}))
            named += 1
        for preset in section.get("experiments", {}).values():
            assert preset in PRESETS, (chapter, preset)
            named += 1
    assert named >= 10


# --- VoG's variants ---------------------------------------------------------------------------


class _Run:
    """A stand-in for a finished Experiment: what vog_variants reads."""

    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.labels = {"test": torch.tensor([0, 0, 0, 1, 1, 1])}
        self.predictions = {"test": torch.tensor([0, 1, 0, 1, 1, 0])}
        self.vog = {"test": {"all": torch.rand(6, generator=g, dtype=torch.float64) + 0.1}}
        self.magnitude = {"test": {"all": torch.tensor([1.0, 2.0, 4.0, 1.0, 2.0, 4.0]).double()}}
        self.folder = Path("run")
        self.asked = []

    def windows(self):
        return {"all": [0, 1]}

    def predicted(self, split, window):
        self.asked.append((split, window))
        return type("R", (), {"normalized": torch.arange(6.0)})()


def test_variants_known_answers():
    run = _Run()
    out = vog.experiments.vog_variants(run, "test", "all")
    assert list(out) == ["raw", "signed", "absolute", "relative", "predicted"]
    raw, y = run.vog["test"]["all"], run.labels["test"]
    np.testing.assert_allclose(out["raw"], raw.numpy())
    for c in (0, 1):  # signed: z-score within each class (population std)
        r = raw[y == c].numpy()
        np.testing.assert_allclose(out["signed"][y.numpy() == c], (r - r.mean()) / r.std())
    np.testing.assert_allclose(out["absolute"], np.abs(out["signed"]))
    rel = (raw / run.magnitude["test"]["all"]).numpy()
    for c in (0, 1):
        r = rel[y.numpy() == c]
        np.testing.assert_allclose(out["relative"][y.numpy() == c], (r - r.mean()) / r.std())
    np.testing.assert_allclose(out["predicted"], np.arange(6.0))
    assert all(v.dtype == np.float64 for v in out.values())


def test_variants_asked_for_only_and_in_order():
    run = _Run()
    out = vog.experiments.vog_variants(run, names=("relative", "raw"))
    assert list(out) == ["relative", "raw"] and run.asked == []  # nothing scored again


def test_variants_refuse_unknown_names():
    run = _Run()
    with pytest.raises(ValueError, match="variant='rel'.*'relative'"):
        vog.experiments.vog_variants(run, names=("rel",))
    with pytest.raises(ValueError, match="window='late'"):
        vog.experiments.vog_variants(run, "test", "late")
    run.magnitude = {}
    with pytest.raises(ValueError, match="no gradient magnitude"):
        vog.experiments.vog_variants(run, names=("relative",))


def test_correct_marks_the_examples_the_model_gets_right():
    run = _Run()
    assert vog.experiments.correct(run).tolist() == [True, False, True, True, True, False]
