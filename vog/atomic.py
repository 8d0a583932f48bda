"""Files the package writes and reads back: atomic, checksummed, verified before use.

Every file the package writes (checkpoints, training state, scores, shards,
cached runs, data sets it converts) goes through :func:`atomic_write`, so an
interrupted run never leaves a truncated file that a resumed run would trust.

``torch.load`` does not verify its archive's checksums: a few flipped bytes in
a cached file load as different numbers, silently. So every file written for
reuse gets its SHA-256 recorded beside it (``<file>.sha256``, in ``sha256sum``
format, written atomically after the file: :func:`save_verified`,
``atomic_write(..., checksum=True)``) and is checked before it is read:

- :func:`load_verified` for files whose loss is an error: a missing file, a
  missing checksum (where one is required), a mismatch or a file torch cannot
  read raises :class:`CorruptFileError` naming the file, what is wrong and what
  to do. Files written by users themselves (checkpoints, no checksum beside
  them) still load with ``required=False``: they are verified only where a
  checksum exists.
- :func:`load_cached` for caches that can be recomputed (a run's
  ``result.pt``, ``predicted_*.pt``, cross-validation caches): a damaged file
  gives a warning naming it and ``None``, and the caller recomputes.

Reads never execute pickled code (``weights_only=True``); torch's advice to
load with ``weights_only=False`` is replaced by our own message.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "CorruptFileError",
    "atomic_write",
    "checksum_path",
    "file_error",
    "load_cached",
    "load_verified",
    "remove",
    "usable_cache",
    "save_verified",
    "sha256_file",
    "verify_file",
]

#: Suffix of the checksum file written beside a file: ``<file>.sha256``.
CHECKSUM_SUFFIX = ".sha256"
#: The advice of :func:`load_verified` unless the caller gives its own.
DELETE_AND_RERUN = "delete it and run again to recompute it"


class CorruptFileError(ValueError):
    """A file the package reads is damaged, truncated, of the wrong kind or fails its checksum.

    The message is one line: ``<path>: <what is wrong>; <what to do>``; the
    attributes ``path``, ``what`` and ``todo`` hold its parts.
    """

    def __init__(self, path: str | os.PathLike, what: str, todo: str) -> None:
        self.path, self.what, self.todo = Path(path), what, todo
        super().__init__(f"{self.path}: {what}; {todo}")


def file_error(path: str | os.PathLike, what: str, todo: str) -> CorruptFileError:
    """The :class:`CorruptFileError` of ``path``: ``<path>: <what>; <todo>`` on one line."""
    return CorruptFileError(path, " ".join(str(what).split()), " ".join(str(todo).split()))


def checksum_path(path: str | os.PathLike) -> Path:
    """Where the SHA-256 of ``path`` is recorded: ``<path>.sha256``."""
    path = Path(path)
    return path.with_name(path.name + CHECKSUM_SUFFIX)


def sha256_file(path: str | os.PathLike, *, chunk: int = 1 << 22) -> str:
    """The SHA-256 of a file's bytes, read in chunks (hex digest)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def atomic_write(
    path: str | os.PathLike, write: Callable[[Path], object], *, checksum: bool = False
) -> Path:
    """Call ``write(tmp_path)``, then move the file to ``path`` atomically.

    The temporary file lives in the destination folder (same file system) and
    is removed if ``write`` raises; ``path`` is then the old file, untouched.
    With ``checksum=True`` the file's SHA-256 is then written atomically to
    ``<path>.sha256`` (the old checksum file is removed first, so an
    interruption in between leaves a file without a checksum, never a file
    with another file's checksum). Returns ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        if checksum:
            line = f"{sha256_file(tmp_path)}  {path.name}\n"
            checksum_path(path).unlink(missing_ok=True)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    if checksum:
        atomic_write(checksum_path(path), lambda p: p.write_text(line))
    return path


def save_verified(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save(obj)`` to ``path`` atomically, with its SHA-256 beside it."""
    import torch

    return atomic_write(path, lambda p: torch.save(obj, p), checksum=True)


