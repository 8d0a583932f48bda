import pytest
import torch

import vog


def reference(grads):
    """Eq. 2-4 written out with torch.var (population)."""
    return grads.double().var(dim=0, unbiased=False).sqrt().flatten(1).mean(1)


def test_vog_from_gradients_known_answer():
    # one example, one pixel, values 1 and 3: std = 1
    g = torch.tensor([[[1.0]], [[3.0]]])
    assert vog.vog_from_gradients(g).tolist() == [1.0]
    grads = torch.randn(7, 20, 4, 4)
    torch.testing.assert_close(vog.vog_from_gradients(grads), reference(grads))


@pytest.mark.parametrize("chunk", [1, 3, 20, 64])
def test_streaming_equals_torch_var_any_chunking_and_order(chunk):
    torch.manual_seed(chunk)
    k, n = 6, 50
    grads = torch.randn(k, n, 3, 5, 5) * torch.rand(n, 1, 1, 1) * 10 + 3.0
    acc = vog.VoGAccumulator(n, (5, 5))
    for t in range(k):
        perm = torch.randperm(n)
        for part in perm.split(chunk):
            acc.update(part, grads[t, part])
    assert acc.n_checkpoints == k
    torch.testing.assert_close(acc.compute(), reference(grads.mean(2)), rtol=1e-10, atol=1e-12)


def test_streaming_order_of_checkpoints_irrelevant():
    grads = torch.randn(5, 10, 8)
    a, b = vog.VoGAccumulator(10, (8,)), vog.VoGAccumulator(10, (8,))
    for t in range(5):
        a.update(torch.arange(10), grads[t])
        b.update(torch.arange(10), grads[4 - t])
    torch.testing.assert_close(a.compute(), b.compute(), rtol=1e-12, atol=1e-14)


def test_streaming_stable_with_large_offset():
    # Welford in float64 survives a large common offset where the naive E[x^2]-E[x]^2 fails
    grads = 1e6 + torch.randn(4, 10, 6, dtype=torch.float64) * 1e-3
    acc = vog.VoGAccumulator(10, (6,))
    for t in range(4):
        acc.update(torch.arange(10), grads[t])
    torch.testing.assert_close(acc.compute(), reference(grads), rtol=1e-6, atol=0)


def test_pixel_std_shape():
    acc = vog.VoGAccumulator(3, (2, 2))
    for t in range(3):
        acc.update(torch.arange(3), torch.full((3, 2, 2), float(t)))
    std = acc.pixel_std()
    assert std.shape == (3, 2, 2)
    torch.testing.assert_close(std, torch.full((3, 2, 2), (2 / 3) ** 0.5, dtype=torch.float64))


def test_state_dict_roundtrip(tmp_path):
    grads = torch.randn(4, 6, 3)
    a = vog.VoGAccumulator(6, (3,))
    for t in range(2):
        a.update(torch.arange(6), grads[t])
    torch.save(a.state_dict(), tmp_path / "s.pt")
    b = vog.VoGAccumulator(6, (3,))
    b.load_state_dict(torch.load(tmp_path / "s.pt", weights_only=True))
    for t in range(2, 4):
        a.update(torch.arange(6), grads[t])
        b.update(torch.arange(6), grads[t])
    torch.testing.assert_close(a.compute(), b.compute(), rtol=0, atol=0)
    with pytest.raises(ValueError, match="shape"):
        vog.VoGAccumulator(7, (3,)).load_state_dict(a.state_dict())


def test_errors():
    acc = vog.VoGAccumulator(4, (2,))
    acc.update(torch.arange(4), torch.randn(4, 2))
    with pytest.raises(ValueError, match="at least 2 checkpoints"):
        acc.compute()
    acc.update(torch.arange(3), torch.randn(3, 2))
    with pytest.raises(ValueError, match="not updated by every checkpoint.*first: \\[3\\]"):
        acc.compute()
    with pytest.raises(ValueError, match="distinct"):
        acc.update(torch.tensor([0, 0]), torch.randn(2, 2))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        acc.update(torch.tensor([4]), torch.randn(1, 2))
    with pytest.raises(ValueError, match="NaN or inf"):
        acc.update(torch.tensor([0, 1]), torch.tensor([[0.0, float("nan")], [1.0, 1.0]]))
    with pytest.raises(ValueError, match="do not match pixel shape"):
        acc.update(torch.tensor([0]), torch.randn(1, 3))
    with pytest.raises(ValueError, match="2 indices but gradients for 1"):
        acc.update(torch.tensor([0, 1]), torch.randn(1, 2))
    with pytest.raises(ValueError, match="at least 2 checkpoints"):
        vog.vog_from_gradients(torch.randn(1, 3, 2))
    with pytest.raises(ValueError, match="n_samples"):
        vog.VoGAccumulator(0, (2,))


