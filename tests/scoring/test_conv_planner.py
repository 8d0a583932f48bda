"""The route planner (vog.conv_planner): each kind of convolution takes the faster route."""

import logging
import re
import time

import pytest
import torch
from torch import nn

import vog
from vog import conv_planner, fast_conv


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(1, 6, 5)
        self.b = nn.Conv2d(6, 6, 3, padding=1)  # another kind
        self.head = nn.Linear(6, 3)

    def forward(self, x):
        return self.head(torch.tanh(self.b(torch.tanh(self.a(x)))).mean(dim=(2, 3)))


@pytest.fixture(autouse=True)
def _fresh_plans():
    conv_planner.clear_route_plans()
    yield
    conv_planner.clear_route_plans()


def _checkpoints():
    torch.manual_seed(0)
    return [Net().eval() for _ in range(3)]


def _data(n=10, size=12):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 1, size, size, generator=g), torch.randint(0, 3, (n,), generator=g)


def _slow(fn, seconds=0.1):
    def slowed(*args, **kwargs):
        time.sleep(seconds)
        return fn(*args, **kwargs)

    return slowed


def _spy_routes(monkeypatch):
    """Count the input gradients each route computes (outside the planner's timing)."""
    counts = {"forward": 0}
    real = fast_conv._ForwardConvBackward.backward

    def backward(ctx, grad_out):
        counts["forward"] += 1
        return real(ctx, grad_out)

    monkeypatch.setattr(fast_conv._ForwardConvBackward, "backward", staticmethod(backward))
    return counts


@pytest.mark.parametrize("slow", ["forward", "autograd"])
def test_the_planner_picks_the_faster_route(monkeypatch, slow):
    if slow == "forward":
        monkeypatch.setattr(fast_conv, "_grad_input", _slow(fast_conv._grad_input))
    else:
        monkeypatch.setattr(
            conv_planner, "autograd_input_grad", _slow(conv_planner.autograd_input_grad)
        )
    counts = _spy_routes(monkeypatch)
    x, y = _data()
    # the checkpoints one by one: the loop is where the convolution routes are taken
    res = vog.compute_vog(_checkpoints(), (x, y), device="cpu", batch_size=5, vectorize=False)
    decisions = conv_planner.route_decisions()
    assert len(decisions) == 2  # one per kind of layer
    fast = "autograd" if slow == "forward" else "forward"
    for d in decisions:
        assert d.route == fast
        slow_s, fast_s = (
            (d.forward_seconds, d.autograd_seconds)
            if slow == "forward"
            else (d.autograd_seconds, d.forward_seconds)
        )
        assert slow_s >= 0.1 and slow_s > fast_s
    assert (counts["forward"] > 0) == (fast == "forward")  # the scoring took the chosen route
    reference = vog.compute_vog(_checkpoints(), (x, y), device="cpu", fast_conv=False)
    torch.testing.assert_close(res.raw, reference.raw, rtol=1e-5, atol=1e-12)


def test_scores_agree_whichever_route_is_picked():
    x, y = _data()
    scores = {}
    real_forward, real_autograd = fast_conv._grad_input, conv_planner.autograd_input_grad
    for route in conv_planner.ROUTES:
        conv_planner.clear_route_plans()
        with pytest.MonkeyPatch.context() as mp:  # the other route made slow
            if route == "forward":
                mp.setattr(conv_planner, "autograd_input_grad", _slow(real_autograd))
            else:
                mp.setattr(fast_conv, "_grad_input", _slow(real_forward))
            scores[route] = vog.compute_vog(
                _checkpoints(), (x, y), device="cpu", vectorize=False
            ).raw
        assert {d.route for d in conv_planner.route_decisions()} == {route}
    torch.testing.assert_close(scores["forward"], scores["autograd"], rtol=1e-5, atol=1e-12)


