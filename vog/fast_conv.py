"""Input gradients through 2-D convolutions computed as forward convolutions (opt-in).

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

Scoring (:class:`vog.ScoringOptions` ``fast_conv``) and the training recorder
(:class:`vog.VoGRecorder`) use it by default on the CPU, where PyTorch's
backward-data kernel is the slow part (see :func:`wants_fast_conv`), for the thin layers (at
most :data:`CPU_MAX_CHANNELS` input and output channels), where it pays
(:func:`fast_conv_route`); ``fast_conv=False`` turns it off, ``True`` forces it on
every eligible layer on any device.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "CPU_MAX_CHANNELS",
    "conv_as_forward",
    "conv_eligible",
    "fast_conv_route",
    "wants_fast_conv",
]

#: On the CPU the default route (``fast_conv=None``) changes only convolutions with at
#: most this many input and output channels. The forward route pays on the thinnest
#: layers, where oneDNN's backward-data kernel is slow (LeNet's 1 -> 6 layer: about 2x);
#: on wider ones autograd's kernel is as fast or faster (a 3 -> 64 stem, the
#: 64-512-channel layers of a ResNet), and their flipped kernels would be copied for
#: nothing. Between the two the ratios are near 1 and vary from run to run: the bound is
#: a coarse rule measured per layer by ``benchmarks/bench_conv_route.py`` (the
#: Performance chapter shows the recorded run, and which routed layers it finds slower).
CPU_MAX_CHANNELS = 16


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
        if flipped.shape[0] == 1 and grad_out.is_contiguous(memory_format=torch.channels_last):
            # One input channel (a first layer on grey images), channels-last: the sum over
            # output channels of a depthwise convolution. oneDNN's dense kernel with a single
            # output channel is 2-3x slower than this; the (1, C_out, k, k) backward kernel
            # is the depthwise one, (C_out, 1, k, k), as a view.
            c_out = flipped.shape[1]
            per_channel = F.conv2d(
                grad_out,
                flipped.view(c_out, 1, *flipped.shape[2:]),
                padding=ctx.back_padding,
                groups=c_out,
            )
            # summed in at least float32 (a bfloat16 sum of many channels would round more)
            acc = torch.promote_types(grad_out.dtype, torch.float32)
            grad_in = per_channel.sum(1, keepdim=True, dtype=acc).to(grad_out.dtype)
            return grad_in, None, None, None, None, None
        grad_in = F.conv2d(grad_out, flipped, padding=ctx.back_padding)
        return grad_in, None, None, None, None, None


def _flipped(weight: torch.Tensor) -> torch.Tensor:
    """The backward kernel: ``weight`` flipped in space, input and output channels swapped."""
    return weight.detach().flip(-1, -2).transpose(0, 1).contiguous()


def _forward(self: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    # The flipped kernel is made once per context (the weights are frozen there); a weight
    # changed in place since (its version counter moved) or replaced gets a fresh one.
    w = self.weight
    key = (w.data_ptr(), w._version, w.device, w.dtype)
    cached = self.__dict__.get("_vog_flipped")
    if cached is None or cached[0] != key:
        cached = (key, _flipped(w))
        self.__dict__["_vog_flipped"] = cached
    kh, kw = w.shape[-2:]
    ph, pw = cast(tuple[int, int], self.padding)  # ints: conv_eligible checked it
    back = (kh - 1 - ph, kw - 1 - pw)
    return _ForwardConvBackward.apply(x, w, self.bias, tuple(self.padding), cached[1], back)


def wants_fast_conv(setting: bool | None, device: torch.device | str) -> bool:
    """Whether to compute input gradients of convolutions as forward ones on ``device``.

    ``setting`` True or False is obeyed; None (the default of every caller) means
    on the CPU only, and there for thin layers only (:func:`fast_conv_route`). On
    CPUs the backward-data kernel of a thin convolution is slower than the
    forward route (LeNet's 1 -> 6 channel layer: about 2x), while on wider layers
    autograd's kernel is as fast or faster (``benchmarks/bench_conv_route.py``
    measures both per layer); on GPUs cuDNN's backward kernels are tuned, so the
    default leaves them alone.
    """
    if setting is not None:
        return bool(setting)
    return torch.device(device).type == "cpu"


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
def conv_as_forward(model: nn.Module, *, max_channels: int | None = None) -> Iterator[int]:
    """Within the context, eligible convolutions of ``model`` back-propagate by forward convs.

    Call it with the model frozen (``vog.input_gradients`` and the scoring
    functions freeze it; parameters requiring grad make a layer ineligible).
    ``max_channels``: change only the eligible layers with at most this many
    input and output channels (None: all of them). Yields the number of layers changed;
    their ``forward`` is restored on exit.
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
        for m in changed:
            m.forward = types.MethodType(_forward, m)
        yield len(changed)
    finally:
        for m, old in zip(changed, previous, strict=True):
            m.__dict__.pop("_vog_flipped", None)
            if old is _absent:
                m.__dict__.pop("forward", None)
            else:
                m.__dict__["forward"] = old


def fast_conv_route(
    model: nn.Module, setting: bool | None, device: torch.device | str
) -> AbstractContextManager[int]:
    """The convolution route a scoring call takes on ``device``, as a context manager.

    ``setting`` False (or None off the CPU, :func:`wants_fast_conv`): autograd's own
    kernels (a context that changes nothing and yields 0). True: every eligible layer
    as forward convolutions. None on the CPU: the eligible layers with at most
    :data:`CPU_MAX_CHANNELS` input and output channels, where the forward route pays.
    Enter it with the model frozen; it yields the number of layers changed.
    """
    if not wants_fast_conv(setting, device):
        return nullcontext(0)
    return conv_as_forward(model, max_channels=None if setting else CPU_MAX_CHANNELS)
