"""Variance of gradients over checkpoints: paper Eq. 2-4, batch and streaming.

Given the gradient maps ``S_1 .. S_K`` of one example at K checkpoints,

* Eq. 2: ``mu = 1/K sum_t S_t``                          (per pixel)
* Eq. 3: ``VoG_p = sqrt(1/K sum_t (S_t - mu)^2)``        (per pixel, population std)
* Eq. 4: ``VoG = 1/N sum_p VoG_p``                       (mean over the N pixels)

The maths is written once, as pure tensor functions on the *moments* of the
maps over checkpoints: the count K, the mean ``mu`` (Eq. 2) and ``M2 = sum_t
(S_t - mu)^2``, from which Eq. 3 is ``sqrt(M2 / K)``:

* :func:`checkpoint_moments`: the moments of K stored maps (two passes);
* :func:`merge_moments`: the moments of two disjoint sets of checkpoints
  (Chan et al.); adding one checkpoint to a running state is Welford's update,
  :func:`welford_update_` (in place);
* :func:`vog_from_moments` (Eq. 3-4) and :func:`magnitude_from_moments`.

:func:`vog_from_gradients` evaluates them on stored gradients;
:class:`VoGAccumulator` streams checkpoints into a running state in float64, so
only the running mean and ``M2`` (two maps per example) are kept; the
sample-major scoring loop (:mod:`vog.scoring.sample_major`) reduces the K maps of
each chunk of examples with the same functions.
"""

from __future__ import annotations

import torch

from ._checks import check_finite
from .gradients import reduce_channels

__all__ = [
    "VoGAccumulator",
    "checkpoint_moments",
    "magnitude_from_moments",
    "merge_moments",
    "vog_from_gradients",
    "vog_from_moments",
    "welford_update_",
]


def checkpoint_moments(
    maps: torch.Tensor, *, overwrite: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean (Eq. 2) and sum of squared deviations over checkpoints (dim 0), two passes.

    Parameters
    ----------
    maps : Tensor, shape ``(K, N, *P)``, floating point
        Gradient map of each of N examples at each of K checkpoints.
    overwrite : bool, keyword-only
        Use ``maps`` as scratch space (it then holds the squared deviations):
        no second ``(K, N, *P)`` buffer is allocated.

    Returns
    -------
    mean : Tensor, shape ``(N, *P)``, dtype of ``maps``
    m2 : Tensor, shape ``(N, *P)``, >= 0: ``sum_t (S_t - mean)^2``

    Notes
    -----
    The maps are first shifted by the first checkpoint's (the shifted-data
    algorithm): a pixel whose gradient does not change gets ``m2 == 0``
    exactly, as with Welford's update, instead of the rounding residue of
    ``sum / K`` (identical checkpoints give VoG 0, not 1e-9), and pixels whose
    gradient is large beside its change lose no precision.
    """
    shift = maps[0].clone()
    dev = maps.sub_(shift) if overwrite else maps - shift
    mean_shifted = dev.mean(dim=0)
    m2 = dev.sub_(mean_shifted).square_().sum(dim=0)
    return shift.add_(mean_shifted), m2


def merge_moments(
    count_a: torch.Tensor | float,
    mean_a: torch.Tensor,
    m2_a: torch.Tensor,
    count_b: torch.Tensor | float,
    mean_b: torch.Tensor,
    m2_b: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Moments of the union of two disjoint sets of checkpoints (Chan, Golub and LeVeque).

    ``count_*`` (broadcastable to the maps, > 0 for b) are the numbers of
    checkpoints behind each set; ``m2_b=None`` means a single checkpoint
    (``count_b = 1``, ``M2 = 0``): Welford's update. Returns the merged
    ``(mean, m2)`` in the dtype of ``mean_a``.
    """
    if m2_b is None:  # one new map: Welford's update, on broadcast copies
        if not bool(torch.all(torch.as_tensor(count_b) == 1)):
            raise ValueError(f"m2_b=None means one new map (count_b=1), got count_b={count_b}")
        mean_a, m2_a, mean_b = torch.broadcast_tensors(mean_a, m2_a, mean_b)
        mean, m2 = mean_a.clone(), m2_a.clone()
        welford_update_(count_a, mean, m2, mean_b.to(mean.dtype, copy=True))
        return mean, m2
    delta = mean_b - mean_a
    total = count_a + count_b
    mean = mean_a + delta * (count_b / total)
    return mean, m2_a + m2_b + delta.square() * (count_a * count_b / total)


