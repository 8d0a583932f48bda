"""TrainOptions: one frozen, validated object for how train_with_vog trains."""

import dataclasses

import pytest
import torch

import vog
from vog.experiments import ExperimentConfig
from vog.experiments.config import TRAIN_DEFAULTS


def test_defaults_and_normalised_values():
    o = vog.TrainOptions(epochs=4, lr_milestones=[2, 3], device=torch.device("cpu"))
    assert (o.optimizer, o.target, o.lr_step, o.lr, o.momentum) == ("sgd", "logit", "epoch", 0.1, 0)
    assert (
        o.lr_milestones == (2, 3) and o.device == "cpu" and hash(o) == hash(dataclasses.replace(o))
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.lr = 0.5  # type: ignore[misc]
    assert vog.TrainOptions(**o.to_dict()) == o


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"optimizer": "rmsprop"}, "'sgd', 'adam'"),
        ({"target": "softmax"}, "'logit', 'probability'"),
        ({"lr_step": "batch"}, "'epoch', 'iteration'"),
        ({"epochs": 1}, "epochs must be >= 2"),
        ({"epochs": 2.5}, "epochs must be an int"),
        ({"lr": 0.0}, "lr must be a finite number > 0"),
        ({"lr": float("nan")}, "lr must be a finite number"),
        ({"momentum": -0.1}, "momentum must be a finite number >= 0"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"lr_milestones": "23"}, "lr_milestones must be a sequence"),
        ({"optimizer": "adam", "momentum": 0.9}, "momentum=0.9 is an SGD option"),
        ({"device": "gpu:7"}, "not a torch device"),
        ({"progress": 1}, "progress must be True or False"),
    ],
)
def test_invalid_options_raise_value_errors_naming_the_valid_ones(changes, message):
    with pytest.raises(ValueError, match=message):
        vog.TrainOptions(**{"epochs": 3, **changes})


def test_build_refuses_unknown_names_and_applies_changes():
    with pytest.raises(ValueError, match=r"unknown training option\(s\) \['learning_rate'\]"):
        vog.TrainOptions.build(epochs=3, learning_rate=0.1)
    base = vog.TrainOptions(epochs=3)
    assert vog.TrainOptions.build(base) is base
    assert vog.TrainOptions.build(base, lr=0.5).lr == 0.5
    with pytest.raises(TypeError, match="TrainOptions"):
        vog.TrainOptions.build(vog.ScoringOptions())  # type: ignore[arg-type]


def _blobs():
    return vog.experiments.toy_blobs(80, centers=[[-2, -2], [2, 2]], cluster_std=2.0, seed=2)


def test_options_object_and_keywords_train_the_same_weights():
    (xtr, ytr), _ = _blobs()
    opts = vog.TrainOptions(epochs=3, lr=0.2, momentum=0.9, batch_size=16, seed=4, device="cpu")
    weights = []
    for call in (
        lambda m: vog.train_with_vog(m, (xtr, ytr), opts, windows={"all": [0, 1, 2]}),
        lambda m: vog.train_with_vog(m, (xtr, ytr), windows={"all": [0, 1, 2]}, **opts.to_dict()),
        lambda m: vog.train_with_vog(  # keywords on top of an options object
            m, (xtr, ytr), dataclasses.replace(opts, lr=9.0), windows={"all": [0, 1, 2]}, lr=0.2
        ),
    ):
        torch.manual_seed(0)
        model = vog.experiments.MLP(2, (8,), 2)
        call(model)
        weights.append(model.state_dict())
    for w in weights[1:]:
        assert all(torch.equal(w[k], weights[0][k]) for k in w)


def test_adam_trains_as_a_plain_adam_loop():
    """optimizer="adam" is torch's Adam with the given lr (e.g. H-CAT's 1e-3), same draws."""
    (xtr, ytr), _ = _blobs()
    torch.manual_seed(0)
    model = vog.experiments.MLP(2, (8,), 2)
    vog.train_with_vog(
        model,
        (xtr, ytr),
        vog.TrainOptions(epochs=2, optimizer="adam", lr=1e-3, batch_size=16, device="cpu"),
        vog_data={},
        windows={"all": [0, 1]},
    )
    torch.manual_seed(0)
    ref = vog.experiments.MLP(2, (8,), 2)
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-3)
    for _ in range(2):
        ref.train()
        for x, y in vog.data.as_loader((xtr, ytr), batch_size=16, shuffle=True, generator=gen):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(ref(x), y).backward()
            opt.step()
    for k, v in ref.state_dict().items():
        assert torch.equal(model.state_dict()[k], v), k


