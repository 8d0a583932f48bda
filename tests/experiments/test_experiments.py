"""Cached experiment runs, including the ImageNet path (lazy folders, sample-major VoG)."""

import pytest
import torch

import vog


def _imagenet_cfg(**kw):
    base = dict(
        dataset="imagenet",
        model="resnet50",
        epochs=4,
        stage=2,
        vog_every=2,
        lr=0.01,
        batch_size=6,
        image_size=64,
        augment=True,
    )
    return vog.experiments.ExperimentConfig(**{**base, **kw})


@pytest.mark.slow
def test_imagenet_run_trains_saves_and_scores_like_streaming(tmp_path, fabricate):
    fabricate.imagenet(tmp_path / "data")
    cfg = _imagenet_cfg(label_noise=0.25)
    exp = vog.experiments.run_experiment(
        cfg, cache_dir=tmp_path / "runs", data_root=tmp_path / "data"
    )
    assert set(exp.vog) == {"train", "test"}
    for split, n in (("train", 18), ("test", 9)):
        assert set(exp.vog[split]) == {"early", "late", "all"}
        for scores in exp.vog[split].values():
            assert scores.shape == (n,) and bool(torch.isfinite(scores).all())
            assert bool((scores > 0).all())
        assert exp.predictions[split].shape == (n,)
    # labels: ImageFolder's class indices, a quarter of the training ones shuffled
    folder_targets = torch.as_tensor(vog.datasets.imagenet(tmp_path / "data", train=True).targets)
    assert torch.equal(exp.clean_labels["train"], folder_targets)
    assert torch.equal(exp.noisy, exp.labels["train"] != exp.clean_labels["train"])
    assert torch.equal(exp.dataset("train").targets, exp.labels["train"])
    assert 0.0 <= exp.test_acc <= 1.0 and len(exp.history) == 4
    # the sample-major scores of the saved checkpoints equal the streaming computation
    res = vog.compute_vog(exp.checkpoints("late"), exp.dataset("train"), model=exp.model())
    torch.testing.assert_close(res.raw, exp.vog["train"]["late"], rtol=1e-5, atol=0)
    assert exp.examples("test", [0, 5]).shape == (2, 3, 64, 64)
    assert exp.examples("test", []).shape == (0, 3, 64, 64)
    # a second call reads the cache: no training state is written again
    again = vog.experiments.run_experiment(
        cfg, cache_dir=tmp_path / "runs", data_root=tmp_path / "data"
    )
    assert not (exp.folder / "train_state.pt").exists()
    torch.testing.assert_close(again.vog["test"]["all"], exp.vog["test"]["all"])


def test_imagenet_subsets_span_classes_and_are_lazy(tmp_path, fabricate):
    fabricate.imagenet(tmp_path, per_class_train=4)
    cfg = _imagenet_cfg(train_limit=6, test_limit=4)
    splits = vog.experiments.data.load_run_data(cfg, tmp_path)
    assert splits.lazy
    ytr = splits.clean["train"]
    assert len(ytr) == 6 and len(set(ytr.tolist())) > 1  # a random subset, not class 0 only
    assert splits.n_classes == 3 and splits.example.shape == (1, 3, 64, 64)
    # the subset is fixed: the same examples on every call and for every seed
    again = vog.experiments.data.load_run_data(_imagenet_cfg(train_limit=6, seed=3), tmp_path)
    assert torch.equal(again.scored["train"].indices, splits.scored["train"].indices)


def test_resnet50_needs_colour_images():
    with pytest.raises(ValueError, match="3-channel"):
        vog.experiments.make_model("resnet50", torch.zeros(1, 1, 64, 64), 10)


def test_unknown_dataset_lists_the_valid_ones():
    with pytest.raises(ValueError, match="'imagenet'"):
        vog.experiments.ExperimentConfig(dataset="tinyimagenet")


def test_tensor_runs_expose_examples_and_datasets(tmp_path):
    cfg = vog.experiments.ExperimentConfig(
        dataset="digits", model="mlp", epochs=6, lr=0.1, train_limit=200
    )
    exp = vog.experiments.run_experiment(cfg, cache_dir=tmp_path)
    idx = torch.tensor([3, 1, 4])
    x, y = exp.dataset("train").tensors
    assert torch.equal(exp.examples("train", idx), x[idx])
    assert len(x) == 200 and torch.equal(y, exp.labels["train"])
    with pytest.raises(ValueError, match="'train', 'test'"):
        exp.dataset("val")


