"""A scoring call leaves the caller's models exactly as it found them.

Mode of every submodule, weights, ``requires_grad`` flags, ``.grad``, device
and memory format of the parameters: checked after every scoring entry point
and option, for models in train mode with trainable parameters (the state a
training loop hands over).
"""

import copy

import pytest
import torch
from torch import nn

import vog


class Net(nn.Module):
    """Conv + BatchNorm + Dropout: every kind of mode-dependent layer."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(4 * 6 * 6, 3)

    def forward(self, x):
        return self.fc(self.drop(self.bn(self.conv(x)).relu()).flatten(1))


def snapshot(m: nn.Module) -> dict:
    return {
        "modes": [(n, s.training) for n, s in m.named_modules()],
        "flags": [(n, p.requires_grad) for n, p in m.named_parameters()],
        "grads": [(n, p.grad is None) for n, p in m.named_parameters()],
        "state": {k: v.clone() for k, v in m.state_dict().items()},
        "layout": [(n, p.is_contiguous()) for n, p in m.named_parameters()],
        "devices": {str(p.device) for p in m.parameters()},
    }


def assert_same(before: dict, m: nn.Module) -> None:
    after = snapshot(m)
    for key in ("modes", "flags", "grads", "layout", "devices"):
        assert after[key] == before[key], key
    for k, v in before["state"].items():
        assert torch.equal(after["state"][k], v), k


@pytest.fixture
def setup(tmp_path):
    torch.manual_seed(0)
    nets = []
    for k in range(3):
        net = Net()
        with torch.no_grad():
            for p in net.parameters():
                p.add_(0.1 * k * torch.randn_like(p))
        net.bn.running_mean.add_(0.1 * k)
        net.train()
        nets.append(net)
    nets[1].fc.weight.requires_grad_(False)  # a mixed state is restored too
    files = [vog.save_checkpoint(n, tmp_path / f"c{i}.pt") for i, n in enumerate(nets)]
    x = torch.randn(10, 1, 6, 6)
    y = torch.randint(0, 3, (10,))
    return nets, files, (x, y)


OPTIONS = [
    {},
    {"labels": "predicted"},
    {"mode": "sample_major"},
    {"mode": "sample_major", "vectorize": True},
    {"mode": "sample_major", "channels_last": True},
    {"mode": "sample_major", "fast_conv": True},
    {"fast_conv": True},
]


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default"
)
def test_module_checkpoints_untouched(setup, options):
    nets, _, data = setup
    before = [snapshot(n) for n in nets]
    vog.compute_vog(nets, data, device="cpu", batch_size=4, **options)
    for b, n in zip(before, nets, strict=True):
        assert_same(b, n)


@pytest.mark.parametrize("options", OPTIONS[:4], ids=str)
def test_template_model_of_checkpoint_files_untouched(setup, options):
    nets, files, data = setup
    template = Net().train()
    before = snapshot(template)
    res = vog.compute_vog(files, data, model=template, device="cpu", batch_size=4, **options)
    assert_same(before, template)  # the template never holds a checkpoint's weights
    ref = vog.compute_vog(nets, data, device="cpu", batch_size=4, **options)
    torch.testing.assert_close(res.raw, ref.raw)


def test_other_entry_points_leave_models_untouched(setup, tmp_path):
    nets, files, (x, y) = setup
    template = Net().train()
    before = [snapshot(n) for n in nets] + [snapshot(template)]
    vog.score_to_shards(files, (x, y), tmp_path / "w", model=template, device="cpu", batch_size=4)
    vog.score_to_shards(nets, (x, y), tmp_path / "w2", device="cpu", vectorize=True)
    vog.scoring.score_loader(
        nets, [(x, y)], vog.ScoringOptions(channels_last=True, mode="sample_major")
    )
    vog.analysis.predicted_vog(files, x, model=template, device="cpu")
    vog.analysis.msp_score(nets[0], x)
    vog.analysis.vog_and_msp(
        files, x, {"noise": torch.rand(5, 1, 6, 6)}, model=template, device="cpu"
    )
    vog.evaluate(nets[0], (x, y))
    vog.input_gradients(nets[0], x, y)
    rec = vog.VoGRecorder({"d": (x, y)}, {"w": [0, 1]})
    rec.observe(nets[0], 0)
    rec.observe(nets[1], 1)
    for b, n in zip(before, [*nets, template], strict=True):
        assert_same(b, n)


def test_compiled_models_untouched(setup):
    nets, _, data = setup
    before = [snapshot(n) for n in nets]
    vog.compute_vog(nets, data, device="cpu", mode="sample_major", compile=True)
    for b, n in zip(before, nets, strict=True):
        assert_same(b, n)


@pytest.mark.gpu
def test_models_on_the_gpu_scored_on_the_cpu_stay_on_the_gpu(setup):
    nets, _, data = setup
    gpu = [copy.deepcopy(n).cuda() for n in nets]
    before = [snapshot(n) for n in gpu]
    res = vog.compute_vog(gpu, data, device="cpu")
    for b, n in zip(before, gpu, strict=True):
        assert_same(b, n)
    torch.testing.assert_close(res.raw, vog.compute_vog(nets, data, device="cpu").raw)
