"""Input gradients through convolutions computed as forward convolutions (fast_conv)."""

import pytest
import torch
from torch import nn

import vog


class Mixed(nn.Module):
    """Eligible convolutions (several paddings, rectangular kernels) and ineligible ones."""

    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(3, 5, 5, padding=2)  # eligible
        self.b = nn.Conv2d(5, 4, (3, 5), padding=(0, 1))  # eligible, rectangular
        self.c = nn.Conv2d(4, 6, 3, stride=2, padding=1)  # stride 2: left alone
        self.d = nn.Conv2d(6, 6, 3, padding=1, groups=2)  # grouped: left alone
        self.e = nn.Conv2d(6, 8, 1, bias=False)  # eligible, 1x1 without bias
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        x = torch.relu(self.b(torch.relu(self.a(x))))
        x = self.e(torch.relu(self.d(self.c(x))))
        return self.head(x.mean(dim=(2, 3)))


def test_gradients_equal_autograd_and_forward_is_restored():
    torch.manual_seed(0)
    net = Mixed().eval().requires_grad_(False)
    x = torch.randn(7, 3, 16, 18)
    y = torch.randint(0, 3, (7,))
    ref = vog.input_gradients(net, x, y)
    with vog.scoring.conv_as_forward(net) as changed:
        assert changed == 3
        assert [n for n, m in net.named_modules() if "forward" in m.__dict__] == ["a", "b", "e"]
        fast = vog.input_gradients(net, x, y)
    assert not any("forward" in m.__dict__ for m in net.modules())
    torch.testing.assert_close(fast, ref, rtol=1e-4, atol=1e-6)


def test_layers_needing_weight_gradients_are_left_alone():
    net = Mixed()  # parameters require grad
    assert not vog.scoring.conv_eligible(net.a)
    with vog.scoring.conv_as_forward(net) as changed:
        assert changed == 0
    assert vog.scoring.conv_eligible(Mixed().requires_grad_(False).a)
    assert not vog.scoring.conv_eligible(nn.Conv2d(1, 1, 3, padding="same").requires_grad_(False))
    assert not vog.scoring.conv_eligible(nn.Conv2d(1, 1, 3, padding=3).requires_grad_(False))


@pytest.mark.parametrize("mode", ["streaming", "sample_major"])
def test_compute_vog_with_fast_conv_matches(mode):
    torch.manual_seed(1)
    ckpts = [vog.experiments.LeNet(1, 10).eval() for _ in range(3)]
    x, y = torch.rand(40, 1, 28, 28), torch.randint(0, 10, (40,))
    ref = vog.compute_vog(ckpts, (x, y), mode=mode, batch_size=16)
    fast = vog.compute_vog(ckpts, (x, y), mode=mode, batch_size=16, fast_conv=True)
    torch.testing.assert_close(fast.raw, ref.raw, rtol=1e-4, atol=0)
    assert torch.equal(fast.predictions, ref.predictions)
    assert all(p.requires_grad for m in ckpts for p in m.parameters())  # state restored
    assert not any("forward" in m.__dict__ for c in ckpts for m in c.modules())


def test_fast_conv_refuses_incompatible_options():
    ckpts = [vog.experiments.LeNet(1, 10) for _ in range(2)]
    data = (torch.rand(4, 1, 28, 28), torch.zeros(4, dtype=torch.long))
    for extra in ({"vectorize": True}, {"autocast": "bfloat16"}, {"compile": True}):
        with pytest.raises(ValueError, match="fast_conv=True works without"):
            vog.compute_vog(ckpts, data, mode="sample_major", fast_conv=True, **extra)


def test_a_forward_patched_by_the_user_is_restored():
    conv = nn.Conv2d(1, 2, 3, padding=1).requires_grad_(False)

    def patched(x):
        return conv._conv_forward(x, conv.weight, conv.bias) * 2

    conv.forward = patched
    with vog.scoring.conv_as_forward(conv) as n:
        assert n == 1 and conv.forward is not patched
    assert conv.forward is patched


def test_a_weight_changed_inside_the_context_gets_a_fresh_backward_kernel():
    torch.manual_seed(0)
    net = Mixed().eval().requires_grad_(False)
    x = torch.randn(4, 3, 16, 18)
    y = torch.randint(0, 3, (4,))
    with vog.scoring.conv_as_forward(net):
        vog.input_gradients(net, x, y)  # the kernels are made and kept
        with torch.no_grad():
            net.a.weight.mul_(-2.0)  # in place: the cached kernel is stale
        fast = vog.input_gradients(net, x, y)
    assert not any("_vog_flipped" in m.__dict__ for m in net.modules())  # nothing left behind
    torch.testing.assert_close(fast, vog.input_gradients(net, x, y), rtol=1e-4, atol=1e-6)