@pytest.mark.slow
def test_interrupted_imagenet_scoring_resumes_where_it_stopped(tmp_path, fabricate, monkeypatch):
    fabricate.imagenet(tmp_path / "data", per_class_train=3, per_class_val=2)
    cfg = _imagenet_cfg(batch_size=9)
    kw = dict(cache_dir=tmp_path / "runs", data_root=tmp_path / "data")
    real, calls = vog.scoring.compute_vog, []

    def interrupted_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(vog.experiments.run, "compute_vog", interrupted_after_two)
    with pytest.raises(KeyboardInterrupt):
        vog.experiments.run_experiment(cfg, **kw)
    (folder,) = (tmp_path / "runs").glob(f"{cfg.key()}-*")  # the key ends in the data's hash
    assert len(list(folder.glob("scores_*.pt"))) == 2 and (folder / "train_state.pt").exists()

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    calls.clear()
    monkeypatch.setattr(vog.experiments.run, "compute_vog", counted)
    exp = vog.experiments.run_experiment(cfg, **kw)
    assert len(calls) == 4  # 2 splits x 3 windows, 2 already done
    assert len(exp.history) == 4 and not list(folder.glob("scores_*.pt"))
    assert not (folder / "train_state.pt").exists()
    res = real(exp.checkpoints("early"), exp.dataset("train"), model=exp.model())
    torch.testing.assert_close(res.raw, exp.vog["train"]["early"], rtol=1e-5, atol=0)


def test_runs_record_dynamics_costs_and_cached_predicted_label_vog(tmp_path):
    cfg = vog.experiments.ExperimentConfig(
        dataset="digits", model="mlp", epochs=6, lr=0.1, label_noise=0.2, record_dynamics=True
    )
    exp = vog.experiments.run_experiment(cfg, cache_dir=tmp_path)
    assert set(exp.dynamics) == {"train", "test"}
    assert set(exp.dynamics["train"]) == set(vog.analysis.difficulty.TrainingDynamics.SCORES)
    assert "GraNd" not in exp.dynamics["test"]  # per-example parameter gradients: training set
    for split in ("train", "test"):
        for scores in exp.dynamics[split].values():
            assert scores.shape == exp.labels[split].shape and torch.isfinite(scores).all()
    assert set(exp.costs) == {"VoG", *vog.analysis.difficulty.TrainingDynamics.SCORES}
    vog_cost = exp.costs["VoG"]
    assert (
        vog_cost["seconds per epoch"] > 0 and vog_cost["peak bytes"] > vog_cost["state bytes"] > 0
    )
    # VoG keeps two per-pixel float64 maps per example and window: 16 bytes per pixel
    n = len(exp.labels["train"]) + len(exp.labels["test"])
    assert vog_cost["state bytes"] == 16 * 64 * n * len(cfg.windows())
    assert exp.magnitude["test"]["all"].shape == exp.vog["test"]["all"].shape
    pred = exp.predicted("test", "all")
    assert (exp.folder / "predicted_test_all.pt").is_file()
    again = vog.experiments.run_experiment(cfg, cache_dir=tmp_path).predicted("test", "all")
    assert torch.equal(again.raw, pred.raw) and pred.magnitude is not None
    assert torch.equal(pred.scored_labels, exp.predictions["test"])


def test_runs_that_do_not_score_the_training_set_still_predict_it(tmp_path):
    cfg = vog.experiments.ExperimentConfig(
        dataset="digits", model="mlp", epochs=6, lr=0.1, score_train=False
    )
    exp = vog.experiments.run_experiment(cfg, cache_dir=tmp_path)
    assert set(exp.vog) == {"test"} and exp.predictions["train"].shape == exp.labels["train"].shape
    full = vog.experiments.run_experiment(
        vog.experiments.ExperimentConfig(dataset="digits", model="mlp", epochs=6, lr=0.1),
        cache_dir=tmp_path,
    )
    # scoring the training set or not never changes training
    assert torch.equal(full.predictions["train"], exp.predictions["train"])
    torch.testing.assert_close(full.vog["test"]["all"], exp.vog["test"]["all"])


def test_runs_train_on_the_config_schedule(tmp_path):
    cfg = vog.experiments.ExperimentConfig(
        dataset="digits", model="mlp", epochs=6, lr=0.2, lr_milestones=[2, 4], lr_gamma=0.5
    )
    assert cfg.train.lr_milestones == (2, 4) and cfg.train.epochs == 6 and cfg.epochs == 6
    exp = vog.experiments.run_experiment(cfg, cache_dir=tmp_path)
    assert [round(r["lr"], 6) for r in exp.history] == [0.2, 0.2, 0.1, 0.1, 0.05, 0.05]
