"""Saving and loading model checkpoints safely.

Writes are atomic (:func:`vog.atomic.atomic_write`), so an interrupted run
never leaves a half-written checkpoint behind, and record the file's SHA-256
beside it (``<file>.sha256``); reads verify it where it exists (checkpoints of
the user's own have none) and never execute pickled code:
``torch.load(..., weights_only=True)`` or safetensors. A damaged checkpoint
raises :class:`vog.atomic.CorruptFileError` (a ``ValueError``) naming the file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ._checks import module_device
from .atomic import CorruptFileError, atomic_write, file_error, load_verified, verify_file

__all__ = ["save_checkpoint", "load_state_dict", "load_checkpoint"]

PathLike = str | os.PathLike


def save_checkpoint(
    model: nn.Module | Mapping[str, torch.Tensor], path: PathLike, **meta: Any
) -> Path:
    """Save a model's ``state_dict`` (plus plain metadata such as ``epoch``) atomically.

    ``*.safetensors`` paths are written with safetensors (tensors only, metadata
    as strings); any other suffix with :func:`torch.save` as
    ``{"state_dict": ..., **meta}``.
    """
    state = model.state_dict() if isinstance(model, nn.Module) else dict(model)
    state = {k: v.detach().cpu() for k, v in state.items()}
    if Path(path).suffix == ".safetensors":
        from safetensors.torch import save_file

        return atomic_write(
            path,
            lambda p: save_file(
                {k: v.contiguous() for k, v in state.items()},
                str(p),
                metadata={k: str(v) for k, v in meta.items()},
            ),
            checksum=True,
        )
    return atomic_write(path, lambda p: torch.save({"state_dict": state, **meta}, p), checksum=True)


def load_state_dict(path: PathLike, *, map_location: str | torch.device = "cpu") -> dict:
    """Read a state dict from a checkpoint file without executing pickled code.

    Accepts files written by :func:`save_checkpoint`, a bare ``state_dict`` saved
    with ``torch.save``, the common ``{"state_dict": ...}``, ``{"model": ...}`` and
    ``{"net": ...}`` wrappers, and ``*.safetensors`` files.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint file not found: {path}")
    todo = "replace it with an intact copy, or delete it and train again"
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            verify_file(path, required=False, todo=todo)
            try:
                return load_file(str(path), device=str(map_location))
            except Exception as exc:
                raise file_error(
                    path, f"not a readable safetensors file ({type(exc).__name__}: {exc})", todo
                ) from exc
        obj = load_verified(path, required=False, todo=todo, map_location=map_location)
    except CorruptFileError as exc:
        raise file_error(path, f"could not read checkpoint: {exc.what}", exc.todo) from exc
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model", "net"):
            if key in obj and isinstance(obj[key], Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not all(torch.is_tensor(v) for v in obj.values()):
        raise file_error(path, "the checkpoint does not hold a state dict of tensors", todo)
    # checkpoints saved from nn.DataParallel / DistributedDataParallel
    if obj and all(k.startswith("module.") for k in obj):
        obj = {k[len("module.") :]: v for k, v in obj.items()}
    return dict(obj)


def load_checkpoint(model: nn.Module, path: PathLike) -> nn.Module:
    """Load the weights at ``path`` into ``model`` (strict) and return it.

    Raises ``ValueError`` naming the missing/unexpected/mismatched keys when the
    checkpoint belongs to another architecture.
    """
    device = module_device(model)
    state = load_state_dict(path, map_location=device)
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    mismatched = [k for k in own if k in state and tuple(own[k].shape) != tuple(state[k].shape)]
    if missing or unexpected or mismatched:
        parts = []
        if missing:
            parts.append(f"missing keys {missing[:5]}")
        if unexpected:
            parts.append(f"unexpected keys {unexpected[:5]}")
        if mismatched:
            parts.append(
                "shape mismatch for "
                + ", ".join(
                    f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in mismatched[:5]
                )
            )
        raise ValueError(
            f"checkpoint {path} does not fit {type(model).__name__}: " + "; ".join(parts)
        )
    model.load_state_dict(state)
    return model
