import pytest
import torch
from scipy.stats import spearmanr

import vog


def test_stage_windows():
    w = vog.stage_windows(15)
    assert w == {
        "early": range(0, 5),
        "middle": range(5, 10),
        "late": range(10, 15),
        "all": range(15),
    }
    assert vog.first_last_windows(350) == {
        "early": range(3),
        "late": range(347, 350),
        "all": range(350),
    }
    with pytest.raises(ValueError):
        vog.stage_windows(4)


def small_run(tmp_path=None, **kw):
    (xtr, ytr), (xte, yte) = vog.experiments.toy_blobs(
        120, centers=[[-2, -2], [2, 2]], cluster_std=2.0, seed=1
    )
    torch.manual_seed(0)
    model = vog.experiments.MLP(2, (10,), 2, activation="tanh")
    res = vog.train_with_vog(
        model,
        (xtr, ytr),
        epochs=6,
        lr=0.1,
        batch_size=16,
        vog_data={"train": (xtr, ytr), "test": (xte, yte)},
        windows={"early": range(0, 3), "late": range(3, 6)},
        eval_data=(xte, yte),
        device="cpu",
        checkpoint_dir=tmp_path,
        **kw,
    )
    return model, res, (xtr, ytr), (xte, yte)


def test_training_vog_equals_compute_vog_on_saved_checkpoints(tmp_path):
    model, res, (xtr, ytr), _ = small_run(tmp_path, save_models=True)
    files = sorted(tmp_path.glob("epoch_*.pt"))
    assert [f.name for f in files] == [f"epoch_{e:04d}.pt" for e in range(6)]
    late = vog.compute_vog(
        files[3:],
        (xtr, ytr),
        model=vog.experiments.MLP(2, (10,), 2, activation="tanh"),
        device="cpu",
    )
    torch.testing.assert_close(res.vog["train"]["late"], late.raw)
    assert res.predictions["test"].shape == (6, len(res.labels["test"]))
    assert len(res.history) == 6 and 0 <= res.history[-1]["eval_acc"] <= 1


def test_resume_is_bit_identical(tmp_path):
    _, full, _, _ = small_run(tmp_path / "a")
    # interrupt after 4 epochs by running a 6-epoch schedule on a state cut at epoch 3
    (xtr, ytr), (xte, yte) = vog.experiments.toy_blobs(
        120, centers=[[-2, -2], [2, 2]], cluster_std=2.0, seed=1
    )
    torch.manual_seed(0)
    m = vog.experiments.MLP(2, (10,), 2, activation="tanh")

    class Stop(Exception):
        pass

    calls = {"n": 0}

    def interrupt(x):
        calls["n"] += 1
        if calls["n"] > 4 * 8:  # 8 batches per epoch: stop inside epoch 4
            raise Stop
        return x

    kw = dict(
        epochs=6,
        lr=0.1,
        batch_size=16,
        vog_data={"train": (xtr, ytr), "test": (xte, yte)},
        windows={"early": range(0, 3), "late": range(3, 6)},
        eval_data=(xte, yte),
        device="cpu",
        checkpoint_dir=tmp_path / "b",
    )
    with pytest.raises(Stop):
        vog.train_with_vog(m, (xtr, ytr), augment=interrupt, **kw)
    m2 = vog.experiments.MLP(2, (10,), 2, activation="tanh")
    resumed = vog.train_with_vog(m2, (xtr, ytr), resume=True, **kw)
    for name in ("train", "test"):
        for w in ("early", "late"):
            assert torch.equal(full.vog[name][w], resumed.vog[name][w])
    assert full.history == resumed.history


def test_record_gradients_consistent():
    _, res, _, _ = small_run(record_gradients=True)
    g = res.gradients["train"]
    assert g.shape == (6, len(res.labels["train"]), 2)
    torch.testing.assert_close(
        vog.vog_from_gradients(g[3:]), res.vog["train"]["late"], rtol=1e-5, atol=1e-7
    )


def test_lr_schedule_per_epoch_and_per_iteration():
    data = vog.experiments.toy_blobs(64, seed=0)[0]
    h_epoch = vog.train_with_vog(
        vog.experiments.MLP(2),
        data,
        epochs=4,
        lr=1.0,
        lr_milestones=[2],
        batch_size=16,
        windows={"all": range(4)},
        device="cpu",
    ).history
    assert [r["lr"] for r in h_epoch] == [1.0, 1.0, 0.1, 0.1]
    h_iter = vog.train_with_vog(
        vog.experiments.MLP(2),
        data,
        epochs=4,
        lr=1.0,
        lr_milestones=[2],
        batch_size=16,
        windows={"all": range(4)},
        lr_step="iteration",
        device="cpu",
    ).history
    assert [r["lr"] for r in h_iter] == [1.0, 0.1, 0.1, 0.1]


