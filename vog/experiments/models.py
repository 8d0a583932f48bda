"""The paper's architectures, and :func:`make_model` to build one for a run.

MLP (toy, Sec. 2.1), LeNet (MNIST-C, Sec. 4.2), ResNet-18 (CIFAR, Sec. 2.2)
and its narrow CPU-sized variant ResNet-8 (the factor study), DenseNet-BC and
WRN-28-10 (supplement F), torchvision's ResNet-50 (ImageNet) and H-CAT's MNIST
LeNet (its hardness benchmark).
:data:`ARCHITECTURES` maps each ``ExperimentConfig.model`` name to a small builder.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .._checks import check_choice

__all__ = [
    "ACTIVATIONS",
    "ARCHITECTURES",
    "MLP",
    "LeNet",
    "HCATLeNet",
    "ResNet18",
    "ResNet8",
    "DenseNetBC",
    "WideResNet",
    "resnet50",
    "make_model",
]

#: Valid values of ``MLP(activation=...)``.
ACTIVATIONS = ("relu", "tanh", "none")


class MLP(nn.Module):
    """Fully connected classifier returning logits of shape (N, n_classes).

    Parameters
    ----------
    in_features : int
        Input dimension D; inputs of shape (N, D) (extra axes are flattened).
    hidden : sequence of int
        Widths of the hidden layers; the paper's toy model has one of 10 units.
    n_classes : int
        Number of outputs C.
    activation : {"relu", "tanh", "none"}, keyword-only
        Non-linearity between layers. ``"none"`` gives the authors' toy model:
        hidden layers without activation, i.e. a linear classifier.
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int] = (10,),
        n_classes: int = 2,
        *,
        activation: str = "relu",
    ) -> None:
        super().__init__()
        check_choice("activation", activation, ACTIVATIONS)
        layers: list[nn.Module] = [nn.Flatten()]
        width = int(in_features)
        for h in hidden:
            layers.append(nn.Linear(width, int(h)))
            if activation == "relu":
                layers.append(nn.ReLU())
            elif activation == "tanh":
                layers.append(nn.Tanh())
            width = int(h)
        layers.append(nn.Linear(width, int(n_classes)))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class LeNet(nn.Module):
    """LeNet-5 style CNN for 28x28 (MNIST) or 32x32 inputs; logits of shape (N, n_classes).

    Two 5x5 convolutions (6 and 16 maps) with ReLU and max-pooling, then fully
    connected layers of 120 and 84 units, as used for the paper's MNIST-C benchmark.
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 10, *, image_size: int = 28) -> None:
        super().__init__()
        if image_size not in (28, 32):
            raise ValueError(f"image_size must be 28 or 32, got {image_size}")
        pad = 2 if image_size == 28 else 0
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=pad),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, n_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class HCATLeNet(nn.Module):
    """H-CAT's MNIST LeNet (``LeNetMNIST`` of Seedat et al. 2024), logits of shape (N, n_classes).

    Two 5x5 convolutions (20 and 50 maps), each followed by ReLU, dropout
    (p = 0.2, on the maps) and 2x2 max-pooling, then fully connected layers of
    500 units and ``n_classes``. For 28x28 inputs (4 x 4 x 50 = 800 features).
    """

    def __init__(self, in_channels: int = 1, n_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 20, 5),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.MaxPool2d(2),
            nn.Conv2d(20, 50, 5),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(4 * 4 * 50, 500), nn.ReLU(), nn.Linear(500, n_classes)
        )

    def forward(self, x):
        return self.classifier(self.features(x))


class _BasicBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)
            )

    def forward(self, x):
        out = self.bn1(self.conv1(x)).relu()
        out = self.bn2(self.conv2(out))
        return (out + self.shortcut(x)).relu()


class ResNet18(nn.Module):
    """ResNet-18 for 32x32 images (CIFAR variant: 3x3 stem, no max-pool); logits (N, n_classes).

    ``width`` scales the channel counts (64, 128, 256, 512 at ``width=64``), so
    small profiles can run a narrower network of the same depth.
    """

    def __init__(self, n_classes: int = 10, *, in_channels: int = 3, width: int = 64) -> None:
        super().__init__()
        w = int(width)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()
        )
        layers, cin = [], w
        for i, cout in enumerate((w, 2 * w, 4 * w, 8 * w)):
            stride = 1 if i == 0 else 2
            layers += [_BasicBlock(cin, cout, stride), _BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, n_classes))

    def forward(self, x):
        return self.head(self.layers(self.stem(x)))


class ResNet8(nn.Module):
    """A CIFAR-style ResNet narrowed to train on a few CPU cores; logits (N, n_classes).

    The ResNet-18 of the paper (:class:`ResNet18`) made small enough to train
    on 2 CPU cores while keeping what sets it apart from a LeNet: BatchNorm
    after every convolution and residual basic blocks with projection
    shortcuts. A 3x3 stem of stride 2, then three stages of one basic block
    each (``width``, ``2 * width`` and ``4 * width`` channels, the last two
    of stride 2), global average pooling and a linear head. At ``width=16``
    on 1 x 28 x 28 inputs it has 77,754 parameters (LeNet: 61,706) and about
    six times LeNet's multiply-adds.
    """

    def __init__(self, n_classes: int = 10, *, in_channels: int = 3, width: int = 16) -> None:
        super().__init__()
        w = int(width)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, w, 3, 2, 1, bias=False), nn.BatchNorm2d(w), nn.ReLU()
        )
        self.layers = nn.Sequential(
            _BasicBlock(w, w, 1), _BasicBlock(w, 2 * w, 2), _BasicBlock(2 * w, 4 * w, 2)
        )
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * w, n_classes)
        )

    def forward(self, x):
        return self.head(self.layers(self.stem(x)))


class _DenseLayer(nn.Module):
    def __init__(self, cin: int, growth: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(cin),
            nn.ReLU(),
            nn.Conv2d(cin, 4 * growth, 1, bias=False),
            nn.BatchNorm2d(4 * growth),
            nn.ReLU(),
            nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False),
        )

    def forward(self, x):
        return torch.cat([x, self.body(x)], dim=1)


class DenseNetBC(nn.Module):
    """DenseNet-BC for 32x32 images (Huang et al.): bottleneck layers, compression 0.5.

    ``depth=100, growth=12`` is the DenseNet-BC (L=100, k=12) of the paper's
    OoD table; logits of shape (N, n_classes).
    """

    def __init__(
        self, n_classes: int = 10, *, depth: int = 100, growth: int = 12, in_channels: int = 3
    ) -> None:
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"DenseNet-BC depth must be 6n + 4, got {depth}")
        per_block = (depth - 4) // 6
        width = 2 * growth
        layers: list[nn.Module] = [nn.Conv2d(in_channels, width, 3, padding=1, bias=False)]
        for block in range(3):
            for _ in range(per_block):
                layers.append(_DenseLayer(width, growth))
                width += growth
            if block < 2:
                out = width // 2
                layers += [
                    nn.BatchNorm2d(width),
                    nn.ReLU(),
                    nn.Conv2d(width, out, 1, bias=False),
                    nn.AvgPool2d(2),
                ]
                width = out
        layers += [
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(width, n_classes),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class _WideBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, dropout: float) -> None:
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2, self.conv2 = nn.BatchNorm2d(cout), nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.drop = nn.Dropout(dropout)
        self.shortcut = (
            nn.Conv2d(cin, cout, 1, stride, bias=False)
            if stride != 1 or cin != cout
            else nn.Identity()
        )

    def forward(self, x):
        out = self.conv1(self.bn1(x).relu())
        out = self.conv2(self.drop(self.bn2(out).relu()))
        return out + self.shortcut(x)


class WideResNet(nn.Module):
    """Wide ResNet WRN-depth-widen (Zagoruyko and Komodakis) for 32x32 images.

    ``depth=28, widen=10`` is the WRN-28-10 of the paper's OoD table.
    """

    def __init__(
        self,
        n_classes: int = 10,
        *,
        depth: int = 28,
        widen: int = 10,
        dropout: float = 0.0,
        in_channels: int = 3,
    ) -> None:
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"WRN depth must be 6n + 4, got {depth}")
        n = (depth - 4) // 6
        widths = [16, 16 * widen, 32 * widen, 64 * widen]
        layers: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False)]
        cin = widths[0]
        for stage, cout in enumerate(widths[1:]):
            for i in range(n):
                layers.append(_WideBlock(cin, cout, 2 if (i == 0 and stage > 0) else 1, dropout))
                cin = cout
        layers += [
            nn.BatchNorm2d(cin),
            nn.ReLU(),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(cin, n_classes),
        ]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


def resnet50(n_classes: int = 1000) -> nn.Module:
    """torchvision's ResNet-50 (ImageNet, 224x224), randomly initialised; logits (N, n_classes)."""
    from torchvision.models import resnet50 as tv_resnet50

    return tv_resnet50(weights=None, num_classes=n_classes)


