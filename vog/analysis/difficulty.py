"""Other per-example difficulty scores, and the recorder that follows them through training.

The pure functions take what a training loop sees of a batch (logits, labels,
and for GraNd the model) and return one number per example:

- :func:`loss`: cross-entropy;
- :func:`margin`: the assigned label's logit minus the largest other logit
  (Pleiss et al. 2020; averaged over training it is AUM, the area under the
  margin);
- :func:`true_probability`: softmax probability of the assigned label
  (Swayamdipta et al. 2020: its mean over training is Data Maps' confidence,
  its standard deviation the variability);
- :func:`el2n`: the L2 norm of softmax minus one-hot, early in training
  (Paul et al. 2021);
- :func:`grand`: the L2 norm of the per-example loss gradient with respect
  to the parameters, early in training (Paul et al. 2021), via ``torch.func``.

:class:`TrainingDynamics` observes a model after each epoch, like
:class:`vog.VoGRecorder`, keeps O(N) running state per data set, counts
forgetting events (Toneva et al. 2019) and times each score. Its
:meth:`~TrainingDynamics.result` orients every score the same way: **higher =
harder** (more likely mislabelled), except Data Maps' variability, which
keeps its paper's sense (higher = more ambiguous; Swayamdipta et al. find
mislabelled examples at low confidence *and* low variability). One difference
from the papers, stated once: the scores are taken from an evaluation-mode pass over the unaugmented
data at the end of each epoch, not from the augmented mini-batches during it.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

import torch
from torch import nn
from torch.utils.data import Dataset

from .._checks import integer_labels, module_device
from ..data import as_dataset, as_loader
from ..gradients import frozen_eval
from ..observers import Cost
from ..training import outputs
from .statistics import AtEarlyEpoch, Final, Forgetting, Mean, Statistic, Std

__all__ = [
    "QUANTITIES",
    "SCORES",
    "EpochView",
    "Score",
    "TrainingDynamics",
    "el2n",
    "grand",
    "loss",
    "margin",
    "true_probability",
]


def loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each example, (N,), >= 0; higher = harder."""
    return nn.functional.cross_entropy(logits.float(), labels, reduction="none")