def welford_update_(
    count: torch.Tensor | float, mean: torch.Tensor, m2: torch.Tensor, x: torch.Tensor
) -> None:
    """Welford's update in place: add one map ``x`` per example to ``(mean, m2)``.

    ``count`` (broadcastable to the maps) is the number of checkpoints already
    behind ``mean`` and ``m2``; afterwards they are the moments over ``count + 1``:
    ``mean += (x - mean) / (count + 1)`` and ``M2 += (x - old mean) * (x - new mean)``.
    ``x`` (same shape and dtype as ``mean``) is used as scratch space and
    overwritten. Two temporaries instead of merging into new maps: on the CPU the
    allocation of fresh float64 maps (page faults) costs more than the arithmetic.
    """
    delta = x - mean
    if torch.is_tensor(count):
        mean.addcdiv_(delta, count + 1)
    else:
        mean.add_(delta, alpha=1.0 / (float(count) + 1.0))
    m2.addcmul_(delta, x.sub_(mean))


def vog_from_moments(m2: torch.Tensor, count: torch.Tensor | float) -> torch.Tensor:
    """Per-example VoG from ``M2`` over ``count`` checkpoints (paper Eq. 3-4).

    ``m2`` has shape ``(N, *P)``; ``count`` is a number or broadcastable to it.
    Returns shape (N,), float64, >= 0; higher = harder.
    """
    std = (m2 / count).clamp_min_(0).sqrt_()
    return std.reshape(m2.shape[0], -1).mean(dim=1, dtype=torch.float64)


def magnitude_from_moments(
    mean: torch.Tensor, m2: torch.Tensor, count: torch.Tensor | float
) -> torch.Tensor:
    """Gradient size: the root mean square of each pixel's gradient over the checkpoints,
    ``sqrt(mu_p^2 + VoG_p^2)``, averaged over pixels; shape (N,), float64, >= 0.

    Not part of the paper's score: VoG (Eq. 4) is at most this.
    """
    rms = (mean.square() + (m2 / count).clamp_min(0)).sqrt_()
    return rms.reshape(mean.shape[0], -1).mean(dim=1, dtype=torch.float64)


def vog_from_gradients(grads: torch.Tensor) -> torch.Tensor:
    """VoG of stored gradient maps (paper Eq. 2-4).

    Parameters
    ----------
    grads : Tensor, shape ``(K, N, *P)``
        Gradient map (of shape P) of each of N examples at each of K >= 2
        checkpoints (channels already averaged if the paper's convention is wanted).

    Returns
    -------
    Tensor, shape (N,), float64, >= 0
        Raw VoG; higher = harder.
    """
    if grads.dim() < 2:
        raise ValueError(f"grads must have shape (K, N, ...), got {tuple(grads.shape)}")
    if grads.shape[0] < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got K={grads.shape[0]}")
    check_finite("grads", grads.transpose(0, 1))
    _, m2 = checkpoint_moments(grads.double())
    return vog_from_moments(m2, grads.shape[0])


