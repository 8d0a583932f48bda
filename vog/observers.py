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

__all__ = ["Cost", "Observer", "ObserverBase", "check_observers", "observer_call"]


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

    Only ``observe`` is required. The loop gives the other four methods
    defaults where an observer lacks them (:class:`ObserverBase` holds the
    same defaults, for a class of one's own to inherit):

    Methods
    -------
    observe(model, epoch) -> bool
        **Required.** Score ``model`` as it is after ``epoch`` (0-based)
        without changing it (mode, weights, ``requires_grad`` flags, random
        generators); True if this epoch was used.
    state_dict() -> dict
        Optional (default: ``{}``, nothing to save). A copy of the running
        state (plain tensors, numbers, lists and dicts, loadable with
        ``torch.load(weights_only=True)``).
    load_state_dict(state) -> None
        Optional, but required together with ``state_dict``: continue from it
        (default: nothing to restore). An observer without ``state_dict``
        starts afresh when a run resumes.
    result() -> object
        Optional (default: None). What it computed (the VoG recorder: a
        :class:`vog.recorder.Recording`; the training dynamics:
        ``{data set: {score: (N,) tensor}}``).
    cost() -> dict[str, Cost]
        Optional (default: ``{}``, no score reported). What each score it
        computes cost so far, by score name.
    """

    def observe(self, model: nn.Module, epoch: int) -> bool: ...


class ObserverBase:
    """An :class:`Observer` with the optional methods' defaults: override ``observe``.

    Example: look at the model after every epoch, nothing to save or report::

        class PrintNorm(vog.observers.ObserverBase):
            def observe(self, model, epoch):
                print(epoch, sum(p.norm() for p in model.parameters()))
                return True
    """

    def observe(self, model: nn.Module, epoch: int) -> bool:
        """Look at ``model`` after ``epoch`` without changing it; True if the epoch was used."""
        raise NotImplementedError(f"{type(self).__name__} must implement observe(model, epoch)")

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None

    def result(self) -> Any:
        return None

    def cost(self) -> dict[str, Cost]:
        return {}


#: The optional methods and the defaults the loop uses where an observer lacks one.
_DEFAULTS = ObserverBase()
OPTIONAL = ("state_dict", "load_state_dict", "result", "cost")


def observer_call(obs: Any, method: str, *args: Any) -> Any:
    """``obs.<method>(*args)``, or :class:`ObserverBase`'s default where ``obs`` lacks it."""
    if method not in OPTIONAL:
        raise ValueError(f"{method!r} is not an optional observer method; valid: {OPTIONAL}")
    fn = getattr(obs, method, None)
    if fn is None:
        fn = getattr(_DEFAULTS, method)
    elif not callable(fn):
        raise TypeError(f"{type(obs).__name__}.{method} is not a method: {fn!r}")
    return fn(*args)


def check_observers(observers: Any) -> list[Observer]:
    """``observers`` as a list, each checked to implement :class:`Observer`.

    Raises ``TypeError`` naming an observer that lacks ``observe``, or that
    has only one of ``state_dict`` and ``load_state_dict`` (its state would
    be saved and never restored, or restored from nothing).
    """
    out = list(observers)
    for i, obs in enumerate(out):
        name = f"observer {i} ({type(obs).__name__})"
        observe = getattr(type(obs), "observe", None)
        if not callable(getattr(obs, "observe", None)) or observe is ObserverBase.observe:
            raise TypeError(
                f"{name} lacks observe(model, epoch): an observer implements "
                "vog.observers.Observer (or subclasses vog.observers.ObserverBase)"
            )
        has = [callable(getattr(obs, m, None)) for m in ("state_dict", "load_state_dict")]
        if has[0] != has[1]:
            lacking = "load_state_dict" if has[0] else "state_dict"
            raise TypeError(
                f"{name} lacks {lacking}: an observer saves and restores its state with both "
                "state_dict and load_state_dict, or with neither"
            )
    return out
