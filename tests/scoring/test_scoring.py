import copy

import pytest
import torch
from torch import nn

import vog


def make_checkpoints(k=4, seed=0):
    torch.manual_seed(seed)
    base = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.Flatten(), nn.Linear(4 * 6 * 6, 5)
    )
    ckpts = []
    for _ in range(k):
        m = copy.deepcopy(base)
        with torch.no_grad():
            for p in m.parameters():
                p.add_(0.3 * torch.randn_like(p))
        ckpts.append(m)
    return ckpts


@pytest.fixture
def data():
    torch.manual_seed(3)
    return torch.randn(37, 3, 6, 6), torch.randint(0, 5, (37,))


def manual(ckpts, x, labels):
    grads = torch.stack([vog.input_gradients(m, x, labels).mean(1) for m in ckpts])
    return vog.vog_from_gradients(grads)


def test_matches_manual_computation(data):
    x, y = data
    ckpts = make_checkpoints()
    res = vog.compute_vog(ckpts, (x, y), batch_size=8, device="cpu")
    torch.testing.assert_close(res.raw, manual(ckpts, x, y))
    torch.testing.assert_close(res.normalized, vog.class_normalize(res.raw, y))
    assert torch.equal(res.labels, y) and torch.equal(res.scored_labels, y)
    assert torch.equal(res.predictions, ckpts[-1](x).argmax(1))


def test_batch_size_invariance(data):
    x, y = data
    ckpts = make_checkpoints()
    a = vog.compute_vog(ckpts, (x, y), batch_size=1, device="cpu")
    b = vog.compute_vog(ckpts, (x, y), batch_size=64, device="cpu")
    torch.testing.assert_close(a.raw, b.raw, rtol=1e-6, atol=1e-9)


def test_predicted_labels_path(data):
    x, y = data
    ckpts = make_checkpoints()
    res = vog.compute_vog(ckpts, (x, y), labels="predicted", batch_size=10, device="cpu")
    pred = ckpts[-1](x).argmax(1)
    assert torch.equal(res.scored_labels, pred) and torch.equal(res.labels, y)
    torch.testing.assert_close(res.raw, manual(ckpts, x, pred))
    torch.testing.assert_close(res.normalized, vog.class_normalize(res.raw, pred))
    assert not torch.allclose(res.raw, manual(ckpts, x, y))


def test_from_checkpoint_files(tmp_path, data):
    x, y = data
    ckpts = make_checkpoints()
    paths = [vog.save_checkpoint(m, tmp_path / f"c{i}.pt", epoch=i) for i, m in enumerate(ckpts)]
    template = make_checkpoints(1, seed=9)[0]
    res = vog.compute_vog(paths, (x, y), model=template, device="cpu")
    torch.testing.assert_close(res.raw, manual(ckpts, x, y))
    st = vog.save_checkpoint(ckpts[0], tmp_path / "c.safetensors")
    assert st.exists()
    res2 = vog.compute_vog([st, *paths[1:]], (x, y), model=template, device="cpu")
    torch.testing.assert_close(res2.raw, res.raw)


def test_dataset_input_and_frame(data):
    x, y = data
    ds = torch.utils.data.TensorDataset(x, y)
    res = vog.compute_vog(make_checkpoints(), ds, device="cpu")
    df = res.to_frame()
    columns = ["label", "prediction", "scored_label", "vog", "vog_normalized", "magnitude"]
    assert list(df.columns) == columns  # with the gradient magnitude, in both modes
    streamed = vog.compute_vog(make_checkpoints(), ds, mode="streaming", device="cpu")
    assert list(streamed.to_frame().columns) == columns
    torch.testing.assert_close(streamed.magnitude, res.magnitude, rtol=1e-5, atol=1e-12)
    torch.testing.assert_close(streamed.raw, res.raw, rtol=1e-5, atol=1e-12)
    assert bool((res.magnitude >= res.raw).all())  # VoG is at most the gradient's size
    assert len(df) == 37 and df.index.name == "index"


def test_errors(tmp_path, data):
    x, y = data
    ckpts = make_checkpoints()
    with pytest.raises(ValueError, match="at least 2 checkpoints"):
        vog.compute_vog(ckpts[:1], (x, y))
    with pytest.raises(ValueError, match="'true', 'predicted'"):
        vog.compute_vog(ckpts, (x, y), labels="pred")
    with pytest.raises(ValueError, match="need model="):
        vog.compute_vog([tmp_path / "a.pt", tmp_path / "b.pt"], (x, y))
    with pytest.raises(FileNotFoundError, match="not found"):
        vog.compute_vog([tmp_path / "a.pt", tmp_path / "b.pt"], (x, y), model=ckpts[0])
    with pytest.raises(ValueError, match="out of range"):
        vog.compute_vog(ckpts, (x, torch.full((37,), 9)))
    other = nn.Sequential(nn.Flatten(), nn.Linear(108, 5))
    p = vog.save_checkpoint(other, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="does not fit"):
        vog.compute_vog([p, p], (x, y), model=ckpts[0])
    (tmp_path / "bad.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="could not read checkpoint"):
        vog.load_state_dict(tmp_path / "bad.pt")


def test_checkpoint_refuses_code_execution(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"state_dict": {"w": torch.ones(1)}, "payload": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(ValueError, match="could not read checkpoint"):
        vog.load_state_dict(tmp_path / "evil.pt")


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def boom(p):
        p.write_text("partial")
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        vog.atomic.atomic_write(target, boom)
    assert target.read_text() == "old"
    assert [f.name for f in tmp_path.iterdir()] == ["out.txt"]


def test_empty_data_refused():
    ckpts = make_checkpoints()
    empty = (torch.empty(0, 3, 6, 6), torch.empty(0, dtype=torch.long))
    with pytest.raises(ValueError, match="data is empty"):
        vog.compute_vog(ckpts, empty)
    with pytest.raises(ValueError, match="data is empty"):
        vog.compute_vog(ckpts, empty, mode="sample_major")


class _Quadratic(nn.Module):
    """No parameters, no buffers: logit c = a * sum(x**2) / 2, so d logit / dx = a * x."""

    def __init__(self, a):
        super().__init__()
        self.a = float(a)

    def forward(self, x):
        energy = 0.5 * self.a * x.flatten(1).pow(2).sum(1)
        return torch.stack([energy, 2 * energy], dim=1)


@pytest.mark.parametrize(
    "kw", [{}, {"mode": "streaming"}, {"vectorize": True}], ids=["default", "streaming", "vmap"]
)
def test_a_model_without_parameters_is_scored(kw):
    """Its input gradient is well defined: checkpoints a=1 and a=3 give grads x and 3x per
    class-0 example, whose per-pixel std over the two is |x| (Eq. 2-3); VoG = mean |x|."""
    torch.manual_seed(1)
    x = torch.randn(6, 1, 3, 3)
    y = torch.zeros(6, dtype=torch.long)
    res = vog.compute_vog([_Quadratic(1.0), _Quadratic(3.0)], (x, y), **kw)
    torch.testing.assert_close(res.raw, x.abs().flatten(1).mean(1).double())