def margin(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Assigned label's logit minus the largest other logit (Pleiss et al. 2020), (N,).

    Positive when the example is classified as labelled; lower = harder (AUM
    flags mislabelled examples by a low mean margin over training).
    """
    z = logits.float()
    own = z.gather(1, labels.view(-1, 1)).squeeze(1)
    other = z.scatter(1, labels.view(-1, 1), float("-inf")).amax(1)
    return own - other


def true_probability(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Softmax probability of the assigned label, (N,), in [0, 1]; lower = harder."""
    return logits.float().softmax(1).gather(1, labels.view(-1, 1)).squeeze(1)


def el2n(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """EL2N (Paul et al. 2021): ``||softmax(z) - onehot(y)||_2``, (N,), in [0, sqrt(2)].

    Higher = harder. The paper averages it over a few seeds early in training.
    """
    p = logits.float().softmax(1)
    return (p - nn.functional.one_hot(labels, p.shape[1]).float()).norm(dim=1)


def grand(model: nn.Module, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """GraNd (Paul et al. 2021): ``||d loss(x_i, y_i) / d theta||_2`` of each example, (N,).

    Per-example gradients of the cross-entropy with respect to every trained
    parameter (those requiring grad; a frozen layer is not trained; a model
    with none requiring grad: every parameter), in eval
    mode (the model's mode and flags are restored): ``torch.func.vmap`` over
    ``torch.func.grad``, or one backward pass per example for a model that
    vmap cannot run (data-dependent control flow, as in Hugging Face
    transformers' attention masks). Higher = harder.
    """
    from torch.func import functional_call, grad, vmap

    trained = list(_trained(model))
    with frozen_eval(model):
        named = dict(model.named_parameters())
        params = {k: named[k].detach() for k in trained}
        fixed = {k: p.detach() for k, p in named.items() if k not in params}
        fixed |= {k: b.detach() for k, b in model.named_buffers()}

        def one(p, xi, yi):
            out = functional_call(model, (p, fixed), (xi.unsqueeze(0),))
            return nn.functional.cross_entropy(out, yi.unsqueeze(0))

        try:
            grads = vmap(grad(one), in_dims=(None, 0, 0))(params, x, labels)
        except RuntimeError as exc:
            if "vmap" not in str(exc):
                raise
            return _grand_loop(one, params, x, labels)
    sq = sum(g.flatten(1).square().sum(1) for g in grads.values())
    return sq.sqrt()


def _trained(model: nn.Module) -> dict[str, nn.Parameter]:
    """The parameters GraNd differentiates: those requiring grad, or all if none does."""
    named = dict(model.named_parameters())
    trained = {k: p for k, p in named.items() if p.requires_grad} or named
    if not trained:
        raise ValueError("GraNd needs a model with parameters")
    return trained


def _grand_loop(one, params: dict, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """GraNd one example at a time (what vmap computes, for models it cannot run)."""
    leaves = {k: p.clone().requires_grad_(True) for k, p in params.items()}
    out = torch.empty(len(x), dtype=torch.float32, device=x.device)
    with torch.enable_grad():
        for i in range(len(x)):
            g = torch.autograd.grad(
                one(leaves, x[i], labels[i]),
                list(leaves.values()),
                allow_unused=True,  # an unused parameter has a zero gradient, as with vmap
                materialize_grads=True,
            )
            out[i] = torch.stack([t.float().square().sum() for t in g]).sum().sqrt()
    return out


class EpochView:
    """What one epoch's evaluation pass saw of a data set; per-example quantities computed once.

    ``get(name)`` returns a quantity of :data:`QUANTITIES` (shape (N,), in its
    own dtype), computing it from the logits on first use; ``correct`` is
    whether each example is classified as labelled; ``early`` whether this
    is the epoch of the early-training scores (EL2N, GraNd); quantities that
    need more than the logits (GraNd) are put in ``extra``.
    """

    def __init__(self, logits: torch.Tensor, labels: torch.Tensor, *, early: bool) -> None:
        self.logits, self.labels, self.early = logits, labels, early
        self.extra: dict[str, torch.Tensor] = {}  # quantities that need more than the logits
        self._cache: dict[str, torch.Tensor] = {}

    def has(self, name: str) -> bool:
        """Whether ``name`` can be given this epoch."""
        return name in self.extra or name in QUANTITIES

    def get(self, name: str) -> torch.Tensor:
        """Quantity ``name`` of every example, (N,)."""
        if name in self.extra:
            return self.extra[name]
        if name not in self._cache:
            self._cache[name] = QUANTITIES[name](self.logits, self.labels)
        return self._cache[name]

    @property
    def correct(self) -> torch.Tensor:
        return self.logits.argmax(1) == self.labels


#: Per-example quantities of an epoch's logits and labels, by name (see :class:`EpochView`).
QUANTITIES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "loss": loss,
    "margin": margin,
    "probability": true_probability,
    "el2n": el2n,
}


@dataclass(frozen=True)
class Score:
    """A score of :class:`TrainingDynamics`: what it is, its statistic, and what it costs."""

    description: str
    statistic: Callable[[int], Statistic]  # the running state for N examples
    part: str = "forward pass"  # the pass whose time and temporaries it costs


#: The scores of :meth:`TrainingDynamics.result`, each oriented higher = harder (Data Maps'
#: variability: higher = more ambiguous), with the statistic that keeps its state and formula.
SCORES: dict[str, Score] = {
    "loss (final)": Score("cross-entropy after the last epoch", partial(Final, quantity="loss")),
    "loss (mean)": Score("cross-entropy averaged over the epochs", partial(Mean, quantity="loss")),
    "margin (final)": Score(
        "minus the margin after the last epoch", partial(Final, quantity="margin", sign=-1.0)
    ),
    "AUM": Score(
        "minus the area under the margin: the margin averaged over the epochs",
        partial(Mean, quantity="margin", sign=-1.0),
    ),
    "confidence (final)": Score(
        "minus the probability of the label after the last epoch",
        partial(Final, quantity="probability", sign=-1.0),
    ),
    "Data Maps confidence": Score(
        "minus the probability of the label averaged over the epochs",
        partial(Mean, quantity="probability", sign=-1.0),
    ),
    "Data Maps variability": Score(
        "standard deviation of that probability over the epochs "
        "(higher = more ambiguous; mislabelled examples tend to have a low variability)",
        partial(Std, quantity="probability"),
    ),
    "EL2N": Score(
        "softmax minus one-hot, L2 norm, after the early epoch",
        partial(AtEarlyEpoch, quantity="el2n"),
    ),
    "GraNd": Score(
        "L2 norm of the loss gradient w.r.t. the parameters, after the early epoch",
        partial(AtEarlyEpoch, quantity="grand"),
        part="GraNd",
    ),
    "forgetting": Score(
        "forgetting events; never learnt = one more than the most possible", Forgetting
    ),
}


class TrainingDynamics:
    """Per-example scores over training, observed after each epoch (O(N) state per data set).

    An :class:`vog.observers.Observer` of :func:`vog.train_with_vog`. Each
    score of :data:`SCORES` keeps its own :class:`Statistic` per data set.

    Parameters
    ----------
    data : mapping name -> Dataset or (X, y)
        Data sets to follow (the training set with the labels trained on).
    early_epoch : int, keyword-only
        The epoch after which EL2N and GraNd are taken (Paul et al.: early in
        training, e.g. a tenth of it).
    batch_size : int, keyword-only
    grand_data : sequence of str, keyword-only
        The data sets GraNd is computed for (it needs a backward pass per
        example; default: all).
    """

    #: The scores of :meth:`result` (see :data:`SCORES`).
    SCORES: ClassVar[dict[str, Score]] = SCORES
    #: The passes whose time and temporaries the scores cost.
    PARTS: ClassVar[tuple[str, ...]] = ("forward pass", "GraNd")

    def __init__(
        self,
        data: Mapping[str, Dataset | tuple],
        *,
        early_epoch: int = 1,
        batch_size: int = 512,
        grand_data: tuple[str, ...] | None = None,
    ) -> None:
        self.data = {str(k): as_dataset(v) for k, v in data.items()}
        self.early_epoch = int(early_epoch)
        self.batch_size = int(batch_size)
        self.grand_data = tuple(self.data) if grand_data is None else tuple(grand_data)
        self.stats = {
            name: {score: spec.statistic(len(ds)) for score, spec in SCORES.items()}
            for name, ds in self.data.items()
        }
        self.seconds = dict.fromkeys(self.PARTS, 0.0)
        self.working = dict.fromkeys(self.PARTS, 0)  # largest temporary tensors, bytes
        self.epochs = 0

    def observe(self, model: nn.Module, epoch: int) -> bool:
        """Score every data set with ``model`` as it is after ``epoch``; always returns True."""
        device = module_device(model)
        early = int(epoch) == self.early_epoch
        for name, ds in self.data.items():
            t0 = time.perf_counter()
            # y: the labels as loaded, which the scores are taken against
            logits, y = outputs(model, ds, batch_size=self.batch_size, device=device)
            self._peak("forward pass", logits.element_size() * logits.numel())
            view = EpochView(logits, y, early=early)
            self._update(name, view, "forward pass")
            self.seconds["forward pass"] += time.perf_counter() - t0
            if early and name in self.grand_data:
                t0 = time.perf_counter()
                view.extra["grand"], work = _grand_all(model, ds, self.batch_size, device)
                self._peak("GraNd", work)
                self._update(name, view, "GraNd")
                self.seconds["GraNd"] += time.perf_counter() - t0
        self.epochs += 1
        return True

    def _update(self, name: str, view: EpochView, part: str) -> None:
        """The statistics of data set ``name`` whose scores cost ``part``, updated with ``view``."""
        for score, stat in self.stats[name].items():
            if SCORES[score].part == part:
                stat.update(view)

    def _peak(self, part: str, nbytes: int) -> None:
        self.working[part] = max(self.working[part], nbytes)

    def result(self) -> dict[str, dict[str, torch.Tensor]]:
        """``result[data_name][score]``: (N,), float64, higher = harder (see :data:`SCORES`).

        Every score is present, except GraNd outside ``grand_data`` (left out).
        EL2N and GraNd are taken after ``early_epoch``: while that epoch has not
        been observed (training shorter than ``early_epoch + 1`` epochs, or a
        look before it), their columns are NaN and a ``UserWarning`` says so;
        the claim checks of :mod:`vog.analysis.claims` refuse NaN scores.
        """
        out, pending = {}, set()
        for name, stats in self.stats.items():
            scores = {score: stat.compute(self.epochs) for score, stat in stats.items()}
            for score, stat in stats.items():
                applies = SCORES[score].part != "GraNd" or name in self.grand_data
                if scores[score] is None and applies and isinstance(stat, AtEarlyEpoch):
                    scores[score] = torch.full((len(self.data[name]),), float("nan"))
                    pending.add(score)
            out[name] = {k: v.double() for k, v in scores.items() if v is not None}
        if pending:
            names, many = " and ".join(sorted(pending)), len(pending) > 1
            seen = f"{self.epochs} epoch was" if self.epochs == 1 else f"{self.epochs} epochs were"
            warnings.warn(
                f"{names} {'are' if many else 'is'} taken after epoch {self.early_epoch}, but "
                f"{seen} observed: {'their columns are' if many else 'its column is'} NaN; "
                "set early_epoch below the number of epochs",
                UserWarning,
                stacklevel=2,
            )
        return out

    def memory(self) -> dict[str, int]:
        """Bytes of running state each score keeps, summed over the data sets."""
        return {
            score: sum(stats[score].nbytes() for stats in self.stats.values()) for score in SCORES
        }

    def cost(self) -> dict[str, Cost]:
        """What each score cost so far: the time and temporaries of its pass, and its state."""
        memory = self.memory()
        return {
            score: Cost(self.seconds[spec.part], memory[score], self.working[spec.part])
            for score, spec in SCORES.items()
        }

    def state_dict(self) -> dict:
        """A copy of the running state (plain tensors and numbers)."""
        return {
            "statistics": {
                name: {score: stat.state_dict() for score, stat in stats.items()}
                for name, stats in self.stats.items()
            },
            "seconds": dict(self.seconds),
            "working": dict(self.working),
            "epochs": self.epochs,
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from :meth:`state_dict` (the tensors are copied)."""
        if "statistics" not in state:
            raise ValueError(
                "this training-dynamics state was saved by an older version of vog; "
                "start the run in a new folder"
            )
        for name, stats in self.stats.items():
            for score, stat in stats.items():
                stat.load_state_dict(state["statistics"][name][score])
        self.seconds = dict(state["seconds"])
        self.working = dict(state["working"])
        self.epochs = int(state["epochs"])


def _grand_all(model, ds, batch_size: int, device: torch.device) -> tuple[torch.Tensor, int]:
    """GraNd of a data set and the bytes of one batch's per-example gradients."""
    n_params = sum(p.numel() for p in _trained(model).values())
    # vmap holds one gradient per example of the batch: at most about 1 GiB of them
    loader = as_loader(ds, batch_size=max(1, min(batch_size, 128, (1 << 30) // (4 * n_params))))
    out, batch = [], 0
    for x, y in loader:
        out.append(grand(model, x.to(device), integer_labels(y).to(device)).cpu())
        batch = max(batch, len(x))
    return torch.cat(out).double(), 4 * n_params * batch
