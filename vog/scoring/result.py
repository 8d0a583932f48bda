"""The scores of a data set (:class:`VoGResult`) and their files (csv, parquet, pt)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch

from .._checks import check_choice
from ..atomic import atomic_write
from ..normalize import class_normalize

__all__ = ["VoGResult", "write_scores", "read_scores"]

#: File formats of :func:`write_scores`, by suffix.
SUFFIXES = (".csv", ".parquet", ".pt")
_FIELDS = ("raw", "normalized", "labels", "predictions", "scored_labels", "magnitude")


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

    def to_frame(self):
        """A pandas DataFrame with one row per example, indexed by example index."""
        import pandas as pd

        return pd.DataFrame(
            {
                "label": self.labels.numpy(),
                "prediction": self.predictions.numpy(),
                "scored_label": self.scored_labels.numpy(),
                "vog": self.raw.numpy(),
                "vog_normalized": self.normalized.numpy(),
            }
        ).rename_axis("index")


def write_scores(result: VoGResult, path: str | os.PathLike) -> Path:
    """Write scores atomically as ``.csv``, ``.parquet`` or ``.pt`` (by suffix).

    Rows are examples: index, label, prediction, scored_label, vog, vog_normalized
    (``.pt`` also keeps the gradient magnitude where it was computed).
    """
    path = Path(path)
    suffix = check_choice("file suffix", path.suffix, SUFFIXES)
    if suffix == ".pt":
        data = {k: getattr(result, k) for k in _FIELDS}
        return atomic_write(path, lambda p: torch.save(data, p))
    frame = result.to_frame()
    if suffix == ".csv":
        return atomic_write(path, lambda p: frame.to_csv(p, float_format="%.17g"))
    return atomic_write(path, lambda p: frame.to_parquet(p))


def read_scores(path: str | os.PathLike) -> VoGResult:
    """Read scores written by :func:`write_scores`."""
    path = Path(path)
    suffix = check_choice("file suffix", path.suffix, SUFFIXES)
    if not path.is_file():
        raise FileNotFoundError(f"scores file not found: {path}")
    if suffix == ".pt":
        return VoGResult(**torch.load(path, map_location="cpu", weights_only=True))
    import pandas as pd

    df = pd.read_csv(path, index_col="index") if suffix == ".csv" else pd.read_parquet(path)
    col = lambda c, dt: torch.as_tensor(df[c].to_numpy().copy(), dtype=dt)  # noqa: E731
    return VoGResult(
        raw=col("vog", torch.float64),
        normalized=col("vog_normalized", torch.float64),
        labels=col("label", torch.long),
        predictions=col("prediction", torch.long),
        scored_labels=col("scored_label", torch.long),
    )
