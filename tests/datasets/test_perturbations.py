"""H-CAT's perturbations (vog.datasets.perturbations): known properties, checked against its code.

Each case states the behaviour of seedatnabeel/H-CAT (src/perturbations.py,
src/dataloader.py, run_experiment.py) it reproduces.
"""

import numpy as np
import pytest
import torch

from vog.datasets import perturbations as pt

N = 2000


def _data(n=N, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 28, 28, generator=g)
    y = torch.arange(n) % 10
    return x, y


def _options(kind, x):
    if kind == "far_ood":
        return {"replacements": torch.rand(50, *x.shape[1:])}
    return {}


@pytest.mark.parametrize("kind", list(pt.HARDNESS))
@pytest.mark.parametrize("p", [0.0, 0.1, 0.29, 0.5, 1.0])
def test_share_flagged_equals_p_and_nothing_else_changes(kind, p):
    x, y = _data()
    x0, y0 = x.clone(), y.clone()
    out = pt.perturb(kind, x, y, p, seed=3, **_options(kind, x))
    assert out.mask.dtype == torch.bool and out.mask.shape == (N,)
    assert int(out.mask.sum()) == round(p * N)  # H-CAT's int(N * p), rounded (see module)
    assert torch.equal(x, x0) and torch.equal(y, y0)  # inputs untouched
    keep = ~out.mask
    assert torch.equal(out.x[keep], x[keep]) and torch.equal(out.labels[keep], y[keep])
    if kind in pt.LABEL_NOISE:
        assert torch.equal(out.x, x)
    else:
        assert torch.equal(out.labels, y)
        if p > 0:
            assert not torch.equal(out.x[out.mask], x[out.mask])


@pytest.mark.parametrize("kind", list(pt.HARDNESS))
def test_seeded(kind):
    x, y = _data()
    opts = _options(kind, x)
    a = pt.perturb(kind, x, y, 0.2, seed=1, **opts)
    b = pt.perturb(kind, x, y, 0.2, seed=1, **opts)
    c = pt.perturb(kind, x, y, 0.2, seed=2, **opts)
    assert torch.equal(a.mask, b.mask) and torch.equal(a.x, b.x) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.mask, c.mask)


def test_uniform_redraws_over_all_classes_so_a_tenth_keep_their_label():
    # H-CAT: np.random.randint(0, n_classes) for every flagged index, own class included
    x, y = _data(20000)
    out = pt.uniform_labels(x, y, 0.5, seed=0)
    flagged = out.mask
    kept = (out.labels[flagged] == y[flagged]).float().mean().item()
    assert kept == pytest.approx(0.1, abs=0.015)
    counts = torch.bincount(out.labels[flagged], minlength=10).float() / flagged.sum()
    assert torch.allclose(counts, torch.full((10,), 0.1), atol=0.015)


def test_asymmetric_rows_sum_to_one_with_zero_diagonal_and_labels_follow_them():
    rows = pt.asymmetric_transitions(10, seed=4)
    assert rows.shape == (10, 10)
    assert torch.allclose(rows.sum(1), torch.ones(10, dtype=torch.float64))
    assert torch.all(rows.diagonal() == 0) and torch.all(rows >= 0)
    assert not torch.allclose(rows[0], rows[1].roll(-1))  # one Dirichlet draw per class
    # the labelling draws the same rows first (H-CAT: matrices, then indices, then labels)
    x = torch.zeros(20000, 1, 2, 2)
    y = torch.zeros(20000, dtype=torch.long)
    y[-1] = 9  # ten classes
    out = pt.asymmetric_labels(x, y, 1.0, seed=4)
    assert torch.equal(out.transitions, rows)
    assert torch.all(out.labels[:-1] != 0)  # zero diagonal: every flagged label changes
    freq = torch.bincount(out.labels[:-1], minlength=10).double() / (len(y) - 1)
    assert torch.allclose(freq, rows[0], atol=0.015)


def test_adjacent_labels_differ_by_one_modulo_ten():
    # H-CAT: noise_matrix[i][(i - 1) % K] = noise_matrix[i][(i + 1) % K] = 0.5
    x, y = _data(20000)
    out = pt.adjacent_labels(x, y, 0.5, seed=0)
    diff = (out.labels[out.mask] - y[out.mask]) % 10
    assert set(diff.tolist()) == {1, 9}
    assert (diff == 1).float().mean().item() == pytest.approx(0.5, abs=0.02)
    wrapped = out.labels[out.mask & (y == 9)]
    assert set(wrapped.tolist()) == {0, 8}  # 9 + 1 wraps to 0


