"""The plain recomputation of Eq. 1-4 (vog.reference.plain_vog) and its agreement check."""

import numpy as np
import pytest
import torch
from torch import nn

import vog
from vog import reference


def test_plain_vog_known_answer_on_a_linear_model():
    """A linear model's logit gradient is its weight row: VoG is the pixel-mean of the
    population std of the checkpoints' weight rows, whatever the input."""
    k_weights = [torch.tensor([[1.0, 0.0], [0.0, 2.0]]), torch.tensor([[3.0, 0.0], [0.0, 0.0]])]
    models = []
    for w in k_weights:
        m = nn.Linear(2, 2, bias=False)
        m.weight.data = w
        models.append(m)
    x = torch.randn(3, 2)
    labels = torch.tensor([0, 1, 0])
    got = reference.plain_vog(models, x, labels).numpy()
    # class 0: rows (1, 0) and (3, 0): std per pixel (1, 0), mean 0.5; class 1: (0, 2), (0, 0)
    np.testing.assert_allclose(got, [0.5, 0.5, 0.5])


def test_plain_vog_agrees_with_compute_vog_and_restores_the_models():
    torch.manual_seed(0)
    nets = [
        nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 5))
        for _ in range(3)
    ]
    nets[1].train()
    x, y = torch.randn(12, 3, 4, 4), torch.randint(0, 5, (12,))
    plain = reference.plain_vog(nets, x, y)
    assert nets[1].training and not any(p.grad is not None for p in nets[0].parameters())
    fast = vog.compute_vog(nets, (x, y), device="cpu", batch_size=5).raw
    out = reference.agreement(fast, plain)
    assert out["max_rel_diff"] < 1e-5 and out["n_differ"] == 0 and out["n"] == 12
    assert out["spearman"] == pytest.approx(1.0)


def test_agreement_sees_a_damaged_score():
    a = torch.linspace(1, 2, 10, dtype=torch.float64)
    b = a.clone()
    b[3] *= 1.5
    out = reference.agreement(a, b)
    assert out["max_rel_diff"] == pytest.approx((a[3] * 0.5 / b[3]).item())
    assert out["n_differ"] == 1
    with pytest.raises(ValueError, match="same length"):
        reference.agreement(a, a[:5])
    with pytest.raises(ValueError, match="two checkpoints|at least 2"):
        reference.plain_vog([nets_one()], torch.zeros(1, 2), torch.tensor([0]))


def nets_one():
    return nn.Linear(2, 2)
