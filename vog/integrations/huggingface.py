"""VoG recorded while the Hugging Face ``Trainer`` trains: :class:`VoGCallback`.

::

    from vog.integrations.huggingface import VoGCallback

    cb = VoGCallback({"train": (pixels, labels)}, input_name="pixel_values")
    trainer = transformers.Trainer(model, args, train_dataset=ds, callbacks=[cb])
    trainer.train()
    result = cb.scores("train")          # a vog.VoGResult
    result.add_to_dataset(ds_hf)         # the scores as columns of a datasets.Dataset

After each epoch named by a window the model is scored on the given data sets
(paper Eq. 1-4, streamed). VoG needs gradients with respect to a continuous
input: an image model's ``pixel_values``, a tabular model's features, or a
text model's ``inputs_embeds`` (token ids have no gradient). ``input_name``
is the keyword the model takes that input as; its output's ``logits`` are
differentiated.

Observing never changes training: the model is scored in eval mode with its
parameters frozen (both restored), and the scoring loaders draw nothing from
the global random generator (the Trainer's sampler draws its shuffling seed
from it at every epoch), so the same seed trains the same weights with and
without the callback.

Resuming: at every checkpoint the Trainer writes, the callback writes its
running state beside it (``checkpoint-<step>/vog_callback.pt``, atomic, with
its SHA-256). ``trainer.train(resume_from_checkpoint=True)`` or a checkpoint
folder of ``output_dir`` continues it; a checkpoint elsewhere is named with
``VoGCallback(..., resume_from=folder)``. A resumed run without that file is
refused (its windows would miss epochs). Only the main process scores.

Needs ``transformers`` (and ``accelerate`` for the Trainer):
``pip install "vog[integrations]"``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch
from torch.utils.data import Dataset
from transformers import TrainerCallback

from ..atomic import atomic_write, load_verified
from ._core import EpochScores, ScoresOfCore

__all__ = ["VoGCallback", "STATE_FILE"]

#: The callback's state file inside a Trainer checkpoint folder.
STATE_FILE = "vog_callback.pt"


class VoGCallback(TrainerCallback, ScoresOfCore):
    """A ``transformers.TrainerCallback`` recording VoG (and optionally training dynamics).

    Parameters
    ----------
    data : mapping name -> Dataset or (X, y)
        Data sets to score, in a fixed order, never augmented; ``X`` is the
        model input named by ``input_name``.
    input_name : str, optional, keyword-only
        Keyword the model's ``forward`` takes the input as (e.g.
        ``"pixel_values"``, ``"inputs_embeds"``); None: positional.
    windows : mapping name -> epochs, keyword-only, optional
        VoG windows of 0-based epochs (>= 2 each). Default: the stages of
        ``num_train_epochs`` (:func:`vog.stage_windows`; one window "all"
        under 6 epochs).
    target, batch_size, dynamics, early_epoch : keyword-only
        As :class:`vog.integrations.lightning.VoGCallback`.
    resume_from : path, optional, keyword-only
        The checkpoint folder a resumed run continues from, when it is not
        ``output_dir/checkpoint-<step>``.
    """

    def __init__(
        self,
        data: Mapping[str, Dataset | tuple],
        *,
        input_name: str | None = None,
        windows: Mapping[str, Iterable[int]] | None = None,
        target: str = "logit",
        batch_size: int = 256,
        dynamics: bool = False,
        early_epoch: int = 1,
        resume_from: str | os.PathLike | None = None,
    ) -> None:
        self._data, self._windows, self._target = data, windows, target
        self._batch_size, self._dynamics, self._early_epoch = batch_size, dynamics, early_epoch
        self._input_name = input_name
        self.core = self._fresh()
        self.resume_from = None if resume_from is None else Path(resume_from)

    # Trainer events ---------------------------------------------------------------------
    def on_train_begin(self, args, state, control, **kwargs):
        # a new train() call starts from scratch, or from the checkpoint it resumes
        self.core = self._fresh()
        self.core.start(math.ceil(state.num_train_epochs) if state.num_train_epochs else None)
        if state.global_step > 0:
            folder = self.resume_from or Path(args.output_dir) / f"checkpoint-{state.global_step}"
            path = folder / STATE_FILE
            if not path.is_file():
                raise FileNotFoundError(
                    f"{path}: the run resumes at step {state.global_step} but this checkpoint "
                    "has no VoG state; resume from a checkpoint written with VoGCallback, or "
                    "name its folder with VoGCallback(resume_from=...)"
                )
            self.core.load_state_dict(
                load_verified(path, todo="resume from an earlier checkpoint or start again")
            )
        self.core.check_resumed_at(_epochs_done(state))

    def on_epoch_end(self, args, state, control, model=None, **kwargs):
        if model is None or not state.is_world_process_zero:
            return
        self.core.observe(model, _epochs_done(state) - 1)

    def on_save(self, args, state, control, **kwargs):
        if not state.is_world_process_zero:
            return
        folder = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if folder.is_dir():
            st = self.core.state_dict()
            atomic_write(folder / STATE_FILE, lambda p: torch.save(st, p), checksum=True)

    def _fresh(self) -> EpochScores:
        return EpochScores(
            self._data,
            windows=self._windows,
            target=self._target,
            batch_size=self._batch_size,
            dynamics=self._dynamics,
            early_epoch=self._early_epoch,
            input_name=self._input_name,
        )


def _epochs_done(state) -> int:
    """Whole epochs trained so far (``state.epoch`` is fractional within an epoch)."""
    return int(math.floor((state.epoch or 0.0) + 1e-6))
