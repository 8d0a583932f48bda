"""Route by measurement: which backward route each convolution takes, timed on first use.

A convolution's input gradient can come from autograd's backward-data kernel or,
for the layers :func:`vog.scoring.conv_eligible` accepts, from a forward
convolution (:mod:`vog.fast_conv`). Which is faster depends on the processor's
kernels, not on the layer's shape alone: on an Intel Xeon the forward route is
1.7x faster for LeNet's first layer, on an AMD EPYC without AVX-512 it is 0.73x.
So the default route is measured, as ``torch.backends.cudnn.benchmark`` and
FFTW's planner do: the first time a layer of a given kind computes an input
gradient, both routes are timed on its batch (:data:`REPEATS` times each after a
warm-up, the faster time kept; at most :data:`PLAN_EXAMPLES` of the batch),
and the faster route is kept for the rest of
the process, for every layer of that kind.

The kind (:func:`plan_key`) is the layer's channels, kernel size, stride and
padding, the input's spatial size, dtype and memory format, the device, the
number of threads and the batch size's band (:func:`batch_band`: its power of
two below :data:`PLAN_EXAMPLES`, one band above; a tiny warm-up batch does not
decide for full ones). Each decision is a
:class:`RouteDecision`, listed by :func:`route_decisions` and logged by the
logger ``vog.conv_planner`` at debug level. The timing uses gradients of ones
(no random numbers are drawn, so planning inside training changes nothing) and
costs ``2 * (REPEATS + 1)`` input-gradient convolutions once per kind.

Both routes compute the same gradient up to float32 rounding, and the choice
depends on timings, so scores computed with the measured route are reproducible
to rounding, not bit for bit (as with ``cudnn.benchmark``): pass
``fast_conv=False`` (or ``True``) where two runs on one machine must agree to the
last bit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ._plans import PlanBook, best_time, decision_dict

__all__ = [
    "PLAN_EXAMPLES",
    "REPEATS",
    "ROUTES",
    "RouteDecision",
    "autograd_input_grad",
    "batch_band",
    "clear_route_plans",
    "lookup",
    "plan_key",
    "plan_route",
    "route_decisions",
]

#: Timed runs of each route per decision (after one warm-up run each).
REPEATS = 3
#: Examples of the triggering batch that the routes are timed on (at most): a route's
#: cost per example is steady beyond a few dozen, and planning stays cheap.
PLAN_EXAMPLES = 64
#: The two routes: autograd's backward-data kernel, or a forward convolution.
ROUTES = ("autograd", "forward")

logger = logging.getLogger(__name__)
_PLANS: PlanBook[RouteDecision] = PlanBook()


@dataclass(frozen=True)
class RouteDecision:
    """One planned kind of convolution: both routes' times and the route taken.

    Attributes
    ----------
    layer : str
        The kind in words, e.g. ``"conv 1->6, 5x5, stride 1, padding 0 on 28x28,
        torch.float32, channels_last, cpu, 1 threads"``.
    key : tuple
        :func:`plan_key` of the kind.
    autograd_seconds, forward_seconds : float
        The faster of :data:`REPEATS` timed runs of each route on (at most
        :data:`PLAN_EXAMPLES` examples of) the batch that triggered the plan.
    batch : int
        The examples timed.
    route : str
        ``"forward"`` or ``"autograd"``: the faster one.
    seconds : float
        What planning cost: the wall time of both routes' runs (warm-ups included).
    """

    layer: str
    key: tuple
    autograd_seconds: float
    forward_seconds: float
    batch: int
    route: str
    seconds: float = 0.0

    @property
    def ratio(self) -> float:
        """Autograd's time over the forward route's (> 1: the forward route is faster)."""
        return self.autograd_seconds / max(self.forward_seconds, 1e-12)

    def as_dict(self) -> dict[str, Any]:
        """The decision as plain values (the key as a string), with its ratio."""
        return decision_dict(self)


def _channels_last(t: torch.Tensor) -> bool:
    """Channels innermost (for one channel: its stride is 1, as ``.to(channels_last)`` makes)."""
    return t.dim() == 4 and t.stride(1) == 1 and t.shape[2] * t.shape[3] > 1


def _format(x: torch.Tensor, weight: torch.Tensor) -> str:
    """The memory format of the layer's output and gradient: channels-last when the input
    or the weight is (as oneDNN and cuDNN decide), else contiguous."""
    return "channels_last" if _channels_last(x) or _channels_last(weight) else "contiguous"


def plan_key(conv: nn.Conv2d, x: torch.Tensor) -> tuple:
    """The kind of ``conv`` applied to ``x``: what a route's speed depends on, less the batch."""
    return (
        conv.in_channels,
        conv.out_channels,
        tuple(conv.kernel_size),
        tuple(conv.stride),
        tuple(conv.padding),
        tuple(x.shape[2:]),
        str(x.dtype),
        _format(x, conv.weight),
        str(x.device),
        torch.get_num_threads(),
        batch_band(int(x.shape[0])),
    )


