"""The paper's experiments: models, the runs the book trains and caches, the toy problem.

- ``.config``: :class:`ExperimentConfig`, everything that determines a run
  (its :meth:`~ExperimentConfig.windows` are the VoG windows the chapters use);
- ``.run``: :func:`run_experiment` trains or loads a cached
  :class:`Experiment`, which holds the run's scores, data and checkpoints;
- ``.data``: a run's data (:data:`vog.experiments.DATASETS`, shuffled labels, :func:`crop_flip`);
- ``.crossval``: out-of-sample probabilities of a run's training set (for cleanlab);
- ``.models``: the architectures (:data:`vog.experiments.ARCHITECTURES`, :func:`make_model`);
- ``.encoder``: the fine-tuned all-MiniLM-L6-v2 classifier on token embeddings (``"minilm"``);
- ``.presets``: named runs shared by the profiles and the chapters
  (:data:`PRESETS`, :func:`experiment_config`);
- ``.variants``: VoG's variants of a run by name (:func:`vog_variants`) and
  its per-example :func:`correct`;
- ``.hardness``: H-CAT's benchmark set-up, one run per hardness type, proportion
  and seed with every score (:func:`~vog.experiments.hardness.hardness_run`,
  :func:`~vog.experiments.hardness.run_grid`);
- ``.study``: the factor study of "When do the claims hold?" (a one-factor-at-a-time
  design, scores of both gradient targets from saved checkpoints, every claim's evidence;
  imported as ``vog.experiments.study``); ``.study_runs`` trains, scores and judges the
  design, ``.study_effects`` states each factor's effect on each claim against the seed
  noise of the base's replicates, ``.measures`` what VoG measures run by run;
- ``.domains`` and ``.domain_findings``: the chapter "Beyond images", its tabular
  and text domains trained over seeds, every claim's evidence, its tables and
  sentences (imported as ``vog.experiments.domains``);
- ``.companion``: the repository address and a chapter's launch links;
- ``.audit``: an audit checked against known shuffled labels (what each score, flag
  and a truth-knowing reviewer finds; imported as ``vog.experiments.audit``);
- ``.records``: recorded results of long runs (a chapter's evidence tables with the
  build record of the run that made them; ``make records``), read back verified;
- ``.provenance``: the record of a book build (commit, machine, versions, lock,
  chapter times, the runs it used; imported as ``vog.experiments.provenance``);
- ``.toy``: the two-dimensional problem of Sec. 2.1 and the distance to a
  learned decision boundary.
"""

from . import companion, domain_findings, domains, hardness, provenance, records
from .config import ExperimentConfig
from .crossval import out_of_sample_probabilities
from .data import DATASETS, crop_flip, shuffle_labels
from .models import (
    ARCHITECTURES,
    MLP,
    DenseNetBC,
    HCATLeNet,
    LeNet,
    ResNet8,
    ResNet18,
    WideResNet,
    make_model,
    resnet50,
)
from .presets import PRESETS, experiment_config, experiment_settings
from .run import Experiment, run_experiment
from .toy import boundary_distance, toy_blobs
from .variants import VARIANTS, correct, vog_variants

__all__ = [
    "ARCHITECTURES",
    "DATASETS",
    "DenseNetBC",
    "Experiment",
    "ExperimentConfig",
    "HCATLeNet",
    "LeNet",
    "MLP",
    "PRESETS",
    "ResNet8",
    "ResNet18",
    "VARIANTS",
    "WideResNet",
    "boundary_distance",
    "companion",
    "correct",
    "crop_flip",
    "domain_findings",
    "domains",
    "experiment_config",
    "experiment_settings",
    "hardness",
    "make_model",
    "out_of_sample_probabilities",
    "provenance",
    "records",
    "resnet50",
    "run_experiment",
    "shuffle_labels",
    "toy_blobs",
    "vog_variants",
]