def remove(path: str | os.PathLike) -> None:
    """Delete ``path`` and its checksum file, if they exist."""
    Path(path).unlink(missing_ok=True)
    checksum_path(path).unlink(missing_ok=True)


def verify_file(
    path: str | os.PathLike, *, required: bool = True, todo: str = DELETE_AND_RERUN
) -> bool:
    """Check ``path`` against the SHA-256 recorded beside it.

    Returns True when the checksum matches, False when there is no checksum
    file and ``required`` is False (a file of the user's own). Raises
    :class:`CorruptFileError` when the file is missing, the checksum is
    missing (``required``), unreadable or does not match.
    """
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "file not found", todo)
    record = checksum_path(path)
    if not record.is_file():
        if required:
            raise file_error(
                path,
                f"its checksum file {record.name} is missing (written by an older version, "
                "or the write was interrupted), so it cannot be trusted",
                todo,
            )
        return False
    try:
        expected = record.read_text().split()[0].lower()
    except (OSError, UnicodeDecodeError, IndexError):
        expected = ""
    if len(expected) != 64 or any(c not in "0123456789abcdef" for c in expected):
        raise file_error(path, f"its checksum file {record.name} is unreadable", todo)
    if sha256_file(path) != expected:
        raise file_error(
            path,
            "its contents do not match the SHA-256 recorded when it was written "
            "(damaged: a bad disk, an interrupted copy or an edit)",
            todo,
        )
    return True


def _weights_only_refusal(exc: BaseException) -> bool:
    return "weights_only" in str(exc) or "Weights only load failed" in str(exc)


def load_verified(
    path: str | os.PathLike,
    *,
    required: bool = True,
    todo: str = DELETE_AND_RERUN,
    map_location: Any = "cpu",
) -> Any:
    """Verify ``path`` (:func:`verify_file`), then ``torch.load(path, weights_only=True)``.

    Raises :class:`CorruptFileError` naming the file, what is wrong and
    ``todo`` when the file is missing, fails its checksum, is not a readable
    PyTorch file (truncated, not a zip archive) or holds objects other than
    tensors and plain containers (which are never unpickled).
    """
    import torch

    path = Path(path)
    verify_file(path, required=required, todo=todo)
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:
        if _weights_only_refusal(exc):
            what = (
                "holds objects other than tensors, numbers, strings and plain containers; "
                "such files are not loaded, since unpickling them could run arbitrary code"
            )
        else:
            first = (str(exc).strip().splitlines() or [""])[0][:160]
            what = f"is not a readable PyTorch file (truncated or corrupt: {type(exc).__name__}"
            what += f": {first})" if first else ")"
        raise file_error(path, what, todo) from exc


def usable_cache(path: str | os.PathLike, *, what: str = "cached result") -> bool:
    """Whether a recomputable cache file exists and passes its checksum.

    False if it is absent, or damaged: then it is removed with its checksum
    file and a ``UserWarning`` names it, and the caller recomputes it.
    """
    path = Path(path)
    if not path.is_file():
        return False
    try:
        verify_file(path, todo="recomputing it")
    except CorruptFileError as exc:
        warnings.warn(f"ignoring a damaged {what}: {exc}", UserWarning, stacklevel=2)
        remove(path)
        return False
    return True


def load_cached(path: str | os.PathLike, *, what: str = "cached result") -> Any | None:
    """A recomputable cache file, verified; ``None`` if absent or damaged (with a warning).

    A damaged file (checksum missing or wrong, unreadable) is removed with its
    checksum, and a ``UserWarning`` names it: the caller recomputes the value
    and writes it again (with :func:`save_verified`).
    """
    path = Path(path)
    if not path.is_file():
        return None
    try:
        return load_verified(path, todo="recomputing it")
    except CorruptFileError as exc:
        warnings.warn(f"ignoring a damaged {what}: {exc}", UserWarning, stacklevel=2)
        remove(path)
        return None
