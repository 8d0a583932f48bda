"""The contract between a training loop and what watches it: :class:`Observer` and :class:`Cost`.

:func:`vog.train_with_vog` hands the model, after every epoch, to its VoG
recorder (:class:`vog.VoGRecorder`) and to any other observer it is given
(:class:`vog.analysis.difficulty.TrainingDynamics`, or one of your own). An
observer scores the model without changing it, keeps running state that a
resumed run restores, hands back what it computed, and says what that cost
in one shape, :class:`Cost`, per score it computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from torch import nn

__all__ = ["Cost", "Observer", "check_observers"]


@dataclass(frozen=True)
class Cost:
    """What following one score through a run cost.

    Attributes
    ----------
    seconds : float
        Time spent computing it over the whole run (resumed epochs included).
    state_bytes : int
        Bytes of running state it keeps between epochs.
    working_bytes : int
        Bytes of the largest temporary tensors it held at once (e.g. a batch
        of input gradients).
    """

    seconds: float = 0.0
    state_bytes: int = 0
    working_bytes: int = 0

    @property
    def peak_bytes(self) -> int:
        """State plus the largest temporary tensors: the most it held at once."""
        return self.state_bytes + self.working_bytes

    def per_epoch(self, epochs: int) -> dict[str, float]:
        """``{"seconds per epoch", "state bytes", "peak bytes"}`` of a run of ``epochs`` epochs."""
        return {
            "seconds per epoch": self.seconds / max(int(epochs), 1),
            "state bytes": float(self.state_bytes),
            "peak bytes": float(self.peak_bytes),
        }


@runtime_checkable
class Observer(Protocol):
    """What watches a training loop: observed after every epoch, saved and resumed with it.

    Methods
    -------
    observe(model, epoch) -> bool
        Score ``model`` as it is after ``epoch`` (0-based) without changing it
        (mode, weights, ``requires_grad`` flags, random generators); True if
        this epoch was used.
    state_dict() -> dict
        A copy of the running state (plain tensors, numbers, lists and dicts,
        loadable with ``torch.load(weights_only=True)``).
    load_state_dict(state) -> None
        Continue from :meth:`state_dict`.
    result() -> object
        What it computed (the VoG recorder: a :class:`vog.recorder.Recording`;
        the training dynamics: ``{data set: {score: (N,) tensor}}``).
    cost() -> dict[str, Cost]
        What each score it computes cost so far, by score name.
    """

    def observe(self, model: nn.Module, epoch: int) -> bool: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...

    def result(self) -> Any: ...

    def cost(self) -> dict[str, Cost]: ...


def check_observers(observers: Any) -> list[Observer]:
    """``observers`` as a list, each checked to implement :class:`Observer`.

    Raises ``TypeError`` naming an observer and the methods it lacks.
    """
    out = list(observers)
    methods = ("observe", "state_dict", "load_state_dict", "result", "cost")
    for i, obs in enumerate(out):
        missing = [m for m in methods if not callable(getattr(obs, m, None))]
        if missing:
            raise TypeError(
                f"observer {i} ({type(obs).__name__}) lacks {', '.join(missing)}: "
                "an observer implements vog.observers.Observer"
            )
    return out
