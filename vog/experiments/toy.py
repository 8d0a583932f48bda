"""The two-dimensional toy problem of paper Sec. 2.1 and supplement A."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .._checks import module_device
from ..gradients import frozen_eval

__all__ = ["toy_blobs", "boundary_distance"]


def toy_blobs(
    n_samples: int = 500,
    *,
    n_centers: int = 2,
    centers: list[list[float]] | None = None,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    test_fraction: float = 0.1,
    seed: int = 0,
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """Isotropic Gaussian clusters in 2-D, split into train and test (paper: 90/10).

    Class 0 is the first cluster and class 1 every other cluster, so
    ``n_centers=2`` is the paper's two-cluster problem and ``n_centers=3`` the
    authors' script (three blobs, the last two merged into class 1).
    ``centers`` fixes the cluster centres (then ``n_centers = len(centers)``);
    by default they are drawn uniformly from ``center_box``.

    Returns
    -------
    (x_train, y_train), (x_test, y_test)
        ``x`` float32 of shape (n, 2); ``y`` int64 of shape (n,) in {0, 1}.
    """
    from sklearn.datasets import make_blobs

    given = None if centers is None else np.asarray(centers, dtype=float)
    if given is not None:
        if given.ndim != 2 or given.shape[1] != 2:
            raise ValueError(f"centers must have shape (n_centers, 2), got {given.shape}")
        n_centers = len(given)
    if n_centers < 2:
        raise ValueError(f"n_centers must be >= 2, got {n_centers}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {test_fraction}")
    x, blob = make_blobs(
        n_samples=int(n_samples),
        n_features=2,
        centers=given if given is not None else int(n_centers),
        cluster_std=float(cluster_std),
        center_box=center_box,
        shuffle=True,
        random_state=int(seed),
    )
    y = (blob > 0).astype(np.int64)
    n_test = max(1, int(round(test_fraction * len(x))))
    x = torch.as_tensor(x, dtype=torch.float32)
    y = torch.as_tensor(y)
    return (x[:-n_test], y[:-n_test]), (x[-n_test:], y[-n_test:])


@torch.no_grad()
def boundary_distance(
    model: nn.Module,
    points: torch.Tensor,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    resolution: int = 600,
    classes: tuple[int, int] = (0, 1),
) -> torch.Tensor:
    """Euclidean distance of 2-D points to a model's learned decision boundary.

    The boundary is the zero set of the margin ``z[c1] - z[c0]`` of the logits.
    The margin is evaluated on a ``resolution x resolution`` grid; every grid
    edge across which it changes sign gives a boundary point by linear
    interpolation, and each point's distance is to its nearest boundary point.
    The distance is to the segment through the two nearest boundary points,
    accurate to a small fraction of a grid step on a smooth boundary.

    Parameters
    ----------
    model : nn.Module
        Classifier of 2-D inputs (N, 2) -> logits (N, C).
    points : Tensor, shape (N, 2)
    bounds : (x_min, x_max, y_min, y_max), keyword-only
        Region searched for the boundary (default: the points' box plus 25%).
    resolution : int, keyword-only
        Grid points per axis.
    classes : (int, int), keyword-only
        The two classes whose boundary is meant.

    Returns
    -------
    Tensor, shape (N,), float64, >= 0
        Distance to the boundary (``inf`` if the boundary does not cross the region).
    """
    pts = torch.as_tensor(points, dtype=torch.float64)
    if pts.dim() != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (N, 2), got {tuple(pts.shape)}")
    if bounds is None:
        lo, hi = pts.min(0).values, pts.max(0).values
        pad = 0.25 * (hi - lo).clamp_min(1e-6)
        bounds = (
            float(lo[0] - pad[0]),
            float(hi[0] + pad[0]),
            float(lo[1] - pad[1]),
            float(hi[1] + pad[1]),
        )
    x0, x1, y0, y1 = bounds
    gx = torch.linspace(x0, x1, resolution, dtype=torch.float64)
    gy = torch.linspace(y0, y1, resolution, dtype=torch.float64)
    xx, yy = torch.meshgrid(gx, gy, indexing="xy")
    grid = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    device = module_device(model)
    dtype = next((p.dtype for p in model.parameters()), torch.float32)
    with frozen_eval(model):
        z = torch.cat([model(c.to(device, dtype)).double().cpu() for c in grid.split(65536)])
    margin = (z[:, classes[1]] - z[:, classes[0]]).reshape(resolution, resolution)
    crossings = []
    for axis in (0, 1):
        a = margin.narrow(axis, 0, resolution - 1)
        b = margin.narrow(axis, 1, resolution - 1)
        pa = grid.reshape(resolution, resolution, 2).narrow(axis, 0, resolution - 1)
        pb = grid.reshape(resolution, resolution, 2).narrow(axis, 1, resolution - 1)
        cross = (a == 0) | ((a < 0) != (b < 0))
        t = (a / (a - b)).where(a != b, torch.zeros_like(a)).clamp(0, 1)
        p = pa + t.unsqueeze(-1) * (pb - pa)
        crossings.append(p[cross])
    boundary = torch.cat(crossings)
    if boundary.shape[0] < 2:
        return torch.full((pts.shape[0],), float("inf"), dtype=torch.float64)
    return torch.cat([_segment_distance(c, boundary) for c in pts.split(1024)])


def _segment_distance(q: torch.Tensor, boundary: torch.Tensor) -> torch.Tensor:
    """Distance of ``q`` to the segment between its two nearest boundary points.

    Crossing points lie about one grid step apart along the boundary; the
    segment through the two nearest ones follows a smooth boundary to second
    order, where the nearest point alone is only first-order accurate.
    """
    d, nearest = torch.cdist(q, boundary).topk(2, dim=1, largest=False)
    a, b = boundary[nearest[:, 0]], boundary[nearest[:, 1]]
    ab = b - a
    t = ((q - a) * ab).sum(1) / (ab * ab).sum(1).clamp_min(1e-300)
    foot = a + t.clamp(0, 1).unsqueeze(1) * ab
    return torch.minimum((q - foot).norm(dim=1), d[:, 0])