def test_instance_follows_hcat_mnist_rules():
    x, y = _data(20000)
    out = pt.instance_labels(x, y, 0.5, seed=0)
    rules = pt.MNIST_INSTANCE_RULES
    for old, new in zip(y[out.mask].tolist(), out.labels[out.mask].tolist(), strict=True):
        assert new in rules[old]
    for c in (0, 4):  # H-CAT's rules map 0 -> 0 and 4 -> 4: flagged, not changed
        sel = out.mask & (y == c)
        assert sel.any() and torch.equal(out.labels[sel], y[sel])
    assert set(out.labels[out.mask & (y == 7)].tolist()) == {1, 2}
    assert set(out.labels[out.mask & (y == 1)].tolist()) == {7}
    assert set(out.labels[out.mask & (y == 5)].tolist()) == {6}
    with pytest.raises(ValueError, match=r"no target label for classes \[3\]"):
        pt.instance_labels(x, y, 0.1, rules={c: (c,) for c in range(10) if c != 3})


def test_zoom_is_a_centre_crop_resized_back():
    # H-CAT zoom_in(image, 1.75) on 28x28: int(28 / 1.75) = 16, top = left = (28 - 16) // 2 = 6
    tvf = pytest.importorskip("torchvision.transforms.functional")
    x = torch.rand(5, 1, 28, 28)
    want = tvf.resize(
        x[..., 6:22, 6:22], [28, 28], interpolation=tvf.InterpolationMode.BILINEAR, antialias=True
    )
    torch.testing.assert_close(pt.zoom(x, 1.75), want, atol=1e-6, rtol=0)
    # what lies outside the central 16x16 crop does not survive it
    frame = torch.ones(1, 1, 28, 28)
    frame[..., 6:22, 6:22] = 0
    assert torch.all(pt.zoom(frame) == 0)
    assert torch.allclose(pt.zoom(torch.full((1, 3, 32, 32), 0.3)), torch.tensor(0.3))


def test_shift_moves_ten_pixels_right_and_fills_with_zero():
    # H-CAT shift_image: F.pad(image, (10, 0)) pads left and right, then [:, :, :W]
    x = torch.arange(28.0).expand(1, 1, 28, 28)
    out = pt.shift_right(x)
    assert torch.all(out[..., :10] == 0)
    assert torch.equal(out[..., 10:], x[..., :18])
    assert torch.all(pt.shift_right(x, 3, fill=-1.0)[..., :3] == -1)


def test_covariate_noise_scale_is_half_the_image_maximum_then_clipped():
    x = torch.full((4000, 1, 4, 4), 0.5)  # max 0.5 -> noise std 0.25
    y = torch.arange(4000) % 10
    wide = pt.covariate_noise(x, y, 1.0, seed=0, clip=(-10.0, 10.0))
    assert (wide.x - x).std().item() == pytest.approx(0.25, abs=0.005)
    assert (wide.x - x).mean().item() == pytest.approx(0.0, abs=0.005)
    out = pt.covariate_noise(x, y, 1.0, seed=0)
    assert out.x.min() == 0 and out.x.max() == 1  # 2 sigma either side: clipped to [0, 1]
    # in H-CAT's space ([-1, 1] after Normalize(0.5, 0.5)) the clip lifts the background to 0
    digit = torch.full((2000, 1, 28, 28), -1.0)
    digit[..., 10:18, 12:16] = 1.0
    noisy = pt.covariate_noise(digit, y[:2000], 1.0, seed=0).x
    background = noisy[..., :8, :]
    assert (background == 0).float().mean().item() > 0.97  # P(N(0, 0.25) > 1) ~ 2.3%


def test_far_ood_inserts_replacement_images_as_they_are():
    x, y = _data(500)
    r = torch.rand(7, 1, 28, 28) + 5.0  # distinguishable from x
    out = pt.far_ood(x, y, 0.2, seed=0, replacements=r)
    for img in out.x[out.mask]:
        assert any(torch.equal(img, ri) for ri in r)
    with pytest.raises(ValueError, match=r"replacements must have shape \(M, 1, 28, 28\)"):
        pt.far_ood(x, y, 0.2, replacements=torch.rand(3, 3, 28, 28))


def test_bad_arguments_are_refused_with_a_clear_message():
    x, y = _data(100)
    with pytest.raises(ValueError, match=r"proportion p must lie in \[0, 1\], got 1.5"):
        pt.uniform_labels(x, y, 1.5)
    with pytest.raises(ValueError, match="hardness='noise' is not a valid option; choose one of"):
        pt.perturb("noise", x, y, 0.1)
    with pytest.raises(ValueError, match="float images of shape"):
        pt.zoom_shift(x[:, 0], y, 0.1)
    with pytest.raises(ValueError, match="does not cover the labels"):
        pt.uniform_labels(x, y, 0.1, n_classes=5)


def test_numpy_draws_do_not_touch_the_global_state():
    # H-CAT draws from the global NumPy state; these functions draw from their own generator
    np.random.seed(0)  # noqa: NPY002
    before = np.random.random()  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    x, y = _data(100)
    pt.asymmetric_labels(x, y, 0.5, seed=0)
    assert np.random.random() == before  # noqa: NPY002
