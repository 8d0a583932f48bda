"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Every file the package writes (checkpoints, training state, scores, shards,
cached runs, data sets it converts) goes through :func:`atomic_write`, so an
interrupted run never leaves a truncated file that a resumed run would trust.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)``, then move the file to ``path`` atomically.

    The temporary file lives in the destination folder (same file system) and
    is removed if ``write`` raises; ``path`` is then the old file, untouched.
    Returns ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path
