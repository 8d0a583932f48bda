"""The factor study: the narrow ResNet, augmentation, fitted runs, scores per target."""

import numpy as np
import pytest
import torch

import vog
from vog.analysis import claims
from vog.experiments import measures, study, study_runs, study_verdicts

TINY = {"dataset": "digits", "model": "mlp", "epochs": 6, "lr": 0.1, "train_limit": 300}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny run and its shuffled-label twin (scikit-learn digits, an MLP)."""
    cache = tmp_path_factory.mktemp("runs")
    design = study.one_factor_design(TINY, base_overrides={"test_limit": 120})
    base = design["base"]
    make = vog.experiments.ExperimentConfig.from_dict
    return {
        "clean": vog.experiments.run_experiment(make(base.settings), cache_dir=cache),
        "twin": vog.experiments.run_experiment(make(base.twin), cache_dir=cache),
    }


# --- the models of the design ---------------------------------------------------------------


def test_narrow_resnet_and_mlp_parameter_counts():
    # stem 9*16 + BN 32; block 16->16: 2*(9*16*16) + 2*32; block 16->32 (stride 2):
    # 9*16*32 + 64 + 9*32*32 + 64 + 16*32 + 64; block 32->64: 9*32*64 + 128 + 9*64*64 + 128
    # + 32*64 + 128; head 64*10 + 10
    by_hand = 144 + 32 + 4672 + 14528 + 57728 + 650
    assert by_hand == 77_754
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(vog.experiments.ResNet8(10, in_channels=1)) == 77_754
    assert count(vog.experiments.ResNet8(10, in_channels=3)) == 77_754 + 2 * 9 * 16
    x = torch.zeros(2, 1, 28, 28)
    narrow = vog.experiments.make_model("resnet8", x, 10)  # a quarter of the default width 64
    assert count(narrow) == 77_754 and narrow(x).shape == (2, 10)
    assert count(vog.experiments.make_model("resnet8", x, 10, width=32)) < 77_754
    # the MLP of the design: 784 -> 256 -> 128 -> 10
    assert (
        count(vog.experiments.make_model("mlp", x, 10)) == 784 * 256 + 256 + 256 * 128 + 128 + 1290
    )
    assert vog.experiments.ResNet8(10, in_channels=3)(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


def test_batchnorm_is_in_eval_mode_while_scoring():
    """In train mode BatchNorm would couple the examples of a batch; scoring must not."""
    torch.manual_seed(0)
    model = vog.experiments.ResNet8(10, in_channels=1)
    model.train()
    with torch.no_grad():  # running statistics far from a batch's own
        for _ in range(3):
            model(torch.rand(16, 1, 16, 16) * 3 + 1)
    stats = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
    x, y = torch.rand(8, 1, 16, 16), torch.arange(8)
    together = vog.input_gradients(model, x, y)
    alone = torch.cat([vog.input_gradients(model, x[i : i + 1], y[i : i + 1]) for i in range(8)])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-6)
    assert model.training and all(m.training for m in model.modules())
    for k, v in model.state_dict().items():
        if "running" in k:
            torch.testing.assert_close(v, stats[k])
    # and through the scoring entry point, two checkpoints in train mode
    other = vog.experiments.ResNet8(10, in_channels=1).train()
    res = vog.compute_vog([model, other], (x, y), batch_size=3)
    again = vog.compute_vog([model, other], (x, y), batch_size=8)
    torch.testing.assert_close(res.raw, again.raw, rtol=1e-4, atol=1e-9)
    assert model.training and other.training


# --- augmentation ---------------------------------------------------------------------------


def _augmented(tmp_path, **changes):
    settings = {**TINY, "epochs": 4, "stage": 2, "augment": True, "train_limit": 100}
    settings = {**settings, "test_limit": 40, **changes}
    cfg = vog.experiments.ExperimentConfig.from_dict(settings)
    return vog.experiments.run_experiment(cfg, cache_dir=tmp_path)


def _weights(run):
    return vog.load_state_dict(run.checkpoints("all")[-1])


def test_augmentation_changes_training_inputs_only_and_is_seeded(tmp_path):
    run = _augmented(tmp_path / "a")
    # scoring saw the clean test images: the recorded VoG is that of the saved checkpoints
    rescored = vog.compute_vog(run.checkpoints("all"), run.dataset("test"), model=run.model())
    torch.testing.assert_close(run.vog["test"]["all"], rescored.raw, rtol=1e-5, atol=1e-12)
    # the same seed trains the same weights (the crops are drawn from the seeded generator);
    # without augmentation the weights differ
    same = _augmented(tmp_path / "b")
    for k, v in _weights(run).items():
        torch.testing.assert_close(v, _weights(same)[k], rtol=0, atol=0)
    differs = lambda a, b: any(  # noqa: E731
        not torch.equal(v, _weights(b)[k]) for k, v in _weights(a).items()
    )
    assert differs(run, _augmented(tmp_path / "d", augment=False))


def test_crop_flip_is_seeded_by_its_generator():
    x = torch.rand(16, 1, 8, 8)
    a = vog.experiments.crop_flip(x, generator=torch.Generator().manual_seed(3))
    b = vog.experiments.crop_flip(x, generator=torch.Generator().manual_seed(3))
    c = vog.experiments.crop_flip(x, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b) and not torch.equal(a, c) and a.shape == x.shape


# --- a fitted run ---------------------------------------------------------------------------


def test_a_fitted_run_reaches_near_zero_training_error(tmp_path):
    """Long enough training memorises the shuffled labels too (paper Sec. 4.1: 0% error)."""
    settings = {**TINY, "train_limit": 200, "test_limit": 50, "label_noise": 0.2}
    short = vog.experiments.ExperimentConfig.from_dict({**settings, "epochs": 6})
    fitted = vog.experiments.ExperimentConfig.from_dict(
        {**settings, "epochs": 60, "batch_size": 16, "lr": 0.05, "vog_every": 20}
    )
    err_short = study_runs.training_error(vog.experiments.run_experiment(short, cache_dir=tmp_path))
    err = study_runs.training_error(vog.experiments.run_experiment(fitted, cache_dir=tmp_path))
    assert err["all"] <= 0.01 and err["shuffled"] <= 0.03
    assert err_short["shuffled"] > 0.3  # the short run has not memorised them


# --- design and scores ----------------------------------------------------------------------


def test_one_factor_design_changes_one_thing_at_a_time():
    design = study.one_factor_design(
        "fashion-lenet",
        base_overrides={"train_limit": 2000},
        factors={"model: MLP": {"model": "mlp"}, "augmentation": {"augment": True}},
        corners={"paper-like": {"model": "resnet8", "augment": True}},
        anchors={"default run": ["fashion-lenet", "fashion-lenet-noisy"]},
    )
    assert list(design) == ["default run", "base", "model: MLP", "augmentation", "paper-like"]
    assert [r.factor for r in design.values()] == [
        "anchor", "base", "model", "augmentation", "corner",
    ]  # fmt: skip
    base = design["base"].settings
    assert base["train_limit"] == 2000 and base["model"] == "lenet"
    for name in ("model: MLP", "augmentation"):
        diff = {k for k in design[name].settings if design[name].settings[k] != base.get(k)}
        assert len(diff) == 1
    assert design["base"].twin == {**base, "label_noise": 0.2}
    assert design["default run"].twin["record_dynamics"] is True
    with pytest.raises(ValueError, match="twice"):
        study.one_factor_design("fashion-lenet", factors={"base": {}})


def test_seed_replicates_of_the_base_and_the_corners_change_only_the_seed():
    design = study.one_factor_design(
        "fashion-lenet",
        factors={"model: MLP": {"model": "mlp"}},
        corners={"paper-like": {"model": "resnet8"}},
        seeds=[0, 1, 2, 1],  # the run's own seed (0) and a repeat add nothing
    )
    replicas = [n for n, d in design.items() if d.factor == "seed"]
    assert replicas == ["base, seed 1", "base, seed 2", "paper-like, seed 1", "paper-like, seed 2"]
    for name in replicas:
        d = design[name]
        original = design[d.of]
        assert d.settings == {**original.settings, "seed": d.settings["seed"]}
        assert d.twin == {**original.twin, "seed": d.settings["seed"]}
    assert design["base, seed 2"].of == "base" and design["model: MLP"].of is None
    assert "model: MLP, seed 1" not in design  # one-factor runs are not replicated
    with pytest.raises(ValueError, match="used twice"):
        study.one_factor_design("fashion-lenet", factors={"base, seed 1": {}}, seeds=[1])


def test_normalisations_are_the_runs_variants(runs):
    run = runs["clean"]
    y = run.labels["test"]
    variants = vog.experiments.vog_variants(run, names=("signed", "absolute", "relative"))
    for name, values in variants.items():
        got = study_verdicts.normalised(
            name, run.vog["test"]["all"], run.magnitude["test"]["all"], y
        )
        np.testing.assert_allclose(got.numpy(), values)
    with pytest.raises(ValueError, match="unknown normalisation"):
        study_verdicts.normalised("predicted", y, y, y)


def test_window_scores_per_target_from_the_saved_checkpoints(runs):
    run = runs["clean"]
    idx = study.first_indices(len(run.labels["test"]), 50, seed=0)
    logit = study.window_scores(run, "test", "logit", indices=idx)  # the recording, read
    prob = study.window_scores(run, "test", "probability", indices=idx)  # rescored, cached
    data = (run.examples("test", idx), run.labels["test"][idx])
    for w in run.windows():
        for target, got in (("logit", logit), ("probability", prob)):
            ref = vog.compute_vog(run.checkpoints(w), data, model=run.model(), target=target)
            torch.testing.assert_close(got["vog"][w], ref.raw, rtol=1e-4, atol=1e-12)
            torch.testing.assert_close(got["magnitude"][w], ref.magnitude, rtol=1e-4, atol=1e-12)
    assert list((run.folder / "study").glob("test-probability-*.pt"))
    again = study.window_scores(run, "test", "probability", indices=idx)
    torch.testing.assert_close(again["vog"]["all"], prob["vog"]["all"])
    conf = study.label_confidence(run, "test", indices=idx)
    assert conf.shape == (len(run.windows()["all"]), 50) and ((conf >= 0) & (conf <= 1)).all()


def test_predicted_scores_of_image_sets(runs):
    run = runs["clean"]
    x_in = run.examples("test", range(20))
    noise = torch.rand(10, *x_in.shape[1:])
    got = study.predicted_scores(run, {"in": x_in, "noise": noise}, "probability")
    for name, x in (("in", x_in), ("noise", noise)):
        ref = vog.compute_vog(
            run.checkpoints("all"),
            (x, torch.zeros(len(x), dtype=torch.long)),
            model=run.model(),
            labels="predicted",
            target="probability",
        )
        torch.testing.assert_close(got[name]["raw"], ref.raw, rtol=1e-4, atol=1e-12)
        assert torch.equal(got[name]["pred"], ref.scored_labels)
        final = vog.load_checkpoint(run.model(), run.checkpoints("all")[-1])
        torch.testing.assert_close(got[name]["msp"], vog.analysis.msp_score(final, x))


def test_claim_evidence_agrees_with_the_chapters_checks(runs):
    clean, twin = runs["clean"], runs["twin"]
    test = {
        **study.window_scores(clean, "test", "logit"),
        "labels": clean.labels["test"],
        "predictions": clean.predictions["test"],
    }
    tw = study.window_scores(twin, "train", "logit", windows=["all"])
    x_in = clean.examples("test", range(40))
    ood = study.predicted_scores(clean, {"in": x_in, "noise": torch.rand(40, *x_in.shape[1:])},
                                 "logit")  # fmt: skip
    out = study_verdicts.claim_evidence(
        test,
        twin={
            "vog": tw["vog"]["all"],
            "magnitude": tw["magnitude"]["all"],
            "labels": twin.labels["train"],
            "noisy": twin.noisy,
        },  # fmt: skip
        ood=ood,
        msp_sets=["noise"],
        shift_sets=["noise"],
        bins=5,
        n_boot=20,
    )
    assert set(out) == {"error", "class", "flip", "memorisation", "msp", "shift"}
    signed = vog.class_normalize(clean.vog["test"]["all"], clean.labels["test"])
    correct = vog.experiments.correct(clean)
    assert out["error"].point == claims.error_by_vog(signed, correct).holds
    z = vog.class_normalize(twin.vog["train"]["all"], twin.labels["train"]).numpy()
    mem = claims.memorisation(z[~twin.noisy.numpy()], z[twin.noisy.numpy()])
    assert out["memorisation"].point == (mem.numbers["shuffled_mean"] > mem.numbers["clean_mean"])
    assert out["memorisation"].numbers["p"] == pytest.approx(mem.numbers["p"])


def test_what_changed_reports_batchnorm_and_gradient_sizes(runs):
    run = runs["clean"]
    correct = vog.experiments.correct(run)
    got = measures.what_changed(run, run.vog["test"]["all"], run.magnitude["test"]["all"], correct)
    assert got["BatchNorm"] is False
    assert got["test error"] == pytest.approx(1 - correct.mean())
    size = run.magnitude["test"]["all"].numpy()
    assert got["gradient size, wrong / right"] == pytest.approx(
        np.median(size[~correct]) / np.median(size[correct])
    )
