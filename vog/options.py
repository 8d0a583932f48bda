"""The options of a VoG scoring call: one frozen object, validated once on construction.

Every choice a scoring call offers is listed in :data:`CHOICES`; the maths
functions (:func:`vog.input_gradients`, :func:`vog.class_normalize`), the
scoring loops and the command line all take their valid values from it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import torch

from ._checks import check_choice
from .fast_conv import wants_fast_conv

__all__ = ["CHOICES", "ScoringOptions", "torch_device"]

#: Valid values of every option that is a choice, by option name.
CHOICES: dict[str, tuple] = {
    # differentiate the logit of the true label or of the last checkpoint's prediction
    "labels": ("true", "predicted"),
    # paper Eq. 1: the pre-softmax logit; the authors' toy script: the softmax probability
    "target": ("logit", "probability"),
    # class normalisation (paper Sec. 2): signed z-score, or its absolute value (authors)
    "normalize": ("zscore", "abs_zscore"),
    # all checkpoints per batch (O(N) memory), or checkpoint-major with per-pixel running state
    "mode": ("sample_major", "streaming"),
    # mixed precision of the forward and backward passes (sample-major only)
    "autocast": (None, "bfloat16", "float16"),
}

#: Options that only the sample-major loop implements.
SAMPLE_MAJOR_ONLY = ("vectorize", "autocast", "channels_last", "compile")


@dataclass(frozen=True)
class ScoringOptions:
    """How :func:`vog.compute_vog` and :func:`vog.score_to_shards` score examples.

    Attributes
    ----------
    labels : {"true", "predicted"}
        Differentiate the logit of the true label, or of the last checkpoint's
        predicted class (paper Sec. 3 (4): no labels needed).
    target : {"logit", "probability"}
        The class score of paper Eq. 1 (pre-softmax logit), or the softmax
        probability of the authors' toy script.
    normalize : {"zscore", "abs_zscore"}
        Class normalisation of :func:`vog.class_normalize`.
    channel_mean : bool
        Average the colour channels of image gradients before the variance (paper).
    mode : {"sample_major", "streaming"}
        ``"sample_major"`` (default): all K checkpoints in memory, each batch
        reduced to one VoG per example at once, O(N) memory. ``"streaming"``:
        one checkpoint in memory at a time and two per-pixel running maps per
        example, O(N x pixels) memory (for checkpoints too large to hold K of).
        Both give the same scores.
    batch_size, num_workers, progress
        Examples per batch, DataLoader worker processes, a tqdm progress bar.
    device : str or None
        Where to compute; None: CUDA if available, else the CPU.
    vectorize : bool or None
        Sample-major only. True: run the K checkpoints in one ``torch.func.vmap``
        call per batch; False: one after the other. None (default): measured;
        the first batch of each kind times both and the faster is kept
        (:mod:`vog.scoring.vmap_route`; the loop with ``compile``, with
        ``fast_conv=True`` or for a model without parameters). Both give the
        same scores up to float32 rounding.
    autocast, channels_last, compile
        Sample-major only: ``torch.autocast`` dtype; channels-last memory format;
        :func:`torch.compile` the checkpoints (not with ``vectorize=True``).
    fast_conv : bool or None
        Input gradients of stride-1 convolutions as forward convolutions
        (:func:`vog.scoring.conv_as_forward`; the same gradients up to float32
        rounding); not with ``vectorize=True``, ``autocast`` or ``compile``. None
        (default): measured; each eligible layer takes the route timed faster
        for its kind on this machine, on the first batch it sees
        (:func:`vog.fast_conv.fast_conv_route`, :mod:`vog.conv_planner`); off
        with those options. True: every eligible layer, on any device. False:
        autograd's kernels.

    Raises
    ------
    ValueError
        On construction, naming the option and its valid values or the
        conflicting options.
    """

    CHOICES: ClassVar[dict[str, tuple]] = CHOICES

    labels: str = "true"
    target: str = "logit"
    normalize: str = "zscore"
    channel_mean: bool = True
    mode: str = "sample_major"
    batch_size: int = 256
    device: str | None = None
    num_workers: int = 0
    progress: bool = False
    vectorize: bool | None = None
    autocast: str | None = None
    channels_last: bool = False
    compile: bool = False
    fast_conv: bool | None = None

    def __post_init__(self) -> None:
        for name, valid in CHOICES.items():
            check_choice(name, getattr(self, name), valid)
        for name in ("batch_size", "num_workers"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an int, got {value!r}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if self.num_workers < 0:
            raise ValueError(f"num_workers must be >= 0, got {self.num_workers}")
        for name in ("channel_mean", "progress", "channels_last", "compile"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}")
        for name in ("vectorize", "fast_conv"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, bool):
                raise ValueError(f"{name} must be True, False or None, got {value!r}")
        if self.device is not None:
            try:
                torch.device(self.device)
            except (RuntimeError, TypeError) as exc:
                raise ValueError(f"device={self.device!r} is not a torch device: {exc}") from None
        used = [n for n in SAMPLE_MAJOR_ONLY if getattr(self, n)]
        if self.mode == "streaming" and used:
            raise ValueError(f"{', '.join(used)} need mode='sample_major'")
        if self.vectorize and self.compile:
            raise ValueError(
                "compile=True works on the per-checkpoint loop, not with vectorize=True"
            )
        if self.fast_conv and (self.vectorize or self.autocast or self.compile):
            raise ValueError("fast_conv=True works without vectorize, autocast and compile")

    @property
    def may_vectorize(self) -> bool:
        """Whether the sample-major loop measures loop against vmap (``vectorize=None``):
        not in streaming mode, with ``compile`` or with ``fast_conv=True``, which need
        the loop."""
        return (
            self.vectorize is None
            and self.mode == "sample_major"
            and not self.compile
            and self.fast_conv is not True
        )

    @property
    def fast_conv_setting(self) -> bool | None:
        """``fast_conv`` as the scoring loop applies it: None (automatic) is False with
        ``vectorize``, ``autocast`` or ``compile``, which the forward route does not serve."""
        if self.fast_conv is None and (self.vectorize or self.autocast or self.compile):
            return False
        return self.fast_conv

    def uses_fast_conv(self, device: torch.device | str) -> bool:
        """Whether scoring on ``device`` takes the forward-convolution route at all.

        ``fast_conv`` when given; None: measured (:func:`vog.fast_conv.wants_fast_conv`),
        unless ``vectorize``, ``autocast`` or ``compile`` is set. The measured route
        may keep autograd's kernel for every layer of a given model
        (:func:`vog.conv_planner.route_decisions` lists what it chose).
        """
        return wants_fast_conv(self.fast_conv_setting, device)

    @classmethod
    def build(cls, options: ScoringOptions | None = None, **changes: Any) -> ScoringOptions:
        """``options`` (default: the defaults) with ``changes`` applied, validated once.

        Raises ``ValueError`` for an unknown option name, listing the valid ones.
        """
        fields = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(changes) - set(fields))
        if unknown:
            raise ValueError(f"unknown scoring option(s) {unknown}; valid options: {fields}")
        if options is None:
            return cls(**changes)
        if not isinstance(options, cls):
            raise TypeError(f"options must be a ScoringOptions, got {type(options).__name__}")
        return dataclasses.replace(options, **changes) if changes else options

    def torch_device(self) -> torch.device:
        """The device to compute on (``device``, or CUDA if available, else the CPU)."""
        return torch_device(self.device)


def torch_device(device: str | torch.device | None = None) -> torch.device:
    """``device`` as a :class:`torch.device`; None: the default, CUDA if available, else the CPU.

    The one home of the package's default device (scoring, training, the command line).
    """
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
