"""Scores as columns of the data practitioners keep: a Hugging Face ``datasets.Dataset``.

:func:`add_to_dataset` (also :meth:`vog.VoGResult.add_to_dataset`) returns a
new ``Dataset`` with one column per score, row ``i`` holding example ``i``'s
scores, so the usual ``sort``, ``filter`` and ``push_to_hub`` apply::

    ds = result.add_to_dataset(ds)                    # vog, vog_normalized, ...
    hardest = ds.sort("vog_normalized", reverse=True).select(range(100))

Scores and rows must be in the same order: where the dataset has a label
column, it is compared with the scores' labels and a mismatch is refused.
Needs ``datasets`` (``pip install "vog[integrations]"``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

__all__ = ["add_columns", "add_to_dataset", "score_columns"]

#: Label columns compared with the scores' labels, in this order.
LABEL_COLUMNS = ("label", "labels")


def score_columns(result, *, prefix: str = "vog") -> dict[str, np.ndarray]:
    """The columns of a :class:`vog.VoGResult`: ``{name: (N,) array}``.

    ``<prefix>`` (raw VoG, >= 0, higher = harder), ``<prefix>_normalized``
    (class-normalised), ``<prefix>_prediction`` (argmax of the last
    checkpoint), ``<prefix>_scored_label`` (the class differentiated) and,
    where computed, ``<prefix>_magnitude``.
    """
    cols = {
        prefix: result.raw,
        f"{prefix}_normalized": result.normalized,
        f"{prefix}_prediction": result.predictions,
        f"{prefix}_scored_label": result.scored_labels,
    }
    if result.magnitude is not None:
        cols[f"{prefix}_magnitude"] = result.magnitude
    return {k: _array(v) for k, v in cols.items()}


def add_columns(dataset, columns: Mapping[str, object], *, labels=None):
    """``dataset`` (a ``datasets.Dataset``) with ``columns`` added; the input is unchanged.

    Parameters
    ----------
    dataset : datasets.Dataset
    columns : mapping name -> (N,) array or tensor
        One value per row, in the dataset's order (e.g. the training-dynamics
        scores of a callback).
    labels : (N,) array, optional
        The labels the scores were computed with; compared with the dataset's
        ``label``/``labels`` column where it has one.

    Raises
    ------
    ValueError
        If a column's length differs from the dataset's, a name is taken, or
        the labels differ (the scores are in another order).
    """
    n = len(dataset)
    taken = sorted(set(columns) & set(dataset.column_names))
    if taken:
        raise ValueError(
            f"the dataset already has columns {taken}: remove them first "
            "(dataset.remove_columns) or pass another prefix"
        )
    arrays = {str(k): _array(v) for k, v in columns.items()}
    for name, values in arrays.items():
        if values.ndim != 1 or len(values) != n:
            raise ValueError(
                f"column {name!r} has shape {values.shape}, the dataset has {n} rows: "
                "scores must be one per row, in the dataset's order"
            )
    if labels is not None:
        _check_labels(dataset, _array(labels))
    out = dataset
    for name, values in arrays.items():
        out = out.add_column(name, values.tolist())
    return out


def add_to_dataset(result, dataset, *, prefix: str = "vog"):
    """``dataset`` with the :func:`score_columns` of ``result`` added (see :func:`add_columns`)."""
    return add_columns(dataset, score_columns(result, prefix=prefix), labels=result.labels)


def _check_labels(dataset, labels: np.ndarray) -> None:
    column = next((c for c in LABEL_COLUMNS if c in dataset.column_names), None)
    if column is None:
        return
    given = np.asarray(dataset[column])
    if given.ndim != 1 or not np.issubdtype(given.dtype, np.integer):
        return  # not class indices (strings, multi-label): nothing to compare
    differ = np.flatnonzero(given != labels)
    if len(differ):
        raise ValueError(
            f"the dataset's {column!r} column differs from the scores' labels at "
            f"{len(differ)} of {len(labels)} rows (first: row {int(differ[0])}): the scores "
            "were computed on other data or in another order"
        )


def _array(values) -> np.ndarray:
    if torch.is_tensor(values):
        return values.detach().cpu().numpy()
    return np.asarray(values)
