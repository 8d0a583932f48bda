import pytest
import torch

import vog


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    models = []
    for _ in range(4):
        m = vog.experiments.ResNet18(5, width=4)
        # BatchNorm running statistics away from their initial values
        m.train()
        with torch.no_grad():
            m(torch.randn(32, 3, 16, 16))
        models.append(m.eval())
    x = torch.randn(23, 3, 16, 16)
    y = torch.randint(0, 5, (23,))
    return models, x, y


def test_sample_major_equals_streaming(setup):
    models, x, y = setup
    a = vog.compute_vog(models, (x, y), batch_size=7, device="cpu")
    b = vog.compute_vog(models, (x, y), batch_size=5, device="cpu", mode="sample_major")
    torch.testing.assert_close(b.raw, a.raw, rtol=1e-6, atol=1e-10)
    torch.testing.assert_close(b.normalized, a.normalized, rtol=1e-5, atol=1e-7)
    assert torch.equal(a.predictions, b.predictions)


def test_vectorized_equals_loop(setup):
    models, x, y = setup
    loop = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major")
    vec = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major", vectorize=True)
    torch.testing.assert_close(vec.raw, loop.raw, rtol=1e-5, atol=1e-9)
    pred = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major", labels="predicted")
    pred_vec = vog.compute_vog(
        models, (x, y), device="cpu", mode="sample_major", labels="predicted", vectorize=True
    )
    torch.testing.assert_close(pred_vec.raw, pred.raw, rtol=1e-5, atol=1e-9)
    stream = vog.compute_vog(models, (x, y), device="cpu", labels="predicted")
    torch.testing.assert_close(pred.raw, stream.raw, rtol=1e-6, atol=1e-10)
    assert torch.equal(pred.scored_labels, models[-1](x).argmax(1))


def test_batch_vog_matches_stored_gradients(setup):
    models, x, y = setup
    vog_b, logits, used = vog.scoring.batch_vog(models, x, y, channel_mean=False)
    grads = torch.stack([vog.input_gradients(m, x, y) for m in models])
    torch.testing.assert_close(vog_b, vog.vog_from_gradients(grads), rtol=1e-6, atol=1e-10)
    torch.testing.assert_close(logits, models[-1](x))


def test_channels_last_and_bfloat16(setup):
    models, x, y = setup
    ref = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major")
    cl = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major", channels_last=True)
    torch.testing.assert_close(cl.raw, ref.raw, rtol=1e-4, atol=1e-8)
    bf = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major", autocast="bfloat16")
    rho, _ = vog.analysis.spearman(bf.raw, ref.raw)
    assert rho > 0.9  # reduced precision changes scores but not the ranking


def test_options_checked(setup):
    models, x, y = setup
    with pytest.raises(ValueError, match="'sample_major', 'streaming'"):
        vog.compute_vog(models, (x, y), mode="fast")
    with pytest.raises(ValueError, match="need mode='sample_major'"):
        vog.compute_vog(models, (x, y), mode="streaming", vectorize=True)
    with pytest.raises(ValueError, match="'bfloat16', 'float16'"):
        vog.compute_vog(models, (x, y), mode="sample_major", autocast="fp8")
    with pytest.raises(ValueError, match="at least 2 checkpoints"):
        vog.scoring.batch_vog(models[:1], x, y)


def test_nan_gradients_rejected():
    models = [torch.nn.Linear(3, 2) for _ in range(3)]
    with torch.no_grad():
        models[1].weight[0, 0] = float("nan")
    x, y = torch.randn(4, 3), torch.zeros(4, dtype=torch.long)
    with pytest.raises(ValueError, match="NaN or inf"):
        vog.scoring.batch_vog(models, x, y)
    with pytest.raises(ValueError, match="NaN or inf"):
        vog.compute_vog(models, (x, y), device="cpu")


@pytest.mark.slow
def test_torch_compile_matches_eager():
    torch.manual_seed(0)
    models = [vog.experiments.LeNet(1, 10).eval() for _ in range(3)]
    x, y = torch.randn(16, 1, 28, 28), torch.randint(0, 10, (16,))
    eager = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major")
    compiled = vog.compute_vog(models, (x, y), device="cpu", mode="sample_major", compile=True)
    torch.testing.assert_close(compiled.raw, eager.raw, rtol=1e-4, atol=1e-8)
    with pytest.raises(ValueError, match="not with vectorize"):
        vog.compute_vog(models, (x, y), mode="sample_major", compile=True, vectorize=True)


def test_score_loader_any_iterable_of_batches(setup, monkeypatch):
    """Results are written into preallocated columns: a loader that states its
    length, a generator that does not, and a length hint that is too short or
    too long all give the same scores, in order."""
    from torch.utils.data import DataLoader, TensorDataset

    from vog.scoring import sample_major

    models, x, y = setup
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    ref = vog.scoring.score_loader(models, loader)
    assert ref[0].shape == (23,) and ref[0].dtype == torch.float64
    assert torch.equal(ref[1], y)

    def batches():
        yield from zip(x.split(6), y.split(6), strict=True)

    for hint in (1, 5, 4096):  # grows by doubling / cut to length
        monkeypatch.setattr(sample_major, "_length_hint", lambda _loader, h=hint: h)
        got = vog.scoring.score_loader(models, batches())
        for a in got:
            assert a.shape == (23,) and a.is_contiguous()
        for i in (0, 4):  # VoG and gradient magnitude: float, summed in another order
            torch.testing.assert_close(got[i], ref[i], rtol=1e-6, atol=1e-12)
        assert all(torch.equal(a, b) for a, b in zip(got[1:4], ref[1:4], strict=True))
    with pytest.raises(ValueError, match="data is empty"):
        vog.scoring.score_loader(models, iter(()))


def test_blocked_reduction_equals_whole_chunk(monkeypatch):
    """The chunk's maps reduced a few examples at a time give the same numbers (up to the
    summation order of float32 maps), and a NaN map in a later block is still refused."""
    from vog.scoring import sample_major

    torch.manual_seed(3)
    maps = torch.randn(5, 37, 6, 7)
    whole = sample_major._reduce(maps.clone())
    per_example = maps[:, :1].numel() * 4
    monkeypatch.setattr(sample_major, "REDUCE_BYTES", 4 * per_example)  # blocks of 4 rows
    blocked = sample_major._reduce(maps.clone())
    torch.testing.assert_close(blocked, whole, rtol=1e-6, atol=0)
    # known answer, example 0: the population std over checkpoints, averaged over pixels
    expected = maps[:, 0].double().std(dim=0, correction=0).mean()
    torch.testing.assert_close(blocked[0][0], expected, rtol=1e-5, atol=0)
    bad = maps.clone()
    bad[2, 30, 1, 1] = float("nan")
    with pytest.raises(ValueError, match=r"NaN or inf.*rows: \[30\]"):  # the chunk's row
        sample_major._reduce(bad)


def test_scores_do_not_depend_on_the_reduction_block(setup, monkeypatch):
    from vog.scoring import sample_major

    models, x, y = setup
    ref = vog.compute_vog(models, (x, y), batch_size=8, device="cpu")
    monkeypatch.setattr(sample_major, "REDUCE_BYTES", 1)  # one example per block
    small = vog.compute_vog(models, (x, y), batch_size=8, device="cpu")
    torch.testing.assert_close(small.raw, ref.raw, rtol=1e-6, atol=0)