def test_float32_state_close_to_float64():
    grads = torch.randn(5, 30, 16)
    a64, a32 = vog.VoGAccumulator(30, (16,)), vog.VoGAccumulator(30, (16,), dtype=torch.float32)
    for t in range(5):
        a64.update(torch.arange(30), grads[t])
        a32.update(torch.arange(30), grads[t])
    torch.testing.assert_close(a32.compute(), a64.compute(), rtol=1e-5, atol=1e-6)


def test_authors_reference_reduces_to_paper_without_quirks():
    grads = torch.randn(15, 12, 2)
    w = range(5, 10)
    torch.testing.assert_close(
        vog.reference.authors_vog(grads, w, cumulative=False, window_mean=False),
        vog.vog_from_gradients(grads[5:10]),
    )
    quirky = vog.reference.authors_vog(grads, w)
    assert not torch.allclose(quirky, vog.vog_from_gradients(grads[5:10]))
    # difference 1 by hand: cumulative sums, window's own mean
    cum = grads.double().cumsum(0)
    torch.testing.assert_close(
        vog.reference.authors_vog(grads, w, window_mean=False), reference(cum[5:10])
    )


def test_magnitude_is_the_rms_gradient_over_checkpoints():
    # one example, two pixels; pixel 0 sees 3 and 5 (mean 4, std 1), pixel 1 sees -2 and 2
    grads = torch.tensor([[[3.0, -2.0]], [[5.0, 2.0]]])  # (K=2, N=1, P=2)
    acc = vog.VoGAccumulator(1, (2,))
    for t in range(2):
        acc.update(torch.tensor([0]), grads[t])
    torch.testing.assert_close(acc.compute(), torch.tensor([1.5], dtype=torch.float64))
    expected = (17**0.5 + 4**0.5) / 2  # sqrt((9 + 25) / 2), sqrt((4 + 4) / 2)
    torch.testing.assert_close(acc.magnitude(), torch.tensor([expected], dtype=torch.float64))
    assert bool((acc.compute() <= acc.magnitude()).all())


def test_authors_toy_script_replay():
    (xtr, ytr), (xte, yte) = vog.experiments.toy_blobs(90, n_centers=3, cluster_std=2.0, seed=0)
    # the same points as both splits: the "test" copy has no training-loss leak
    run = vog.reference.authors_toy_script(xtr, ytr, xtr, ytr, epochs=6)
    assert set(run.vog) == {"train", "test", "train normalized", "test normalized"}
    assert set(run.vog["train"]) == {"early", "middle", "late", "complete"}
    for stage in ("middle", "complete"):
        assert not torch.allclose(run.vog["train"][stage], run.vog["test"][stage])  # the leak
    # a linear model: the probability gradient is p(1 - p) (w_y - w_other), so VoG varies
    assert run.vog["test"]["complete"].std() > 0
    assert isinstance(run.model, torch.nn.Sequential) and not run.model.training
    again = vog.reference.authors_toy_script(xtr, ytr, xtr, ytr, epochs=6)
    assert torch.equal(again.vog["train"]["late"], run.vog["train"]["late"])  # seeded
    z = run.vog["train normalized"]["complete"]
    for c in (0, 1):
        assert abs(float(z[ytr == c].mean())) < 1e-9


def test_authors_toy_script_needs_two_epochs_per_stage():
    (xtr, ytr), _ = vog.experiments.toy_blobs(30, seed=0)
    with pytest.raises(ValueError, match="epochs must be >= 6"):
        vog.reference.authors_toy_script(xtr, ytr, xtr, ytr, epochs=5)