def batch_band(n: int) -> str:
    """The batch sizes that share ``n``'s plan: those of its power of two, and every size
    from :data:`PLAN_EXAMPLES` up (the routes are timed on that many examples at most)."""
    if n >= PLAN_EXAMPLES:
        return f"batch {PLAN_EXAMPLES}+"
    if n <= 1:
        return f"batch {max(n, 0)}"
    low = 1 << (n.bit_length() - 1)
    return f"batch {low}-{min(2 * low, PLAN_EXAMPLES) - 1}"


def _describe(key: tuple) -> str:
    c_in, c_out, k, s, p, hw, dtype, fmt, device, threads, band = key
    return (
        f"conv {c_in}->{c_out}, {k[0]}x{k[1]}, stride {s[0]}, padding {p[0]} on "
        f"{'x'.join(map(str, hw))}, {dtype}, {fmt}, {device}, {threads} threads, {band}"
    )


def _seconds(run: Callable[[], torch.Tensor], device: torch.device) -> float:
    """The faster of :data:`REPEATS` timed calls of ``run`` after one warm-up."""
    return best_time(run, device, REPEATS)


def autograd_input_grad(
    conv: nn.Conv2d, grad: torch.Tensor, x: torch.Tensor, w: torch.Tensor
) -> torch.Tensor:
    """The input gradient by the kernel autograd runs: ``aten.convolution_backward``."""
    bias = [conv.out_channels] if conv.bias is not None else None
    return torch.ops.aten.convolution_backward(
        grad,
        x,
        w,
        bias,
        list(conv.stride),
        list(conv.padding),
        list(conv.dilation),
        False,
        [0, 0],
        conv.groups,
        [True, False, False],
    )[0]


def plan_route(
    conv: nn.Conv2d,
    x: torch.Tensor,
    forward_route: Callable[[torch.Tensor], torch.Tensor],
    *,
    timer: Callable[[Callable[[], torch.Tensor], torch.device], float] | None = None,
) -> RouteDecision:
    """The route for ``conv`` on ``x``: the cached decision of its kind, else measured now.

    ``forward_route(grad_out)`` computes the input gradient by the forward
    route (:mod:`vog.fast_conv` passes it, with the flipped kernel made once);
    autograd's route is ``aten.convolution_backward`` for the input only, the
    kernel autograd runs. ``timer(run, device)`` replaces the clock (tests).
    """
    key = plan_key(conv, x)
    decision = _PLANS.get(key)
    if decision is not None:
        return decision
    with _PLANS.lock, torch.no_grad():
        decision = _PLANS.get(key)
        if decision is not None:
            return decision
        w = conv.weight.detach()
        x = x.detach()[:PLAN_EXAMPLES]
        y = torch.nn.functional.conv2d(x, w, None, conv.stride, conv.padding)
        grad = torch.ones_like(y)  # no random numbers: planning changes no generator
        clock = timer or _seconds
        start = time.perf_counter()
        t_auto = clock(lambda: autograd_input_grad(conv, grad, x, w), x.device)
        t_fwd = clock(lambda: forward_route(grad), x.device)
        decision = RouteDecision(
            layer=_describe(key),
            key=key,
            autograd_seconds=float(t_auto),
            forward_seconds=float(t_fwd),
            batch=int(x.shape[0]),
            route="forward" if t_fwd < t_auto else "autograd",
            seconds=time.perf_counter() - start,
        )
        _PLANS.put(key, decision)
    logger.debug(
        "%s: autograd %.3g ms, forward %.3g ms (batch %d) -> %s",
        decision.layer,
        1e3 * decision.autograd_seconds,
        1e3 * decision.forward_seconds,
        decision.batch,
        decision.route,
    )
    return decision


def lookup(conv: nn.Conv2d, x: torch.Tensor) -> RouteDecision | None:
    """The decision made for ``conv`` applied to ``x``'s kind, or None if none was made."""
    return _PLANS.get(plan_key(conv, x))


def route_decisions() -> list[RouteDecision]:
    """Every decision this process made, in the order they were made."""
    return _PLANS.values()


def clear_route_plans() -> None:
    """Forget every decision: the next input gradient of each kind is timed again."""
    _PLANS.clear()
