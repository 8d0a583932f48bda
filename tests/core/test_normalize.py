import pytest
import torch

import vog


def test_known_answer():
    s = torch.tensor([1.0, 3.0, 10.0, 20.0, 30.0])
    y = torch.tensor([0, 0, 1, 1, 1])
    z = vog.class_normalize(s, y)
    sd1 = (200 / 3) ** 0.5
    expected = torch.tensor([-1.0, 1.0, -10 / sd1, 0.0, 10 / sd1], dtype=torch.float64)
    torch.testing.assert_close(z, expected)
    torch.testing.assert_close(vog.class_normalize(s, y, mode="abs_zscore"), expected.abs())


def test_each_class_zero_mean_unit_std():
    s = torch.rand(300) * torch.arange(300) % 7
    y = torch.randint(0, 5, (300,))
    z = vog.class_normalize(s, y)
    for c in range(5):
        torch.testing.assert_close(z[y == c].mean().item(), 0.0, atol=1e-9, rtol=0)
        torch.testing.assert_close(z[y == c].std(correction=0).item(), 1.0, atol=1e-9, rtol=0)


def test_singleton_and_constant_classes_give_zero_not_nan():
    s = torch.tensor([1.0, 2.0, 5.0, 4.0, 4.0])
    y = torch.tensor([0, 0, 1, 2, 2])  # class 1 singleton, class 2 constant
    z = vog.class_normalize(s, y)
    assert not torch.isnan(z).any()
    assert z[2:].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ValueError, match=r"classes \[1, 2\] have zero spread"):
        vog.class_normalize(s, y, on_degenerate="raise")


def test_missing_class_ids_are_fine():
    z = vog.class_normalize(torch.tensor([1.0, 2.0, 3.0, 5.0]), torch.tensor([7, 7, 2, 2]))
    assert z.tolist() == [-1.0, 1.0, -1.0, 1.0]


@pytest.mark.parametrize(
    "scores, labels, kwargs, match",
    [
        (torch.rand(3), torch.tensor([0, 1, 1]), {"mode": "z"}, "'zscore', 'abs_zscore'"),
        (torch.rand(3), torch.tensor([0, 1]), {}, r"shape \(3,\)"),
        (torch.tensor([1.0, float("nan")]), torch.tensor([0, 0]), {}, "NaN or inf"),
        (torch.rand(2, 2), torch.tensor([0, 0]), {}, r"shape \(N,\)"),
        (torch.rand(2), torch.tensor([0, -1]), {}, "non-negative"),
    ],
)
def test_errors(scores, labels, kwargs, match):
    with pytest.raises(ValueError, match=match):
        vog.class_normalize(scores, labels, **kwargs)
