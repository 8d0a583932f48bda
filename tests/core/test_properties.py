"""Property-based tests of the invariances a user relies on (hypothesis).

Scores do not depend on the order of the examples, the batch size, the
chunking of accumulator updates or the order of the checkpoints; duplicating a
checkpoint changes the variance exactly as Eq. 3 says; scaling the last layer
by c scales raw VoG by |c| and leaves normalised VoG unchanged; class
normalisation ignores a constant added within a class.
"""

import copy

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import vog

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def checkpoints(seed: int, k: int, d: int = 6, classes: int = 3) -> list[nn.Module]:
    torch.manual_seed(seed)
    base = nn.Sequential(nn.Linear(d, 5), nn.Tanh(), nn.Linear(5, classes))
    out = []
    for _ in range(k):
        m = copy.deepcopy(base)
        with torch.no_grad():
            for p in m.parameters():
                p.add_(0.5 * torch.randn_like(p))
        out.append(m)
    return out


def examples(seed: int, n: int, d: int = 6, classes: int = 3):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, d, generator=g), torch.randint(0, classes, (n,), generator=g)


@SETTINGS
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(2, 30),
    k=st.integers(2, 5),
    batch=st.integers(1, 32),
    mode=st.sampled_from(["streaming", "sample_major"]),
    labels=st.sampled_from(["true", "predicted"]),
)
def test_order_and_batch_size_do_not_change_scores(seed, n, k, batch, mode, labels):
    nets = checkpoints(seed, k)
    x, y = examples(seed, n)
    ref = vog.compute_vog(nets, (x, y), device="cpu", labels=labels, batch_size=n)
    got = vog.compute_vog(nets, (x, y), device="cpu", labels=labels, batch_size=batch, mode=mode)
    torch.testing.assert_close(got.raw, ref.raw, rtol=1e-5, atol=1e-9)
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    shuffled = vog.compute_vog(nets, (x[perm], y[perm]), device="cpu", labels=labels, mode=mode)
    torch.testing.assert_close(shuffled.raw, ref.raw[perm], rtol=1e-5, atol=1e-9)
    assert torch.equal(shuffled.scored_labels, ref.scored_labels[perm])
    if labels == "true":  # the first K-1 checkpoints in any order (the last gives predictions)
        order = torch.randperm(k, generator=torch.Generator().manual_seed(seed + 1)).tolist()
        reordered = vog.compute_vog([nets[i] for i in order], (x, y), device="cpu", mode=mode)
        torch.testing.assert_close(reordered.raw, ref.raw, rtol=1e-5, atol=1e-9)


@SETTINGS
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 20),
    k=st.integers(2, 6),
    chunk=st.integers(1, 20),
)
def test_accumulator_chunking_and_order_do_not_matter(seed, n, k, chunk):
    g = torch.Generator().manual_seed(seed)
    grads = torch.randn(k, n, 3, 2, generator=g) * 10 ** torch.randint(-3, 3, (1,), generator=g)
    acc = vog.VoGAccumulator(n, (3, 2))
    for t in torch.randperm(k, generator=g).tolist():
        idx = torch.randperm(n, generator=g)
        for part in idx.split(chunk):
            acc.update(part, grads[t, part])
    torch.testing.assert_close(acc.compute(), vog.vog_from_gradients(grads), rtol=1e-9, atol=1e-12)


@SETTINGS
@given(seed=st.integers(0, 10_000), k=st.integers(2, 5), j=st.integers(0, 4))
def test_duplicating_a_checkpoint_changes_the_variance_as_eq3_says(seed, k, j):
    j = j % k
    nets = checkpoints(seed, k, d=1)  # one input pixel: VoG is that pixel's std (Eq. 3)
    x, y = examples(seed, 9, d=1)
    s = torch.stack([vog.input_gradients(m, x, y) for m in nets]).double()[..., 0]  # (K, N)
    mu, var = s.mean(0), s.var(0, correction=0)
    # Welford: adding a copy of S_j gives M2 + K/(K+1) (S_j - mu)^2 over K + 1 checkpoints
    expected = ((k * var + k / (k + 1) * (s[j] - mu) ** 2) / (k + 1)).sqrt()
    with pytest.warns(UserWarning, match=f"checkpoints {j} and {k} hold identical weights"):
        got = vog.compute_vog([*nets, copy.deepcopy(nets[j])], (x, y), device="cpu")
    torch.testing.assert_close(got.raw, expected, rtol=1e-5, atol=1e-9)
    torch.testing.assert_close(vog.compute_vog(nets, (x, y), device="cpu").raw, var.sqrt(),
                               rtol=1e-5, atol=1e-9)  # fmt: skip


@SETTINGS
@given(
    seed=st.integers(0, 10_000),
    c=st.floats(-8, 8).filter(lambda v: abs(v) > 1e-2),
    mode=st.sampled_from(["streaming", "sample_major"]),
)
def test_scaling_the_last_layer_scales_raw_vog_and_keeps_the_normalised(seed, c, mode):
    nets = checkpoints(seed, 3)
    x, y = examples(seed, 15)
    scaled = copy.deepcopy(nets)
    for m in scaled:
        with torch.no_grad():
            m[-1].weight.mul_(c)
            m[-1].bias.mul_(c)
    ref = vog.compute_vog(nets, (x, y), device="cpu", mode=mode)
    got = vog.compute_vog(scaled, (x, y), device="cpu", mode=mode)
    torch.testing.assert_close(got.raw, abs(c) * ref.raw, rtol=1e-4, atol=1e-9)
    torch.testing.assert_close(got.normalized, ref.normalized, rtol=1e-4, atol=1e-5)


@SETTINGS
@given(
    scores=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40),
    shift=st.lists(st.floats(-1e3, 1e3), min_size=4, max_size=4),
    seed=st.integers(0, 1000),
)
def test_class_normalisation_ignores_a_constant_within_a_class(scores, shift, seed):
    s = torch.tensor(scores, dtype=torch.float64)
    labels = torch.randint(0, 4, (len(s),), generator=torch.Generator().manual_seed(seed))
    a = vog.class_normalize(s, labels)
    b = vog.class_normalize(s + torch.tensor(shift, dtype=torch.float64)[labels], labels)
    # within rounding of the shifted values: a spread near that rounding is degenerate either way
    spread_ok = torch.zeros(4, dtype=torch.bool)
    for cls in range(4):
        members = s[labels == cls]
        if len(members) > 1:
            spread_ok[cls] = members.std(correction=0) > 1e-6 * (
                1 + members.abs().max() + abs(shift[cls])
            )
    keep = spread_ok[labels]
    torch.testing.assert_close(a[keep], b[keep], rtol=1e-6, atol=1e-6)
    assert torch.isfinite(b).all()


def test_strategies_reach_the_code():
    """The invariances above run the real scoring paths (not a mocked one)."""
    with pytest.raises(ValueError, match="at least 2 checkpoints"):
        vog.compute_vog(checkpoints(0, 1), examples(0, 3), device="cpu")
