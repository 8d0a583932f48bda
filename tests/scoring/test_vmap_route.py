"""Loop or vmap (vog.scoring.vmap_route): the K checkpoints run the way timed faster."""

import logging

import pytest
import torch
from torch import nn

import vog
from vog import conv_planner
from vog.fast_conv import conv_as_forward
from vog.scoring import sample_major, vmap_route


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        return self.head(torch.tanh(self.conv(x)).mean(dim=(2, 3)))


class ItemNet(Net):
    """A forward that vmap cannot batch (``.item()`` on a batched tensor)."""

    def forward(self, x):
        return super().forward(x) * (1.0 + 0.0 * float(x.sum().item()))


@pytest.fixture(autouse=True)
def _fresh_plans():
    vmap_route.clear_vmap_plans()
    conv_planner.clear_route_plans()
    yield
    vmap_route.clear_vmap_plans()
    conv_planner.clear_route_plans()


def _checkpoints(cls=Net, k=3):
    torch.manual_seed(0)
    return [cls().eval() for _ in range(k)]


def _data(n=20, size=8):
    g = torch.Generator().manual_seed(1)
    return torch.randn(n, 1, size, size, generator=g), torch.randint(0, 3, (n,), generator=g)


def _planted(monkeypatch, loop_s, vmap_s):
    """A clock that runs each route once and reports planted times: loop first, then vmap."""
    times = iter([loop_s, vmap_s])
    calls = []

    def clock(run, device):
        calls.append(run())
        return next(times)

    monkeypatch.setattr(vmap_route, "_seconds", clock)
    return calls


@pytest.mark.parametrize(("loop_s", "vmap_s", "route"), [(0.2, 0.1, "vmap"), (0.1, 0.2, "loop")])
def test_the_faster_route_is_kept(monkeypatch, loop_s, vmap_s, route):
    _planted(monkeypatch, loop_s, vmap_s)
    stacked = []
    real = sample_major.stack_checkpoints
    monkeypatch.setattr(sample_major, "stack_checkpoints", lambda m: stacked.append(1) or real(m))
    x, y = _data()
    vog.compute_vog(_checkpoints(), (x, y), device="cpu", batch_size=10)
    (decision,) = vmap_route.vmap_decisions()
    assert decision.route == route
    assert decision.loop_seconds == loop_s and decision.vmap_seconds == vmap_s
    assert decision.ratio == pytest.approx(loop_s / vmap_s)
    assert decision.batch == 10 and "Net x 3 checkpoints" in decision.model
    # vmap's stack is made once, for the timing, and reused by the run when vmap won
    assert len(stacked) == 1


def test_plans_are_cached_per_kind(monkeypatch):
    calls = _planted(monkeypatch, 0.1, 0.2)
    x, y = _data()
    models = _checkpoints()
    vog.compute_vog(models, (x, y), device="cpu", batch_size=10)
    vog.compute_vog(models, (x, y), device="cpu", batch_size=10)  # cached: no timing
    assert len(calls) == 2 and len(vmap_route.vmap_decisions()) == 1
    xs, ys = _data(size=6)  # another input shape: planned again
    monkeypatch.setattr(vmap_route, "_seconds", lambda run, device: (run(), 1.0)[1])
    vog.compute_vog(models, (xs, ys), device="cpu", batch_size=10)
    assert len(vmap_route.vmap_decisions()) == 2


@pytest.mark.parametrize(
    "kw", [{"vectorize": True}, {"vectorize": False}, {"fast_conv": True}, {"compile": True}]
)
def test_forced_settings_bypass_the_planner(kw):
    if kw.get("compile"):
        pytest.importorskip("torch._dynamo")
        assert not vog.ScoringOptions(**kw).may_vectorize
        return
    x, y = _data()
    vog.compute_vog(_checkpoints(), (x, y), device="cpu", batch_size=10, **kw)
    assert vmap_route.vmap_decisions() == []


def test_scores_agree_whichever_route(monkeypatch):
    x, y = _data()
    models = _checkpoints()
    ref = vog.compute_vog(models, (x, y), device="cpu", batch_size=10, vectorize=False)
    for loop_s, vmap_s in ((2.0, 1.0), (1.0, 2.0)):
        vmap_route.clear_vmap_plans()
        _planted(monkeypatch, loop_s, vmap_s)
        got = vog.compute_vog(models, (x, y), device="cpu", batch_size=10)
        torch.testing.assert_close(got.raw, ref.raw, rtol=1e-5, atol=1e-12)
        assert torch.equal(got.predictions, ref.predictions)


