"""Out-of-distribution sets: natural-image crops from scikit-image, MNIST <-> Fashion-MNIST."""

import pytest
import torch

import vog
from vog.datasets import idx_sets


def test_natural_crops_are_deterministic_real_image_patches():
    a = vog.datasets.natural_crops(40, (1, 28, 28), seed=3)
    b = vog.datasets.natural_crops(40, (1, 28, 28), seed=3)
    c = vog.datasets.natural_crops(40, (1, 28, 28), seed=4)
    assert a.shape == (40, 1, 28, 28) and torch.equal(a, b) and not torch.equal(a, c)
    assert 0 <= a.min() and a.max() <= 1
    # photographs: neighbouring pixels are strongly correlated, unlike noise
    left, right = a[..., :-1].flatten(), a[..., 1:].flatten()
    assert torch.corrcoef(torch.stack([left, right]))[0, 1] > 0.6
    rgb = vog.datasets.natural_crops(5, (3, 32, 32), images=("astronaut",), seed=0)
    assert rgb.shape == (5, 3, 32, 32)
    assert (rgb[:, 0] - rgb[:, 2]).abs().mean() > 0.01  # colour kept for three channels
    grey = vog.datasets.natural_crops(5, (3, 32, 32), images=("brick",), seed=0)
    assert torch.equal(grey[:, 0], grey[:, 1])  # a grey texture repeated to three channels


@pytest.mark.parametrize("spec", ["photos", "textures"])
def test_photos_and_textures_are_ood_sets(spec):
    x = vog.datasets.load_ood_set(spec, like=torch.zeros(1, 1, 28, 28), n=12, seed=1)
    assert x.shape == (12, 1, 28, 28)


@pytest.mark.skipif(
    not idx_sets.DEBIAN_FASHION_MNIST.is_dir(), reason="needs dataset-fashion-mnist"
)
def test_fashion_mnist_is_an_ood_set_for_digits():
    x = vog.datasets.load_ood_set("fashion_mnist", like=torch.zeros(1, 1, 28, 28), n=7)
    assert torch.equal(x, vog.datasets.fashion_mnist(train=False, limit=7)[0])
    rgb = vog.datasets.load_ood_set("fashion_mnist", like=torch.zeros(1, 3, 32, 32), n=2)
    assert rgb.shape == (2, 3, 32, 32)


def test_unknown_set_names_the_valid_ones():
    with pytest.raises(ValueError, match="photos, textures, mnist, fashion_mnist"):
        vog.datasets.load_ood_set("svhn", like=torch.zeros(1, 1, 28, 28), n=5)
