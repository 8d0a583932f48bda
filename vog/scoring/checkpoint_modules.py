"""The checkpoints of a scoring call as modules: loaded privately, checked, put in order.

(Saving and reading checkpoint *files* is ``vog.checkpoints``.)

A scoring call never changes the caller's model: checkpoint files are loaded
into a copy of ``model``; a checkpoint given as a module is copied whenever it
must change (another device, channels-last memory format) and otherwise used
under :func:`vog.gradients.frozen_eval`, which restores its mode and flags.

:class:`CheckpointCheck` refuses checkpoints of different architectures and
warns about duplicates: K identical checkpoints give every example a VoG of
exactly 0, and a repeated checkpoint weighs twice in the variance of Eq. 3.
"""

from __future__ import annotations

import copy
import hashlib
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import cast

import torch
from torch import nn

from ..checkpoints import load_checkpoint

__all__ = [
    "CheckpointCheck",
    "as_module",
    "checkpoint_list",
    "content_hash",
    "last_first",
    "load_models",
    "working_copy",
]

Checkpoint = nn.Module | str | os.PathLike


def checkpoint_list(
    checkpoints: Sequence[Checkpoint], model: nn.Module | None = None
) -> list[Checkpoint]:
    """The checkpoints of a call as a list, refused before any work if it cannot be scored.

    Needs K >= 2 entries, each a module or the path of an existing file (and
    then ``model``, the architecture to load it into).
    """
    checkpoints = list(checkpoints)
    if len(checkpoints) < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got {len(checkpoints)}")
    for c in checkpoints:
        if isinstance(c, (str, os.PathLike)):
            if model is None:
                raise ValueError(
                    "checkpoints given as files need model=<an instance of the architecture>"
                )
            if not Path(c).is_file():
                raise FileNotFoundError(f"checkpoint file not found: {c}")
        elif not isinstance(c, nn.Module):
            raise TypeError(
                f"each checkpoint must be an nn.Module or a file path, got {type(c).__name__}"
            )
    return checkpoints


def last_first(k: int) -> list[int]:
    """The order checkpoints are scored in: the last one first, then ``0 .. K-2``.

    With predicted labels, the last checkpoint's predictions are the labels
    every checkpoint differentiates, so it must be seen first.
    """
    return [k - 1, *range(k - 1)]


def _architecture(module: nn.Module) -> tuple:
    state = module.state_dict()
    return type(module).__qualname__, tuple((k, tuple(v.shape)) for k, v in state.items())


def content_hash(module: nn.Module) -> str:
    """A digest of every tensor of ``module``'s state dict (names, dtypes and values)."""
    h = hashlib.blake2b(digest_size=16)
    for key, value in module.state_dict().items():
        h.update(key.encode())
        t = value.detach().cpu().contiguous().reshape(-1)
        h.update(str(t.dtype).encode())
        h.update(t.view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


class CheckpointCheck:
    """Running check of the checkpoints of one call: one architecture, no silent duplicates."""

    def __init__(self) -> None:
        self.first: tuple | None = None
        self.first_index: int | None = None
        self.seen: dict[str, int] = {}
        self.duplicates: list[tuple[int, int]] = []
        self.n = 0

    def add(self, index: int, module: nn.Module) -> None:
        """Check checkpoint ``index``; raise ``ValueError`` if its architecture differs."""
        arch = _architecture(module)
        if self.first is None:
            self.first, self.first_index = arch, index
        elif arch != self.first:
            raise ValueError(
                f"checkpoint {index} ({arch[0]}, {len(arch[1])} tensors) has another "
                f"architecture than checkpoint {self.first_index} ({self.first[0]}, "
                f"{len(self.first[1])} tensors): all checkpoints must be of one model"
            )
        self.n += 1
        if not arch[1]:  # no parameters or buffers: its weights cannot tell checkpoints apart
            return
        digest = content_hash(module)
        if digest in self.seen:
            first, second = sorted((self.seen[digest], index))
            self.duplicates.append((first, second))
        else:
            self.seen[digest] = index

    def finish(self) -> None:
        """Warn about duplicated checkpoints (all identical: every VoG is 0)."""
        if not self.duplicates:
            return
        if len(self.seen) == 1:
            warnings.warn(
                f"all {self.n} checkpoints hold identical weights: every VoG is 0; "
                "pass checkpoints from different points of training",
                UserWarning,
                stacklevel=_outside_vog(),
            )
            return
        pairs = ", ".join(f"{a} and {b}" for a, b in sorted(self.duplicates)[:5])
        warnings.warn(
            f"checkpoints {pairs} hold identical weights; each copy weighs in the variance "
            "(paper Eq. 3) as a checkpoint of its own",
            UserWarning,
            stacklevel=_outside_vog(),
        )


def _outside_vog() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside this package."""
    package = str(Path(__file__).resolve().parents[1])
    level = 1
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(package):
        level, frame = level + 1, frame.f_back
    return level


def _on(module: nn.Module, device: torch.device) -> bool:
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    tensors = [*module.parameters(), *module.buffers()]
    return all(t.device == device for t in tensors)


def as_module(
    ckpt: Checkpoint,
    model: nn.Module | None,
    device: torch.device,
    *,
    channels_last: bool = False,
    private: bool = False,
) -> nn.Module:
    """One checkpoint as a module on ``device`` that the caller does not own.

    A file is loaded into a copy of ``model`` (into ``model`` itself if
    ``private``: a working copy on ``device`` made by :func:`working_copy`); a
    module is copied if it must be moved or converted, and returned as is
    otherwise.
    """
    if isinstance(ckpt, (str, os.PathLike)):
        if model is None:
            raise ValueError(
                "checkpoints given as files need model=<an instance of the architecture>"
            )
        m = load_checkpoint(model if private else working_copy(model, device), ckpt)
    elif isinstance(ckpt, nn.Module):
        m = ckpt if _on(ckpt, device) and not channels_last else copy.deepcopy(ckpt).to(device)
    else:
        raise TypeError(
            f"each checkpoint must be an nn.Module or a file path, got {type(ckpt).__name__}"
        )
    return m.to(memory_format=torch.channels_last) if channels_last else m


def working_copy(model: nn.Module, device: torch.device) -> nn.Module:
    """A private copy of ``model`` on ``device`` to load checkpoint files into."""
    return copy.deepcopy(model).to(device)


def load_models(
    checkpoints: Sequence[Checkpoint],
    *,
    model: nn.Module | None = None,
    device: torch.device | str = "cpu",
    channels_last: bool = False,
    compile: bool = False,
) -> list[nn.Module]:
    """All K checkpoints as modules on ``device``, checked (:class:`CheckpointCheck`).

    Files are loaded into copies of ``model``; modules are copied where they
    must change (see ``as_module``), so the caller's objects are never
    modified. ``compile=True`` wraps each in :func:`torch.compile`.
    """
    device = torch.device(device)
    check = CheckpointCheck()
    out = []
    for i, ckpt in enumerate(checkpoints):
        m = as_module(ckpt, model, device, channels_last=channels_last)
        check.add(i, m)
        out.append(m)
    check.finish()
    return [cast(nn.Module, torch.compile(m)) for m in out] if compile else out
