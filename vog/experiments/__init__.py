"""The paper's experiments: models, the runs the book trains and caches, the toy problem.

- ``.config``: :class:`ExperimentConfig`, everything that determines a run
  (its :meth:`~ExperimentConfig.windows` are the VoG windows the chapters use);
- ``.run``: :func:`run_experiment` trains or loads a cached
  :class:`Experiment`, which holds the run's scores, data and checkpoints;
- ``.data``: a run's data (:data:`DATASETS`, shuffled labels, :func:`crop_flip`);
- ``.models``: the architectures (:data:`ARCHITECTURES`, :func:`make_model`);
- ``.toy``: the two-dimensional problem of Sec. 2.1 and the distance to a
  learned decision boundary.
"""

from .config import ExperimentConfig
from .data import DATASETS, crop_flip, shuffle_labels
from .models import (
    ARCHITECTURES,
    MLP,
    DenseNetBC,
    LeNet,
    ResNet18,
    WideResNet,
    make_model,
    resnet50,
)
from .run import Experiment, run_experiment
from .toy import boundary_distance, toy_blobs

__all__ = [
    "ARCHITECTURES",
    "DATASETS",
    "DenseNetBC",
    "Experiment",
    "ExperimentConfig",
    "LeNet",
    "MLP",
    "ResNet18",
    "WideResNet",
    "boundary_distance",
    "crop_flip",
    "make_model",
    "resnet50",
    "run_experiment",
    "shuffle_labels",
    "toy_blobs",
]
