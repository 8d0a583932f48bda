"""Input gradients of a class score: the gradient matrix S of paper Eq. 1.

For every example ``x[i]`` and class index ``p = labels[i]`` we compute
``S_i = dA_p(x_i) / dx_i`` where ``A_p`` is the pre-softmax activation (the
logit) of class ``p``.  All examples of a batch share one backward pass: in
evaluation mode a classifier treats the examples of a batch independently,
so the gradient of the *sum* of the selected logits with respect to the batch
is the stack of the per-example gradients.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from ._checks import check_choice, check_finite, check_labels
from .options import CHOICES

__all__ = [
    "class_score",
    "frozen_eval",
    "gradients_of",
    "input_gradients",
    "leaf_inputs",
    "logits_and_gradients",
    "pixel_shape_of",
    "reduce_channels",
]


@contextmanager
def frozen_eval(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode with parameters not requiring grad; restore both after.

    A model already frozen (every module in eval mode, no parameter requiring
    grad) is used as is, so the context costs nothing inside a scoring loop.
    """
    training = [m for m in model.modules() if m.training]
    trainable = [p for p in model.parameters() if p.requires_grad]
    try:
        for m in training:
            m.training = False  # what model.eval() does, module by module
        for p in trainable:
            p.requires_grad_(False)
        yield model
    finally:
        for p in trainable:
            p.requires_grad_(True)
        for m in training:
            m.training = True


def class_score(outputs: torch.Tensor, labels: torch.Tensor, *, target: str = "logit"):
    """The summed class scores whose input gradient is S (paper Eq. 1): ``sum_i A_{p_i}(x_i)``.

    Parameters
    ----------
    outputs : Tensor, shape ``(..., B, C)``
        Logits of B examples (for example ``(K, B, C)`` for K checkpoints at once).
    labels : Tensor, shape (B,), int64
        The class ``p_i`` of each example, in ``[0, C)``.
    target : {"logit", "probability"}, keyword-only
        The pre-softmax logit (paper) or the softmax probability (the authors' toy script).

    Returns
    -------
    Tensor, a scalar
        Examples are independent in eval mode, so its gradient with respect to
        the batch is the stack of the per-example gradients.
    """
    scores = outputs.softmax(dim=-1) if target == "probability" else outputs
    index = labels.view(-1, 1).expand(*outputs.shape[:-1], 1)
    return scores.gather(-1, index).sum()


