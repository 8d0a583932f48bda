"""The authors' reference computation of VoG, kept to document how it differs.

The public script of the paper's toy experiment (``toy_script.py`` in the
authors' repository, chirag126/VOG) differs from paper Eq. 1-4 in ways that
change the numbers. :func:`authors_vog` reproduces the two differences of the
variance computation from stored gradients; :func:`authors_toy_script`
replays the whole script (model, training and gradients) so every difference
is in. Nothing else in the package uses them.

:func:`plain_vog` is the other reference: paper Eq. 1-4 computed the plain way
(one example at a time, ``torch.autograd.grad`` per checkpoint, the variance in
float64 NumPy), sharing no code with the package's scoring loops, so that
:func:`agreement` can check stored scores against an independent recomputation.

1. **Accumulated gradients.** The input tensor's ``.grad`` is never zeroed, so
   the "gradient" at epoch t is the sum of the gradients of epochs 0..t.
2. **The training loss leaks in.** The training inputs are the tensor whose
   ``.grad`` is read; it requires grad from the end of epoch 0 on, so from
   epoch 1 the training loss's backward pass adds its input gradients too
   (the test split has no such leak).
3. **Stage-window mean.** The mean of Eq. 2 sums the gradients of *all*
   epochs but divides by the number of epochs in the window.
4. **Target and model.** The softmax probability of the true class is
   differentiated (not the logit), of a linear model (two linear layers
   without activation), trained full-batch with SGD at learning rate 0.001.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from ._checks import check_finite
from .normalize import class_normalize

__all__ = ["AuthorsToyRun", "authors_vog", "authors_toy_script", "plain_vog", "agreement"]


def authors_vog(
    grads: torch.Tensor,
    window: Sequence[int],
    *,
    cumulative: bool = True,
    window_mean: bool = True,
) -> torch.Tensor:
    """VoG as the authors' toy script computes it.

    Parameters
    ----------
    grads : Tensor, shape ``(K, N, *P)``
        Fresh (non-accumulated) gradient maps (of shape P) of every epoch
        0..K-1, in order.
    window : sequence of int
        Epochs of the stage, e.g. ``range(0, 5)`` for early.
    cumulative : bool, keyword-only
        Reproduce difference 1 (gradients summed over epochs). False uses the fresh ones.
    window_mean : bool, keyword-only
        Reproduce difference 3 (all-epoch sum divided by the window length).
        False uses the window's own mean (Eq. 2).

    Returns
    -------
    Tensor, shape (N,), float64
        Same as :func:`vog.vog_from_gradients` on ``grads[window]`` when both
        flags are False.
    """
    window = list(window)
    if len(window) < 2:
        raise ValueError(f"window must hold >= 2 epochs, got {window}")
    if min(window) < 0 or max(window) >= grads.shape[0]:
        raise ValueError(f"window {window} is outside the {grads.shape[0]} stored epochs")
    check_finite("grads", grads.transpose(0, 1))
    g = grads.double()
    if cumulative:
        g = g.cumsum(dim=0)
    sel = g[window]
    mean = g.sum(dim=0) / len(window) if window_mean else sel.mean(dim=0)
    std = ((sel - mean) ** 2).sum(dim=0).div(len(window)).sqrt()
    return std.reshape(grads.shape[1], -1).mean(dim=1)


@dataclass
class AuthorsToyRun:
    """What :func:`authors_toy_script` returns.

    Attributes
    ----------
    vog : dict
        ``vog[split][stage]`` raw scores (N,), float64, for split ``"train"``
        and ``"test"`` and stage ``"early"``, ``"middle"``, ``"late"``,
        ``"complete"``; ``vog[split + " normalized"][stage]`` the same z-scored
        within the true class (the script's default ``--vog_cal normalize``).
    model : nn.Module
        The trained linear model.
    """

    vog: dict[str, dict[str, torch.Tensor]]
    model: nn.Module


def authors_toy_script(
    x_train: torch.Tensor,
    y_train: torch.Tensor,
    x_test: torch.Tensor,
    y_test: torch.Tensor,
    *,
    hidden: int = 10,
    epochs: int = 15,
    lr: float = 0.001,
) -> AuthorsToyRun:
    """Replay the authors' ``toy_script.py`` on the given data: VoG of both splits per stage.

    The model is ``Linear(2, hidden)`` then ``Linear(hidden, 2)`` without
    activation, weights drawn from N(0, 1) after ``torch.manual_seed(0)`` (before
    each layer), biases 0; full-batch SGD on the cross-entropy for ``epochs``
    epochs. After each epoch the softmax probability of the true class is
    back-propagated to the inputs, whose ``.grad`` is never zeroed (and, for
    the training inputs, also collects the training loss's input gradient from
    epoch 1 on); the stored values give VoG per stage: early ``[0, E/3)``,
    middle, late and complete, with the script's mean (all epochs summed,
    divided by the stage length), the population std per feature and the
    mean over the features.

    Returns
    -------
    AuthorsToyRun
    """
    if int(epochs) < 6:
        raise ValueError(f"epochs must be >= 6 (three stages of >= 2 epochs), got {epochs}")
    with torch.random.fork_rng(devices=[]):  # the script seeds; the caller's stream stays
        torch.manual_seed(0)
        first = nn.Linear(x_train.shape[1], hidden)
        with torch.no_grad():
            first.weight.normal_(0, 1)
        torch.manual_seed(0)
        second = nn.Linear(hidden, 2)
        with torch.no_grad():
            second.weight.normal_(0, 1)
    for layer in (first, second):
        with torch.no_grad():
            layer.bias.zero_()
    model = nn.Sequential(first, second)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    xs = {"train": x_train.detach().clone().float(), "test": x_test.detach().clone().float()}
    ys = {"train": torch.as_tensor(y_train).long(), "test": torch.as_tensor(y_test).long()}
    stored: dict[str, list[torch.Tensor]] = {"train": [], "test": []}
    for _ in range(int(epochs)):
        model.train()
        optimizer.zero_grad()  # the parameters only: the inputs' .grad keeps accumulating
        loss = nn.functional.cross_entropy(model(xs["train"]), ys["train"])
        loss.backward()  # from epoch 1 on this also adds into xs["train"].grad
        optimizer.step()
        model.eval()
        for split in ("train", "test"):
            x = xs[split].requires_grad_(True)
            probs = model(x).softmax(dim=1)
            probs[torch.arange(len(x)), ys[split]].backward(torch.ones(len(x)))
            assert x.grad is not None  # the backward pass above filled it
            stored[split].append(x.grad.detach().clone())
    third = int(epochs) // 3
    stages = {
        "early": range(0, third),
        "middle": range(third, 2 * third),
        "late": range(2 * third, int(epochs)),
        "complete": range(int(epochs)),
    }
    out: dict[str, dict[str, torch.Tensor]] = {}
    for split, grads in stored.items():
        g = torch.stack(grads)  # (epochs, N, features), already accumulated by the script
        raw = {
            stage: authors_vog(g, window, cumulative=False, window_mean=True)
            for stage, window in stages.items()
        }
        out[split] = raw
        out[f"{split} normalized"] = {k: class_normalize(v, ys[split]) for k, v in raw.items()}
    return AuthorsToyRun(vog=out, model=model.eval())


def plain_vog(models: Sequence[nn.Module], x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Raw VoG (paper Eq. 1-4) the plain way, independent of the scoring loops.

    For every checkpoint and every example alone: the gradient of the label's
    logit with respect to the input (``torch.autograd.grad`` on a detached
    copy, the model in eval mode), colour channels averaged; then, per pixel,
    the population standard deviation over the K checkpoints in float64 NumPy,
    averaged over pixels. Slow (one backward pass per example and checkpoint):
    meant for checking a few hundred examples. Each model's mode is restored.

    Returns
    -------
    Tensor, shape (N,), float64, >= 0; higher = harder
    """
    import numpy as np

    models = list(models)
    if len(models) < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got {len(models)}")
    labels = torch.as_tensor(labels).long()
    if labels.shape != (x.shape[0],):
        raise ValueError(f"labels must have shape ({x.shape[0]},), got {tuple(labels.shape)}")
    maps = []
    for m in models:
        was_training = m.training
        m.eval()
        try:
            per_example = []
            for i in range(x.shape[0]):
                xi = x[i : i + 1].detach().clone().requires_grad_(True)
                (g,) = torch.autograd.grad(m(xi)[0, labels[i]], xi)
                g = g[0].mean(0) if g.dim() == 4 else g[0]  # channels averaged (images)
                per_example.append(g.detach().double().numpy().ravel())
            maps.append(np.stack(per_example))
        finally:
            m.train(was_training)
    stacked = np.stack(maps)  # (K, N, P)
    return torch.from_numpy(stacked.std(axis=0).mean(axis=1))


def agreement(stored, recomputed, *, tol: float = 1e-5) -> dict[str, float]:
    """How stored raw VoG agrees with a recomputation of the same examples: the largest
    absolute difference over the largest score (``max_rel_diff``, 0 = identical), the
    examples that differ by more than ``tol`` of the largest score (``n_differ``: where
    another summation order switched a ReLU whose input sat within rounding of zero),
    Spearman's correlation (``spearman``, 1 = the same ranking) and ``n``."""
    from .analysis.metrics import spearman

    a = torch.as_tensor(stored).double().ravel()
    b = torch.as_tensor(recomputed).double().ravel()
    if a.shape != b.shape or a.numel() < 2:
        raise ValueError(f"need two scores of the same length >= 2, got {a.numel()}, {b.numel()}")
    check_finite("stored scores", a)
    check_finite("recomputed scores", b)
    scale = max(float(a.abs().max()), float(b.abs().max()), 1e-300)
    rho = spearman(a.numpy(), b.numpy())[0]  # NaN where a ranking is undefined
    diff = (a - b).abs() / scale
    return {
        "max_rel_diff": float(diff.max()),
        "n_differ": int((diff > tol).sum()),
        "spearman": float(rho),
        "n": int(a.numel()),
    }
