"""Bad numbers never get a score: NaN/inf inputs, logits or weights; non-integral labels."""

import copy

import pytest
import torch
from torch import nn
from torch.utils.data import Dataset

import vog


def relu_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def tanh_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))


def data(n=6):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g)


MODES = [{}, {"mode": "sample_major"}, {"mode": "sample_major", "vectorize": True}]


@pytest.mark.parametrize("options", MODES, ids=str)
@pytest.mark.parametrize("labels", ["true", "predicted"])
def test_nan_input_of_a_relu_network_is_refused_naming_the_row(options, labels):
    x, y = data()
    x[4, 2] = float("nan")  # ReLU's backward would turn this into a zero gradient
    nets = [relu_net(0), relu_net(1)]
    with pytest.raises(ValueError, match=r"inputs contains NaN or inf.*\[4\]"):
        vog.compute_vog(nets, (x, y), device="cpu", labels=labels, **options)


@pytest.mark.parametrize("options", MODES, ids=str)
def test_inf_input_of_a_tanh_network_is_refused(options):
    x, y = data()
    x[2, 0] = float("inf")  # tanh saturates: the gradient would be a finite 0
    with pytest.raises(ValueError, match=r"inputs contains NaN or inf.*\[2\]"):
        vog.compute_vog([tanh_net(0), tanh_net(1)], (x, y), device="cpu", **options)


@pytest.mark.parametrize("options", MODES, ids=str)
def test_nan_weight_of_a_checkpoint_is_refused(options):
    x, y = data()
    bad = relu_net(1)
    with torch.no_grad():
        bad[1].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="logits contains NaN or inf"):
        vog.compute_vog([relu_net(0), bad], (x, y), device="cpu", **options)


def test_nan_weight_is_refused_when_training_records_vog():
    x, y = data(12)

    class Poison(nn.Module):  # a layer whose output turns NaN after the first epoch
        def __init__(self):
            super().__init__()
            self.net = relu_net(0)
            self.calls = 0

        def forward(self, z):
            out = self.net(z)
            return out if self.training else out * float("nan")

    with pytest.raises(ValueError, match="logits contains NaN"):
        vog.train_with_vog(Poison(), (x, y), epochs=2, windows={"all": [0, 1]}, device="cpu")


class FloatLabels(Dataset):
    def __init__(self, labels):
        self.x, _ = data(len(labels))
        self.y = labels

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


@pytest.mark.parametrize("options", MODES[:2], ids=str)
def test_dataset_with_non_integral_float_labels_is_refused(options):
    ds = FloatLabels([0.0, 1.0, 2.7, 1.0, 0.0, 2.0])
    with pytest.raises(ValueError, match=r"must be integers.*2\.7"):
        vog.compute_vog([relu_net(0), relu_net(1)], ds, device="cpu", **options)
    with pytest.raises(ValueError, match=r"must be integers.*2\.7"):
        vog.data.dataset_labels(ds)


def test_integral_float_labels_are_accepted_in_every_path():
    x, y = data()
    ds = FloatLabels([float(v) for v in y])
    ds.x = x
    nets = [relu_net(0), relu_net(1)]
    ref = vog.compute_vog(nets, (x, y), device="cpu")
    for options in MODES[:2]:
        res = vog.compute_vog(nets, ds, device="cpu", **options)
        torch.testing.assert_close(res.raw, ref.raw)
        assert res.labels.dtype == torch.long and torch.equal(res.labels, y)
    res = vog.compute_vog(nets, (x, y.double()), device="cpu")
    torch.testing.assert_close(res.raw, ref.raw)
    with pytest.raises(ValueError, match="must be integers"):
        vog.compute_vog(nets, (x, y.double() + 0.5), device="cpu")


def test_identical_checkpoints_warn():
    x, y = data()
    net = relu_net(0)
    with pytest.warns(
        UserWarning, match="all 3 checkpoints hold identical weights: every VoG is 0"
    ):
        res = vog.compute_vog([net, copy.deepcopy(net), copy.deepcopy(net)], (x, y), device="cpu")
    assert torch.all(res.raw == 0)
    other = relu_net(1)
    for options in MODES:
        with pytest.warns(UserWarning, match="checkpoints 0 and 2 hold identical weights"):
            vog.compute_vog([net, other, copy.deepcopy(net)], (x, y), device="cpu", **options)


def test_distinct_checkpoints_do_not_warn(recwarn):
    x, y = data()
    vog.compute_vog([relu_net(0), relu_net(1)], (x, y), device="cpu")
    assert not [w for w in recwarn if "identical" in str(w.message)]


@pytest.mark.parametrize("options", MODES, ids=str)
def test_modules_of_two_architectures_are_refused(options):
    x, y = data()
    wider = nn.Sequential(nn.Flatten(), nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
    with pytest.raises(
        ValueError,
        match=r"checkpoint \d \(Sequential, \d tensors\) has another architecture than checkpoint",
    ):
        vog.compute_vog([relu_net(0), wider], (x, y), device="cpu", **options)
    with pytest.raises(ValueError, match="another architecture"):
        vog.compute_vog([relu_net(0), tanh_net(0).float()[:2]], (x, y), device="cpu", **options)
