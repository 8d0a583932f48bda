"""Post-hoc OoD detectors for a trained classifier, computed with the library ``pytorch-ood``.

:data:`DETECTORS` maps a name to a small function that builds (and, where the
method needs it, fits) the ``pytorch_ood.detector`` class for a model; the
scorer it returns follows :mod:`vog.analysis.ood`'s convention (higher = more
OoD), which is also pytorch-ood's. :data:`NEEDS` says what each detector
needs beyond the trained model. The model is scored in eval mode; its mode
and flags are restored, its weights never change.

Features are the input of the model's last linear layer (the penultimate
activations): the model is copied with that layer replaced by the identity.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

from .._checks import check_choice, module_device
from ..gradients import frozen_eval
from ..training import outputs

__all__ = ["DETECTORS", "NEEDS", "fit_detector", "split_head"]

Scorer = Callable[[torch.Tensor], torch.Tensor]


def split_head(model: nn.Module) -> tuple[nn.Module, nn.Linear]:
    """A copy of ``model`` that outputs its penultimate features, and its last linear layer.

    The last ``nn.Linear`` in ``model.modules()`` order must be the model's
    final operation (true of every architecture in :mod:`vog.experiments`).
    """
    names = [n for n, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not names:
        raise ValueError(f"{type(model).__name__} has no nn.Linear layer to take features before")
    encoder = copy.deepcopy(model)
    parent_name, _, attr = names[-1].rpartition(".")
    parent = encoder.get_submodule(parent_name) if parent_name else encoder
    head = getattr(parent, attr)
    setattr(parent, attr, nn.Identity())
    return encoder.eval().requires_grad_(False), head


def _msp(model, fit_data, batch_size):
    from pytorch_ood.detector import MaxSoftmax

    return MaxSoftmax(model).predict


def _energy(model, fit_data, batch_size):
    from pytorch_ood.detector import EnergyBased

    return EnergyBased(model).predict


def _max_logit(model, fit_data, batch_size):
    from pytorch_ood.detector import MaxLogit

    return MaxLogit(model).predict


def _odin(model, fit_data, batch_size):
    from pytorch_ood.detector import ODIN

    return ODIN(model, eps=0.0014, temperature=1000.0).predict


def _mahalanobis(model, fit_data, batch_size):
    from pytorch_ood.detector import Mahalanobis

    encoder, _ = split_head(model)
    detector = Mahalanobis(encoder).fit_features(*outputs(encoder, fit_data, batch_size=batch_size))
    return lambda x: detector.predict_features(encoder(x))


def _knn(model, fit_data, batch_size):
    from pytorch_ood.detector import KNN

    encoder, _ = split_head(model)
    z, y = outputs(encoder, fit_data, batch_size=batch_size)
    detector = KNN(encoder, k=min(50, len(z))).fit_features(z, y)
    return lambda x: detector.predict_features(encoder(x))


def _vim(model, fit_data, batch_size):
    from pytorch_ood.detector import ViM

    encoder, head = split_head(model)
    z, y = outputs(encoder, fit_data, batch_size=batch_size)
    d = max(1, min(64, z.shape[1] // 2))
    detector = ViM(encoder, d=d, w=head.weight.detach().cpu(), b=head.bias.detach().cpu())
    detector.fit_features(z, y)
    return lambda x: detector.predict_features(encoder(x).cpu())


#: pytorch-ood detectors by name: ``build(model, fit_data, batch_size) -> scorer``.
DETECTORS: dict[str, Callable] = {
    "MSP": _msp,
    "MaxLogit": _max_logit,
    "Energy": _energy,
    "ODIN": _odin,
    "Mahalanobis": _mahalanobis,
    "KNN": _knn,
    "ViM": _vim,
}
#: What each detector needs beyond the trained model.
NEEDS: dict[str, str] = {
    "MSP": "the logits only (Hendrycks and Gimpel 2017)",
    "MaxLogit": "the logits only (Hendrycks et al. 2022)",
    "Energy": "the logits only, temperature 1 (Liu et al. 2020)",
    "ODIN": "one input-gradient step per image; temperature 1000, eps 0.0014, no fit "
    "(Liang et al. 2018; the paper tunes both on held-out OoD data, not done here)",
    "Mahalanobis": "penultimate features and labels of an in-distribution fit set "
    "(the training images), class means and a shared covariance (Lee et al. 2018)",
    "KNN": "penultimate features of an in-distribution fit set, k = 50 or the fit set's size "
    "if smaller (Sun et al. 2022)",
    "ViM": "penultimate features of an in-distribution fit set and the last layer's "
    "weights (Wang et al. 2022)",
}


def fit_detector(
    name: str, model: nn.Module, fit_data=None, *, batch_size: int = 512
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Build the pytorch-ood detector ``name`` for ``model``; fit it on ``fit_data`` if it needs.

    Parameters
    ----------
    name : str
        A key of :data:`DETECTORS`.
    model : nn.Module
        The trained classifier (logits (N, C)); not modified.
    fit_data : Dataset or (X, y), optional
        In-distribution examples with labels (the training set), for the
        detectors that fit (:data:`NEEDS`).
    batch_size : int, keyword-only

    Returns
    -------
    callable
        ``score(x) -> Tensor (N,)``, float64, higher = more OoD; ``x`` is a
        batch of inputs or a whole tensor of them (scored in batches).
    """
    check_choice("name", name, DETECTORS)
    if fit_data is None and name in ("Mahalanobis", "KNN", "ViM"):
        raise ValueError(f"{name} needs fit_data: {NEEDS[name]}")
    with frozen_eval(model):
        build = DETECTORS[name](model, fit_data, batch_size)

    def score(x: torch.Tensor) -> torch.Tensor:
        dev = module_device(model)
        with frozen_eval(model):
            out = [build(xb.to(dev)).detach().double().cpu() for xb in x.split(batch_size)]
        return torch.cat(out)

    return score
