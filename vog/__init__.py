"""vog: Variance of Gradients (Agarwal, D'souza, Hooker, CVPR 2022) for PyTorch.

Rank examples by difficulty: input gradients of the class logit (paper Eq. 1),
their per-pixel standard deviation over training checkpoints (Eq. 2-3),
averaged over pixels (Eq. 4) and normalised within each class (Sec. 2).

Where each concept lives:

- the core, importable as ``vog.<name>`` (this namespace):
  ``vog.gradients`` (Eq. 1), ``vog.accumulator`` (Eq. 2-4, stored or
  streaming), ``vog.normalize`` (class normalisation), ``vog.options``
  (every scoring option and its valid values), ``vog.train_options``
  (every training option), ``vog.windows`` (epoch
  windows), ``vog.recorder`` and ``vog.training`` (VoG while training),
  ``vog.observers`` (what watches a training loop),
  ``vog.checkpoints`` (safe checkpoint files), ``vog.data`` (user data
  to batches), ``vog.atomic`` (atomic writes), ``vog.reference`` (the
  authors' variant of the computation);
- ``vog.scoring``: scoring saved checkpoints (streaming and sample-major
  loops, sharded runs, score files);
- ``vog.experiments``: the paper's models, the runs the book trains and
  caches, the toy problem;
- ``vog.datasets``: the paper's data sets and their offline stand-ins,
  MNIST-C corruptions, out-of-distribution sets;
- ``vog.analysis``: metrics, OoD detection and baselines, plots, the HTML report.
- ``vog.integrations``: Lightning and Hugging Face callbacks, scores as
  ``datasets`` columns, cleanlab's ``"vog"`` issue type (optional libraries).

``import vog`` loads torch and numpy; the subpackages are imported on first
use (``vog.analysis``), so scipy, scikit-learn, pandas and matplotlib are only
loaded by code that needs them.
"""

from __future__ import annotations

import importlib

from .accumulator import VoGAccumulator, vog_from_gradients
from .checkpoints import load_checkpoint, load_state_dict, save_checkpoint
from .gradients import input_gradients, logits_and_gradients, reduce_channels
from .normalize import class_normalize
from .options import ScoringOptions
from .recorder import VoGRecorder
from .scoring import (
    VoGResult,
    compute_vog,
    merge_shards,
    read_scores,
    score_to_shards,
    write_scores,
)
from .train_options import TrainOptions
from .training import TrainResult, evaluate, train_with_vog
from .windows import first_last_windows, stage_windows

__version__ = "0.2.0"

__all__ = [
    "ScoringOptions",
    "TrainOptions",
    "TrainResult",
    "VoGAccumulator",
    "VoGRecorder",
    "VoGResult",
    "class_normalize",
    "compute_vog",
    "evaluate",
    "first_last_windows",
    "input_gradients",
    "load_checkpoint",
    "load_state_dict",
    "logits_and_gradients",
    "merge_shards",
    "read_scores",
    "reduce_channels",
    "save_checkpoint",
    "score_to_shards",
    "stage_windows",
    "train_with_vog",
    "vog_from_gradients",
    "write_scores",
]

#: Subpackages and modules loaded on first attribute access.
_LAZY = ("analysis", "datasets", "experiments", "integrations", "reference", "cli")


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vog' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
