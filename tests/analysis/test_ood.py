import numpy as np
import pytest
import torch

import vog


def test_metrics_known_answers():
    m = vog.analysis.ood_metrics([0.0, 0.1, 0.2], [0.5, 0.9])
    assert m == {"auroc": 1.0, "aupr_in": 1.0, "aupr_out": 1.0}
    r = vog.analysis.ood_metrics([0.5, 0.9], [0.0, 0.1, 0.2])
    assert r["auroc"] == 0.0


def test_auroc_is_the_pairwise_probability():
    rng = np.random.default_rng(0)
    s_in, s_out = rng.normal(0, 1, 300), rng.normal(0.7, 1, 200)
    pairwise = (s_out[:, None] > s_in[None, :]).mean() + 0.5 * (
        s_out[:, None] == s_in[None, :]
    ).mean()
    assert vog.analysis.ood_metrics(s_in, s_out)["auroc"] == pytest.approx(pairwise, abs=1e-12)
    # AUPR-out is average precision with OoD positive; chance level = OoD fraction
    noise = vog.analysis.ood_metrics(rng.normal(size=4000), rng.normal(size=1000))
    assert noise["aupr_out"] == pytest.approx(0.2, abs=0.03)
    assert noise["aupr_in"] == pytest.approx(0.8, abs=0.03)


def test_metric_errors():
    with pytest.raises(ValueError, match="at least one"):
        vog.analysis.ood_metrics([], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        vog.analysis.ood_metrics([float("nan")], [1.0])


def test_msp_score_sign():
    model = torch.nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[10.0, 0], [0, 0], [0, 0]]))
        model.bias.zero_()
    confident, unsure = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 0.0]])
    s = vog.analysis.msp_score(model, torch.cat([confident, unsure]))
    assert s[0] < s[1]  # the uncertain input scores as more OoD


@pytest.mark.parametrize("name", sorted(vog.analysis.BASELINES))
def test_baselines_separate_noise_from_structure(name):
    """Every baseline, fit on structured images, scores uniform noise as more OoD."""
    g = torch.Generator().manual_seed(0)
    base = torch.zeros(1, 1, 8, 8)
    base[..., 2:6, 3:5] = 1.0
    x_in = (base + 0.05 * torch.randn(300, 1, 8, 8, generator=g)).clamp(0, 1)
    x_test = (base + 0.05 * torch.randn(100, 1, 8, 8, generator=g)).clamp(0, 1)
    x_out = torch.rand(100, 1, 8, 8, generator=g)
    score = vog.analysis.fit_baseline(name, x_in, pca_dims=8, epochs=30, seed=0)
    s_in, s_out = score(x_test), score(x_out)
    assert s_in.shape == (100,) and np.isfinite(s_in).all()
    assert vog.analysis.ood_metrics(s_in, s_out)["auroc"] > 0.6, name


def test_baseline_unknown():
    with pytest.raises(ValueError, match="'KDE'"):
        vog.analysis.fit_baseline("LOF", torch.rand(10, 4))


@pytest.mark.parametrize("spec", ["gaussian", "uniform", "digits"])
def test_load_ood_set_matches_shape(spec):
    like = torch.zeros(4, 1, 28, 28)
    x = vog.datasets.load_ood_set(spec, like=like, n=50, seed=1)
    assert x.shape == (50, 1, 28, 28) and x.min() >= 0 and x.max() <= 1
    rgb = vog.datasets.load_ood_set(spec, like=torch.zeros(2, 3, 32, 32), n=10)
    assert rgb.shape == (10, 3, 32, 32)


def test_load_ood_set_folder_and_errors(tmp_path):
    from PIL import Image

    (tmp_path / "imgs").mkdir()
    for i in range(3):
        Image.fromarray(np.full((36, 36, 3), 80 * i, dtype=np.uint8)).save(
            tmp_path / "imgs" / f"{i}.png"
        )
    x = vog.datasets.load_ood_set(f"folder:{tmp_path}", like=torch.zeros(1, 3, 32, 32), n=10)
    assert x.shape == (3, 3, 32, 32)
    with pytest.raises(ValueError, match="unknown OoD set 'svhn'"):
        vog.datasets.load_ood_set("svhn", like=torch.zeros(1, 1, 28, 28), n=5)


def test_predicted_and_pooled_vog():
    torch.manual_seed(0)
    models = [
        torch.nn.Sequential(
            torch.nn.Flatten(), torch.nn.Linear(16, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3)
        )
        for _ in range(3)
    ]
    x = torch.randn(20, 1, 4, 4)
    raw, pred = vog.analysis.predicted_vog(models, x, model=None)
    ref = vog.compute_vog(models, (x, torch.zeros(20, dtype=torch.long)), labels="predicted")
    torch.testing.assert_close(raw, ref.raw)
    assert torch.equal(pred, models[-1](x).argmax(1))
    s_in, s_out = vog.analysis.pooled_vog(raw[:12], pred[:12], raw[12:], pred[12:])
    torch.testing.assert_close(torch.cat([s_in, s_out]), vog.class_normalize(raw, pred))
