"""Per-example statistics followed through training: one small class per statistic.

Each :class:`Statistic` keeps O(N) running state for N examples and knows
its formula (captum's ``attr/_utils/stat.py`` in spirit): ``Statistic.update``
folds in one epoch's view of the data (an
:class:`~vog.analysis.difficulty.EpochView`: per-example quantities such as
the loss, computed once), ``Statistic.compute`` gives the score after
the epochs seen, (N,), float64. :data:`vog.analysis.difficulty.SCORES` maps
each score of :class:`~vog.analysis.difficulty.TrainingDynamics` to one of
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import torch

if TYPE_CHECKING:
    from .difficulty import EpochView

__all__ = ["AtEarlyEpoch", "Final", "Forgetting", "Mean", "Statistic", "Std"]


class Statistic:
    """One score followed through training: its O(N) running state and its formula.

    A subclass names its state tensors in ``STATE`` and implements
    ``update`` (one epoch's :class:`EpochView` into the state) and
    ``compute`` (the score after ``epochs`` observed epochs, (N,),
    float64, or None if it was never taken).
    """

    STATE: ClassVar[tuple[str, ...]] = ()

    def __init__(self, n: int) -> None:
        self.n = n

    def update(self, view: EpochView) -> None:
        raise NotImplementedError

    def compute(self, epochs: int) -> torch.Tensor | None:
        raise NotImplementedError

    def nbytes(self) -> int:
        """Bytes of running state held."""
        tensors = (getattr(self, k) for k in self.STATE)
        return sum(t.element_size() * t.numel() for t in tensors if t is not None)

    def state_dict(self) -> dict[str, torch.Tensor | None]:
        """A copy of the state tensors."""
        return {k: _clone(getattr(self, k)) for k in self.STATE}

    def load_state_dict(self, state: Mapping[str, torch.Tensor | None]) -> None:
        for k in self.STATE:
            setattr(self, k, _clone(state[k]))


def _clone(t: torch.Tensor | None) -> torch.Tensor | None:
    return None if t is None else t.clone()


def _zeros(n: int) -> torch.Tensor:
    return torch.zeros(n, dtype=torch.float64)


class Final(Statistic):
    """``sign`` times a quantity after the last epoch."""

    STATE = ("last",)

    def __init__(self, n: int, quantity: str, sign: float = 1.0) -> None:
        super().__init__(n)
        self.quantity, self.sign = quantity, sign
        self.last = _zeros(n)

    def update(self, view: EpochView) -> None:
        self.last = view.get(self.quantity).double()

    def compute(self, epochs: int) -> torch.Tensor:
        return self.last if self.sign > 0 else -self.last


class Mean(Statistic):
    """``sign`` times a quantity averaged over the epochs."""

    STATE = ("total",)

    def __init__(self, n: int, quantity: str, sign: float = 1.0) -> None:
        super().__init__(n)
        self.quantity, self.sign = quantity, sign
        self.total = _zeros(n)

    def update(self, view: EpochView) -> None:
        self.total += view.get(self.quantity).double()

    def compute(self, epochs: int) -> torch.Tensor:
        mean = self.total / max(epochs, 1)
        return mean if self.sign > 0 else -mean


class Std(Statistic):
    """Standard deviation of a quantity over the epochs (population, from two running sums)."""

    STATE = ("total", "squares")

    def __init__(self, n: int, quantity: str) -> None:
        super().__init__(n)
        self.quantity = quantity
        self.total, self.squares = _zeros(n), _zeros(n)

    def update(self, view: EpochView) -> None:
        q = view.get(self.quantity).double()
        self.total += q
        self.squares += q * q

    def compute(self, epochs: int) -> torch.Tensor:
        n = max(epochs, 1)
        mean = self.total / n
        return (self.squares / n - mean.square()).clamp_min(0).sqrt()


class AtEarlyEpoch(Statistic):
    """A quantity taken once, after the early epoch (None before, or where it is not computed)."""

    STATE = ("value",)

    def __init__(self, n: int, quantity: str) -> None:
        super().__init__(n)
        self.quantity = quantity
        self.value: torch.Tensor | None = None

    def update(self, view: EpochView) -> None:
        if view.early and view.has(self.quantity):
            self.value = view.get(self.quantity)

    def compute(self, epochs: int) -> torch.Tensor | None:
        return None if self.value is None else self.value.double()


class Forgetting(Statistic):
    """Forgetting events (Toneva et al. 2019): classified as labelled, then not, after an epoch.

    An example never classified as labelled counts one more than the most
    events possible in the epochs observed (``epochs // 2 + 1``).
    """

    STATE = ("events", "prev", "ever_correct")

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.events = torch.zeros(n, dtype=torch.long)
        self.prev = torch.zeros(n, dtype=torch.bool)
        self.ever_correct = torch.zeros(n, dtype=torch.bool)

    def update(self, view: EpochView) -> None:
        correct = view.correct
        self.events += (self.prev & ~correct).long()  # learnt before, forgotten now
        self.prev, self.ever_correct = correct, self.ever_correct | correct

    def compute(self, epochs: int) -> torch.Tensor:
        never = torch.full_like(self.events, max(epochs, 1) // 2 + 1)
        return torch.where(~self.ever_correct, never, self.events).double()
