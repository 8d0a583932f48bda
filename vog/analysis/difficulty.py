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
from collections.abc import Mapping

import torch
from torch import nn
from torch.utils.data import Dataset

from .._checks import integer_labels
from ..data import as_dataset, as_loader
from ..gradients import frozen_eval
from ..training import outputs

__all__ = [
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

    Per-example gradients of the cross-entropy with respect to every
    parameter, computed with ``torch.func.vmap`` over ``torch.func.grad`` in
    eval mode (the model's mode and flags are restored). Higher = harder.
    """
    from torch.func import functional_call, grad, vmap

    with frozen_eval(model):
        params = {k: p.detach() for k, p in model.named_parameters()}
        buffers = {k: b.detach() for k, b in model.named_buffers()}

        def one(p, xi, yi):
            out = functional_call(model, (p, buffers), (xi.unsqueeze(0),))
            return nn.functional.cross_entropy(out, yi.unsqueeze(0))

        grads = vmap(grad(one), in_dims=(None, 0, 0))(params, x, labels)
    sq = sum(g.flatten(1).square().sum(1) for g in grads.values())
    return sq.sqrt()


class TrainingDynamics:
    """Per-example scores over training, observed after each epoch (O(N) state per data set).

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

    #: The scores of :meth:`result`, each oriented higher = harder, and what they are.
    SCORES = {
        "loss (final)": "cross-entropy after the last epoch",
        "loss (mean)": "cross-entropy averaged over the epochs",
        "margin (final)": "minus the margin after the last epoch",
        "AUM": "minus the area under the margin: the margin averaged over the epochs",
        "confidence (final)": "minus the probability of the label after the last epoch",
        "Data Maps confidence": "minus the probability of the label averaged over the epochs",
        "Data Maps variability": "standard deviation of that probability over the epochs "
        "(higher = more ambiguous; mislabelled examples tend to have a low variability)",
        "EL2N": "softmax minus one-hot, L2 norm, after the early epoch",
        "GraNd": "L2 norm of the loss gradient w.r.t. the parameters, after the early epoch",
        "forgetting": "forgetting events; never learnt = one more than the most possible",
    }

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
        self.state = {k: _empty(len(ds)) for k, ds in self.data.items()}
        self.seconds = {"forward pass": 0.0, "GraNd": 0.0}
        self.working = {"forward pass": 0, "GraNd": 0}  # largest temporary tensors, bytes
        self.epochs = 0

    def observe(self, model: nn.Module, epoch: int) -> bool:
        """Score every data set with ``model`` as it is after ``epoch``; always returns True."""
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
        for name, ds in self.data.items():
            st = self.state[name]
            t0 = time.perf_counter()
            # y: the labels as loaded, which the scores are taken against
            logits, y = outputs(model, ds, batch_size=self.batch_size, device=device)
            self.working["forward pass"] = max(
                self.working["forward pass"], logits.element_size() * logits.numel()
            )
            _update(st, logits, y)
            self.seconds["forward pass"] += time.perf_counter() - t0
            if int(epoch) == self.early_epoch:
                st["el2n"] = el2n(logits, y)
                if name in self.grand_data:
                    t0 = time.perf_counter()
                    st["grand"], work = _grand_all(model, ds, self.batch_size, device)
                    self.working["GraNd"] = max(self.working["GraNd"], work)
                    self.seconds["GraNd"] += time.perf_counter() - t0
        self.epochs += 1
        return True

    def result(self) -> dict[str, dict[str, torch.Tensor]]:
        """``result[data_name][score]``: (N,), float64, higher = harder (see ``SCORES``)."""
        out = {}
        for name, st in self.state.items():
            n = max(self.epochs, 1)
            mean_p = st["p_sum"] / n
            var_p = (st["p_sq"] / n - mean_p.square()).clamp_min(0)
            never = ~st["ever_correct"]
            forgetting = torch.where(never, torch.full_like(st["events"], n // 2 + 1), st["events"])
            scores = {
                "loss (final)": st["loss"],
                "loss (mean)": st["loss_sum"] / n,
                "margin (final)": -st["margin"],
                "AUM": -st["margin_sum"] / n,
                "confidence (final)": -st["p"],
                "Data Maps confidence": -mean_p,
                "Data Maps variability": var_p.sqrt(),
                "EL2N": st["el2n"],
                "GraNd": st["grand"],
                "forgetting": forgetting.double(),
            }
            out[name] = {k: v.double() for k, v in scores.items() if v is not None}
        return out

    def memory(self) -> dict[str, int]:
        """Bytes of running state each score keeps, summed over the data sets."""
        keys = {
            "loss (final)": ("loss",),
            "loss (mean)": ("loss_sum",),
            "margin (final)": ("margin",),
            "AUM": ("margin_sum",),
            "confidence (final)": ("p",),
            "Data Maps confidence": ("p_sum",),
            "Data Maps variability": ("p_sum", "p_sq"),
            "EL2N": ("el2n",),
            "GraNd": ("grand",),
            "forgetting": ("events", "prev", "ever_correct"),
        }
        return {
            score: sum(
                st[k].element_size() * st[k].numel()
                for st in self.state.values()
                for k in names
                if st[k] is not None
            )
            for score, names in keys.items()
        }

    def state_dict(self) -> dict:
        """A copy of the running state (plain tensors and numbers)."""
        return {
            "state": {k: _copy(v) for k, v in self.state.items()},
            "seconds": dict(self.seconds),
            "working": dict(self.working),
            "epochs": self.epochs,
        }

    def load_state_dict(self, state: dict) -> None:
        """Continue from :meth:`state_dict` (the tensors are copied)."""
        self.state = {k: _copy(v) for k, v in state["state"].items()}
        self.seconds = dict(state["seconds"])
        self.working = dict(state["working"])
        self.epochs = int(state["epochs"])


def _copy(st: dict) -> dict:
    return {k: v.clone() if torch.is_tensor(v) else v for k, v in st.items()}


def _empty(n: int) -> dict:
    zeros = torch.zeros(n, dtype=torch.float64)
    return {
        "loss": zeros.clone(),
        "loss_sum": zeros.clone(),
        "margin": zeros.clone(),
        "margin_sum": zeros.clone(),
        "p": zeros.clone(),
        "p_sum": zeros.clone(),
        "p_sq": zeros.clone(),
        "events": torch.zeros(n, dtype=torch.long),
        "prev": torch.zeros(n, dtype=torch.bool),
        "ever_correct": torch.zeros(n, dtype=torch.bool),
        "el2n": None,
        "grand": None,
    }


def _grand_all(model, ds, batch_size: int, device: torch.device) -> tuple[torch.Tensor, int]:
    """GraNd of a data set and the bytes of one batch's per-example gradients."""
    loader = as_loader(ds, batch_size=min(batch_size, 128))
    out, batch = [], 0
    n_params = sum(p.numel() for p in model.parameters())
    for x, y in loader:
        out.append(grand(model, x.to(device), integer_labels(y).to(device)).cpu())
        batch = max(batch, len(x))
    return torch.cat(out).double(), 4 * n_params * batch


def _update(st: dict, logits: torch.Tensor, y: torch.Tensor) -> None:
    """One epoch's observation into the running state."""
    lo, ma, p = loss(logits, y).double(), margin(logits, y).double(), true_probability(logits, y)
    p = p.double()
    correct = logits.argmax(1) == y
    st["events"] += (st["prev"] & ~correct).long()  # learnt before, forgotten now
    st["prev"], st["ever_correct"] = correct, st["ever_correct"] | correct
    st["loss"], st["margin"], st["p"] = lo, ma, p
    st["loss_sum"] += lo
    st["margin_sum"] += ma
    st["p_sum"] += p
    st["p_sq"] += p * p
