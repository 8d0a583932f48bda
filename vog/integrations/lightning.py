"""VoG recorded while PyTorch Lightning trains: :class:`VoGCallback`.

::

    from vog.integrations.lightning import VoGCallback

    cb = VoGCallback({"train": (X_train, y_train)}, dynamics=True)
    trainer = lightning.pytorch.Trainer(max_epochs=30, callbacks=[cb])
    trainer.fit(module, train_loader)
    result = cb.scores("train")          # a vog.VoGResult: raw and class-normalised VoG
    cb.training_dynamics()["train"]      # loss, AUM, Data Maps, EL2N, GraNd, forgetting

After each training epoch named by a window, the module is scored on the
given data sets (paper Eq. 1-4, streamed: no gradient is stored). Observing
never changes training: the module is scored in eval mode with its parameters
frozen (both restored) and the scoring loaders draw nothing from the global
random generator, so the same seed trains the same weights with and without
the callback. The running state is part of Lightning's checkpoints
(``VoGCallback.state_dict``): ``trainer.fit(..., ckpt_path=...)`` continues
it. In distributed runs the global-zero process scores (the state Lightning
saves is that process's).

Needs ``lightning`` (``pip install "vog[integrations]"``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from torch.utils.data import Dataset

with warnings.catch_warnings():  # Lightning imports tqdm.auto: no progress bar is shown here
    warnings.filterwarnings("ignore", message="IProgress not found")
    import lightning.pytorch as pl

from ._core import EpochScores, ScoresOfCore

__all__ = ["VoGCallback"]


class VoGCallback(pl.Callback, ScoresOfCore):
    """A Lightning callback recording VoG (and optionally training dynamics) at chosen epochs.

    Parameters
    ----------
    data : mapping name -> Dataset or (X, y)
        Data sets to score, in a fixed order, never augmented (the model's
        input as its ``forward`` takes it).
    windows : mapping name -> epochs, keyword-only, optional
        VoG windows of 0-based epochs, >= 2 each. Default: early, middle, late
        and all stages of ``max_epochs`` (:func:`vog.stage_windows`; one
        window "all" under 6 epochs).
    target : {"logit", "probability"}, keyword-only
    batch_size : int, keyword-only
    dynamics : bool, keyword-only
        Also follow the training-dynamics scores every epoch.
    early_epoch : int, keyword-only
        Epoch after which EL2N and GraNd are taken.
    input_name : str, optional, keyword-only
        Keyword the module's ``forward`` takes its input as (default: positional).
    """

    def __init__(
        self,
        data: Mapping[str, Dataset | tuple],
        *,
        windows: Mapping[str, Iterable[int]] | None = None,
        target: str = "logit",
        batch_size: int = 256,
        dynamics: bool = False,
        early_epoch: int = 1,
        input_name: str | None = None,
    ) -> None:
        super().__init__()
        self.core = EpochScores(
            data,
            windows=windows,
            target=target,
            batch_size=batch_size,
            dynamics=dynamics,
            early_epoch=early_epoch,
            input_name=input_name,
        )

    @property
    def state_key(self) -> str:
        return self._generate_state_key(data=sorted(self.core.data))

    # Lightning events -------------------------------------------------------------------
    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self.core.start(trainer.max_epochs)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.core.check_resumed_at(trainer.current_epoch)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or not trainer.is_global_zero:
            return
        self.core.observe(pl_module, trainer.current_epoch)

    def state_dict(self) -> dict[str, Any]:
        return self.core.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.core.load_state_dict(state_dict)
