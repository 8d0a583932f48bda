"""One label policy: integer labels, or floats with integral values (2.0), everywhere."""

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import vog
from vog._checks import check_labels, integer_labels

CANDIDATES = {
    "int64": torch.tensor([0, 2, 1]),
    "int32": torch.tensor([0, 2, 1], dtype=torch.int32),
    "integral floats": torch.tensor([0.0, 2.0, 1.0]),
    "float64 numpy": np.array([0.0, 2.0, 1.0]),
    "list": [0, 2, 1],
    "non-integral": torch.tensor([0.0, 2.5, 1.0]),
    "nan": torch.tensor([0.0, float("nan"), 1.0]),
    "inf": torch.tensor([0.0, float("inf"), 1.0]),
    "bool": torch.tensor([False, True, True]),
    "complex": torch.tensor([0, 2, 1], dtype=torch.complex64),
}


def _outcome(fn, labels):
    try:
        return fn(labels).tolist()
    except (TypeError, ValueError) as exc:
        return type(exc)


@pytest.mark.parametrize("name", list(CANDIDATES))
def test_check_labels_and_integer_labels_agree(name):
    labels = CANDIDATES[name]
    assert _outcome(lambda y: check_labels(y, 3), labels) == _outcome(integer_labels, labels)


def test_non_integral_labels_are_refused_with_a_clear_error():
    with pytest.raises(ValueError, match=r"labels must be integers, got non-integral .*\[2.5\]"):
        check_labels(torch.tensor([0.0, 2.5, 1.0]), 3)
    with pytest.raises(TypeError, match="torch.bool"):
        check_labels(torch.tensor([False, True]), 2)


def test_input_gradients_accept_integral_float_labels():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    x = torch.randn(5, 4)
    y = torch.tensor([2, 0, 1, 2, 1])
    ref = vog.input_gradients(model, x, y)
    torch.testing.assert_close(vog.input_gradients(model, x, y.double()), ref, rtol=0, atol=0)
    with pytest.raises(ValueError, match="non-integral"):
        vog.input_gradients(model, x, y.double() + 0.5)


def test_class_normalize_accepts_integral_float_labels():
    scores = torch.tensor([1.0, 2.0, 4.0, 3.0, 5.0], dtype=torch.float64)
    y = torch.tensor([0, 2, 2, 0, 2])
    ref = vog.class_normalize(scores, y)
    assert torch.equal(vog.class_normalize(scores, y.float()), ref)
    assert torch.equal(vog.class_normalize(scores, np.array([0.0, 2.0, 2.0, 0.0, 2.0])), ref)
    with pytest.raises(ValueError, match="non-integral"):
        vog.class_normalize(scores, torch.tensor([0.0, 2.0, 2.0, 0.0, 1.5]))


def test_to_numpy_is_the_one_tensor_to_array_helper():
    t = torch.tensor([[1.5, 2.0]], requires_grad=True)
    out = vog.data.to_numpy(t * 2)
    assert isinstance(out, np.ndarray) and out.shape == (1, 2) and out.dtype == np.float32
    assert out.tolist() == [[3.0, 4.0]]
    assert vog.data.to_numpy([1, 2]).tolist() == [1, 2]
    for module in ("metrics", "ood", "baselines"):
        text = (Path(vog.__file__).parent / "analysis" / f"{module}.py").read_text()
        assert ".detach().cpu().numpy()" not in text, module