def test_probability_target_is_recorded_during_training(tmp_path):
    (xtr, ytr), (xte, yte) = _blobs()
    torch.manual_seed(0)
    model = vog.experiments.MLP(2, (8,), 2, activation="tanh")
    opts = vog.TrainOptions(epochs=3, target="probability", batch_size=16, device="cpu")
    run = vog.train_with_vog(
        model,
        (xtr, ytr),
        opts,
        vog_data={"test": (xte, yte)},
        windows={"all": [0, 1, 2]},
        checkpoint_dir=tmp_path,
        save_models=True,
    )
    files = [vog.training.checkpoint_path(tmp_path, e) for e in range(3)]
    arch = vog.experiments.MLP(2, (8,), 2, activation="tanh")
    prob = vog.compute_vog(files, (xte, yte), model=arch, target="probability")
    logit = vog.compute_vog(files, (xte, yte), model=arch, target="logit")
    torch.testing.assert_close(run.vog["test"]["all"], prob.raw)
    assert not torch.allclose(run.vog["test"]["all"], logit.raw)


def test_experiment_config_holds_train_options_built_from_flat_settings():
    flat = {"dataset": "digits", "model": "mlp", "epochs": 6, "lr": 0.1, "lr_milestones": [3]}
    cfg = ExperimentConfig.from_dict(flat)
    assert cfg == ExperimentConfig(**flat)
    assert isinstance(cfg.train, vog.TrainOptions)
    assert cfg.train == dataclasses.replace(TRAIN_DEFAULTS, epochs=6, lr=0.1, lr_milestones=(3,))
    assert cfg.epochs == cfg.train.epochs == 6  # read through, one home
    assert ExperimentConfig.from_dict(cfg.to_dict()) == cfg
    assert ExperimentConfig(dataset="digits", model="mlp", train=cfg.train) == cfg
    assert dataclasses.replace(cfg, epochs=8).train.epochs == 8
    assert dataclasses.replace(cfg, epochs=8).train.lr == 0.1
    assert cfg.replace(epochs=8, stage=2) == dataclasses.replace(cfg, epochs=8, stage=2)
    with pytest.raises(ValueError, match=r"unknown experiment setting\(s\) \['optimiser'\]"):
        ExperimentConfig(optimiser="adam")
    with pytest.raises(ValueError, match="'sgd', 'adam'"):
        ExperimentConfig(optimizer="lbfgs")
    with pytest.raises(AttributeError):
        cfg.no_such_setting  # noqa: B018


def test_experiment_key_is_stable_and_names_what_changes_the_result():
    cfg = ExperimentConfig(dataset="digits", model="mlp", epochs=6, lr=0.1)
    # the keys of runs cached before TrainOptions (same flat settings, same folder)
    assert cfg.key() == "digits-mlp-b0c0dc41cfd2"
    assert ExperimentConfig().key() == "mnist-lenet-76f4388ff8c8"
    same = [dataclasses.replace(cfg, device="cpu"), dataclasses.replace(cfg, num_workers=2)]
    assert all(c.key() == cfg.key() for c in same)
    other = [
        dataclasses.replace(cfg, optimizer="adam", momentum=0.0),
        dataclasses.replace(cfg, target="probability"),
        dataclasses.replace(cfg, lr_step="iteration"),
        dataclasses.replace(cfg, seed=1),
    ]
    assert len({c.key() for c in [cfg, *other]}) == 5


def test_channels_last_training_is_the_same_maths_and_part_of_the_key():
    torch.manual_seed(0)
    x, y = torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,))
    results = {}
    for cl in (False, True):
        torch.manual_seed(1)
        model = vog.experiments.LeNet(1, 10)
        res = vog.train_with_vog(
            model,
            (x, y),
            epochs=2,
            lr=0.05,
            batch_size=16,
            device="cpu",
            windows={"all": [0, 1]},
            channels_last=cl,
        )
        assert model.features[0].weight.is_contiguous(
            memory_format=torch.channels_last if cl else torch.contiguous_format
        )
        results[cl] = res
    a, b = results[False], results[True]
    torch.testing.assert_close(b.vog["train"]["all"], a.vog["train"]["all"], rtol=1e-3, atol=1e-7)
    assert [h["train_loss"] for h in a.history] == pytest.approx(
        [h["train_loss"] for h in b.history], rel=1e-4
    )
    with pytest.raises(ValueError, match="channels_last must be True or False"):
        vog.TrainOptions(epochs=2, channels_last="yes")
    key = vog.experiments.ExperimentConfig(dataset="digits", model="mlp", epochs=6).key()
    cl_key = vog.experiments.ExperimentConfig(
        dataset="digits", model="mlp", epochs=6, channels_last=True
    ).key()
    assert key != cl_key
