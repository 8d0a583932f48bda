"""H-CAT's set-up (vog.experiments.hardness): one cached, resumable run per (type, p, seed)."""

import numpy as np
import pytest
import torch

from vog.experiments import hardness as hb
from vog.experiments.models import HCATLeNet

TINY = {**hb.HCAT_RECIPE, "train_limit": 48, "test_limit": 32, "epochs": 5, "stage": 2}


def _run(tmp_path, kind="uniform", **kw):
    kw = {"experiment": TINY, "cv_epochs": 2, "cache_dir": tmp_path / "runs", **kw}
    return hb.hardness_run(kind, 0.25, 0, data_root=tmp_path / "data", **kw)


def test_hcat_recipe_is_its_mnist_set_up():
    # run_experiment.py: LeNetMNIST, Adam(lr=0.001), batch 64, 10 epochs; run.sh: p 0.1..0.5, 3 runs
    r = hb.HCAT_RECIPE
    assert (r["model"], r["optimizer"], r["lr"], r["batch_size"], r["epochs"]) == (
        "hcat_lenet",
        "adam",
        1e-3,
        64,
        10,
    )
    assert hb.HCAT_PROPORTIONS == (0.1, 0.2, 0.3, 0.4, 0.5) and hb.HCAT_SEEDS == (0, 1, 2)
    assert hb.HCAT_VOG_EPOCHS == (0, 2, 4)  # trainer.py: epoch % 2 == 0 and epoch < 6
    net = HCATLeNet()
    assert sum(p.numel() for p in net.parameters()) == (
        (25 * 20 + 20) + (20 * 25 * 50 + 50) + (800 * 500 + 500) + (500 * 10 + 10)
    )
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_a_run_scores_every_method_on_the_perturbed_training_set(tmp_path):
    res = _run(tmp_path)
    n = TINY["train_limit"]
    assert int(res.perturbed.sum()) == 12
    assert set(res.scores) == set(hb.METHODS)
    for name, s in res.scores.items():
        assert s.shape == (n,) and s.dtype == torch.float64 and torch.isfinite(s).all(), name
    changed = res.labels != res.clean_labels
    assert not changed[~res.perturbed].any()  # labels change only where flagged
    frame = res.metrics()
    assert list(frame.columns) == ["AUROC", "AP", "H-CAT AUPRC", "H-CAT AUROC"]
    assert ((frame >= 0) & (frame <= 1)).all().all()
    assert 0.0 <= res.test_acc <= 1.0


def test_hcat_metrics_use_each_methods_raw_direction(tmp_path):
    res = _run(tmp_path)
    frame = res.metrics()
    for name in ("VoG (H-CAT)", "loss"):  # raw = ours: AUPRC on the clean examples, raw score
        from sklearn.metrics import average_precision_score

        want = average_precision_score(~res.perturbed.numpy(), res.scores[name].numpy())
        assert frame.loc[name, "H-CAT AUPRC"] == pytest.approx(want)
    # AUM's raw score is high for clean examples: H-CAT's AUROC is then the oriented one
    assert frame.loc["AUM", "H-CAT AUROC"] == pytest.approx(frame.loc["AUM", "AUROC"])
    assert frame.loc["loss", "H-CAT AUROC"] == pytest.approx(frame.loc["loss", "AUROC"])
    # VoG's is taken with the clean examples as positives: turned round
    vog = frame.loc["VoG (H-CAT)"]
    assert vog["H-CAT AUROC"] == pytest.approx(1 - vog["AUROC"])


def test_a_cached_run_is_read_back_without_training(tmp_path, monkeypatch):
    first = _run(tmp_path)

    def boom(*a, **k):
        raise AssertionError("trained again")

    monkeypatch.setattr(hb, "train_with_vog", boom)
    monkeypatch.setattr(hb, "fold_probabilities", boom)
    again = _run(tmp_path)
    for name in hb.METHODS:
        assert torch.equal(first.scores[name], again.scores[name])
    assert torch.equal(first.perturbed, again.perturbed)


def test_an_interrupted_cross_validation_resumes_without_training_again(tmp_path, monkeypatch):
    real = hb.fold_probabilities

    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(hb, "fold_probabilities", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path)
    folders = list((tmp_path / "runs").iterdir())
    assert len(folders) == 1 and (folders[0] / hb.TRAINED_FILE).is_file()

    def boom(*a, **k):
        raise AssertionError("trained again")

    monkeypatch.setattr(hb, "fold_probabilities", real)
    monkeypatch.setattr(hb, "train_with_vog", boom)
    res = _run(tmp_path)
    assert set(res.scores) == set(hb.METHODS)
    assert not (folders[0] / hb.TRAINED_FILE).exists()  # folded into the result


def test_hcat_vog_is_the_mean_std_of_probability_gradients_over_snapshots():
    # H-CAT VOG_Class: grad of softmax[y] w.r.t. x at each snapshot, then
    # mean over elements of sqrt(mean_t (g_t - mean g)^2); no class normalisation
    torch.manual_seed(0)
    x, y = torch.randn(6, 1, 28, 28), torch.tensor([0, 1, 2, 3, 4, 5])
    net = HCATLeNet().eval()
    rec = hb._HCATRecorder({"train": (x, y)}, {"hcat": [0, 2, 4]}, target="probability")
    grads = []
    for epoch in range(5):
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.05 * torch.randn_like(p))
        rec.observe(net, epoch)
        if epoch in (0, 2, 4):
            xi = x.clone().requires_grad_(True)
            prob = net(xi).softmax(1)[torch.arange(6), y].sum()
            grads.append(torch.autograd.grad(prob, xi)[0].double())
    g = torch.stack(grads)
    want = (g - g.mean(0)).square().mean(0).sqrt().flatten(1).mean(1)
    torch.testing.assert_close(rec.result().vog["train"]["hcat"], want, rtol=1e-5, atol=1e-12)
    assert set(rec.cost()) == {"VoG (H-CAT)"}


def test_grid_has_one_row_per_run_and_method(tmp_path):
    table = hb.run_grid(
        ["uniform", "zoom_shift"],
        [0.25],
        [0],
        experiment=TINY,
        cv_epochs=2,
        cache_dir=tmp_path / "runs",
        data_root=tmp_path / "data",
    )
    assert len(table) == 2 * len(hb.METHODS)
    assert set(table["hardness"]) == {"uniform", "zoom_shift"}
    assert np.isfinite(table[["AUROC", "AP", "H-CAT AUPRC", "H-CAT AUROC"]].to_numpy()).all()


def test_bad_settings_are_refused(tmp_path):
    with pytest.raises(ValueError, match="hardness='noise' is not a valid option"):
        hb.hardness_run("noise", 0.1, 0)
    with pytest.raises(ValueError, match=r"p must lie in \(0, 1\), got 0"):
        hb.hardness_run("uniform", 0, 0)
    with pytest.raises(ValueError, match=r"hcat_epochs must hold >= 2 epochs in \[0, 5\)"):
        _run(tmp_path, hcat_epochs=(0, 2, 6))