def test_bad_options():
    data = vog.experiments.toy_blobs(64, seed=0)[0]
    with pytest.raises(ValueError, match="'epoch', 'iteration'"):
        vog.train_with_vog(vog.experiments.MLP(2), data, epochs=3, lr_step="batch")
    with pytest.raises(ValueError, match="window 'x'"):
        vog.train_with_vog(vog.experiments.MLP(2), data, epochs=3, windows={"x": [1]})
    with pytest.raises(ValueError, match="needs checkpoint_dir"):
        vog.train_with_vog(
            vog.experiments.MLP(2), data, epochs=3, windows={"a": [0, 1]}, resume=True
        )


def test_semantic_high_vog_near_learned_boundary():
    """Paper Sec. 2.1: VoG ranks highest the points closest to the decision boundary."""
    (xtr, ytr), _ = vog.experiments.toy_blobs(
        400, centers=[[-2, -2], [2, 2]], cluster_std=2.0, seed=7
    )
    torch.manual_seed(7)
    model = vog.experiments.MLP(2, (10,), 2, activation="tanh")
    res = vog.train_with_vog(
        model, (xtr, ytr), epochs=15, lr=0.1, batch_size=32, seed=7, device="cpu"
    )
    dist = vog.experiments.boundary_distance(model, xtr)
    rho, p = spearmanr(res.vog["train"]["all"], -dist)
    assert rho > 0.5 and p < 1e-6


def test_boundary_distance_linear_model_analytic():
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 2.0]]))
        model.bias.copy_(torch.tensor([0.0, -1.0]))
    pts = torch.rand(200, 2) * 6 - 3
    d = vog.experiments.boundary_distance(model, pts, bounds=(-8, 8, -8, 8), resolution=801)
    exact = (pts @ torch.tensor([1.0, 2.0]) - 1.0).abs() / 5**0.5
    torch.testing.assert_close(d, exact.double(), atol=1e-3, rtol=0)  # grid step is 0.02


def test_empty_vog_data_only_saves_checkpoints(tmp_path):
    x = torch.randn(40, 5)
    y = (x[:, 0] > 0).long()
    model = vog.experiments.MLP(5, (8,), 2)
    run = vog.train_with_vog(
        model,
        (x, y),
        epochs=4,
        vog_data={},
        windows={"all": range(4)},
        checkpoint_dir=tmp_path,
        save_models=True,
        device="cpu",
    )
    assert run.vog == {} and run.predictions == {}
    files = sorted(p.name for p in tmp_path.glob("epoch_*.pt"))
    assert files == [f"epoch_{e:04d}.pt" for e in range(4)]
    res = vog.compute_vog(
        [tmp_path / f for f in files], (x, y), model=vog.experiments.MLP(5, (8,), 2)
    )
    assert res.raw.shape == (40,)


