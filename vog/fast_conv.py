"""Input gradients through 2-D convolutions computed as forward convolutions.

VoG needs only the gradient of a logit with respect to the input, never the weight
gradients. PyTorch obtains the input gradient of a convolution from its
backward-data kernel, which on CPUs can be much slower than the forward kernel when the
convolution has few channels (LeNet's 1 -> 6 channel layer: about 2x on one thread,
more with several). For a convolution with stride 1, dilation 1, one group and zero
padding ``p <= k - 1`` the input gradient is itself a forward convolution: of the
output gradient with the kernel flipped in space, input and output channels swapped,
and padding ``k - 1 - p``:

    dL/dx = conv2d(dL/dy, flip(W).transpose(0, 1), padding=k - 1 - p)

:func:`vog.scoring.conv_as_forward` makes every such ``nn.Conv2d`` of a model (or
those with at most ``max_channels`` channels) compute its backward pass this way
while the context is open (others are left as they are). The result is the same
gradient up to float32 rounding. The backward kernel (flipped and transposed) is
made once per layer while the context is open, not once per batch: for the
512-channel layers of a ResNet-18 that copy costs as much as the convolution itself.
A layer with one input channel (the first layer on grey images) has a backward
convolution with one output channel, for which oneDNN's dense kernel is slow; when
its output gradient is channels-last (a model trained with
``vog.TrainOptions.channels_last``), it is computed as a depthwise convolution
summed over the output channels instead, 2-3x faster on CPUs (the same numbers up to
float32 rounding).

Whether the forward route pays depends on the processor's kernels, not on the
layer's shape alone (on an Intel Xeon it is 1.7x faster for LeNet's first layer,
on an AMD EPYC without AVX-512 0.73x). So scoring (:class:`vog.ScoringOptions`
``fast_conv``) and the training recorder (:class:`vog.VoGRecorder`) measure by
default: each eligible layer times both routes on the first batch of its kind and
keeps the faster (:mod:`vog.conv_planner`, :func:`fast_conv_route`).
``fast_conv=False`` forces autograd's kernels, ``True`` the forward route on every
eligible layer.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from .conv_planner import lookup, plan_route

__all__ = [
    "conv_as_forward",
    "conv_eligible",
    "fast_conv_route",
    "wants_fast_conv",
    "without_routes",
]


class _ForwardConvBackward(torch.autograd.Function):
    """conv2d whose input gradient is a forward conv2d; no weight or bias gradients."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding, flipped, back_padding):
        ctx.save_for_backward(flipped)
        ctx.back_padding = back_padding
        return F.conv2d(x, weight, bias, padding=padding)

    @staticmethod
    def backward(ctx, grad_out):
        (flipped,) = ctx.saved_tensors
        return _grad_input(grad_out, flipped, ctx.back_padding), None, None, None, None, None


def _grad_input(grad_out: torch.Tensor, flipped: torch.Tensor, back_padding) -> torch.Tensor:
    """The input gradient as a forward convolution of ``grad_out`` with the backward kernel."""
    if flipped.shape[0] == 1 and grad_out.is_contiguous(memory_format=torch.channels_last):
        # One input channel (a first layer on grey images), channels-last: the sum over
        # output channels of a depthwise convolution. oneDNN's dense kernel with a single
        # output channel is 2-3x slower than this; the (1, C_out, k, k) backward kernel
        # is the depthwise one, (C_out, 1, k, k), as a view.
        c_out = flipped.shape[1]
        per_channel = F.conv2d(
            grad_out,
            flipped.view(c_out, 1, *flipped.shape[2:]),
            padding=back_padding,
            groups=c_out,
        )
        # summed in at least float32 (a bfloat16 sum of many channels would round more)
        acc = torch.promote_types(grad_out.dtype, torch.float32)
        return per_channel.sum(1, keepdim=True, dtype=acc).to(grad_out.dtype)
    return F.conv2d(grad_out, flipped, padding=back_padding)


def _flipped(weight: torch.Tensor) -> torch.Tensor:
    """The backward kernel: ``weight`` flipped in space, input and output channels swapped."""
    return weight.detach().flip(-1, -2).transpose(0, 1).contiguous()


def _backward_kernel(self: nn.Conv2d) -> tuple[torch.Tensor, tuple[int, int]]:
    """The flipped kernel and the backward padding of a frozen eligible layer.

    Made once per context (the weights are frozen there); a weight changed in place
    since (its version counter moved) or replaced gets a fresh one.
    """
    w = self.weight
    key = (w.data_ptr(), w._version, w.device, w.dtype)
    cached = self.__dict__.get("_vog_flipped")
    if cached is None or cached[0] != key:
        cached = (key, _flipped(w))
        self.__dict__["_vog_flipped"] = cached
    kh, kw = w.shape[-2:]
    ph, pw = cast(tuple[int, int], self.padding)  # ints: conv_eligible checked it
    return cached[1], (kh - 1 - ph, kw - 1 - pw)


