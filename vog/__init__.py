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
    imagenet,
    mnist,
    mnist_c,
    to_tensors,
    write_mnist_c,
)
from .experiment_data import DATASETS, crop_flip, load_data
from .experiments import (
    MODELS,
    Experiment,
    ExperimentConfig,
    make_model,
    run_experiment,
    vog_windows,
)
from .fast_conv import conv_as_forward, conv_eligible
from .gradients import (
    TARGETS,
    input_gradients,
    logits_and_gradients,
    pixel_shape_of,
    reduce_channels,
)
from .metrics import class_level, error_by_percentile, spearman, tail_errors
from .models import MLP, DenseNetBC, LeNet, ResNet18, WideResNet, resnet50
from .normalize import NORMALIZE_MODES, class_normalize
from .ood import (
    BASELINES,
    fit_baseline,
    load_ood_set,
    msp_score,
    ood_metrics,
    pooled_vog,
    predicted_vog,
)
from .plots import image_grid, percentile_error_plot, ranked
from .reference import authors_vog
from .report import write_report
from .sample_major import (
    AUTOCAST_DTYPES,
    LABEL_MODES,
    batch_vog,
    score_loader,
    stack_checkpoints,
)
from .scoring import SCORING_MODES, VoGResult, compute_vog, load_models
from .sharded import merge_shards, read_scores, score_to_shards, write_scores
from .toy import boundary_distance, toy_blobs
from .training import TrainResult, evaluate, first_last_windows, stage_windows, train_with_vog

__version__ = "0.1.0"

__all__ = [
    "AUTOCAST_DTYPES",
    "BASELINES",
    "CIFAR_NAMES",
    "CORRUPTIONS",
    "DATASETS",
    "LABEL_MODES",
    "MLP",
    "MODELS",
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
    "class_level",
    "class_normalize",
    "compute_vog",
    "conv_as_forward",
    "conv_eligible",
    "corrupt",
    "crop_flip",
    "dataset_labels",
    "DenseNetBC",
    "digits",
    "error_by_percentile",
    "evaluate",
    "Experiment",
    "ExperimentConfig",
    "first_last_windows",
    "fit_baseline",
    "gaussian_noise",
    "image_folder",
    "image_grid",
    "imagenet",
    "input_gradients",
    "LeNet",
    "load_checkpoint",
    "load_data",
    "load_models",
    "load_ood_set",
    "load_state_dict",
    "logits_and_gradients",
    "make_model",
    "merge_shards",
    "mnist",
    "mnist_c",
    "msp_score",
    "ood_metrics",
    "percentile_error_plot",
    "pixel_shape_of",
    "pooled_vog",
    "predicted_vog",
    "ranked",
    "read_scores",
    "reduce_channels",
    "ResNet18",
    "resnet50",
    "run_experiment",
    "save_checkpoint",
    "score_loader",
    "score_to_shards",
    "spearman",
    "stack_checkpoints",
    "stage_windows",
    "tail_errors",
    "to_tensors",
    "toy_blobs",
    "train_with_vog",
    "TrainResult",
    "vog_from_gradients",
    "vog_windows",
    "VoGAccumulator",
    "VoGResult",
    "WideResNet",
    "write_mnist_c",
    "write_report",
    "write_scores",
]
