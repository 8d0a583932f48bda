"""VoG where practitioners work: training callbacks, dataset columns, a cleanlab issue type.

Each integration lives in its own module and imports its library only when
that module is imported (``import vog`` and ``import vog.integrations`` load
none of them); the libraries come with ``pip install "vog[integrations]"``:

- ``vog.integrations.lightning.VoGCallback``: a ``lightning.pytorch.Callback``;
- ``vog.integrations.huggingface.VoGCallback``: a ``transformers.TrainerCallback``;
- ``vog.integrations.columns``: scores as columns of a ``datasets.Dataset``
  (:meth:`vog.VoGResult.add_to_dataset`);
- ``vog.integrations.datalab``: the ``"vog"`` issue type of cleanlab's Datalab
  (registered on import).

Both callbacks record VoG of named data sets over windows of epochs (and, if
asked, the training-dynamics scores of :mod:`vog.analysis.difficulty`), never
change training, and resume with the trainer's own checkpoints; their shared
part is :class:`EpochScores`. The audit review page and ``vog apply`` are
:func:`vog.analysis.write_report` and :mod:`vog.analysis.review`.
"""

from __future__ import annotations

import importlib

from ._core import EpochScores, LogitsOf, default_windows

__all__ = ["EpochScores", "LogitsOf", "default_windows"]

#: The modules of the integrations, each importing its library.
MODULES = ("lightning", "huggingface", "columns", "datalab")


def __getattr__(name: str):
    if name in MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'vog.integrations' has no attribute {name!r}")
