"""Loop or vmap: how the K checkpoints run on a batch, timed on first use.

Sample-major scoring (:func:`vog.scoring.score_loader`) can run a batch through
the K checkpoints one after the other (the loop, whose convolutions take the
route :mod:`vog.conv_planner` measured faster) or through all K at once as one
:func:`torch.func.vmap` call over their stacked parameters (``vectorize=True``).
Which is faster depends on the model and the processor: on an AMD EPYC with
AVX-512, LeNet's K = 4 checkpoints run 1.02-1.16x faster vmapped than looped
with forward-route convolutions, while on an Intel Xeon the loop wins. So with
``vectorize=None`` (the default) both are timed on the first batch of each kind
(:func:`plan_key`), as :mod:`vog.conv_planner` times convolution routes: on at
most :data:`PLAN_EXAMPLES` examples of it, one warm-up and :data:`REPEATS`
timed runs each, the faster time kept. The faster is kept for the rest of the
process. Each decision is a :class:`VmapDecision`, listed by
:func:`vmap_decisions` and logged by the logger ``vog.scoring.vmap_route`` at
debug level.

vmap holds K copies of the batch's activations at once, so it is timed only when
K copies of the batch's inputs fit in :data:`VMAP_MAX_BYTES`, and only when the
loop takes at most :data:`VMAP_TRIAL_MAX_SECONDS` on the timed examples (a
compute-bound model gains nothing from vmap's saved overhead); a model that
vmap cannot run (data-dependent control flow, in-place updates of buffers,
``.item()``) or that runs out of memory keeps the loop, with the reason
recorded. Both routes give the same scores up to float32 rounding.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .._plans import PlanBook, best_time, decision_dict
from ..conv_planner import batch_band

__all__ = [
    "PLAN_EXAMPLES",
    "REPEATS",
    "VMAP_MAX_BYTES",
    "VMAP_TRIAL_MAX_SECONDS",
    "VmapDecision",
    "clear_vmap_plans",
    "lookup",
    "plan_key",
    "plan_vmap",
    "quiet_fallbacks",
    "vmap_decisions",
]

#: Examples of the first batch both routes are timed on (at most).
PLAN_EXAMPLES = 64
#: Timed runs of each route (after one warm-up each): a batch through K models costs
#: as much as K layers' planning, so fewer runs than :data:`vog.conv_planner.REPEATS`.
REPEATS = 2
#: vmap is timed only when K copies of a batch's inputs take at most this many bytes
#: (the loop's chunk budget, ``vog.scoring.sample_major.CHUNK_BYTES``): its
#: activations grow with K, the loop's do not.
VMAP_MAX_BYTES = 16 * 2**20
#: vmap is not timed when the loop already takes longer than this on the timed examples: vmap
#: saves per-call overhead (Python, dispatch, small kernels), which is negligible beside
#: seconds of arithmetic, while timing it would cost about ``1 + REPEATS`` such runs (a
#: fine-tuned MiniLM: about 40 s for nothing). Small models, where vmap can win, take
#: milliseconds here.
VMAP_TRIAL_MAX_SECONDS = 0.5

logger = logging.getLogger(__name__)
_PLANS: PlanBook[VmapDecision] = PlanBook()


@dataclass(frozen=True)
class VmapDecision:
    """One planned kind of scoring batch: both routes' times and the route taken.

    Attributes
    ----------
    model : str
        The architecture and batch in words, e.g. ``"LeNet x 4 checkpoints,
        input (1, 28, 28) torch.float32, cpu, 1 threads, batch 64+"``.
    key : tuple
        :func:`plan_key` of the kind.
    loop_seconds, vmap_seconds : float or None
        The faster of :data:`REPEATS` timed runs of each route on the timed examples;
        ``vmap_seconds`` is None where vmap was not timed (see ``reason``).
    batch : int
        The examples timed.
    route : str
        ``"vmap"`` or ``"loop"``: the faster one.
    seconds : float
        What planning cost: the wall time of the timed runs (warm-ups included): both
        routes', or the loop's alone where vmap was not timed.
    reason : str
        Why the route was taken: ``"faster"``, or why vmap was not timed or failed.
    """

    model: str
    key: tuple
    loop_seconds: float
    vmap_seconds: float | None
    batch: int
    route: str
    seconds: float = 0.0
    reason: str = "faster"

    @property
    def ratio(self) -> float | None:
        """The loop's time over vmap's (> 1: vmap is faster); None where vmap was not timed."""
        if self.vmap_seconds is None:
            return None
        return self.loop_seconds / max(self.vmap_seconds, 1e-12)

    def as_dict(self) -> dict[str, Any]:
        """The decision as plain values (the key as a string), with its ratio."""
        return decision_dict(self)


def plan_key(model: nn.Module, k: int, x: torch.Tensor, setting: tuple = ()) -> tuple:
    """The kind of batch: architecture (class and parameter shapes), K, the input's
    shape less the batch, dtype, device, threads, the batch's band
    (:func:`vog.conv_planner.batch_band`) and ``setting`` (the scoring options that
    change the work: target, channel mean, autocast, channels-last)."""
    shapes = tuple((name, tuple(p.shape)) for name, p in model.named_parameters())
    return (
        type(model).__qualname__,
        hash(shapes),
        k,
        tuple(x.shape[1:]),
        str(x.dtype),
        str(x.device),
        torch.get_num_threads(),
        batch_band(int(x.shape[0])),
        setting,
    )


def _describe(key: tuple) -> str:
    name, _, k, shape, dtype, device, threads, band, _ = key
    return f"{name} x {k} checkpoints, input {shape} {dtype}, {device}, {threads} threads, {band}"


def _seconds(run: Callable[[], Any], device: torch.device) -> float:
    """The faster of :data:`REPEATS` timed calls of ``run`` after one warm-up."""
    return best_time(run, device, REPEATS)


@contextmanager
def quiet_fallbacks() -> Iterator[None]:
    """Silence torch's notices that vmap runs an operation by a slow per-example fallback
    ("There is a performance drop ..."): where the planner chose vmap it was timed
    faster with those fallbacks in, so the notice would only alarm."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*performance drop.*")
        yield


