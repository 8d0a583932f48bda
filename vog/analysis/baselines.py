"""The OoD detectors of paper Table 1 (Ruff et al.'s MNIST-C benchmark), fitted on images.

:data:`vog.analysis.baselines.BASELINES` maps each method's name in Table 1 to a small function that
fits it on flattened in-distribution images and returns a scorer; every
scorer follows the convention of :mod:`vog.analysis.ood` (higher = more OoD).
:data:`vog.analysis.baselines.IMPLEMENTATIONS` names what implements each
here; MVE and AEGAN have no maintained implementation, and the page names
their stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from .._checks import check_choice
from ..data import to_numpy

__all__ = ["BASELINES", "IMPLEMENTATIONS", "fit_baseline"]

Scorer = Callable[[np.ndarray | torch.Tensor], np.ndarray]


def _flat(z) -> np.ndarray:
    z = to_numpy(z)
    return z.reshape(len(z), -1).astype(np.float64)


def _pca(x: np.ndarray, dims: int, seed: int):
    from sklearn.decomposition import PCA

    return PCA(n_components=min(dims, x.shape[1], len(x)), random_state=seed).fit(x)


def _fit_pca(x, *, pca_dims, epochs, seed) -> Scorer:
    pca = _pca(x, pca_dims, seed)
    return lambda z: ((_flat(z) - pca.inverse_transform(pca.transform(_flat(z)))) ** 2).sum(1)


def _fit_kde(x, *, pca_dims, epochs, seed) -> Scorer:
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KernelDensity

    pca = _pca(x, pca_dims, seed)
    grid = GridSearchCV(KernelDensity(), {"bandwidth": np.logspace(-1, 1.5, 8)}, cv=3)
    kde = grid.fit(pca.transform(x)).best_estimator_
    return lambda z: -kde.score_samples(pca.transform(_flat(z)))


def _fit_mve(x, *, pca_dims, epochs, seed) -> Scorer:
    from sklearn.covariance import MinCovDet

    pca = _pca(x, pca_dims, seed)
    mcd = MinCovDet(random_state=seed).fit(pca.transform(x))
    return lambda z: mcd.mahalanobis(pca.transform(_flat(z)))


def _fit_gaussian(x, *, pca_dims, epochs, seed) -> Scorer:
    from sklearn.covariance import EmpiricalCovariance

    pca = _pca(x, pca_dims, seed)
    gauss = EmpiricalCovariance().fit(pca.transform(x))
    return lambda z: gauss.mahalanobis(pca.transform(_flat(z)))


def _fit_kpca(x, *, pca_dims, epochs, seed) -> Scorer:
    from sklearn.decomposition import KernelPCA

    kpca = KernelPCA(
        n_components=pca_dims,
        kernel="rbf",
        gamma=1.0 / x.shape[1],
        fit_inverse_transform=True,
        random_state=seed,
    ).fit(x)
    return lambda z: ((_flat(z) - kpca.inverse_transform(kpca.transform(_flat(z)))) ** 2).sum(1)


def _fit_svdd(x, *, pca_dims, epochs, seed) -> Scorer:
    from sklearn.svm import OneClassSVM

    svm = OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(x)
    return lambda z: -svm.decision_function(_flat(z))


def _pyod(model, x) -> Scorer:
    """A fitted PyOD detector as a scorer (``decision_function``: higher = more anomalous)."""
    model.fit(x.astype(np.float32))
    return lambda z: model.decision_function(_flat(z).astype(np.float32))


def _fit_docc(x, *, pca_dims, epochs, seed) -> Scorer:
    from pyod.models.deep_svdd import DeepSVDD

    torch.manual_seed(seed)
    return _pyod(DeepSVDD(n_features=x.shape[1], epochs=epochs, verbose=0, random_state=seed), x)


def _fit_ae(x, *, pca_dims, epochs, seed) -> Scorer:
    from pyod.models.auto_encoder import AutoEncoder

    torch.manual_seed(seed)
    return _pyod(AutoEncoder(epoch_num=epochs, verbose=0, random_state=seed), x)


def _fit_aegan(x, *, pca_dims, epochs, seed) -> Scorer:
    from pyod.models.alad import ALAD

    torch.manual_seed(seed)
    return _pyod(ALAD(epochs=epochs, verbose=0), x)


#: Table 1's methods: name -> ``fit(x_flat, *, pca_dims, epochs, seed) -> scorer``.
BASELINES: dict[str, Callable[..., Scorer]] = {
    "KDE": _fit_kde,
    "MVE": _fit_mve,
    "DOCC": _fit_docc,
    "kPCA": _fit_kpca,
    "SVDD": _fit_svdd,
    "PCA": _fit_pca,
    "Gaussian": _fit_gaussian,
    "AE": _fit_ae,
    "AEGAN": _fit_aegan,
}

#: What implements each method of ``BASELINES`` here.
IMPLEMENTATIONS: dict[str, str] = {
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


def fit_baseline(
    name: str,
    x_train: torch.Tensor,
    *,
    pca_dims: int = 32,
    max_fit: int | None = 3000,
    epochs: int = 20,
    seed: int = 0,
) -> Scorer:
    """Fit one baseline of :data:`vog.analysis.baselines.BASELINES` on in-distribution images.

    Parameters
    ----------
    name : str
        A key of :data:`vog.analysis.baselines.BASELINES`.
    x_train : Tensor, shape (N, ...)
        In-distribution training images (flattened internally).
    pca_dims : int, keyword-only
        Dimension of the PCA features used by KDE, MVE and Gaussian (and of kPCA).
    max_fit : int or None, keyword-only
        Fit on at most this many examples, a seeded random subset (kernel
        methods grow as N^2).
    epochs : int, keyword-only
        Training epochs of the neural baselines (DOCC, AE, AEGAN).
    seed : int, keyword-only

    Returns
    -------
    callable
        ``score(x) -> ndarray (N,)``, higher = more OoD.
    """
    check_choice("name", name, BASELINES)
    x = _flat(x_train)
    if max_fit is not None and len(x) > max_fit:
        x = x[np.random.default_rng(seed).choice(len(x), max_fit, replace=False)]
    return BASELINES[name](x, pca_dims=pca_dims, epochs=epochs, seed=seed)
