"""What the two planners share: a per-process book of decisions and the clock they time by.

:mod:`vog.conv_planner` (a convolution's backward route) and
:mod:`vog.scoring.vmap_route` (the K checkpoints looped or vmapped) both time two
ways of computing the same numbers on first use, keep the faster per kind of
work, and list their decisions in the order they were made.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, Generic, TypeVar

import torch

__all__ = ["PlanBook", "best_time", "decision_dict"]

D = TypeVar("D")


class PlanBook(Generic[D]):
    """Decisions by key, in the order made; ``lock`` serialises the planning of one kind."""

    def __init__(self) -> None:
        self._plans: dict[tuple, D] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple) -> D | None:
        return self._plans.get(key)

    def put(self, key: tuple, decision: D) -> None:
        self._plans[key] = decision

    def values(self) -> list[D]:
        return list(self._plans.values())

    def clear(self) -> None:
        with self.lock:
            self._plans.clear()


def best_time(run: Callable[[], Any], device: torch.device, repeats: int) -> float:
    """The faster of ``repeats`` timed calls of ``run`` after one warm-up (seconds; CUDA
    work is synchronised before each reading)."""
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda *a: None)
    run()
    sync(device)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        sync(device)
        best = min(best, time.perf_counter() - t0)
    return best


def decision_dict(decision: Any) -> dict[str, Any]:
    """A decision dataclass as plain values: its key as a string, its ratio added."""
    out = asdict(decision)
    out["key"] = repr(decision.key)
    out["ratio"] = decision.ratio
    return out