def plan_vmap(
    key: tuple,
    x: torch.Tensor,
    k: int,
    loop: Callable[[torch.Tensor], Any],
    vmapped: Callable[[torch.Tensor], Any],
    *,
    timer: Callable[[Callable[[], Any], torch.device], float] | None = None,
) -> VmapDecision:
    """The route for batches of ``key``'s kind: the cached decision, else measured on ``x``.

    ``loop(xs)`` and ``vmapped(xs)`` score the examples ``xs`` (at most
    :data:`PLAN_EXAMPLES` of ``x``) by each route, ``k`` being the number of
    checkpoints; ``timer(run, device)`` replaces the clock (tests). An error
    raised by vmap (an operation it cannot batch, or memory) keeps the loop.
    """
    decision = _PLANS.get(key)
    if decision is not None:
        return decision
    with _PLANS.lock:
        decision = _PLANS.get(key)
        if decision is not None:
            return decision
        xs = x[:PLAN_EXAMPLES]
        clock = timer or _seconds
        start = time.perf_counter()
        t_loop = float(clock(lambda: loop(xs), x.device))
        t_vmap: float | None = None
        reason = "faster"
        if k * x.shape[0] * x[0].numel() * x.element_size() > VMAP_MAX_BYTES:
            reason = f"K copies of the batch exceed {VMAP_MAX_BYTES // 2**20} MiB"
        elif t_loop > VMAP_TRIAL_MAX_SECONDS:
            reason = (
                f"the loop takes {t_loop:.2g} s on the timed examples "
                f"(> {VMAP_TRIAL_MAX_SECONDS} s): compute-bound, vmap not timed"
            )
        else:
            try:
                with quiet_fallbacks():  # a trial: its speed is what is measured
                    t_vmap = float(clock(lambda: vmapped(xs), x.device))
            except (RuntimeError, NotImplementedError, ValueError) as exc:
                # vmap cannot batch the model (or ran out of memory): the loop serves
                reason = f"vmap failed: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"
                if x.device.type == "cuda":
                    torch.cuda.empty_cache()
        faster = t_vmap is not None and t_vmap < t_loop
        decision = VmapDecision(
            model=_describe(key),
            key=key,
            loop_seconds=t_loop,
            vmap_seconds=t_vmap,
            batch=int(xs.shape[0]),
            route="vmap" if faster else "loop",
            seconds=time.perf_counter() - start,
            reason=reason,
        )
        _PLANS.put(key, decision)
    logger.debug(
        "%s: loop %.3g ms, vmap %s (batch %d) -> %s (%s)",
        decision.model,
        1e3 * decision.loop_seconds,
        "-" if t_vmap is None else f"{1e3 * t_vmap:.3g} ms",
        decision.batch,
        decision.route,
        decision.reason,
    )
    return decision


def lookup(key: tuple) -> VmapDecision | None:
    """The decision made for ``key``'s kind, or None if none was made."""
    return _PLANS.get(key)


def vmap_decisions() -> list[VmapDecision]:
    """Every decision this process made, in the order they were made."""
    return _PLANS.values()


def clear_vmap_plans() -> None:
    """Forget every decision: the next batch of each kind is timed again."""
    _PLANS.clear()