def test_authors_toy_script_leaves_the_global_generator_alone():
    (xtr, ytr), (xte, yte) = vog.experiments.toy_blobs(60, seed=0)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    vog.reference.authors_toy_script(xtr, ytr, xte, yte, epochs=6)
    assert torch.equal(torch.get_rng_state(), before)


def test_checkpoint_moments_are_exact_for_constant_pixels_and_keep_precision():
    from vog.accumulator import checkpoint_moments, vog_from_moments

    g = torch.Generator().manual_seed(0)
    base = torch.rand(5, 7, generator=g, dtype=torch.float32) * 3 + 0.1
    same = base.expand(6, 5, 7).clone()  # six identical checkpoints
    mean, m2 = checkpoint_moments(same)
    assert torch.equal(m2, torch.zeros_like(m2))  # not the rounding residue of sum / K
    assert torch.equal(mean, base)
    assert torch.equal(vog_from_moments(m2, 6), torch.zeros(5, dtype=torch.float64))
    # a large gradient that changes little: float32 keeps the change's variance
    maps = 1000.0 + 1e-3 * torch.randn(4, 5, 7, generator=g)
    ref = maps.double().var(dim=0, unbiased=False) * 4
    mean, m2 = checkpoint_moments(maps.clone(), overwrite=True)
    torch.testing.assert_close(m2.double(), ref, rtol=1e-3, atol=0)
    torch.testing.assert_close(mean.double(), maps.double().mean(0), rtol=1e-7, atol=0)


def test_welford_update_in_place_known_answer():
    # one pixel seen at 1 and 3 (mean 2, M2 2); adding 8: mean 4, M2 2 + (8-2)*(8-4) = 26
    mean, m2 = torch.tensor([2.0], dtype=torch.float64), torch.tensor([2.0], dtype=torch.float64)
    x = torch.tensor([8.0], dtype=torch.float64)
    vog.accumulator.welford_update_(2, mean, m2, x)
    assert mean.tolist() == [4.0] and m2.tolist() == [26.0]
    # the same with per-example counts as a tensor, and merge_moments (on copies) agrees
    mean_a, m2_a = torch.tensor([[2.0], [5.0]]), torch.tensor([[2.0], [0.0]])
    merged = vog.accumulator.merge_moments(
        torch.tensor([[2.0], [1.0]]), mean_a, m2_a, 1.0, torch.tensor([[8.0], [7.0]])
    )
    assert mean_a.tolist() == [[2.0], [5.0]]  # inputs untouched
    assert merged[0].tolist() == [[4.0], [6.0]] and merged[1].tolist() == [[26.0], [2.0]]


def test_scattered_and_in_order_updates_agree():
    """Indices in order update views in place; scattered ones gather and write back."""
    torch.manual_seed(3)
    grads = torch.randn(4, 12, 3, 3)
    a, b = vog.VoGAccumulator(12, (3, 3)), vog.VoGAccumulator(12, (3, 3))
    perm = torch.randperm(12)
    for t in range(4):
        a.update(torch.arange(12), grads[t])
        b.update(perm[:5], grads[t, perm[:5]])
        b.update(perm[5:], grads[t, perm[5:]])
    torch.testing.assert_close(a.compute(), b.compute(), rtol=1e-12, atol=0)
    torch.testing.assert_close(a.compute(), reference(grads), rtol=1e-10, atol=1e-12)
    g = grads[0].clone()
    a.update(torch.arange(12), g)
    assert torch.equal(g, grads[0])  # the caller's gradients are never used as scratch


def test_merge_moments_broadcasts_and_refuses_a_count_it_would_ignore():
    # one running state for two pixels, one new map per example: broadcast to (2, 2)
    merged = vog.accumulator.merge_moments(
        1.0,
        torch.tensor([[0.0, 2.0]]),
        torch.zeros(1, 2),
        1,
        torch.tensor([[2.0, 2.0], [4.0, 0.0]]),
    )
    assert merged[0].tolist() == [[1.0, 2.0], [2.0, 1.0]]
    assert merged[1].tolist() == [[2.0, 0.0], [8.0, 2.0]]
    with pytest.raises(ValueError, match="count_b=1"):
        vog.accumulator.merge_moments(1.0, torch.zeros(2), torch.zeros(2), 2.0, torch.ones(2))
