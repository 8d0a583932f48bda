"""VoG windows: named sets of checkpoint epochs over which the variance is taken.

A window is an increasing sequence of >= 2 epochs (0-based, "after training
that epoch"): a ``range`` where the epochs are evenly spaced, else a list.
The paper uses two kinds:

* :func:`vog.stage_windows`: consecutive equal stages, the toy's early [0, 5),
  middle [5, 10), late [10, 15) and all [0, 15) (supplement A);
* :func:`vog.first_last_windows`: VoG(early-stage) over the first three epochs,
  VoG(late-stage) over the last three, and "all" over a checkpoint every
  ``every`` epochs plus the last (CIFAR: every 10 of 350; Sec. 2.2).

:func:`vog.windows.check_windows` validates any mapping of windows against a number of
epochs; the training loop, the recorder and the experiment runs use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

__all__ = ["stage_windows", "first_last_windows", "check_windows"]


def _compact(epochs: list[int]) -> Sequence[int]:
    """Evenly spaced epochs as a ``range``, others as the list itself."""
    if len(epochs) >= 2:
        r = range(epochs[0], epochs[-1] + 1, epochs[1] - epochs[0])
        if list(r) == epochs:
            return r
    return epochs


def stage_windows(epochs: int, n_stages: int = 3) -> dict[str, Sequence[int]]:
    """Equal consecutive stages of ``epochs`` plus ``"all"``.

    ``stage_windows(15)`` is the toy's ``{"early": range(0, 5), "middle":
    range(5, 10), "late": range(10, 15), "all": range(15)}``. With ``n_stages != 3`` the stages are
    named ``"stage0"``, ``"stage1"``, ...
    """
    epochs, n_stages = int(epochs), int(n_stages)
    if n_stages < 1 or epochs < 2 * n_stages:
        raise ValueError(f"{epochs} epochs cannot form {n_stages} stages of >= 2 checkpoints")
    names = ("early", "middle", "late") if n_stages == 3 else [f"stage{i}" for i in range(n_stages)]
    edges = [round(i * epochs / n_stages) for i in range(n_stages + 1)]
    out: dict[str, Sequence[int]] = {
        name: range(edges[i], edges[i + 1]) for i, name in enumerate(names)
    }
    out["all"] = range(epochs)
    return out


def first_last_windows(epochs: int, k: int = 3, *, every: int = 1) -> dict[str, Sequence[int]]:
    """The paper's early, late and all windows (Sec. 2.2).

    Parameters
    ----------
    epochs : int
        Length of training.
    k : int
        Epochs in the early window (the first ``k``) and the late one (the last ``k``); paper: 3.
    every : int, keyword-only
        The "all" window takes every ``every``-th epoch from 0, plus the last
        (paper CIFAR: 10, i.e. epochs 0, 10, ..., 340, 349).

    Returns
    -------
    dict
        ``{"early": range(k), "late": range(epochs - k, epochs), "all": ...}``;
        "all" is a range where its epochs are evenly spaced, else a list.
    """
    epochs, k, every = int(epochs), int(k), int(every)
    if k < 2 or epochs < k:
        raise ValueError(f"need 2 <= k <= epochs, got k={k}, epochs={epochs}")
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    return {
        "early": range(k),
        "late": range(epochs - k, epochs),
        "all": _compact(sorted(set(range(0, epochs, every)) | {epochs - 1})),
    }


def check_windows(windows: Mapping[str, Iterable[int]], epochs: int) -> dict[str, list[int]]:
    """Windows as sorted lists of distinct epochs, each with >= 2 epochs in ``[0, epochs)``.

    Raises ``ValueError`` naming the first window that is not.
    """
    out = {}
    for name, eps in windows.items():
        eps = sorted({int(e) for e in eps})
        if len(eps) < 2 or eps[0] < 0 or eps[-1] >= epochs:
            raise ValueError(f"window {name!r} must hold >= 2 epochs in [0, {epochs}), got {eps}")
        out[str(name)] = eps
    if not out:
        raise ValueError("no VoG windows given")
    return out
