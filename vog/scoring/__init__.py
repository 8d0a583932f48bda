"""Scoring a data set from saved checkpoints.

- :func:`vog.compute_vog` (``.compute``): the entry point, a dispatcher over
  the two loops below; options in one :class:`vog.ScoringOptions`.
- ``.streaming``: checkpoint-major, per-pixel running state, O(N x pixels).
- ``.sample_major``: all K checkpoints per batch, O(N) memory
  (:func:`vog.scoring.score_loader`, :func:`vog.scoring.batch_vog`,
  :class:`vog.scoring.stack_checkpoints`).
- ``.vmap_route``: the K checkpoints of a batch one by one or as one vmapped call,
  timed on the first batch by default (:func:`vog.scoring.vmap_route.vmap_decisions`).
- ``.checkpoint_modules``: checkpoints as private modules (:func:`vog.scoring.load_models`),
  one architecture, duplicates warned about, the order they are scored in.
- :func:`vog.scoring.conv_as_forward` (from the core module :mod:`vog.fast_conv`, which the
  training recorder uses too): input gradients of stride-1 convolutions as forward
  convolutions, taken by default where it is measured faster
  (:func:`vog.fast_conv.fast_conv_route`).
- ``.sharded``: resumable shards under ``torchrun`` (:func:`vog.score_to_shards`,
  :func:`vog.merge_shards`).
- ``.result``: :class:`vog.VoGResult` and its files (:func:`vog.write_scores`,
  :func:`vog.read_scores`).
"""

from ..fast_conv import conv_as_forward, conv_eligible
from .checkpoint_modules import load_models
from .compute import compute_vog
from .result import VoGResult, read_scores, write_scores
from .sample_major import batch_vog, score_loader, stack_checkpoints
from .sharded import merge_shards, score_to_shards

__all__ = [
    "VoGResult",
    "batch_vog",
    "compute_vog",
    "conv_as_forward",
    "conv_eligible",
    "load_models",
    "merge_shards",
    "read_scores",
    "score_loader",
    "score_to_shards",
    "stack_checkpoints",
    "write_scores",
]
