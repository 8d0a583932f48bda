"""The scores of a data set (:class:`VoGResult`) and their one on-disk shape (csv, parquet, pt).

Every file of scores the package writes, a user's ``vog score`` output, a
run's cached scores and the shards of a sharded run, is one table: a row per
example, the columns of ``COLUMNS``. ``.pt`` files hold the columns as
tensors (and a few strings of metadata, e.g. a shard's fingerprint) with their
SHA-256 beside them; ``.csv`` and ``.parquet`` files as table columns.
``write_columns()`` writes and ``read_columns()`` reads all of them;
:func:`write_scores` / :func:`read_scores` do so for a :class:`VoGResult`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .._checks import check_choice
from ..atomic import atomic_write, file_error, load_verified, save_verified
from ..normalize import class_normalize

__all__ = [
    "COLUMNS",
    "VoGResult",
    "read_columns",
    "read_scores",
    "write_columns",
    "write_scores",
]

#: File formats of scores, by suffix.
SUFFIXES = (".csv", ".parquet", ".pt")
#: The one on-disk shape of scores: its columns, one row per example, and for each the
#: :class:`VoGResult` attribute it holds and its dtype.
COLUMNS: dict[str, tuple[str, torch.dtype]] = {
    "index": ("", torch.long),  # the example's position in the data set
    "label": ("labels", torch.long),
    "prediction": ("predictions", torch.long),
    "scored_label": ("scored_labels", torch.long),
    "vog": ("raw", torch.float64),
    "vog_normalized": ("normalized", torch.float64),
    "magnitude": ("magnitude", torch.float64),
}
#: Columns a file may lack: ``index`` (rows are then examples 0..N-1), the class-normalised
#: score (a shard's scores are normalised once all are merged) and the gradient magnitude.
OPTIONAL = ("index", "vog_normalized", "magnitude")
_TODO = "write it again with `vog score` / `vog merge` (or vog.write_scores)"


@dataclass(frozen=True)
class VoGResult:
    """Scores of N examples.

    Attributes
    ----------
    raw : Tensor, shape (N,), float64
        VoG of paper Eq. 4; >= 0, higher = harder.
    normalized : Tensor, shape (N,), float64
        ``raw`` z-scored within the class in ``scored_labels`` (paper Sec. 2).
    labels : Tensor, shape (N,), int64
        True labels from the data.
    predictions : Tensor, shape (N,), int64
        Argmax prediction of the last checkpoint.
    scored_labels : Tensor, shape (N,), int64
        The class whose logit was differentiated (``labels`` or ``predictions``).
    magnitude : Tensor, shape (N,), float64, or None
        Gradient size (:meth:`vog.VoGAccumulator.magnitude`): not part of the
        paper's score; computed by the streaming mode only.
    """

    raw: torch.Tensor
    normalized: torch.Tensor
    labels: torch.Tensor
    predictions: torch.Tensor
    scored_labels: torch.Tensor
    magnitude: torch.Tensor | None = None

    @classmethod
    def from_raw(
        cls, raw, labels, predictions, scored_labels, *, normalize: str = "zscore", magnitude=None
    ):
        """Build a result from raw scores, class-normalising within ``scored_labels``."""
        return cls(
            raw=raw,
            normalized=class_normalize(raw, scored_labels, mode=normalize),
            labels=labels,
            predictions=predictions,
            scored_labels=scored_labels,
            magnitude=magnitude,
        )

    def columns(self) -> dict[str, torch.Tensor]:
        """The scores as the columns of ``COLUMNS`` (``magnitude`` where computed)."""
        out = {"index": torch.arange(len(self.raw))}
        for column, (attr, _) in COLUMNS.items():
            value = getattr(self, attr, None) if attr else None
            if value is not None:
                out[column] = value
        return out

    @classmethod
    def from_columns(
        cls, columns: Mapping[str, torch.Tensor], path: str | os.PathLike = "scores"
    ) -> VoGResult:
        """The result of the columns of every example (read from ``path``), in index order.

        Raises :class:`vog.atomic.CorruptFileError` naming ``path`` if the
        class-normalised score is missing or the rows are not examples 0..N-1
        (e.g. one shard of a sharded run: merge them with :func:`vog.merge_shards`).
        """
        if "vog_normalized" not in columns:
            raise file_error(path, "lacks the score columns ['vog_normalized']", _TODO)
        n = len(columns["vog"])
        if "index" in columns:
            index = columns["index"]
            order = torch.argsort(index)
            if not torch.equal(index[order], torch.arange(n)):
                raise file_error(
                    path,
                    f"its {n} rows are not the examples 0..{n - 1} (a shard of a sharded run?)",
                    "merge a shard folder with vog.merge_shards or `vog merge`",
                )
            columns = {k: v[order] for k, v in columns.items()}
        fields: dict[str, Any] = {attr: columns.get(c) for c, (attr, _) in COLUMNS.items() if attr}
        return cls(**fields)

    def to_frame(self):
        """A pandas DataFrame with one row per example, indexed by example index.

        Columns: label, prediction, scored_label, vog, vog_normalized and, where
        it was computed, magnitude (see ``COLUMNS``).
        """
        import pandas as pd

        cols = self.columns()
        index = pd.Index(cols.pop("index").numpy(), name="index")
        return pd.DataFrame({k: v.numpy() for k, v in cols.items()}, index=index)

    def add_to_dataset(self, dataset, *, prefix: str = "vog"):
        """A copy of the Hugging Face ``datasets.Dataset`` with the scores as columns.

        Columns ``<prefix>``, ``<prefix>_normalized``, ``<prefix>_prediction``,
        ``<prefix>_scored_label`` (and ``<prefix>_magnitude`` where computed),
        row ``i`` = example ``i``; a ``label``/``labels`` column that differs
        from :attr:`labels` is refused. See :func:`vog.integrations.columns.add_to_dataset`.
        """
        from ..integrations.columns import add_to_dataset

        return add_to_dataset(self, dataset, prefix=prefix)


def write_columns(
    columns: Mapping[str, torch.Tensor],
    path: str | os.PathLike,
    *,
    meta: Mapping[str, str] | None = None,
) -> Path:
    """Write score columns (``COLUMNS``) atomically as ``.csv``, ``.parquet`` or ``.pt``.

    ``.pt`` files get their SHA-256 beside them (:func:`vog.atomic.save_verified`)
    and also keep ``meta``, a few strings (e.g. a shard's fingerprint); tables
    are indexed by the ``index`` column.
    """
    path = Path(path)
    suffix = check_choice("file suffix", path.suffix, SUFFIXES)
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise ValueError(f"unknown score columns {unknown}; the columns are {list(COLUMNS)}")
    if suffix == ".pt":
        return save_verified({**{k: str(v) for k, v in (meta or {}).items()}, **columns}, path)
    import pandas as pd

    cols = dict(columns)
    index = cols.pop("index", torch.arange(len(next(iter(cols.values())))))
    frame = pd.DataFrame(
        {k: v.numpy() for k, v in cols.items()}, index=pd.Index(index.numpy(), name="index")
    )
    if suffix == ".csv":
        return atomic_write(path, lambda p: frame.to_csv(p, float_format="%.17g"))
    return atomic_write(path, lambda p: frame.to_parquet(p))


def read_columns(
    path: str | os.PathLike, *, required: bool = False, todo: str = _TODO
) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The score columns of a file of ``write_columns()`` and its metadata (``.pt`` only).

    ``.pt`` files are verified against the SHA-256 written beside them (where
    there is one; always with ``required=True``). A damaged file, or one
    without the score columns, raises :class:`vog.atomic.CorruptFileError` (a
    ``ValueError``) naming the file, what is wrong and ``todo``. ``.pt`` files
    of vog 0.2 (attribute names as keys) are read too.
    """
    path = Path(path)
    suffix = check_choice("file suffix", path.suffix, SUFFIXES)
    if not path.is_file():
        raise FileNotFoundError(f"scores file not found: {path}")
    meta: dict[str, str] = {}
    found: dict[str, Any]
    if suffix == ".pt":
        data = load_verified(path, required=required, todo=todo)
        if not isinstance(data, dict):
            raise file_error(path, "not a scores file: it holds no columns", todo)
        meta = {k: v for k, v in data.items() if isinstance(v, str)}
        legacy = {attr: c for c, (attr, _) in COLUMNS.items() if attr}
        found = {legacy[k] if k in legacy else k: v for k, v in data.items() if torch.is_tensor(v)}
    else:
        import pandas as pd

        try:
            df = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
        except Exception as exc:
            what = f"not a readable {suffix[1:]} table ({type(exc).__name__}: {exc})"
            raise file_error(path, what, todo) from exc
        df = df.reset_index() if df.index.name == "index" else df
        found = {c: df[c].to_numpy().copy() for c in df.columns if c in COLUMNS}
    missing = [c for c in COLUMNS if c not in OPTIONAL and c not in found]
    if missing:
        raise file_error(
            path,
            f"not a scores file: it lacks the score columns {missing} (it has {sorted(found)[:8]})",
            todo,
        )
    columns = {c: torch.as_tensor(v, dtype=COLUMNS[c][1]) for c, v in found.items()}
    lengths = {c: tuple(v.shape) for c, v in columns.items()}
    if len(set(lengths.values())) != 1 or len(next(iter(lengths.values()))) != 1:
        raise file_error(path, f"its columns are not one row per example: {lengths}", todo)
    return columns, meta


def write_scores(result: VoGResult, path: str | os.PathLike) -> Path:
    """Write scores atomically as ``.csv``, ``.parquet`` or ``.pt`` (by suffix).

    Rows are examples, columns those of ``COLUMNS``: index, label,
    prediction, scored_label, vog, vog_normalized and, where it was computed,
    the gradient magnitude (``write_columns()``).
    """
    return write_columns(result.columns(), path)


def read_scores(path: str | os.PathLike) -> VoGResult:
    """Read scores written by :func:`write_scores` (``read_columns()``).

    ``.pt`` files are verified against the SHA-256 written beside them (where
    there is one). A damaged file, or a table without the score columns,
    raises :class:`vog.atomic.CorruptFileError` (a ``ValueError``) naming the
    file and what is wrong.
    """
    columns, _ = read_columns(path)
    return VoGResult.from_columns(columns, path)