def _mlp(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    return MLP(int(x[0].numel()), (256, 128), n_classes)


def _lenet(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    return LeNet(x.shape[1], n_classes, image_size=x.shape[2])


def _hcat_lenet(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    if tuple(x.shape[2:]) != (28, 28):
        raise ValueError(f"hcat_lenet needs 28x28 images, got {tuple(x.shape[2:])}")
    return HCATLeNet(x.shape[1], n_classes)


def _resnet18(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    return ResNet18(n_classes, in_channels=x.shape[1], width=width)


def _resnet8(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    # narrow: a quarter of ResNet-18's base width (16 channels at the configured default 64)
    return ResNet8(n_classes, in_channels=x.shape[1], width=max(1, width // 4))


def _densenet_bc(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    return DenseNetBC(n_classes, in_channels=x.shape[1])


def _wrn28_10(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    return WideResNet(n_classes, in_channels=x.shape[1])


def _resnet50(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    if x.shape[1] != 3:
        raise ValueError(f"resnet50 needs 3-channel images, got {x.shape[1]} channels")
    return resnet50(n_classes)


def _minilm(x: torch.Tensor, n_classes: int, width: int) -> nn.Module:
    from .encoder import MiniLMClassifier

    if x.dim() != 3:
        raise ValueError(f"minilm takes token embeddings (N, L, 384), got {tuple(x.shape)}")
    return MiniLMClassifier(n_classes, max_tokens=x.shape[1])


#: ``ExperimentConfig.model`` name -> builder ``(example batch, n_classes, width) -> model``.
ARCHITECTURES = {
    "mlp": _mlp,
    "lenet": _lenet,
    "hcat_lenet": _hcat_lenet,
    "resnet18": _resnet18,
    "resnet8": _resnet8,
    "densenet_bc": _densenet_bc,
    "wrn28_10": _wrn28_10,
    "resnet50": _resnet50,
    "minilm": _minilm,
}


def make_model(name: str, example: torch.Tensor, n_classes: int, *, width: int = 64) -> nn.Module:
    """The architecture ``name`` for inputs like ``example``.

    ``name`` is a key of :data:`vog.experiments.ARCHITECTURES`.

    ``example``: a batch of inputs, shape (N, C, H, W) (the MLP takes any shape);
    ``width``: ResNet-18's base channel count (paper: 64); ``"resnet8"``, the
    narrow variant, uses a quarter of it (16 at the default 64).
    """
    check_choice("model", name, ARCHITECTURES)
    return ARCHITECTURES[name](example, int(n_classes), int(width))
