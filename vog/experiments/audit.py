"""An audit checked against labels known to be wrong: what each score, flag and review finds.

The companion shuffles a share of the training labels
(:func:`vog.experiments.shuffle_labels`) so that an audit has something real
to find. Knowing which labels are wrong,

- :func:`score_aurocs`: how well each score ranks the shuffled labels first
  (AUROC in %, best first);
- :func:`flag_table`: how many examples each flag marks (e.g. a cleanlab
  Datalab issue type), the shuffled share among them and the share of the
  shuffled labels they find;
- :func:`top_per_class`: the examples the review page
  (:func:`vog.analysis.write_report`) asks an auditor to look at, the ``k``
  highest class-normalised VoG of each class;
- :func:`oracle_decisions`: the export of an auditor who knows the truth
  (every reviewed example with a wrong label relabelled to its true class, the
  others kept), in the review page's CSV format, for ``vog apply``
  (:mod:`vog.analysis.review`);
- :func:`labels_fixed`: how many wrong labels a new label file puts right;
- :func:`queue_figure`: the review queue's images, one column per class, each
  titled with the label it carries (red where that label is wrong).

Chapter "Using vog in your training stack" runs them on the digits.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..analysis.metrics import detection_metrics, ranked
from ..data import to_numpy

__all__ = [
    "flag_table",
    "labels_fixed",
    "oracle_decisions",
    "queue_figure",
    "score_aurocs",
    "top_per_class",
]

#: The columns of :func:`flag_table`.
FLAG_COLUMNS = ("flagged", "shuffled among them (%)", "shuffled found (%)")


def _mask(values, n: int | None = None, *, name: str = "positives") -> np.ndarray:
    m = to_numpy(values).ravel()
    if m.dtype != bool:
        raise ValueError(f"{name} must be a boolean mask, got dtype {m.dtype}")
    if n is not None and len(m) != n:
        raise ValueError(f"{name} has {len(m)} values, expected {n} (one per example)")
    return m


def score_aurocs(scores: Mapping[str, object], positives) -> pd.Series:
    """AUROC (%) of each score for finding the ``positives``, highest first.

    Parameters
    ----------
    scores : mapping name -> (N,) values
        Higher = more likely a positive (e.g. loss, VoG; AUM and Data Maps'
        confidence as :mod:`vog.analysis.difficulty` orients them).
    positives : (N,) bool
        The examples to find (e.g. the shuffled labels); both kinds present.

    Returns
    -------
    pandas.Series
        name -> AUROC in [0, 100] (chance 50, higher = better), sorted
        descending (:func:`vog.analysis.detection_metrics`).
    """
    if not scores:
        raise ValueError("no scores given")
    return pd.Series(
        {name: 100 * detection_metrics(s, positives)["AUROC"] for name, s in scores.items()}
    ).sort_values(ascending=False)


def flag_table(flags: Mapping[str, object], positives) -> pd.DataFrame:
    """What each boolean flag marks, measured against the ``positives``.

    Parameters
    ----------
    flags : mapping name -> (N,) bool
        One mask per flag (e.g. ``issues["is_label_issue"]`` of a Datalab).
    positives : (N,) bool
        The examples a flag should mark (e.g. the shuffled labels).

    Returns
    -------
    pandas.DataFrame
        One row per flag, in the given order: ``flagged`` (int, how many it
        marks), ``shuffled among them (%)`` (precision in [0, 100]; 0 when it
        marks none) and ``shuffled found (%)`` (recall in [0, 100]; 0 without
        positives). Higher = better for both shares.
    """
    pos = _mask(positives)
    rows = {}
    for name, values in flags.items():
        flagged = _mask(values, len(pos), name=f"flag {name!r}")
        rows[name] = {
            "flagged": int(flagged.sum()),
            "shuffled among them (%)": 100 * float(pos[flagged].mean()) if flagged.any() else 0.0,
            "shuffled found (%)": 100 * float(flagged[pos].mean()) if pos.any() else 0.0,
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(FLAG_COLUMNS))
    return table.astype({"flagged": int})


def top_per_class(normalized, labels, *, k: int) -> np.ndarray:
    """Indices of the ``k`` highest scores of each class, class by class (the review queue).

    Parameters
    ----------
    normalized : (N,) values
        Class-normalised VoG (higher = harder), or any score.
    labels : (N,) int
        The class of each example (the scores' labels).
    k : int
        Examples per class, >= 1 (fewer where a class has fewer).

    Returns
    -------
    ndarray (sum over classes of min(k, class size),) int
        For each class present, ascending, its ``k`` highest-scored examples
        from the highest down; ties as :func:`vog.analysis.ranked` breaks them
        (the later example first), as the review page does.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    s, y = to_numpy(normalized).ravel(), to_numpy(labels).ravel()
    if len(s) != len(y):
        raise ValueError(f"scores and labels differ in length: {len(s)} vs {len(y)}")
    picked = [ranked(s, k=k, among=y == c)["highest"] for c in np.unique(y)]
    return np.concatenate(picked).astype(int) if picked else np.zeros(0, dtype=int)


def oracle_decisions(indices, labels, true_labels) -> pd.DataFrame:
    """The decisions of an auditor who knows the true labels, as the review page exports them.

    Parameters
    ----------
    indices : (R,) int
        The reviewed examples (e.g. :func:`top_per_class`), in review order.
    labels : (N,) int
        The labels the data set carries (and the scores were computed with).
    true_labels : (N,) int
        The correct labels.

    Returns
    -------
    pandas.DataFrame
        One row per reviewed example: ``index``, ``decision`` (``"relabel"``
        where its label is wrong, else ``"keep"``), ``label`` and ``new_label``
        (the true class for a relabel, else missing: pandas' nullable
        ``Int64``). ``to_csv(index=False)`` writes a file ``vog apply`` reads.
    """
    y, truth = to_numpy(labels).ravel(), to_numpy(true_labels).ravel()
    if len(y) != len(truth):
        raise ValueError(f"labels and true labels differ in length: {len(y)} vs {len(truth)}")
    rows = []
    for i in (int(i) for i in to_numpy(indices).ravel()):
        if not 0 <= i < len(y):
            raise ValueError(f"index {i} is outside the {len(y)} examples")
        wrong = bool(y[i] != truth[i])
        rows.append(
            {
                "index": i,
                "decision": "relabel" if wrong else "keep",
                "label": int(y[i]),
                "new_label": int(truth[i]) if wrong else None,
            }
        )
    table = pd.DataFrame(rows, columns=["index", "decision", "label", "new_label"])
    return table.astype({"index": int, "label": int, "new_label": "Int64"})


def labels_fixed(new_labels, true_labels, wrong) -> int:
    """How many of the ``wrong`` labels the ``new_labels`` put right (>= 0, higher = better).

    Parameters
    ----------
    new_labels : (N,) int
        Labels after the audit (e.g. the ``label`` column ``vog apply`` writes).
    true_labels : (N,) int
        The correct labels.
    wrong : (N,) bool
        The examples whose original label was wrong (e.g. the shuffled ones).
    """
    new, truth = to_numpy(new_labels).ravel(), to_numpy(true_labels).ravel()
    bad = _mask(wrong, len(truth), name="wrong")
    if len(new) != len(truth):
        raise ValueError(f"new and true labels differ in length: {len(new)} vs {len(truth)}")
    return int(((new == truth) & bad).sum())


def queue_figure(images, indices, labels, wrong):
    """The review queue as a figure: one column per class, its examples from the top down.

    Parameters
    ----------
    images : Tensor or array (N, 1, H, W) or (N, H, W), values in [0, 1]
        Grey images, shown with black = 0 and white = 1.
    indices : (R,) int
        The reviewed examples (e.g. :func:`top_per_class`); grouped by label,
        columns in the order the labels first appear.
    labels : (N,) int
        The label each example carries: its column and its title.
    wrong : (N,) bool
        Examples whose label is wrong: titled in red (the others in black).

    Returns
    -------
    matplotlib.figure.Figure
        ``rows x columns`` axes (rows: the most examples of one class), 0.8 x
        0.9 inches per image; axes without an example are left blank.
    """
    import matplotlib.pyplot as plt

    x, y = to_numpy(images), to_numpy(labels).ravel()
    bad = _mask(wrong, len(y), name="wrong")
    if x.ndim == 4:
        x = x[:, 0]
    if x.ndim != 3 or len(x) != len(y):
        raise ValueError(f"images must have shape (N={len(y)}, [1,] H, W), got {x.shape}")
    columns: dict[int, list[int]] = {}
    for i in (int(i) for i in to_numpy(indices).ravel()):
        columns.setdefault(int(y[i]), []).append(i)
    if not columns:
        raise ValueError("no examples to show")
    rows = max(len(c) for c in columns.values())
    fig, axes = plt.subplots(
        rows, len(columns), figsize=(0.8 * len(columns), 0.9 * rows + 0.4), squeeze=False
    )
    for col, members in enumerate(columns.values()):
        for row in range(rows):
            ax = axes[row, col]
            ax.set_axis_off()
            if row < len(members):
                i = members[row]
                ax.imshow(x[i], cmap="gray", vmin=0, vmax=1)
                ax.set_title(str(int(y[i])), fontsize=8, color="red" if bad[i] else "black")
    fig.tight_layout()
    return fig
