"""The paper's experiments: models, the runs the book trains and caches, the toy problem.

- ``.config``: :class:`ExperimentConfig`, everything that determines a run
  (its :meth:`~ExperimentConfig.windows` are the VoG windows the chapters use);
- ``.run``: :func:`run_experiment` trains or loads a cached
  :class:`Experiment`, which holds the run's scores, data and checkpoints;
- ``.data``: a run's data (:data:`vog.experiments.DATASETS`, shuffled labels, :func:`crop_flip`);
- ``.crossval``: out-of-sample probabilities of a run's training set (for cleanlab);
- ``.models``: the architectures (:data:`vog.experiments.ARCHITECTURES`, :func:`make_model`);
- ``.companion``: the repository address and a chapter's launch links;
- ``.toy``: the two-dimensional problem of Sec. 2.1 and the distance to a
  learned decision boundary.
"""

from . import companion
from .config import ExperimentConfig
from .crossval import out_of_sample_probabilities
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
    "companion",
    "crop_flip",
    "make_model",
    "out_of_sample_probabilities",
    "resnet50",
    "run_experiment",
    "shuffle_labels",
    "toy_blobs",
]
