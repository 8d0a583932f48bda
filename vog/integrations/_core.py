"""What the training-library callbacks share: VoG and training dynamics observed per epoch.

:class:`EpochScores` is framework-free: the Lightning and Hugging Face
callbacks only translate their library's events (an epoch ended, a checkpoint
is written, a run resumes) into :meth:`EpochScores.observe`,
:meth:`EpochScores.state_dict` and :meth:`EpochScores.load_state_dict`. It
holds a :class:`vog.VoGRecorder` and, if asked, a
:class:`vog.analysis.difficulty.TrainingDynamics`, both
:class:`vog.observers.Observer` s, so observing never changes training: the
model is scored in eval mode with its parameters frozen (both restored) and
the scoring loaders draw nothing from the global random generator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from torch.utils.data import Dataset

from .._checks import check_choice
from ..data import as_dataset
from ..observers import Cost
from ..options import CHOICES
from ..recorder import Recording, VoGRecorder
from ..windows import stage_windows

if TYPE_CHECKING:  # imported where it is built: vog.analysis loads scipy and pandas
    from ..analysis.difficulty import TrainingDynamics

__all__ = ["EpochScores", "LogitsOf", "ScoresOfCore", "default_windows"]

#: Version of the callback state; a state of another version is refused.
STATE_VERSION = 1


def default_windows(epochs: int) -> dict[str, Sequence[int]]:
    """:func:`vog.stage_windows` of ``epochs`` (>= 6 epochs), else one window ``"all"``."""
    epochs = int(epochs)
    if epochs < 2:
        raise ValueError(f"VoG needs >= 2 epochs of training (checkpoints); the run has {epochs}")
    return stage_windows(epochs) if epochs >= 6 else {"all": range(epochs)}


class LogitsOf(nn.Module):
    """``model`` seen as a map from one input tensor to logits (N, C).

    Libraries' models take named inputs (``pixel_values=``, ``x=``) and return
    output objects; VoG differentiates the logits with respect to one input.
    ``input_name`` names the keyword the input is passed as (None: the first
    positional argument). The output's ``logits`` (attribute or key), or its
    first element, is taken. The wrapped model is not changed.
    """

    def __init__(self, model: nn.Module, input_name: str | None = None) -> None:
        super().__init__()
        self.model = model
        self.input_name = input_name

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.model(**{self.input_name: x}) if self.input_name else self.model(x)
        if torch.is_tensor(out):
            return out
        logits = getattr(out, "logits", None)
        if logits is None and isinstance(out, Mapping):
            logits = out.get("logits")
        if logits is None and isinstance(out, (tuple, list)) and out:
            logits = out[0]
        if not torch.is_tensor(logits):
            raise TypeError(
                f"the model returned {type(out).__name__} without logits: return a tensor (N, C), "
                "or an object or dict with 'logits'"
            )
        return logits


class EpochScores:
    """VoG (and optionally the training-dynamics scores) of named data sets, epoch by epoch.

    Parameters
    ----------
    data : mapping name -> Dataset or (X, y)
        The data sets to score, in a fixed order, never augmented.
    windows : mapping name -> epochs, optional
        VoG windows (0-based epochs, >= 2 each). Default: decided by
        :meth:`start` from the run's length (:func:`default_windows`).
    target : {"logit", "probability"}
        The class score differentiated (paper: the logit).
    batch_size : int
        Scoring batch size.
    dynamics : bool
        Also follow loss, margin/AUM, Data Maps, EL2N, GraNd and forgetting
        (:class:`vog.analysis.difficulty.TrainingDynamics`) every epoch.
    early_epoch : int
        The epoch after which EL2N and GraNd are taken.
    input_name : str, optional
        The keyword the model takes its input as (see :class:`LogitsOf`).
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
        if not data:
            raise ValueError("data: give at least one data set to score, e.g. {'train': (X, y)}")
        check_choice("target", target, CHOICES["target"])  # now: the recorder is built later
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.data: dict[str, Any] = {str(k): as_dataset(v) for k, v in data.items()}
        self.windows = None if windows is None else {k: list(v) for k, v in windows.items()}
        self.target, self.batch_size = target, int(batch_size)
        self.dynamics, self.early_epoch = bool(dynamics), int(early_epoch)
        self.input_name = input_name
        self.recorder: VoGRecorder | None = None
        self.tracker: TrainingDynamics | None = None  # built with dynamics=True
        self.observed: list[int] = []
        self._pending: dict | None = None

    # --- the run's life -------------------------------------------------------------------
    def start(self, epochs: int | None) -> None:
        """Build the observers for a run of ``epochs`` epochs (idempotent)."""
        if self.recorder is not None:
            self._check_length(epochs)
            return
        if self.windows is None:
            if epochs is None or int(epochs) < 0:
                raise ValueError("the run has no fixed number of epochs: pass windows=")
            self.windows = {k: list(v) for k, v in default_windows(int(epochs)).items()}
        self.recorder = VoGRecorder(
            self.data, self.windows, target=self.target, batch_size=self.batch_size
        )
        if self.dynamics:
            from ..analysis.difficulty import TrainingDynamics

            self.tracker = TrainingDynamics(
                self.data, early_epoch=self.early_epoch, batch_size=self.batch_size
            )
        self._check_length(epochs)
        if self._pending is not None:
            state, self._pending = self._pending, None
            self.load_state_dict(state)

    def _check_length(self, epochs: int | None) -> None:
        if epochs is None or int(epochs) < 0 or self.recorder is None:
            return
        late = [e for e in self.recorder.epochs if e >= int(epochs)]
        if late:
            raise ValueError(
                f"the VoG windows name epochs {late} but the run trains {int(epochs)} epochs "
                f"(0-based: 0..{int(epochs) - 1}); pass windows within the run"
            )

    def check_resumed_at(self, epoch: int) -> None:
        """Refuse to continue at ``epoch`` when epochs a window needs were never observed."""
        if self.recorder is None:
            return
        missed = [e for e in self.recorder.epochs if e < int(epoch) and e not in self.observed]
        if missed:
            raise RuntimeError(
                f"the run resumes at epoch {int(epoch)} but VoG epochs {missed} were never "
                "observed: resume from a checkpoint written with this callback in the run "
                "(it saves its state in the trainer's checkpoint)"
            )

    def observe(self, model: nn.Module, epoch: int, *, input_name: str | None = None) -> bool:
        """Score ``model`` after ``epoch`` (0-based); an epoch already observed is skipped."""
        if self.recorder is None:
            raise RuntimeError("observe() before start(): the callback was not set up by a run")
        epoch = int(epoch)
        if epoch in self.observed:
            return False
        name = input_name if input_name is not None else self.input_name
        scored = LogitsOf(model, name)
        used = self.recorder.observe(scored, epoch)
        if self.tracker is not None:
            self.tracker.observe(scored, epoch)
        self.observed.append(epoch)
        return used

    # --- resumable state ------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Plain tensors, numbers, lists and dicts (``torch.load(weights_only=True)``)."""
        if self.recorder is None:
            return dict(self._pending) if self._pending is not None else {}
        return {
            "version": STATE_VERSION,
            "data": {k: len(ds) for k, ds in self.data.items()},
            "windows": {k: list(v) for k, v in (self.windows or {}).items()},
            "observed": list(self.observed),
            "recorder": self.recorder.state_dict(),
            "dynamics": None if self.tracker is None else self.tracker.state_dict(),
        }

    def load_state_dict(self, state: Mapping) -> None:
        """Continue from :meth:`state_dict` (kept until :meth:`start` if not started yet)."""
        if not state:
            return
        if state.get("version") != STATE_VERSION:
            raise ValueError(
                f"VoG callback state of version {state.get('version')!r}; this vog reads "
                f"version {STATE_VERSION}: start the run again"
            )
        sizes = {k: len(ds) for k, ds in self.data.items()}
        if dict(state["data"]) != sizes:
            raise ValueError(
                f"the checkpoint's VoG state scores data sets {dict(state['data'])} "
                f"(name: examples) but this callback scores {sizes}: give the same data"
            )
        saved_windows = {k: [int(e) for e in v] for k, v in state["windows"].items()}
        if self.windows is not None and {k: list(v) for k, v in self.windows.items()} != (
            saved_windows
        ):
            raise ValueError(
                f"the checkpoint's VoG windows {saved_windows} differ from this callback's "
                f"{self.windows}: give the same windows"
            )
        if (state["dynamics"] is not None) != self.dynamics:
            raise ValueError(
                "the checkpoint was written with dynamics="
                f"{state['dynamics'] is not None}; give the same setting"
            )
        if self.recorder is None:
            self.windows = saved_windows
            self._pending = dict(state)
            return
        self.recorder.load_state_dict(state["recorder"])
        if self.tracker is not None:
            self.tracker.load_state_dict(state["dynamics"])
        self.observed = [int(e) for e in state["observed"]]

    # --- results --------------------------------------------------------------------------
    def recording(self) -> Recording:
        """The VoG recorder's :class:`vog.recorder.Recording` (finished windows only)."""
        if self.recorder is None:
            raise RuntimeError("no run has started: nothing was recorded")
        return self.recorder.result()

    def cost(self) -> dict[str, Cost]:
        """What each score cost so far (:class:`vog.observers.Cost`), by score name."""
        out: dict[str, Cost] = {}
        for obs in (self.recorder, self.tracker):
            if obs is not None:
                out.update(obs.cost())
        return out

    def training_dynamics(self) -> dict[str, dict[str, torch.Tensor]] | None:
        """``{data set: {score: (N,) float64, higher = harder}}``, or None without dynamics."""
        return None if self.tracker is None else self.tracker.result()

    def scores(self, data: str | None = None, window: str | None = None, *, normalize="zscore"):
        """The :class:`vog.VoGResult` of one data set and window.

        Parameters
        ----------
        data : str, optional
            A data set name (default: the first given).
        window : str, optional
            A finished window (default: ``"all"`` if there is one, else the last finished).
        normalize : str
            Class normalisation of :func:`vog.class_normalize` (within the true labels).
        """
        from ..scoring import VoGResult

        rec = self.recording()
        data = next(iter(self.data)) if data is None else str(data)
        if data not in rec.vog:
            raise KeyError(f"no data set {data!r}; scored: {sorted(rec.vog)}")
        done = rec.vog[data]
        if not done:
            raise ValueError(
                f"no VoG window is finished yet (observed epochs {rec.epochs}; windows "
                f"{self.windows})"
            )
        if window is None:
            window = "all" if "all" in done else list(done)[-1]
        if window not in done:
            raise KeyError(f"window {window!r} is not finished; finished: {sorted(done)}")
        labels = rec.labels[data]
        preds = rec.predictions[data]
        return VoGResult.from_raw(
            done[window],
            labels,
            preds[-1] if len(preds) else torch.full_like(labels, -1),
            labels,
            normalize=normalize,
            magnitude=rec.magnitude[data].get(window),
        )


class ScoresOfCore:
    """The results of a callback that keeps its :class:`EpochScores` as ``self.core``."""

    core: EpochScores

    def scores(self, data: str | None = None, window: str | None = None, *, normalize="zscore"):
        """A :class:`vog.VoGResult`; see :meth:`vog.integrations.EpochScores.scores`."""
        return self.core.scores(data, window, normalize=normalize)

    def recording(self):
        """The :class:`vog.recorder.Recording`: raw VoG of every finished window."""
        return self.core.recording()

    def training_dynamics(self):
        """``{data set: {score: (N,) tensor}}`` (higher = harder), or None without dynamics."""
        return self.core.training_dynamics()

    def cost(self):
        """What each score cost so far (:class:`vog.observers.Cost`), by score name."""
        return self.core.cost()
