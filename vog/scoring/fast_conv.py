"""Input gradients through 2-D convolutions computed as forward convolutions (opt-in).

VoG needs only the gradient of a logit with respect to the input, never the
weight gradients. PyTorch obtains the input gradient of a convolution from its
backward-data kernel, which on CPUs is several times slower than the forward
kernel when the convolution has few channels (LeNet's 1 -> 6 channel layer:
about 8x). For a convolution with stride 1, dilation 1, one group and zero
padding ``p <= k - 1`` the input gradient is itself a forward convolution: of
the output gradient with the kernel flipped in space, input and output
channels swapped, and padding ``k - 1 - p``:

    dL/dx = conv2d(dL/dy, flip(W).transpose(0, 1), padding=k - 1 - p)

:func:`vog.scoring.conv_as_forward` makes every such ``nn.Conv2d`` of a model compute its
backward pass this way while the context is open (others are left as they
are). The result is the same gradient up to float32 rounding. Use it through
``vog.compute_vog(..., fast_conv=True)``.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["conv_as_forward", "conv_eligible"]


class _ForwardConvBackward(torch.autograd.Function):
    """conv2d whose input gradient is a forward conv2d; no weight or bias gradients."""

    @staticmethod
    def forward(ctx, x, weight, bias, padding):
        ctx.save_for_backward(weight)
        ctx.padding = padding
        return F.conv2d(x, weight, bias, padding=padding)

    @staticmethod
    def backward(ctx, grad_out):
        (weight,) = ctx.saved_tensors
        kh, kw = weight.shape[-2:]
        ph, pw = ctx.padding
        flipped = weight.flip(-1, -2).transpose(0, 1)
        grad_in = F.conv2d(grad_out, flipped, padding=(kh - 1 - ph, kw - 1 - pw))
        return grad_in, None, None, None


def _forward(self: nn.Conv2d, x: torch.Tensor) -> torch.Tensor:
    return _ForwardConvBackward.apply(x, self.weight, self.bias, tuple(self.padding))


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


@contextmanager
def conv_as_forward(model: nn.Module) -> Iterator[int]:
    """Within the context, eligible convolutions of ``model`` back-propagate by forward convs.

    Call it with the model frozen (``vog.input_gradients`` and the scoring
    functions freeze it; parameters requiring grad make a layer ineligible).
    Yields the number of layers changed; their ``forward`` is restored on exit.
    """
    changed = [m for m in model.modules() if conv_eligible(m)]
    _absent = object()
    previous = [m.__dict__.get("forward", _absent) for m in changed]  # a user's own patch
    try:
        for m in changed:
            m.forward = types.MethodType(_forward, m)
        yield len(changed)
    finally:
        for m, old in zip(changed, previous, strict=True):
            if old is _absent:
                m.__dict__.pop("forward", None)
            else:
                m.__dict__["forward"] = old