def logits_and_gradients(
    model: nn.Module,
    x: torch.Tensor,
    labels: torch.Tensor | Callable[[torch.Tensor], torch.Tensor],
    *,
    target: str = "logit",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """One forward and one backward pass: logits, the labels used and input gradients.

    Parameters
    ----------
    model : nn.Module
        Classifier mapping ``x`` to scores of shape (N, C). Called as is: put it in
        eval mode first (see :func:`input_gradients`, which does).
    x : Tensor, shape (N, ...)
        Floating-point inputs; never modified.
    labels : Tensor of shape (N,) or callable
        Class index per example, or a function ``logits -> labels`` (for example
        ``lambda z: z.argmax(1)`` for the predicted class) evaluated on the same
        forward pass.
    target : {"logit", "probability"}, keyword-only
        Differentiate the pre-softmax logit (paper) or the softmax probability
        (the authors' toy script).

    Returns
    -------
    logits : Tensor, shape (N, C), detached
    labels : Tensor, shape (N,), int64
    grads : Tensor, same shape and dtype as ``x``

    Raises
    ------
    ValueError
        If an input, a logit or a gradient is NaN or infinite, naming the rows.
    """
    check_choice("target", target, CHOICES["target"])
    logits, chosen, grads = gradients_of(model, leaf_inputs(x), labels, target=target)
    check_finite("input gradients", grads)
    return logits, chosen, grads


def leaf_inputs(x: torch.Tensor) -> torch.Tensor:
    """A detached clone of ``x`` that requires grad: the caller's tensor is never touched.

    ``x`` is checked first: a floating-point batch of shape (N, ...) with finite
    values (ReLU's backward turns a NaN into a zero gradient, so a NaN input
    would otherwise pass unseen). One leaf serves any number of
    :func:`gradients_of` calls (``torch.autograd.grad`` accumulates nothing into it).
    """
    if not torch.is_tensor(x) or not x.dtype.is_floating_point:
        got = x.dtype if torch.is_tensor(x) else type(x).__name__
        raise TypeError(f"x must be a floating-point tensor, got {got}")
    if x.dim() < 2:
        raise ValueError(f"x must have a batch dimension, shape (N, ...); got {tuple(x.shape)}")
    check_finite("inputs", x)
    return x.detach().clone().requires_grad_(True)


def gradients_of(
    model: nn.Module,
    inputs: torch.Tensor,
    labels: torch.Tensor | Callable[[torch.Tensor], torch.Tensor],
    *,
    target: str = "logit",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The forward and backward pass of :func:`logits_and_gradients` on a checked leaf.

    ``inputs`` come from :func:`leaf_inputs` and were checked to be finite; the
    logits are checked here, the gradients are left to the caller (a scoring loop
    checks the VoG they reduce to, into which any NaN or inf propagates).
    """
    with torch.enable_grad():
        out = model(inputs)
        if not torch.is_tensor(out) or out.dim() != 2 or out.shape[0] != inputs.shape[0]:
            shape = tuple(out.shape) if torch.is_tensor(out) else type(out).__name__
            raise ValueError(
                f"model output must have shape (N, C) = ({inputs.shape[0]}, C); got {shape}"
            )
        check_finite("logits", out.detach())
        chosen = labels(out.detach()) if callable(labels) else labels
        chosen = check_labels(chosen, inputs.shape[0], out.shape[1]).to(out.device)
        (grads,) = torch.autograd.grad(class_score(out, chosen, target=target), inputs)
    return out.detach(), chosen, grads


def input_gradients(
    model: nn.Module,
    x: torch.Tensor,
    labels: torch.Tensor,
    *,
    target: str = "logit",
) -> torch.Tensor:
    """Gradient of the class score at ``labels[i]`` with respect to ``x[i]`` (paper Eq. 1).

    The model is put in eval mode (BatchNorm/Dropout would otherwise couple or
    randomise the examples of a batch) and its parameters are set not to require
    gradients for the call; both are restored afterwards. No ``.grad`` attribute
    is read or written: the gradient comes from :func:`torch.autograd.grad` on a
    detached clone of ``x``.

    Parameters
    ----------
    model : nn.Module
        Classifier returning scores of shape (N, C).
    x : Tensor, shape (N, ...)
        Floating-point inputs, on the model's device.
    labels : Tensor, shape (N,)
        Integer class index per example in ``[0, C)``: the true or predicted label.
    target : {"logit", "probability"}, keyword-only
        ``"logit"`` (default, paper): pre-softmax activation ``A_p``.
        ``"probability"``: softmax probability, as in the authors' toy script.

    Returns
    -------
    Tensor, same shape and dtype as ``x``
        Signed gradients (no absolute value is taken).
    """
    with frozen_eval(model):
        return logits_and_gradients(model, x, labels, target=target)[2]


def pixel_shape_of(x: torch.Tensor, *, channel_mean: bool = True) -> tuple[int, ...]:
    """Shape of one gradient map for a batch ``x`` of shape (B, ...).

    Images (B, C, H, W) give (H, W) with ``channel_mean`` (the paper's colour
    average), otherwise (C, H, W); vectors (B, D) give (D,).
    """
    if channel_mean and x.dim() >= 4:
        return tuple(x.shape[2:])
    return tuple(x.shape[1:])


def reduce_channels(grads: torch.Tensor, pixel_shape: tuple[int, ...]) -> torch.Tensor:
    """Average the channel axis (dim 1) if ``grads`` has one more axis than ``(N, *P)``.

    The paper averages the colour channels of S (3x32x32 -> 32x32) before taking
    the variance. Gradients already of shape ``(N, *P)`` are returned as is.
    """
    pixel_shape = tuple(pixel_shape)
    if tuple(grads.shape[1:]) == pixel_shape:
        return grads
    if grads.dim() == len(pixel_shape) + 2 and tuple(grads.shape[2:]) == pixel_shape:
        # one channel: the mean is the channel itself (a view, no copy)
        return grads.squeeze(1) if grads.shape[1] == 1 else grads.mean(dim=1)
    raise ValueError(
        f"gradients of shape {tuple(grads.shape)} do not match pixel shape {pixel_shape}: "
        f"expected (N, {', '.join(map(str, pixel_shape))}) or (N, C, "
        f"{', '.join(map(str, pixel_shape))})"
    )
