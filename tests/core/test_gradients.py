import pytest
import torch
from torch import nn

import vog


def linear_model(d=5, c=3):
    torch.manual_seed(1)
    return nn.Linear(d, c).double()


def test_logit_gradient_equals_weight_row():
    model = linear_model()
    x = torch.randn(8, 5, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 2, 0])
    g = vog.input_gradients(model, x, labels)
    # d(Wx + b)_p / dx = W[p]
    torch.testing.assert_close(g, model.weight.detach()[labels])


def test_probability_gradient_analytic():
    model = linear_model()
    x = torch.randn(6, 5, dtype=torch.float64)
    labels = torch.tensor([0, 1, 2, 2, 1, 0])
    g = vog.input_gradients(model, x, labels, target="probability")
    w = model.weight.detach()
    p = torch.softmax(x @ w.T + model.bias.detach(), dim=1)
    # d p_y / dx = p_y (W_y - sum_k p_k W_k)
    py = p.gather(1, labels[:, None])
    expected = py * (w[labels] - p @ w)
    torch.testing.assert_close(g, expected)


def test_gradients_signed_not_absolute():
    model = linear_model()
    g = vog.input_gradients(
        model, torch.randn(4, 5, dtype=torch.float64), torch.zeros(4, dtype=torch.long)
    )
    assert (g < 0).any()


def test_batch_size_invariance_and_batchnorm_eval():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10)
    )
    model.train()
    model(torch.randn(16, 3, 8, 8))  # move BN running stats away from init
    x = torch.randn(64, 3, 8, 8)
    y = torch.randint(0, 10, (64,))
    full = vog.input_gradients(model, x, y)
    single = torch.cat([vog.input_gradients(model, x[i : i + 1], y[i : i + 1]) for i in range(64)])
    torch.testing.assert_close(full, single, rtol=1e-5, atol=1e-6)


def test_model_state_restored_and_no_param_grads():
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    model.train()
    model[0].weight.requires_grad_(False)  # a frozen layer stays frozen
    x = torch.randn(5, 4)
    x_before = x.clone()
    vog.input_gradients(model, x, torch.zeros(5, dtype=torch.long))
    assert model.training
    assert [p.requires_grad for p in model.parameters()] == [False, True, True, True]
    assert all(p.grad is None for p in model.parameters())
    assert x.grad is None and not x.requires_grad
    torch.testing.assert_close(x, x_before)


def test_model_mode_restored_after_error():
    model = nn.Linear(4, 3)
    model.train()
    with pytest.raises(ValueError, match="out of range"):
        vog.input_gradients(model, torch.randn(2, 4), torch.tensor([0, 3]))
    assert model.training and all(p.requires_grad for p in model.parameters())


@pytest.mark.parametrize(
    "kwargs, err, match",
    [
        ({"x": torch.ones(2, 4, dtype=torch.long)}, TypeError, "floating-point"),
        ({"labels": torch.tensor([0.0, 1.5])}, ValueError, "non-integral values such as \\[1.5\\]"),
        ({"labels": torch.tensor([False, True])}, TypeError, "integers, got dtype torch.bool"),
        ({"labels": torch.tensor([0, 1, 1])}, ValueError, r"shape \(2,\)"),
        ({"labels": torch.tensor([-1, 0])}, ValueError, "out of range"),
        ({"target": "prob"}, ValueError, "'logit', 'probability'"),
    ],
)
def test_bad_inputs(kwargs, err, match):
    args = {"x": torch.randn(2, 4), "labels": torch.tensor([0, 1]), "target": "logit"}
    args.update(kwargs)
    with pytest.raises(err, match=match):
        vog.input_gradients(nn.Linear(4, 3), args["x"], args["labels"], target=args["target"])


def test_model_output_shape_checked():
    with pytest.raises(ValueError, match=r"shape \(N, C\)"):
        vog.input_gradients(nn.Identity(), torch.randn(2, 3, 4), torch.tensor([0, 1]))


def test_reduce_channels():
    g = torch.randn(3, 3, 4, 4)
    torch.testing.assert_close(vog.reduce_channels(g, (4, 4)), g.mean(1))
    assert vog.reduce_channels(g, (3, 4, 4)) is g
    with pytest.raises(ValueError, match="do not match pixel shape"):
        vog.reduce_channels(g, (5, 5))


@pytest.mark.gpu
def test_gpu_matches_cpu():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10)
    ).double()
    x = torch.randn(32, 3, 8, 8, dtype=torch.float64)
    y = torch.randint(0, 10, (32,))
    cpu = vog.input_gradients(model, x, y)
    gpu = vog.input_gradients(model.cuda(), x.cuda(), y.cuda()).cpu()
    torch.testing.assert_close(cpu, gpu)


def test_frozen_eval_freezes_every_module_and_restores_mixed_states():
    net = torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Dropout(0.5), torch.nn.Linear(4, 2)
    )
    net.eval()
    net[1].train()  # a submodule left in training mode under an eval parent
    net[3].weight.requires_grad_(False)
    before = [m.training for m in net.modules()], [p.requires_grad for p in net.parameters()]
    with vog.gradients.frozen_eval(net):
        assert not any(m.training for m in net.modules())
        assert not any(p.requires_grad for p in net.parameters())
    assert (
        [m.training for m in net.modules()],
        [p.requires_grad for p in net.parameters()],
    ) == before
    frozen = torch.nn.Linear(2, 2).eval().requires_grad_(False)
    with vog.gradients.frozen_eval(frozen):  # already frozen: used as is
        pass
    assert not frozen.training and not frozen.weight.requires_grad