def test_plans_are_cached_per_kind_and_made_again_for_a_new_shape(monkeypatch):
    timed = []

    def timer(run, device):
        timed.append(run)
        return 1.0

    net = Net().eval().requires_grad_(False)
    conv = net.a
    route = lambda g: g  # noqa: E731 (never called by this timer)
    x = torch.randn(8, 1, 12, 12)
    first = conv_planner.plan_route(conv, x, route, timer=timer)
    assert len(timed) == 2  # both routes, once
    again = conv_planner.plan_route(conv, torch.randn(13, 1, 12, 12), route, timer=timer)
    assert again is first and len(timed) == 2  # 8-15 examples: the same kind
    small = conv_planner.plan_route(conv, torch.randn(3, 1, 12, 12), route, timer=timer)
    assert small is not first and len(timed) == 4  # a batch of another power of two
    assert small.layer.endswith("batch 2-3") and first.layer.endswith("batch 8-15")
    other = conv_planner.plan_route(conv, torch.randn(8, 1, 16, 16), route, timer=timer)
    assert other is not first and len(timed) == 6  # a new spatial size: planned again
    net.to(memory_format=torch.channels_last)  # a channels-last model: its output too
    conv_planner.plan_route(conv, x, route, timer=timer)
    assert len(timed) == 8  # another memory format: planned again
    wide, layer = torch.randn(8, 6, 12, 12), nn.Conv2d(6, 6, 3, padding=1)  # contiguous
    conv_planner.plan_route(layer, wide, route, timer=timer)
    cl = wide.contiguous(memory_format=torch.channels_last)
    conv_planner.plan_route(layer, cl, route, timer=timer)
    assert len(timed) == 12
    keys = [d.key for d in conv_planner.route_decisions()]
    assert len(set(keys)) == 6 and keys[0][-2] == torch.get_num_threads()
    formats = ["contiguous"] * 3 + ["channels_last", "contiguous", "channels_last"]
    assert [k[7] for k in keys] == formats
    assert first.layer.startswith("conv 1->6, 5x5, stride 1, padding 0 on 12x12, torch.float32")
    assert first.as_dict()["ratio"] == first.ratio == 1.0 and first.batch == 8
    assert first.seconds >= 0
    big = conv_planner.plan_route(conv, torch.randn(300, 1, 16, 16), route, timer=timer)
    assert big.batch == conv_planner.PLAN_EXAMPLES  # timed on part of a large batch


@pytest.mark.parametrize("setting", [True, False])
def test_forced_settings_bypass_the_planner(monkeypatch, setting):
    counts = _spy_routes(monkeypatch)
    x, y = _data()
    vog.compute_vog(_checkpoints(), (x, y), device="cpu", fast_conv=setting)
    assert conv_planner.route_decisions() == []
    assert (counts["forward"] > 0) == setting


def test_planning_draws_no_random_numbers_and_is_logged(caplog):
    x, y = _data()
    vog.compute_vog(_checkpoints()[:2], (x, y), device="cpu", fast_conv=False)  # torch's lazy
    state = torch.get_rng_state()  # initialisation on first use may draw; planning must not
    with caplog.at_level(logging.DEBUG, logger="vog.conv_planner"):
        vog.compute_vog(_checkpoints()[:2], (x, y), device="cpu", vectorize=False)
    assert torch.equal(torch.get_rng_state(), state)
    lines = [r.getMessage() for r in caplog.records if r.name == "vog.conv_planner"]
    assert len(lines) == 2
    assert all(re.search(r"autograd [\d.e+-]+ ms, forward [\d.e+-]+ ms", line) for line in lines)
    assert all(line.endswith(("-> forward", "-> autograd")) for line in lines)


def test_the_recorder_uses_the_planner():
    x, y = _data(6, 28)
    rec = vog.VoGRecorder({"d": (x, y)}, {"all": [0, 1]})
    torch.manual_seed(0)
    model = vog.experiments.LeNet(1, 3)
    for epoch in range(2):
        rec.observe(model, epoch)
    kinds = {d.layer.split(" on ")[0] for d in conv_planner.route_decisions()}
    assert kinds == {"conv 1->6, 5x5, stride 1, padding 2", "conv 6->16, 5x5, stride 1, padding 0"}


@pytest.mark.gpu
def test_the_planner_times_cuda_layers():
    x, y = _data()
    ckpts = [m.cuda() for m in _checkpoints()]
    res = vog.compute_vog(ckpts, (x, y), device="cuda")
    assert {d.key[8] for d in conv_planner.route_decisions()} == {"cuda:0"}
    cpu = vog.compute_vog([m.cpu() for m in ckpts], (x, y), device="cpu", fast_conv=False)
    torch.testing.assert_close(res.raw, cpu.raw, rtol=1e-3, atol=1e-9)
