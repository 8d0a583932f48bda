"""The options of a training run: one frozen object, validated once on construction.

:class:`TrainOptions` holds the optimiser, the learning-rate schedule and the
choices of the training loop of :func:`vog.train_with_vog`; every choice it
offers is listed in :data:`TRAIN_CHOICES`, and the optimisers it can build are
the small named functions of :data:`OPTIMIZERS`. A run's configuration
(:class:`vog.experiments.ExperimentConfig`) holds one.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ._checks import check_choice
from .options import CHOICES, torch_device

__all__ = ["OPTIMIZERS", "TRAIN_CHOICES", "TrainOptions"]


def _sgd(params: Iterable[torch.Tensor], o: TrainOptions) -> torch.optim.Optimizer:
    """SGD with (heavy-ball) momentum and L2 weight decay (the paper's optimiser)."""
    return torch.optim.SGD(params, lr=o.lr, momentum=o.momentum, weight_decay=o.weight_decay)


def _adam(params: Iterable[torch.Tensor], o: TrainOptions) -> torch.optim.Optimizer:
    """Adam with default betas; ``weight_decay`` is an L2 term added to the gradient."""
    return torch.optim.Adam(params, lr=o.lr, weight_decay=o.weight_decay)


#: The optimisers :class:`TrainOptions` can build, by ``optimizer`` name.
OPTIMIZERS: dict[str, Callable[[Iterable[torch.Tensor], TrainOptions], torch.optim.Optimizer]] = {
    "sgd": _sgd,
    "adam": _adam,
}

#: Valid values of every training option that is a choice, by option name.
TRAIN_CHOICES: dict[str, tuple] = {
    "optimizer": tuple(OPTIMIZERS),
    # step the learning-rate schedule once per epoch (paper) or once per batch (authors' CIFAR)
    "lr_step": ("epoch", "iteration"),
    # the class score whose input gradients VoG records (see vog.ScoringOptions)
    "target": CHOICES["target"],
}


def _integer(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an int, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an int, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {number}")
    return number


def _real(name: str, value: object, *, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ValueError(
            f"{name} must be a finite number {'>' if positive else '>='} 0, got {value}"
        )
    return number


@dataclass(frozen=True, kw_only=True)
class TrainOptions:
    """How :func:`vog.train_with_vog` trains: optimiser, schedule and loop choices.

    Attributes
    ----------
    epochs : int
        Number of epochs, >= 2 (VoG needs two checkpoints); required.
    lr, momentum, weight_decay : float
        Learning rate (> 0), SGD momentum (>= 0; 0 with Adam) and L2 weight
        decay (>= 0).
    batch_size : int
        Training examples per step.
    lr_milestones, lr_gamma : tuple of int, float
        MultiStepLR: the learning rate is multiplied by ``lr_gamma`` at each
        milestone (paper CIFAR: (150, 250), 0.1).
    lr_step : {"epoch", "iteration"}
        Step the schedule once per epoch (paper) or once per batch, as the
        authors' CIFAR script does (milestones then count batches).
    optimizer : {"sgd", "adam"}
        :data:`~vog.train_options.OPTIMIZERS`: SGD (paper) or Adam (e.g.
        H-CAT's benchmark, lr 1e-3).
    target : {"logit", "probability"}
        The class score whose input gradients VoG records during training
        (paper Eq. 1: the logit; see :func:`vog.input_gradients`).
    seed : int
        Seeds the shuffling and the global torch generator (augmentation,
        dropout); scoring draws from neither.
    device : str or None
        Where to train; None: CUDA if available, else the CPU.
    num_workers : int
        DataLoader worker processes for the training, scored and evaluation
        sets (their order stays fixed by ``seed``).
    channels_last : bool
        Train with the model's weights and the image batches in channels-last
        memory format (:class:`torch.channels_last`): on CPUs about 1.5x faster
        for a LeNet (its max-pooling and small convolutions), the same maths up
        to float32 rounding; part of what a run computes (its cache key), since
        rounding differences grow over training.
    progress : bool
        Show a tqdm bar over epochs.

    Raises
    ------
    ValueError
        On construction, naming the option and its valid values.
    """

    CHOICES: ClassVar[dict[str, tuple]] = TRAIN_CHOICES
    #: Options that change how fast a run goes, not what it computes.
    RUNTIME: ClassVar[tuple[str, ...]] = ("device", "num_workers", "progress")

    epochs: int
    lr: float = 0.1
    momentum: float = 0.0
    weight_decay: float = 0.0
    batch_size: int = 128
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.1
    lr_step: str = "epoch"
    optimizer: str = "sgd"
    target: str = "logit"
    seed: int = 0
    device: str | None = None
    num_workers: int = 0
    progress: bool = False
    channels_last: bool = False

    def __post_init__(self) -> None:
        for name, valid in TRAIN_CHOICES.items():
            check_choice(name, getattr(self, name), valid)
        fix = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        fix("epochs", _integer("epochs", self.epochs, 2))
        fix("batch_size", _integer("batch_size", self.batch_size, 1))
        fix("num_workers", _integer("num_workers", self.num_workers, 0))
        fix("seed", _integer("seed", self.seed, -(2**63)))
        fix("lr", _real("lr", self.lr, positive=True))
        fix("lr_gamma", _real("lr_gamma", self.lr_gamma, positive=True))
        fix("momentum", _real("momentum", self.momentum, positive=False))
        fix("weight_decay", _real("weight_decay", self.weight_decay, positive=False))
        if isinstance(self.lr_milestones, (str, bytes)) or not isinstance(
            self.lr_milestones, Iterable
        ):
            raise ValueError(
                f"lr_milestones must be a sequence of ints, got {self.lr_milestones!r}"
            )
        # lists from papermill/YAML parameters become tuples (hashable, a stable cache key)
        fix("lr_milestones", tuple(_integer("lr_milestones", m, 0) for m in self.lr_milestones))
        for flag in ("progress", "channels_last"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag} must be True or False, got {getattr(self, flag)!r}")
        if self.optimizer != "sgd" and self.momentum:
            raise ValueError(
                f"momentum={self.momentum} is an SGD option; use optimizer='sgd' or momentum=0"
            )
        if isinstance(self.device, torch.device):
            fix("device", str(self.device))
        if self.device is not None:
            try:
                torch.device(self.device)
            except (RuntimeError, TypeError) as exc:
                raise ValueError(f"device={self.device!r} is not a torch device: {exc}") from None

    @classmethod
    def build(cls, options: TrainOptions | None = None, **changes: Any) -> TrainOptions:
        """``options`` (default: the defaults) with ``changes`` applied, validated once.

        Raises ``ValueError`` for an unknown option name, listing the valid ones.
        """
        fields = cls.names()
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise ValueError(f"unknown training option(s) {unknown}; valid options: {fields}")
        if options is None:
            return cls(**changes)
        if not isinstance(options, cls):
            raise TypeError(f"options must be a TrainOptions, got {type(options).__name__}")
        return dataclasses.replace(options, **changes) if changes else options

    @classmethod
    def names(cls) -> list[str]:
        """The option names, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    def to_dict(self) -> dict[str, Any]:
        """The options as a flat dict of plain values (``TrainOptions(**d)`` rebuilds them)."""
        return {name: getattr(self, name) for name in self.names()}

    def torch_device(self) -> torch.device:
        """The device to train on (``device``, or CUDA if available, else the CPU)."""
        return torch_device(self.device)

    def make_optimizer(self, params: Iterable[torch.Tensor]) -> torch.optim.Optimizer:
        """The optimiser named by ``optimizer`` (:data:`~vog.train_options.OPTIMIZERS`)."""
        return OPTIMIZERS[self.optimizer](params, self)

    def make_scheduler(
        self, optimizer: torch.optim.Optimizer
    ) -> torch.optim.lr_scheduler.LRScheduler:
        """MultiStepLR with ``lr_milestones`` and ``lr_gamma`` (stepped as ``lr_step`` says)."""
        return torch.optim.lr_scheduler.MultiStepLR(
            optimizer, milestones=list(self.lr_milestones), gamma=self.lr_gamma
        )
