import pytest
import torch

import vog


@pytest.mark.parametrize(
    "make, shape, params",
    [
        (lambda: vog.experiments.LeNet(1, 10), (2, 1, 28, 28), 61_706),
        (lambda: vog.experiments.ResNet18(10), (2, 3, 32, 32), 11_173_962),
        (lambda: vog.experiments.DenseNetBC(10), (2, 3, 32, 32), 769_162),
        (lambda: vog.experiments.WideResNet(10), (2, 3, 32, 32), 36_479_194),
        (lambda: vog.experiments.resnet50(1000), (1, 3, 224, 224), 25_557_032),
    ],
)
def test_architectures_shapes_and_sizes(make, shape, params):
    """Output shapes, and parameter counts equal to the published architectures."""
    model = make().eval()
    with torch.no_grad():
        out = model(torch.randn(shape))
    assert out.shape == (shape[0], 1000 if shape[-1] == 224 else 10)
    assert sum(p.numel() for p in model.parameters()) == params


def test_input_gradients_through_every_architecture():
    for model in (
        vog.experiments.DenseNetBC(10, depth=16, growth=4),
        vog.experiments.WideResNet(10, depth=10, widen=1),
    ):
        x = torch.randn(3, 3, 32, 32)
        g = vog.input_gradients(model, x, torch.tensor([0, 1, 2]))
        assert g.shape == x.shape and torch.isfinite(g).all()


def test_depth_checked():
    with pytest.raises(ValueError, match="6n \\+ 4"):
        vog.experiments.DenseNetBC(depth=50)
    with pytest.raises(ValueError, match="6n \\+ 4"):
        vog.experiments.WideResNet(depth=27)
