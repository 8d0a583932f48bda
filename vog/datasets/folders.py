"""Image-folder data sets: ImageNet (lazy), ImageNet-O, iSUN, LSUN-R, TinyImageNet-R.

One folder per class (torchvision ``ImageFolder`` layout); labels are the
sorted class-folder indices. Images are float32 (C, H, W) in [0, 1], not
mean/std-normalised, so gradients are taken in image space as for every other
data set here.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

__all__ = ["image_folder", "imagenet", "imagenet_transform", "to_tensors"]


def image_folder(
    root: str | os.PathLike, *, size: int | None = None, limit: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images in ``root/<class>/*`` (ImageNet, ImageNet-O, iSUN, LSUN, TinyImageNet layouts).

    Resized to ``size`` x ``size`` (shorter side, then centre crop) if given.
    Labels are the sorted class-folder indices, as in torchvision's ImageFolder.
    """
    from torchvision import transforms
    from torchvision.datasets import ImageFolder

    steps = [transforms.Resize(size), transforms.CenterCrop(size)] if size else []
    ds = ImageFolder(str(root), transform=transforms.Compose([*steps, transforms.ToTensor()]))
    return to_tensors(ds, limit=limit)


def imagenet(
    root: str | os.PathLike = "data",
    *,
    train: bool = True,
    size: int = 224,
    augment: bool = False,
):
    """ImageNet (ILSVRC-2012) as a lazy torchvision ``ImageFolder``: items (3, size, size), [0, 1].

    Reads ``root/imagenet/{train,val}/<wnid>/*.JPEG`` (the validation images
    sorted into class folders, as torchvision's ImageNet examples expect).
    ``augment=True`` gives the standard training transform (random resized
    crop and horizontal flip); otherwise the evaluation transform (resize the
    shorter side to ``size * 256 / 224``, centre crop ``size``). Pixels are not
    mean/std-normalised, so gradients are taken in image space like for the
    other data sets. Labels: sorted class-folder index, int.
    """
    from torchvision.datasets import ImageFolder

    if int(size) < 32:
        raise ValueError(f"size must be >= 32 for ResNet-50, got {size}")
    folder = Path(root) / "imagenet" / ("train" if train else "val")
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{folder} not found: ImageNet cannot be downloaded automatically; place the "
            "ILSVRC-2012 train/ and val/ class folders (wnid names) under root/imagenet/"
        )
    return ImageFolder(str(folder), transform=imagenet_transform(size, augment=augment))


def imagenet_transform(size: int = 224, *, augment: bool = False):
    """The transform of :func:`imagenet`: training (``augment``) or evaluation, to [0, 1]."""
    from torchvision import transforms

    if augment:
        steps = [transforms.RandomResizedCrop(size), transforms.RandomHorizontalFlip()]
    else:
        steps = [transforms.Resize(round(size * 256 / 224)), transforms.CenterCrop(size)]
    return transforms.Compose([*steps, transforms.ToTensor()])


def to_tensors(dataset, *, limit: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Materialise a map-style data set of (image tensor, label) pairs as two stacked tensors."""
    n = len(dataset) if limit is None else min(limit, len(dataset))
    if n == 0:
        raise ValueError("the data set is empty")
    items = [dataset[i] for i in range(n)]
    return torch.stack([x for x, _ in items]), torch.as_tensor([int(y) for _, y in items])
