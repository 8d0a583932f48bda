"""Matplotlib figures the chapters share (grids of images, error by VoG percentile)."""

from __future__ import annotations

import numpy as np
import torch

__all__ = ["image_grid", "percentile_error_plot"]


def image_grid(ax, images: torch.Tensor, *, ncols: int = 5, title: str | None = None) -> None:
    """Tile images (N, C, H, W) in [0, 1] into one picture on ``ax`` (grey for C = 1)."""
    x = images.detach().cpu().float().clamp(0, 1)
    n, c, h, w = x.shape
    rows = -(-n // ncols)
    canvas = torch.ones(c, rows * (h + 1) + 1, ncols * (w + 1) + 1)
    for i in range(n):
        r, q = divmod(i, ncols)
        canvas[:, 1 + r * (h + 1) : 1 + r * (h + 1) + h, 1 + q * (w + 1) : 1 + q * (w + 1) + w] = x[
            i
        ]
    pic = canvas[0].numpy() if c == 1 else canvas.permute(1, 2, 0).numpy()
    ax.imshow(pic, cmap="gray" if c == 1 else None, vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=9)


def percentile_error_plot(
    ax, upper, error, *, label: str | None = None, baseline=None, low=None, high=None
) -> None:
    """Bars of error rate (%) per VoG percentile bucket; a dashed line for the overall error.

    ``low`` and ``high`` (fractions, like ``error``): an interval per bucket, drawn as black
    error bars (for example the bootstrap interval of
    :func:`vog.analysis.bootstrap_percentile_errors`); both or neither.
    """
    if (low is None) != (high is None):
        raise ValueError("percentile_error_plot: give both low and high, or neither")
    upper = np.asarray(upper, dtype=float)
    lower = np.r_[0.0, upper[:-1]]
    centres = (lower + upper) / 2
    error = np.asarray(error, dtype=float)
    ax.bar(centres, 100 * error, width=0.8 * (upper - lower), label=label)
    if low is not None:
        lo, hi = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
        if lo.shape != error.shape or hi.shape != error.shape:
            raise ValueError(
                f"percentile_error_plot: low {lo.shape} and high {hi.shape} must have the "
                f"shape of error {error.shape}"
            )
        yerr = 100 * np.stack([error - lo, hi - error])
        ax.errorbar(centres, 100 * error, yerr=yerr, fmt="none", ecolor="k", capsize=2)
    if baseline is not None:
        ax.axhline(100 * baseline, color="k", ls="--", lw=1, label="all examples")
    ax.set(xlabel="VoG percentile bucket", ylabel="error (%)")
    ax.set_xticks(
        centres, [f"{lo:g}-{hi:g}" for lo, hi in zip(lower, upper, strict=True)], fontsize=7
    )