class _Plain(torch.utils.data.Dataset):
    """A map-style data set that is not a TensorDataset (DataLoader path)."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])


def _dropout_cnn():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.5),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 8 * 8, 10),
    )


def test_what_is_scored_never_changes_training():
    """Same seed, same weights: whatever is scored or evaluated, and however it is passed."""
    (xtr, ytr), (xte, yte) = vog.datasets.digits()
    xtr, ytr = xtr[:96], ytr[:96]
    kw = dict(epochs=3, lr=0.05, batch_size=32, seed=3, device="cpu", windows={"all": [0, 1, 2]})

    def train(**extra):
        model = _dropout_cnn()
        vog.train_with_vog(model, (xtr, ytr), **kw, **extra)
        return model.state_dict()

    ref = train(vog_data={})
    variants = {
        "tensors scored": dict(vog_data={"test": (xte, yte)}),
        "plain Dataset scored": dict(vog_data={"test": _Plain(xte, yte)}),
        "plain Dataset evaluated": dict(vog_data={}, eval_data=_Plain(xte, yte)),
        "both, with workers": dict(
            vog_data={"train": _Plain(xtr, ytr)}, eval_data=_Plain(xte, yte), num_workers=0
        ),
        "augmented": dict(vog_data={"test": _Plain(xte, yte)}, augment=lambda x: x.flip(-1)),
    }
    for name, extra in variants.items():
        got = train(**extra)
        if name == "augmented":
            continue  # trains differently on purpose; checked against its own unscored twin
        for k in ref:
            assert torch.equal(got[k], ref[k]), (name, k)
    aug_ref = train(vog_data={}, augment=lambda x: x.flip(-1))
    aug = train(
        vog_data={"test": _Plain(xte, yte)},
        eval_data=_Plain(xte, yte),
        augment=lambda x: x.flip(-1),
    )
    assert all(torch.equal(aug[k], aug_ref[k]) for k in aug_ref)


def test_recorder_in_a_custom_loop_equals_train_with_vog():
    (xtr, ytr), (xte, yte) = vog.experiments.toy_blobs(80, seed=2)
    windows = {"early": range(0, 2), "late": range(2, 4)}
    torch.manual_seed(0)
    model = vog.experiments.MLP(2, (8,), 2, activation="tanh")
    ref = vog.train_with_vog(
        model,
        (xtr, ytr),
        epochs=4,
        lr=0.1,
        batch_size=16,
        vog_data={"test": (xte, yte)},
        windows=windows,
        device="cpu",
    )
    torch.manual_seed(0)
    model = vog.experiments.MLP(2, (8,), 2, activation="tanh")
    rec = vog.VoGRecorder({"test": (xte, yte)}, windows)
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = vog.data.as_loader((xtr, ytr), batch_size=16, shuffle=True, generator=gen)
    for epoch in range(4):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        assert rec.observe(model, epoch)
    out = rec.result()
    for w in windows:
        torch.testing.assert_close(out.vog["test"][w], ref.vog["test"][w])
    assert torch.equal(out.predictions["test"], ref.predictions["test"])
    assert not rec.observe(model, 9)  # in no window: nothing to do
    with pytest.raises(ValueError, match="already observed"):
        rec.observe(model, 1)


def test_outputs_are_the_models_outputs_in_order_whatever_the_batch_size():
    model = torch.nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0, -1.0], [0.5, 2.0, 0.0]]))
        model.bias.copy_(torch.tensor([0.0, 1.0]))
    model.train()
    x = torch.tensor([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0], [2.0, 0.0, 0.0]])
    y = torch.tensor([1, 0, 1])
    expected = torch.tensor([[-2.0, 5.5], [-4.0, -1.0], [2.0, 2.0]])
    for batch_size in (1, 2, 512):
        out, labels = vog.training.outputs(model, (x, y), batch_size=batch_size)
        torch.testing.assert_close(out, expected)
        assert torch.equal(labels, y) and out.dtype == torch.float32
    assert model.training and all(p.requires_grad for p in model.parameters())
    with pytest.raises(ValueError, match="non-integral"):
        vog.training.outputs(model, (x, torch.tensor([0.0, 1.5, 1.0])))


def test_eval_accuracy_of_a_scored_set_comes_from_the_recorders_logits(monkeypatch):
    """When eval_data is one of the scored sets, an observed epoch's accuracy is the
    recorder's (no second forward pass) and equals what evaluate() computes."""
    (xtr, ytr), (xte, yte) = vog.experiments.toy_blobs(
        160, centers=[[-2, -2], [2, 2], [2, -2]], cluster_std=2.5, seed=3
    )
    test = (xte, yte)
    calls = []
    real = vog.training.evaluate

    def counted(model, data, **kw):
        calls.append(data)
        return real(model, data, **kw)

    monkeypatch.setattr(vog.training, "evaluate", counted)
    checked = []

    class Check:  # an observer comparing with a fresh evaluate() after every epoch
        def observe(self, model, epoch):
            checked.append(real(model, test))
            return True

        def state_dict(self):
            return {}

        def load_state_dict(self, state):
            pass

        def result(self):
            return None

        def cost(self):
            return {}

    torch.manual_seed(0)
    res = vog.train_with_vog(
        vog.experiments.MLP(2, (8,), 3),
        (xtr, ytr),
        epochs=5,
        lr=0.1,
        batch_size=16,
        vog_data={"test": test},
        windows={"all": [1, 2, 4]},
        eval_data=test,
        observers=[Check()],
        device="cpu",
    )
    accs = [h["eval_acc"] for h in res.history]
    assert accs == checked  # the same number, not just close
    assert len(set(accs)) > 1  # the accuracy moves: the comparison is not vacuous
    assert len(calls) == 2  # only the unobserved epochs 0 and 3 ran evaluate()
    # another object with the same contents is not recognised: it is evaluated
    calls.clear()
    vog.train_with_vog(
        vog.experiments.MLP(2, (8,), 3),
        (xtr, ytr),
        epochs=2,
        lr=0.1,
        vog_data={"test": test},
        windows={"all": [0, 1]},
        eval_data=(xte.clone(), yte.clone()),
        device="cpu",
    )
    assert len(calls) == 2
