"""vog: Variance of Gradients (Agarwal, D'souza, Hooker, CVPR 2022) for PyTorch.

Rank examples by difficulty: input gradients of the class logit (Eq. 1), their
per-pixel standard deviation over training checkpoints (Eq. 2-3), averaged over
pixels (Eq. 4) and normalised within each class.
"""

from .accumulator import VoGAccumulator, vog_from_gradients
from .checkpoints import atomic_write, load_checkpoint, load_state_dict, save_checkpoint
from .corruptions import CORRUPTIONS, corrupt
from .data import as_dataset, as_loader, dataset_labels
from .datasets import (
    CIFAR_NAMES,
    cifar,
    digits,
    gaussian_noise,
    image_folder,
    mnist,
    mnist_c,
    to_tensors,
    write_mnist_c,
)
from .gradients import (
    TARGETS,
    input_gradients,
    logits_and_gradients,
    pixel_shape_of,
    reduce_channels,
)
from .metrics import spearman
from .models import MLP, LeNet, ResNet18
from .normalize import NORMALIZE_MODES, class_normalize
from .reference import authors_vog
from .sample_major import AUTOCAST_DTYPES, batch_vog, stack_checkpoints
from .scoring import (
    LABEL_MODES,
    SCORING_MODES,
    VoGResult,
    compute_vog,
    load_models,
    score_loader,
)
from .sharded import merge_shards, read_scores, score_to_shards, write_scores
from .toy import boundary_distance, toy_blobs
from .training import TrainResult, evaluate, first_last_windows, stage_windows, train_with_vog

__version__ = "0.1.0"

__all__ = [
    "AUTOCAST_DTYPES",
    "CIFAR_NAMES",
    "CORRUPTIONS",
    "LABEL_MODES",
    "MLP",
    "NORMALIZE_MODES",
    "SCORING_MODES",
    "TARGETS",
    "as_dataset",
    "as_loader",
    "atomic_write",
    "authors_vog",
    "batch_vog",
    "boundary_distance",
    "cifar",
    "class_normalize",
    "compute_vog",
    "corrupt",
    "dataset_labels",
    "digits",
    "evaluate",
    "first_last_windows",
    "gaussian_noise",
    "image_folder",
    "input_gradients",
    "LeNet",
    "load_checkpoint",
    "load_models",
    "load_state_dict",
    "logits_and_gradients",
    "merge_shards",
    "mnist",
    "mnist_c",
    "pixel_shape_of",
    "read_scores",
    "reduce_channels",
    "ResNet18",
    "save_checkpoint",
    "score_loader",
    "score_to_shards",
    "spearman",
    "stack_checkpoints",
    "stage_windows",
    "to_tensors",
    "toy_blobs",
    "train_with_vog",
    "TrainResult",
    "vog_from_gradients",
    "VoGAccumulator",
    "VoGResult",
    "write_mnist_c",
    "write_scores",
]