def test_a_model_vmap_cannot_run_keeps_the_loop(caplog):
    x, y = _data()
    models = _checkpoints(ItemNet)
    with caplog.at_level(logging.DEBUG, logger="vog.scoring.vmap_route"):
        got = vog.compute_vog(models, (x, y), device="cpu", batch_size=10)
    (decision,) = vmap_route.vmap_decisions()
    assert decision.route == "loop" and decision.vmap_seconds is None
    assert decision.reason.startswith("vmap failed") and decision.ratio is None
    assert "-> loop (vmap failed" in caplog.text
    ref = vog.compute_vog(models, (x, y), device="cpu", batch_size=10, vectorize=False)
    torch.testing.assert_close(got.raw, ref.raw)


def test_k_copies_over_the_budget_keep_the_loop(monkeypatch):
    monkeypatch.setattr(vmap_route, "VMAP_MAX_BYTES", 1024)
    x, y = _data()
    vog.compute_vog(_checkpoints(), (x, y), device="cpu", batch_size=10)
    (decision,) = vmap_route.vmap_decisions()
    assert decision.route == "loop" and "exceed" in decision.reason


def test_a_compute_bound_loop_is_kept_without_timing_vmap(monkeypatch):
    """A loop slower than VMAP_TRIAL_MAX_SECONDS on the timed examples: vmap, which saves only
    per-call overhead, is not timed (its trial would cost several such runs)."""
    calls = _planted(monkeypatch, vmap_route.VMAP_TRIAL_MAX_SECONDS * 1.5, 0.0)
    x, y = _data()
    vog.compute_vog(_checkpoints(), (x, y), device="cpu", batch_size=10)
    (decision,) = vmap_route.vmap_decisions()
    assert decision.route == "loop" and decision.vmap_seconds is None
    assert "compute-bound" in decision.reason and len(calls) == 1  # the loop alone was timed


def test_a_model_without_parameters_is_not_planned():
    class Mean(nn.Module):
        def forward(self, x):
            return x.flatten(1)[:, :3] * 2.0

    x, y = _data()
    vog.compute_vog([Mean(), Mean()], (x, y), device="cpu", batch_size=10)
    assert vmap_route.vmap_decisions() == []


def test_stacking_inside_a_convolution_route_context():
    """vmap runs autograd's kernels: the routes set on the models are not copied."""
    models = _checkpoints()
    x, _ = _data()
    for m in models:
        m.requires_grad_(False)
    with conv_as_forward(models[0]) as changed:
        assert changed == 1
        stacked = sample_major.stack_checkpoints(models)
        logits = stacked(x.unsqueeze(0).expand(3, *x.shape))
    torch.testing.assert_close(logits[0], models[0](x))
    assert "forward" not in stacked.base.conv.__dict__


def test_decision_as_dict_and_options_validation():
    d = vmap_route.VmapDecision("m", ("k",), 2.0, 1.0, 8, "vmap", 0.5)
    assert d.as_dict()["ratio"] == 2.0 and d.as_dict()["key"] == "('k',)"
    with pytest.raises(ValueError, match="vectorize must be True, False or None"):
        vog.ScoringOptions(vectorize="yes")
    assert vog.ScoringOptions().may_vectorize
    assert not vog.ScoringOptions(mode="streaming").may_vectorize


def test_planning_draws_no_random_numbers_and_warns_nothing(recwarn):
    """A ResNet in channels-last: vmap falls back to a slow loop on a pooling op and
    torch warns of the "performance drop"; a route measured faster must not pass that on."""
    torch.manual_seed(0)
    models = [vog.experiments.ResNet18(3, width=4).eval() for _ in range(2)]
    x, y = torch.randn(6, 3, 16, 16), torch.randint(0, 3, (6,))
    vog.compute_vog(models, (x, y), device="cpu", vectorize=False)  # lazy initialisations
    state = torch.get_rng_state()
    vog.compute_vog(models, (x, y), device="cpu", channels_last=True)
    assert torch.equal(torch.get_rng_state(), state)
    assert len(vmap_route.vmap_decisions()) == 1
    assert not [w for w in recwarn if "performance drop" in str(w.message)]
