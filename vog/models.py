"""Model architectures used by the notebooks."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from ._checks import check_choice

__all__ = ["ACTIVATIONS", "MLP"]

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
