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
    (xtr, ytr), (xte, yte) = vog.toy_blobs(120, centers=[[-2, -2], [2, 2]], cluster_std=2.0, seed=1)
    torch.manual_seed(0)
    model = vog.MLP(2, (10,), 2, activation="tanh")
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
        files[3:], (xtr, ytr), model=vog.MLP(2, (10,), 2, activation="tanh"), device="cpu"
    )
    torch.testing.assert_close(res.vog["train"]["late"], late.raw)
    assert res.predictions["test"].shape == (6, len(res.labels["test"]))
    assert len(res.history) == 6 and 0 <= res.history[-1]["eval_acc"] <= 1


def test_resume_is_bit_identical(tmp_path):
    _, full, _, _ = small_run(tmp_path / "a")
    # interrupt after 4 epochs by running a 6-epoch schedule on a state cut at epoch 3
    (xtr, ytr), (xte, yte) = vog.toy_blobs(120, centers=[[-2, -2], [2, 2]], cluster_std=2.0, seed=1)
    torch.manual_seed(0)
    m = vog.MLP(2, (10,), 2, activation="tanh")

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
    m2 = vog.MLP(2, (10,), 2, activation="tanh")
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
    data = vog.toy_blobs(64, seed=0)[0]
    h_epoch = vog.train_with_vog(
        vog.MLP(2),
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
        vog.MLP(2),
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
    data = vog.toy_blobs(64, seed=0)[0]
    with pytest.raises(ValueError, match="'epoch', 'iteration'"):
        vog.train_with_vog(vog.MLP(2), data, epochs=3, lr_step="batch")
    with pytest.raises(ValueError, match="window 'x'"):
        vog.train_with_vog(vog.MLP(2), data, epochs=3, windows={"x": [1]})
    with pytest.raises(ValueError, match="needs checkpoint_dir"):
        vog.train_with_vog(vog.MLP(2), data, epochs=3, windows={"a": [0, 1]}, resume=True)


def test_semantic_high_vog_near_learned_boundary():
    """Paper Sec. 2.1: VoG ranks highest the points closest to the decision boundary."""
    (xtr, ytr), _ = vog.toy_blobs(400, centers=[[-2, -2], [2, 2]], cluster_std=2.0, seed=7)
    torch.manual_seed(7)
    model = vog.MLP(2, (10,), 2, activation="tanh")
    res = vog.train_with_vog(
        model, (xtr, ytr), epochs=15, lr=0.1, batch_size=32, seed=7, device="cpu"
    )
    dist = vog.boundary_distance(model, xtr)
    rho, p = spearmanr(res.vog["train"]["all"], -dist)
    assert rho > 0.5 and p < 1e-6


def test_boundary_distance_linear_model_analytic():
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0, 0.0], [1.0, 2.0]]))
        model.bias.copy_(torch.tensor([0.0, -1.0]))
    pts = torch.rand(200, 2) * 6 - 3
    d = vog.boundary_distance(model, pts, bounds=(-8, 8, -8, 8), resolution=801)
    exact = (pts @ torch.tensor([1.0, 2.0]) - 1.0).abs() / 5**0.5
    torch.testing.assert_close(d, exact.double(), atol=1e-3, rtol=0)  # grid step is 0.02


def test_empty_vog_data_only_saves_checkpoints(tmp_path):
    x = torch.randn(40, 5)
    y = (x[:, 0] > 0).long()
    model = vog.MLP(5, (8,), 2)
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
    res = vog.compute_vog([tmp_path / f for f in files], (x, y), model=vog.MLP(5, (8,), 2))
    assert res.raw.shape == (40,)
