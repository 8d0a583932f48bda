"""Out-of-distribution detection: metrics, VoG and MSP scores, and the paper's baselines.

Convention (used for every method on every page): an **OoD score is higher
for examples that look out-of-distribution**. VoG is used as is (paper
Fig. 12b: OoD examples over-index at high VoG); the maximum softmax
probability (MSP, Hendrycks and Gimpel) enters as ``-MSP``. Then

* AUROC: probability that an OoD example scores above an in-distribution one;
* AUPR-out: average precision with the OoD examples as positives;
* AUPR-in: average precision with the in-distribution examples as positives,
  ranked by ``-score``.

The paper's text fixes the sign only for AUPR-out ("multiplying the VoG scores
by -1"), which this convention matches up to the naming of the two classes;
all metrics are in [0, 1] and 0.5 (AUROC) is chance.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from ._checks import check_choice
from .gradients import frozen_eval

__all__ = [
    "BASELINES",
    "ood_metrics",
    "msp_score",
    "fit_baseline",
    "load_ood_set",
    "predicted_vog",
    "pooled_vog",
]

#: Baselines of paper Table 1 (name -> what implements it here).
BASELINES = {
    "KDE": "sklearn KernelDensity (Gaussian kernel) on PCA features",
    "MVE": "sklearn MinCovDet (minimum covariance determinant, stands in for MVE) on PCA features",
    "DOCC": "PyOD DeepSVDD (Deep One-Class Classification)",
    "kPCA": "sklearn KernelPCA (RBF) reconstruction error",
    "SVDD": "sklearn OneClassSVM with RBF kernel (equivalent to SVDD)",
    "PCA": "sklearn PCA reconstruction error",
    "Gaussian": "single Gaussian (sklearn EmpiricalCovariance): Mahalanobis on PCA features",
    "AE": "PyOD AutoEncoder reconstruction error",
    "AEGAN": "PyOD ALAD (adversarially learned anomaly detection, stands in for the AE-GAN)",
}


def _np(a) -> np.ndarray:
    return a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)


def ood_metrics(score_in, score_out) -> dict[str, float]:
    """AUROC, AUPR-in and AUPR-out for OoD scores (higher = more OoD), each in [0, 1]."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    s_in, s_out = _np(score_in).ravel().astype(float), _np(score_out).ravel().astype(float)
    if len(s_in) == 0 or len(s_out) == 0:
        raise ValueError("need at least one in-distribution and one OoD score")
    if not (np.isfinite(s_in).all() and np.isfinite(s_out).all()):
        raise ValueError("scores contain NaN or inf")
    y = np.r_[np.zeros(len(s_in)), np.ones(len(s_out))]
    s = np.r_[s_in, s_out]
    return {
        "auroc": float(roc_auc_score(y, s)),
        "aupr_in": float(average_precision_score(1 - y, -s)),
        "aupr_out": float(average_precision_score(y, s)),
    }


@torch.no_grad()
def msp_score(model: nn.Module, x, *, batch_size: int = 512, num_workers: int = 0) -> torch.Tensor:
    """OoD score ``-max softmax probability`` of shape (N,); higher = more OoD.

    ``x``: images (N, C, H, W) or a Dataset of (image, label) pairs.
    """
    from .data import as_loader

    device = next(model.parameters()).device
    loader = as_loader(_unlabelled(x), batch_size=batch_size, num_workers=num_workers)
    with frozen_eval(model):
        probs = [model(b.to(device)).softmax(1).amax(1).cpu() for b, _ in loader]
    return -torch.cat(probs).double()


def fit_baseline(
    name: str,
    x_train: torch.Tensor,
    *,
    pca_dims: int = 32,
    max_fit: int | None = 3000,
    epochs: int = 20,
    seed: int = 0,
) -> Callable[[torch.Tensor], np.ndarray]:
    """Fit one baseline of :data:`vog.ood.BASELINES` on in-distribution images.

    Parameters
    ----------
    name : str
        A key of :data:`vog.ood.BASELINES`.
    x_train : Tensor, shape (N, ...)
        In-distribution training images (flattened internally).
    pca_dims : int, keyword-only
        Dimension of the PCA features used by KDE, MVE and Gaussian.
    max_fit : int or None, keyword-only
        Fit on at most this many examples (kernel methods grow as N^2).
    epochs : int, keyword-only
        Training epochs of the neural baselines (DOCC, AE, AEGAN).
    seed : int, keyword-only

    Returns
    -------
    callable
        ``score(x) -> ndarray (N,)``, higher = more OoD.
    """
    check_choice("name", name, BASELINES)
    rng = np.random.default_rng(seed)
    x = _np(x_train).reshape(len(x_train), -1).astype(np.float64)
    if max_fit is not None and len(x) > max_fit:
        x = x[rng.choice(len(x), max_fit, replace=False)]

    def flat(z):
        return _np(z).reshape(len(z), -1).astype(np.float64)

    if name in ("KDE", "MVE", "Gaussian", "PCA"):
        from sklearn.decomposition import PCA

        pca = PCA(n_components=min(pca_dims, x.shape[1], len(x)), random_state=seed).fit(x)
        if name == "PCA":
            return lambda z: ((flat(z) - pca.inverse_transform(pca.transform(flat(z)))) ** 2).sum(1)
        feats = pca.transform(x)
        if name == "KDE":
            from sklearn.model_selection import GridSearchCV
            from sklearn.neighbors import KernelDensity

            grid = GridSearchCV(KernelDensity(), {"bandwidth": np.logspace(-1, 1.5, 8)}, cv=3)
            kde = grid.fit(feats).best_estimator_
            return lambda z: -kde.score_samples(pca.transform(flat(z)))
        if name == "MVE":
            from sklearn.covariance import MinCovDet

            mcd = MinCovDet(random_state=seed).fit(feats)
            return lambda z: mcd.mahalanobis(pca.transform(flat(z)))
        from sklearn.covariance import EmpiricalCovariance

        gauss = EmpiricalCovariance().fit(feats)
        return lambda z: gauss.mahalanobis(pca.transform(flat(z)))
    if name == "kPCA":
        from sklearn.decomposition import KernelPCA

        kpca = KernelPCA(
            n_components=pca_dims,
            kernel="rbf",
            gamma=1.0 / x.shape[1],
            fit_inverse_transform=True,
            random_state=seed,
        ).fit(x)
        return lambda z: ((flat(z) - kpca.inverse_transform(kpca.transform(flat(z)))) ** 2).sum(1)
    if name == "SVDD":
        from sklearn.svm import OneClassSVM

        svm = OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(x)
        return lambda z: -svm.decision_function(flat(z))
    # neural baselines from PyOD (decision_function: higher = more anomalous)
    torch.manual_seed(seed)
    xf = x.astype(np.float32)
    if name == "DOCC":
        from pyod.models.deep_svdd import DeepSVDD

        model = DeepSVDD(n_features=xf.shape[1], epochs=epochs, verbose=0, random_state=seed)
    elif name == "AE":
        from pyod.models.auto_encoder import AutoEncoder

        model = AutoEncoder(epoch_num=epochs, verbose=0, random_state=seed)
    else:
        from pyod.models.alad import ALAD

        model = ALAD(epochs=epochs, verbose=0)
    model.fit(xf)
    return lambda z: model.decision_function(flat(z).astype(np.float32))