def _forward(self: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """The forward route, always (``fast_conv=True``)."""
    flipped, back = _backward_kernel(self)
    return _ForwardConvBackward.apply(x, self.weight, self.bias, tuple(self.padding), flipped, back)


def _planned_forward(self: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    """The measured route (``fast_conv=None``): the faster for this kind of layer.

    Without an input gradient to compute both routes are one forward convolution.
    The flipped kernel is made only where the forward route is timed or taken."""
    if torch.is_grad_enabled() and x.requires_grad:
        decision = lookup(self, x)
        if decision is None:
            flipped, back = _backward_kernel(self)
            decision = plan_route(self, x, lambda g: _grad_input(g, flipped, back))
        if decision.route == "forward":
            return _forward(self, x)
    return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)


def wants_fast_conv(setting: bool | None, device: torch.device | str) -> bool:
    """Whether input gradients of convolutions may be computed as forward ones on ``device``.

    ``setting`` True or False is obeyed; None (the default of every caller) means
    measured, on any device: each eligible layer takes the faster route on this
    machine (:func:`fast_conv_route`, :mod:`vog.conv_planner`), which may be
    autograd's kernel for every layer.
    """
    torch.device(device)  # a valid device, also where it decides nothing
    return True if setting is None else bool(setting)


def conv_eligible(module: nn.Module) -> bool:
    """Whether ``module`` is an ``nn.Conv2d`` whose input gradient is a forward convolution.

    True for stride 1, dilation 1, one group, zero padding given as integers
    with ``padding <= kernel_size - 1`` and frozen parameters (no weight
    gradients are computed, so none may be wanted).
    """
    if type(module) is not nn.Conv2d:
        return False
    k, p = module.kernel_size, module.padding
    return (
        tuple(module.stride) == (1, 1)
        and tuple(module.dilation) == (1, 1)
        and module.groups == 1
        and module.padding_mode == "zeros"
        and not isinstance(p, str)
        and all(0 <= pi <= ki - 1 for pi, ki in zip(p, k, strict=True))
        and not any(q.requires_grad for q in module.parameters())
    )


def _widest(conv: nn.Conv2d) -> int:
    return max(conv.in_channels, conv.out_channels)


@contextmanager
def conv_as_forward(
    model: nn.Module, *, max_channels: int | None = None, planned: bool = False
) -> Iterator[int]:
    """Within the context, eligible convolutions of ``model`` back-propagate by forward convs.

    Call it with the model frozen (``vog.input_gradients`` and the scoring
    functions freeze it; parameters requiring grad make a layer ineligible).
    ``max_channels``: change only the eligible layers with at most this many
    input and output channels (None: all of them). ``planned``: each changed
    layer takes the route :func:`vog.conv_planner.plan_route` measured faster
    for its kind, the forward one or autograd's. Yields the number of layers
    changed; their ``forward`` is restored on exit.
    """
    changed = [
        m
        for m in model.modules()
        if conv_eligible(m)
        and (max_channels is None or _widest(cast(nn.Conv2d, m)) <= max_channels)
    ]
    _absent = object()
    previous = [m.__dict__.get("forward", _absent) for m in changed]  # a user's own patch
    try:
        route = _planned_forward if planned else _forward
        for m in changed:
            m.forward = types.MethodType(route, m)
        yield len(changed)
    finally:
        for m, old in zip(changed, previous, strict=True):
            m.__dict__.pop("_vog_flipped", None)
            if old is _absent:
                m.__dict__.pop("forward", None)
            else:
                m.__dict__["forward"] = old


def without_routes(model: nn.Module) -> nn.Module:
    """``model`` with the routes :func:`vog.scoring.conv_as_forward` set on its layers removed,
    in place.

    For a copy made while the context is open (:class:`vog.scoring.stack_checkpoints`
    copies a model's structure for :func:`torch.func.vmap`, which runs autograd's
    kernels); a user's own ``forward`` patch is kept. Returns ``model``.
    """
    ours = (_forward, _planned_forward)
    for m in model.modules():
        if getattr(m.__dict__.get("forward"), "__func__", None) in ours:
            del m.__dict__["forward"]
        m.__dict__.pop("_vog_flipped", None)
    return model


def fast_conv_route(
    model: nn.Module, setting: bool | None, device: torch.device | str
) -> AbstractContextManager[int]:
    """The convolution route a scoring call takes on ``device``, as a context manager.

    ``setting`` False: autograd's own kernels (a context that changes nothing and
    yields 0). True: every eligible layer as forward convolutions. None (the
    default): measured; every eligible layer takes the route timed faster for its
    kind on this machine (:mod:`vog.conv_planner`; the decisions are listed by
    :func:`vog.conv_planner.route_decisions`). Enter it with the model frozen; it
    yields the number of layers that may take the forward route.
    """
    if not wants_fast_conv(setting, device):
        return nullcontext(0)
    return conv_as_forward(model, planned=setting is None)
