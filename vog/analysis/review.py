"""An auditor's decisions on the highest-VoG examples, read back and applied (``vog apply``).

The review page of :func:`vog.analysis.write_report` exports one decision per
reviewed example, as CSV or JSON:

- ``keep``: the example and its label are right;
- ``relabel``: the label is wrong, ``new_label`` is the right class index;
- ``remove``: drop the example (unusable, ambiguous, duplicated);
- ``ood``: the example is out of distribution (drop it from this task).

CSV columns: ``index, decision, label, new_label, prediction, vog_normalized``
(``new_label`` empty unless relabelled). JSON: ``{"format": "vog-review",
"version": 1, "scores_sha256": ..., "n_examples": N, "classes": [...],
"decisions": [{"index": ..., "decision": ..., "label": ..., "new_label": ...}, ...]}``.

:func:`apply_decisions` turns them, with the scores file the page was built
from, into new labels and a mask of retained examples; :func:`write_labels`
and :func:`write_indices` write those atomically to a *new* file. The
original data and labels are never touched. Every problem with a decisions
file raises a one-line ``ValueError`` naming the file (and the row).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_write

__all__ = [
    "DECISIONS",
    "Applied",
    "apply_decisions",
    "read_decisions",
    "scores_fingerprint",
    "write_indices",
    "write_labels",
]

#: The decisions an auditor can take, in the page's order.
DECISIONS = ("keep", "relabel", "remove", "ood")
#: Groups of examples :func:`write_indices` can list.
SELECTIONS = (*DECISIONS, "undecided", "retained", "dropped")
#: Label written by ``.npy`` label files for removed and out-of-distribution examples.
DROPPED_LABEL = -1
CSV_COLUMNS = ("index", "decision", "label", "new_label", "prediction", "vog_normalized")


def scores_fingerprint(result) -> str:
    """SHA-256 of a :class:`vog.VoGResult`'s labels and raw VoG: which scores a review is of."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(result.labels.numpy().astype("<i8")).tobytes())
    h.update(np.ascontiguousarray(result.raw.numpy().astype("<f8")).tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class Applied:
    """The outcome of a review, for all N examples.

    Attributes
    ----------
    labels : ndarray (N,), int64
        New labels: relabelled examples get their ``new_label``.
    original : ndarray (N,), int64
        The labels of the scores file.
    decision : ndarray (N,), object
        ``"keep"``, ``"relabel"``, ``"remove"``, ``"ood"`` or ``""`` (undecided).
    """

    labels: np.ndarray
    original: np.ndarray
    decision: np.ndarray

    @property
    def retained(self) -> np.ndarray:
        """Bool (N,): examples neither removed nor out of distribution."""
        return ~np.isin(self.decision, ("remove", "ood"))

    def select(self, which: str) -> np.ndarray:
        """Sorted indices of the examples in group ``which`` (see ``SELECTIONS``)."""
        if which not in SELECTIONS:
            raise ValueError(f"unknown selection {which!r}; valid: {', '.join(SELECTIONS)}")
        if which == "retained":
            mask = self.retained
        elif which == "dropped":
            mask = ~self.retained
        elif which == "undecided":
            mask = self.decision == ""
        else:
            mask = self.decision == which
        return np.flatnonzero(mask)


def read_decisions(path: str | os.PathLike) -> tuple[list[dict], dict]:
    """The rows of a decisions file (``.csv`` or ``.json``) and its header (JSON only).

    Rows are dicts with ``index``, ``decision`` and, where given, ``label``
    and ``new_label`` (ints or None). Raises ``ValueError`` naming the file
    (and the row) for anything that is not a decisions file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: decisions file not found")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise ValueError(f"{path}: a decisions file is .csv or .json (exported by the review page)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text file ({exc.reason})") from exc
    header: dict = {}
    if suffix == ".json":
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(doc, dict) or doc.get("format") != "vog-review":
            raise ValueError(f"{path}: not a review exported by the VoG review page")
        rows = doc.get("decisions")
        if not isinstance(rows, list):
            raise ValueError(f"{path}: 'decisions' must be a list")
        header = {k: v for k, v in doc.items() if k != "decisions"}
    else:
        import csv
        import io

        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ("index", "decision") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(
                f"{path}: lacks the columns {missing} (it has {reader.fieldnames}); "
                "export the decisions from the review page"
            )
        rows = list(reader)
    return [_row(path, i, r) for i, r in enumerate(rows, start=1)], header


def _row(path: Path, i: int, row) -> dict:
    where = f"{path}: decision {i}"
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected an object, got {type(row).__name__}")

    def integer(key: str, required: bool) -> int | None:
        value = row.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ValueError(f"{where}: {key} is missing")
            return None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {key} must be an integer, got {value!r}") from None
        if not number.is_integer():
            raise ValueError(f"{where}: {key} must be an integer, got {value!r}")
        return int(number)

    decision = str(row.get("decision") or "").strip().lower()
    if decision not in DECISIONS:
        raise ValueError(
            f"{where}: unknown decision {row.get('decision')!r}; valid: {', '.join(DECISIONS)}"
        )
    out = {
        "index": integer("index", True),
        "decision": decision,
        "label": integer("label", False),
        "new_label": integer("new_label", decision == "relabel"),
    }
    return out


def apply_decisions(path: str | os.PathLike, result, *, num_classes: int | None = None) -> Applied:
    """Check the decisions of ``path`` against the scores ``result`` and apply them.

    Refused, naming the file: indices outside ``[0, N)`` or given twice, a
    ``label`` that differs from the scores' (the review was of other data), a
    JSON review of other scores (its ``scores_sha256``), ``new_label`` outside
    ``[0, num_classes)`` (default: the classes of the scores and the review).
    """
    path = Path(path)
    rows, header = read_decisions(path)
    original = result.labels.numpy().astype(np.int64)
    n = len(original)
    digest = header.get("scores_sha256")
    if digest and digest != scores_fingerprint(result):
        raise ValueError(
            f"{path}: this review was made on other scores (its scores_sha256 differs from the "
            "scores file's): apply it with the scores file its page was built from"
        )
    if "n_examples" in header and int(header["n_examples"]) != n:
        raise ValueError(f"{path}: the review is of {header['n_examples']} examples, scores {n}")
    if num_classes is None:
        num_classes = max(int(original.max()) + 1, len(header.get("classes") or []))
    labels, decision = original.copy(), np.full(n, "", dtype=object)
    seen: set[int] = set()
    for i, row in enumerate(rows, start=1):
        where, idx = f"{path}: decision {i}", row["index"]
        if not 0 <= idx < n:
            raise ValueError(f"{where}: index {idx} is outside the {n} scored examples")
        if idx in seen:
            raise ValueError(f"{where}: example {idx} is decided twice")
        seen.add(idx)
        if row["label"] is not None and row["label"] != original[idx]:
            raise ValueError(
                f"{where}: example {idx} has label {original[idx]} in the scores, the review "
                f"says {row['label']}: the review was made on other data"
            )
        if row["decision"] == "relabel":
            new = row["new_label"]
            if not 0 <= new < num_classes:
                raise ValueError(f"{where}: new_label {new} is not a class in [0, {num_classes})")
            labels[idx] = new
        decision[idx] = row["decision"]
    return Applied(labels=labels, original=original, decision=decision)


def write_labels(applied: Applied, path: str | os.PathLike) -> Path:
    """Write the new labels atomically to a new file.

    ``.csv``: one row per example: ``index, label, original_label, decision,
    retained`` (``retained`` 0 for removed and out-of-distribution examples).
    ``.npy`` / ``.pt``: the (N,) int64 labels, with -1 for removed and
    out-of-distribution examples.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    dropped = np.where(applied.retained, applied.labels, DROPPED_LABEL).astype(np.int64)
    if suffix == ".csv":
        import pandas as pd

        frame = pd.DataFrame(
            {
                "index": np.arange(len(applied.labels)),
                "label": applied.labels,
                "original_label": applied.original,
                "decision": applied.decision,
                "retained": applied.retained.astype(int),
            }
        )
        return atomic_write(path, lambda p: frame.to_csv(p, index=False))
    if suffix == ".npy":
        return atomic_write(path, lambda p: _save_npy(p, dropped))
    if suffix == ".pt":
        return atomic_write(path, lambda p: torch.save(torch.from_numpy(dropped), p))
    raise ValueError(f"{path}: a label file is .csv, .npy or .pt")


def write_indices(applied: Applied, which: list[str], path: str | os.PathLike) -> Path:
    """Write the sorted indices of the examples in groups ``which`` atomically.

    ``.txt``: one index a line; ``.json``: a list; ``.npy``: an int64 array.
    """
    path = Path(path)
    idx = np.unique(np.concatenate([applied.select(w) for w in which] or [np.empty(0, int)]))
    idx = idx.astype(np.int64)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".json"):
        text = json.dumps(idx.tolist()) if suffix == ".json" else "".join(f"{i}\n" for i in idx)

        def write(p: Path) -> None:
            p.write_text(text)

        return atomic_write(path, write)
    if suffix == ".npy":
        return atomic_write(path, lambda p: _save_npy(p, idx))
    raise ValueError(f"{path}: an index list is .txt, .json or .npy")


def _save_npy(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as f:  # np.save on a name would append ".npy" to the temporary file
        np.save(f, array)