def load_ood_set(
    spec: str,
    *,
    like: torch.Tensor,
    n: int,
    root: str = "data",
    seed: int = 0,
) -> torch.Tensor:
    """An out-of-distribution image set shaped like ``like`` (N, C, H, W), at most ``n`` images.

    ``spec`` is one of ``"gaussian"`` (N(0.5, 1) pixels clipped to [0, 1], ODIN),
    ``"uniform"`` (U(0, 1) pixels), ``"digits"`` (scikit-learn's 8x8 digits,
    upscaled), ``"cifar10"`` / ``"cifar100"`` (test split under ``root``) or
    ``"folder:<path>"`` (an image folder such as iSUN, LSUN-R or
    TinyImageNet-R). Images are resized to ``like``'s size and their channels
    repeated or averaged to match it.
    """
    from .datasets import cifar, digits, gaussian_noise, image_folder

    shape = tuple(like.shape[1:])
    g = torch.Generator().manual_seed(seed)
    if spec == "gaussian":
        x = gaussian_noise(n, shape, seed=seed)
    elif spec == "uniform":
        x = torch.rand((n, *shape), generator=g)
    elif spec == "digits":
        (xa, _), (xb, _) = digits(seed=seed)
        x = torch.cat([xa, xb])[:n]
    elif spec in ("cifar10", "cifar100"):
        x = cifar(root, name=spec, train=False, limit=n)[0]
    elif spec.startswith("folder:"):
        x = image_folder(spec[len("folder:") :], size=shape[-1], limit=n)[0]
    else:
        raise ValueError(
            f"unknown OoD set {spec!r}; choose gaussian, uniform, digits, cifar10, cifar100 "
            "or folder:<path>"
        )
    if x.shape[-2:] != shape[-2:]:
        x = torch.nn.functional.interpolate(
            x, size=shape[-2:], mode="bilinear", align_corners=False
        ).clamp(0, 1)
    if x.shape[1] != shape[0]:
        x = x.mean(1, keepdim=True) if shape[0] == 1 else x.expand(-1, shape[0], -1, -1)
    return x.contiguous()


def _unlabelled(x):
    """Images (N, C, H, W) as a data set with placeholder labels; a Dataset as it is."""
    return (x, torch.zeros(len(x), dtype=torch.long)) if torch.is_tensor(x) else x


def predicted_vog(
    checkpoints,
    x,
    *,
    model: nn.Module,
    device: str | None = None,
    batch_size: int = 256,
    num_workers: int = 0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """VoG of unlabelled images: the logit of the last checkpoint's predicted class.

    ``x``: images (N, C, H, W) or a Dataset of (image, label) pairs (labels
    ignored). Returns raw VoG (N,), higher = harder, and the predicted labels
    (N,). Sample-major scoring (:func:`vog.compute_vog`); ``device`` defaults
    to CUDA if available.
    """
    from .scoring import compute_vog

    res = compute_vog(
        checkpoints,
        _unlabelled(x),
        model=model,
        labels="predicted",
        mode="sample_major",
        device=device,
        batch_size=batch_size,
        num_workers=num_workers,
    )
    return res.raw, res.scored_labels


def pooled_vog(
    raw_in: torch.Tensor, pred_in: torch.Tensor, raw_out: torch.Tensor, pred_out: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """OoD scores of both sets: VoG class-normalised over the pooled examples (by predicted class).

    Pooling keeps a shift between the sets visible; normalising each set on
    its own would centre both at 0.
    """
    from .normalize import class_normalize

    z = class_normalize(torch.cat([raw_in, raw_out]), torch.cat([pred_in, pred_out]))
    return z[: len(raw_in)], z[len(raw_in) :]