class VoGAccumulator:
    """Streaming per-pixel variance of gradient maps over checkpoints (Welford).

    Feed the gradients of every checkpoint with :meth:`update` (in any batches
    and any order of examples); :meth:`compute` returns the raw VoG of paper
    Eq. 4. Memory is two float64 maps per example: O(N * P).

    Parameters
    ----------
    n_samples : int
        Number of examples N; examples are addressed by index ``0 .. N-1``.
    pixel_shape : tuple of int
        Shape P of one gradient map after channel averaging, e.g. ``(32, 32)``
        for CIFAR or ``(2,)`` for 2-D points. Gradients of shape ``(B, C, *P)`` are
        averaged over C in :meth:`update`.
    device : torch.device or str, keyword-only
        Where the running state lives (default CPU).
    dtype : torch.dtype, keyword-only
        Accumulation dtype, float64 (default) or float32 to halve memory.
    """

    def __init__(
        self,
        n_samples: int,
        pixel_shape: tuple[int, ...] | torch.Size,
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype = torch.float64,
    ) -> None:
        if int(n_samples) < 1:
            raise ValueError(f"n_samples must be >= 1, got {n_samples}")
        if dtype not in (torch.float64, torch.float32):
            raise ValueError(f"dtype must be torch.float64 or torch.float32, got {dtype}")
        self.pixel_shape = tuple(int(s) for s in pixel_shape)
        if any(s < 1 for s in self.pixel_shape):
            raise ValueError(f"pixel_shape must be positive, got {self.pixel_shape}")
        self.n_samples = int(n_samples)
        self.device = torch.device(device) if device is not None else torch.device("cpu")
        self.dtype = dtype
        self.count = torch.zeros(self.n_samples, dtype=torch.long, device=self.device)
        self.mean = torch.zeros(
            (self.n_samples, *self.pixel_shape), dtype=dtype, device=self.device
        )
        self.m2 = torch.zeros_like(self.mean)

    @property
    def n_checkpoints(self) -> int:
        """Number of checkpoints seen by every example (min of the per-example counts)."""
        return int(self.count.min())

    def update(self, indices: torch.Tensor, grads: torch.Tensor) -> None:
        """Add one checkpoint's gradients for the examples ``indices``.

        Parameters
        ----------
        indices : Tensor, shape (B,)
            Distinct example indices in ``[0, n_samples)``.
        grads : Tensor, shape ``(B, *P)`` or ``(B, C, *P)``
            Their gradient maps at this checkpoint; finite values only.
        """
        idx = torch.as_tensor(indices, device=self.device)
        if idx.dtype.is_floating_point or idx.dim() != 1:
            raise ValueError(
                f"indices must be a 1-D integer tensor, got {idx.dtype} {tuple(idx.shape)}"
            )
        idx = idx.long()
        if idx.numel() == 0:
            return
        if int(idx.min()) < 0 or int(idx.max()) >= self.n_samples:
            raise ValueError(
                f"indices must lie in [0, {self.n_samples}); got range "
                f"[{int(idx.min())}, {int(idx.max())}]"
            )
        first = int(idx[0])
        # a run of consecutive indices (what a loader in order gives) is a slice: no
        # duplicates possible, and views instead of gathered copies
        where: slice | torch.Tensor = idx
        if int(idx[-1]) - first + 1 == idx.numel() and torch.equal(
            idx, torch.arange(first, first + idx.numel(), device=idx.device)
        ):
            where = slice(first, first + idx.numel())
        elif torch.unique(idx).numel() != idx.numel():
            raise ValueError("indices must be distinct within one update")
        g = reduce_channels(grads.detach(), self.pixel_shape)
        if g.shape[0] != idx.shape[0]:
            raise ValueError(f"{idx.shape[0]} indices but gradients for {g.shape[0]} examples")
        check_finite("gradients", g)
        g = g.to(device=self.device, dtype=self.dtype, copy=True)  # scratch for the update
        seen = self.count[where].to(self.dtype).view(-1, *([1] * len(self.pixel_shape)))
        if isinstance(where, slice):  # views: updated in place
            welford_update_(seen, self.mean[where], self.m2[where], g)
        else:  # gathered copies, written back
            mean, m2 = self.mean[where], self.m2[where]
            welford_update_(seen, mean, m2, g)
            self.mean[where], self.m2[where] = mean, m2
        self.count[where] += 1

    def _counts(self) -> torch.Tensor:
        """The checkpoints seen per example, shaped to broadcast against the maps."""
        self._check_complete()
        return self.count.to(self.dtype).view(-1, *([1] * len(self.pixel_shape)))

    def pixel_std(self) -> torch.Tensor:
        """Per-pixel population std over checkpoints (Eq. 3), shape ``(N, *P)``."""
        return (self.m2 / self._counts()).clamp_min_(0).sqrt_()

    def compute(self) -> torch.Tensor:
        """Raw VoG (paper Eq. 4), shape (N,), float64, >= 0; higher = harder."""
        return vog_from_moments(self.m2, self._counts())

    def magnitude(self) -> torch.Tensor:
        """Gradient size: the root mean square of each pixel's gradient over the checkpoints,
        ``sqrt(mu_p^2 + VoG_p^2)``, averaged over pixels; shape (N,), float64, >= 0.

        Not part of the paper's score: VoG (Eq. 4) is at most this, and
        ``compute() / magnitude()`` in [0, 1] is VoG relative to how strongly the
        logit responds to the input at all.
        """
        return magnitude_from_moments(self.mean, self.m2, self._counts())

    def _check_complete(self) -> None:
        lo, hi = int(self.count.min()), int(self.count.max())
        if lo != hi:
            missing = torch.nonzero(self.count < hi).flatten()
            raise ValueError(
                f"{missing.numel()} examples were not updated by every checkpoint "
                f"(counts range {lo}..{hi}; first: {missing[:5].tolist()})"
            )
        if hi < 2:
            raise ValueError(f"VoG needs at least 2 checkpoints, got {hi}")

    def state_dict(self) -> dict:
        """Running state as plain tensors (loadable with ``torch.load(weights_only=True)``)."""
        return {"count": self.count, "mean": self.mean, "m2": self.m2}

    def load_state_dict(self, state: dict) -> None:
        """Restore the running state saved by :meth:`state_dict`."""
        for key in ("count", "mean", "m2"):
            value = state[key]
            current = getattr(self, key)
            if tuple(value.shape) != tuple(current.shape):
                raise ValueError(
                    f"accumulator state {key!r} has shape {tuple(value.shape)}, "
                    f"expected {tuple(current.shape)}"
                )
            setattr(self, key, value.to(device=current.device, dtype=current.dtype).clone())
