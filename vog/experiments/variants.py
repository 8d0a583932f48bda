"""VoG's variants of a run, by name: the scores the chapters compare, defined once.

The paper ranks examples by class-normalised VoG (Sec. 2; signed z-score).
The chapters set it beside the raw score, the authors' absolute z-score, VoG
relative to the gradient's size and VoG of the predicted label (Sec. 3 (4)).
Each variant is a small named function in :data:`vog.experiments.VARIANTS`;
:func:`vog.experiments.vog_variants` computes the ones asked for from a finished
run, and :func:`vog.experiments.correct` gives the run's per-example
correctness that the error curves are drawn against.

>>> scores = vog_variants(run, "test", "all", names=("signed", "relative"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np
import torch

from .._checks import check_choice
from ..normalize import class_normalize

if TYPE_CHECKING:
    from .run import Experiment

__all__ = ["VARIANTS", "correct", "vog_variants"]


def _raw(run: Experiment, split: str, window: str) -> torch.Tensor:
    """Raw VoG (paper Eq. 4), >= 0; classes with larger gradients score higher."""
    return run.vog[split][window]


def _signed(run: Experiment, split: str, window: str) -> torch.Tensor:
    """Class-normalised VoG, signed z-score within the class (the paper's score)."""
    return class_normalize(run.vog[split][window], run.labels[split])


def _absolute(run: Experiment, split: str, window: str) -> torch.Tensor:
    """|class-normalised VoG|: distance from the class mean either way (authors' option)."""
    return class_normalize(run.vog[split][window], run.labels[split], mode="abs_zscore")


def _relative(run: Experiment, split: str, window: str) -> torch.Tensor:
    """Raw VoG divided by the gradient's size (:meth:`vog.VoGAccumulator.magnitude`, in
    [0, 1]: how much the gradients change relative to how large they are), then
    class-normalised."""
    magnitude = run.magnitude.get(split, {}).get(window)
    if magnitude is None:
        raise ValueError(
            f"the run {run.folder} has no gradient magnitude for {split}/{window} "
            "(lazy data sets are scored after training without it)"
        )
    return class_normalize(run.vog[split][window] / magnitude, run.labels[split])


def _predicted(run: Experiment, split: str, window: str) -> torch.Tensor:
    """Class-normalised VoG of the final model's predicted label (no labels needed;
    computed from the saved checkpoints once and cached,
    :meth:`vog.experiments.Experiment.predicted`)."""
    return run.predicted(split, window).normalized


#: The variants by name: ``f(run, split, window) -> Tensor (N,)``, higher = harder.
VARIANTS: dict[str, Callable[[Experiment, str, str], torch.Tensor]] = {
    "raw": _raw,
    "signed": _signed,
    "absolute": _absolute,
    "relative": _relative,
    "predicted": _predicted,
}


def vog_variants(
    run: Experiment,
    split: str = "test",
    window: str = "all",
    *,
    names: Iterable[str] = ("raw", "signed", "absolute", "relative", "predicted"),
) -> dict[str, np.ndarray]:
    """VoG's variants of a run's ``split`` over ``window``, in the order of ``names``.

    Parameters
    ----------
    run : Experiment
        A finished run (:func:`vog.experiments.run_experiment`).
    split : {"train", "test"}
    window : str
        One of the run's windows (``"early"``, ``"late"``, ``"all"``).
    names : iterable of str
        Keys of :data:`vog.experiments.VARIANTS`; ``"predicted"`` scores the
        window's checkpoints again the first time (then it is read from the
        run's cache).

    Returns
    -------
    dict of str to ndarray, each (N,) float64, higher = harder

    Raises
    ------
    ValueError
        For an unknown split, window or variant name (listing the valid ones).
    """
    check_choice("split", split, ("train", "test"))
    check_choice("window", window, tuple(run.windows()))
    names = tuple(names)
    for name in names:
        check_choice("variant", name, VARIANTS)
    return {
        name: np.asarray(VARIANTS[name](run, split, window), dtype=np.float64) for name in names
    }


def correct(run: Experiment, split: str = "test") -> np.ndarray:
    """Whether the run's final model classifies each example of ``split`` as labelled
    (the labels it was trained or scored with): (N,) bool, True = correct."""
    check_choice("split", split, ("train", "test"))
    return (run.predictions[split] == run.labels[split]).numpy()