def test_default_is_measured_and_off_with_vmap_autocast_compile():
    from vog.fast_conv import wants_fast_conv

    assert wants_fast_conv(None, "cpu") and wants_fast_conv(None, "cuda")  # measured
    assert wants_fast_conv(True, "cuda") and not wants_fast_conv(False, "cpu")
    opts = vog.ScoringOptions()
    assert opts.fast_conv is None and opts.uses_fast_conv("cpu")
    assert opts.uses_fast_conv("cuda:0")
    assert not vog.ScoringOptions(vectorize=True).uses_fast_conv("cpu")
    assert not vog.ScoringOptions(autocast="bfloat16").uses_fast_conv("cpu")
    with pytest.raises(ValueError, match="True, False or None"):
        vog.ScoringOptions(fast_conv="yes")


def test_recorder_scores_equal_with_and_without_forward_convolutions():
    torch.manual_seed(0)
    x = torch.randn(24, 1, 28, 28)
    y = torch.randint(0, 10, (24,))
    scores = {}
    for fast in (False, True):
        torch.manual_seed(1)
        model = vog.experiments.LeNet(1, 10)
        rec = vog.VoGRecorder({"d": (x, y)}, {"all": [0, 1, 2]}, fast_conv=fast)
        for epoch in range(3):
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(0.05 * torch.randn_like(p))
            assert rec.observe(model, epoch)
            assert all(p.requires_grad for p in model.parameters())  # restored
            assert not any("forward" in m.__dict__ for m in model.modules())
        scores[fast] = rec.result().vog["d"]["all"]
    torch.testing.assert_close(scores[True], scores[False], rtol=1e-4, atol=1e-10)
    with pytest.raises(ValueError, match="True, False or None"):
        vog.VoGRecorder({"d": (x, y)}, {"all": [0, 1]}, fast_conv=1)


class GreyNet(nn.Module):
    """A single-channel first layer (grey images), then a dense head."""

    def __init__(self, c_out: int, k: int, padding: int):
        super().__init__()
        self.conv = nn.Conv2d(1, c_out, k, padding=padding)
        self.head = nn.LazyLinear(4)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).flatten(1))


@pytest.mark.parametrize("channels_last", [True, False])
@pytest.mark.parametrize(("c_out", "k", "padding"), [(6, 5, 2), (20, 5, 0), (3, 3, 1), (1, 3, 1)])
def test_single_input_channel_routes_equal_autograd(channels_last, c_out, k, padding, monkeypatch):
    """One input channel: channels-last output gradients take the depthwise route (a view of
    the backward kernel), others the dense one; both give autograd's input gradient."""
    torch.manual_seed(c_out + k)
    net = GreyNet(c_out, k, padding)
    x = torch.randn(5, 1, 12, 13)
    net(x)  # materialise the lazy head
    net.eval().requires_grad_(False)
    if channels_last:
        net.to(memory_format=torch.channels_last)
    y = torch.randint(0, 4, (5,))
    ref = vog.input_gradients(net, x, y)
    calls = []
    conv2d = torch.nn.functional.conv2d

    def spy(*args, **kwargs):
        calls.append(kwargs.get("groups", 1))
        return conv2d(*args, **kwargs)

    monkeypatch.setattr(vog.fast_conv.F, "conv2d", spy)
    with vog.scoring.conv_as_forward(net):
        fast = vog.input_gradients(net, x, y)
    torch.testing.assert_close(fast, ref, rtol=1e-4, atol=1e-6)
    assert fast.shape == x.shape
    # forward, then backward: grouped by the output channels on the channels-last route
    depthwise = channels_last and c_out > 1
    assert calls == [1, c_out if depthwise else 1]


class Widening(nn.Module):
    """A thin stem (taken by the default CPU route) and wider layers (left alone)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.mid = nn.Conv2d(8, 20, 3, padding=1)  # more output channels than the default
        self.top = nn.Conv2d(20, 4, 3, padding=1)  # more input channels than the default
        self.head = nn.Linear(4, 4)

    def forward(self, x):
        x = torch.relu(self.mid(torch.relu(self.stem(x))))
        return self.head(self.top(x).mean(dim=(2, 3)))


def test_route_settings_change_which_layers(monkeypatch):
    from vog.fast_conv import fast_conv_route

    net = Widening().eval().requires_grad_(False)

    def changed():
        return sorted(n for n, m in net.named_modules() if "forward" in m.__dict__)

    for setting, device in ((None, "cpu"), (None, "cuda"), (True, "cuda")):
        with fast_conv_route(net, setting, device) as n:  # measured or forced: every layer
            assert n == 3 and changed() == ["mid", "stem", "top"]
    with fast_conv_route(net, False, "cpu") as n:
        assert n == 0 and changed() == []
    with vog.scoring.conv_as_forward(net, max_channels=8) as n:
        assert n == 1 and changed() == ["stem"]
    assert changed() == []
