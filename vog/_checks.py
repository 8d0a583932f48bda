"""Small input checks shared by the public functions (private module)."""

from __future__ import annotations

from collections.abc import Iterable

import torch

__all__ = [
    "check_choice",
    "check_labels",
    "check_finite",
    "integer_labels",
    "module_device",
]


def check_choice(name: str, value: object, valid: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``valid``, else raise a ``ValueError`` listing them."""
    valid = tuple(valid)
    if value not in valid:
        options = ", ".join(repr(v) for v in valid)
        raise ValueError(f"{name}={value!r} is not a valid option; choose one of {options}")
    return value


def check_labels(labels, n: int, num_classes: int | None = None) -> torch.Tensor:
    """Class labels of shape (n,) as int64, in range [0, num_classes) if that is given.

    The one label policy of the package (:func:`integer_labels`): integer
    labels, or floats with integral values such as 2.0 (refused: 2.7, NaN,
    booleans, complex numbers).
    """
    labels = integer_labels(labels)
    if labels.dim() != 1 or labels.shape[0] != n:
        raise ValueError(f"labels must have shape ({n},), got {tuple(labels.shape)}")
    if n and num_classes is not None:
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= num_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"label {bad} is out of range for a model with {num_classes} outputs "
                f"(valid labels are 0..{num_classes - 1})"
            )
    return labels


def integer_labels(labels, *, name: str = "labels") -> torch.Tensor:
    """Class labels as int64, shape as given; integral floats are accepted, others refused.

    A label of 2.7 is an error, never silently truncated to 2; booleans and
    complex numbers are refused too.
    """
    t = torch.as_tensor(labels)
    if t.dtype == torch.bool or t.dtype.is_complex:
        raise TypeError(f"{name} must be integers, got dtype {t.dtype}")
    if t.dtype.is_floating_point:
        bad = ~torch.isfinite(t) | (t != t.round())
        if bool(bad.any()):
            first = t[bad].flatten()[:3].tolist()
            raise ValueError(f"{name} must be integers, got non-integral values such as {first}")
    return t.long()


def check_finite(name: str, tensor: torch.Tensor) -> None:
    """Raise a ``ValueError`` naming how many leading-dim entries of ``tensor`` are NaN/inf."""
    if tensor.dtype in (torch.float32, torch.float64) and tensor.numel():
        # one pass: min and max propagate NaN and show an infinity (isfinite + all: four)
        if bool(torch.isfinite(torch.stack(torch.aminmax(tensor.detach()))).all()):
            return
    finite = torch.isfinite(tensor)
    if not bool(finite.all()):
        bad = (~finite).reshape(tensor.shape[0], -1).any(dim=1) if tensor.dim() else ~finite
        rows = torch.nonzero(bad).flatten()[:5].tolist()
        raise ValueError(
            f"{name} contains NaN or inf values (first affected rows: {rows}); "
            "check the model, the inputs and the learning rate"
        )


def module_device(
    model: torch.nn.Module, default: str | torch.device | None = None
) -> torch.device:
    """The device ``model`` computes on: that of its first parameter, else of its first buffer.

    A model with neither (a function of its input only, e.g. a fixed
    transform) is scored on ``default`` (None: the CPU). Its input gradients
    are still well defined, so it is never refused for lacking parameters.
    """
    for param in model.parameters():
        return param.device
    for buffer in model.buffers():
        return buffer.device
    return torch.device(default if default is not None else "cpu")
