"""H-CAT's hardness perturbations as pure, seeded functions (Seedat et al., ICLR 2024).

H-CAT (repository ``seedatnabeel/H-CAT``) benchmarks hardness scores by
perturbing a share ``p`` of a training set in eight ways and asking each score
to find the perturbed examples. Each function here takes images ``x`` of shape
(N, C, H, W), labels ``y`` of shape (N,), the proportion ``p`` in [0, 1] and a
``seed``, and returns a :class:`Perturbed`: the images and labels as trained
on and the boolean mask of the examples H-CAT counts as perturbed (its
``flag_ids``: the positives of the benchmark). Nothing else is changed.

Label noise (H-CAT ``src/perturbations.py`` and ``PerturbedDataset._generate_mislabels``):

- ``"uniform"``: the new label is drawn uniformly from all K classes, so about
  1/K of the flagged examples keep their label and still count as perturbed;
- ``"asymmetric"``: one transition row per class, Dirichlet(1, ..., 1) over the
  other K - 1 classes (zero diagonal), the new label drawn from the row;
- ``"adjacent"``: ``y + 1`` or ``y - 1`` modulo K, each with probability 1/2;
- ``"instance"``: H-CAT's MNIST class rules (:data:`MNIST_INSTANCE_RULES`:
  1, 2, 9 -> 7; 3 -> 8; 5 <-> 6; 7 -> 1 or 2; 8 -> 3; 0 and 4 keep their label).

Covariate perturbations (``PerturbedDataset._generate_shifts``; labels kept):

- ``"ood_covariate"`` (near-OoD): Gaussian noise of standard deviation
  ``0.5 * max(x_i)`` added per image, then clipped to [0, 1];
- ``"zoom_shift"``: the central ``int(H / 1.75) x int(W / 1.75)`` crop, resized
  back bilinearly;
- ``"crop_shift"``: the image moved 10 pixels to the right, the columns that
  come in filled with 0, the width kept;
- ``"far_ood"``: the image replaced by another data set's image. H-CAT uses a
  grey CIFAR-10 image (not available offline); the set-up of
  :mod:`vog.experiments.hardness` substitutes crops of scikit-image's
  photographs (:func:`vog.datasets.natural_crops`), or any set of
  :func:`vog.datasets.load_ood_set`.

H-CAT applies these *after* normalising MNIST to [-1, 1] (``Normalize(0.5,
0.5)``), which its constants assume: the clip to [0, 1] lifts a perturbed
digit's background from -1 to 0 (grey), the crop's fill of 0 is grey too, and
the far-OoD image stays in [0, 1]. The functions apply the same constants to
whatever tensors they get; :mod:`vog.experiments.hardness` normalises first,
as H-CAT does. Differences from H-CAT's code, on purpose: the counts are
``round(p * N)`` for every type (H-CAT truncates ``int(N * p)`` for some, which
loses an example to floating point, e.g. ``int(0.29 * 100) == 28``), and the
draws come from one seeded generator per call, not the global NumPy state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .._checks import check_choice

__all__ = [
    "HARDNESS",
    "LABEL_NOISE",
    "MNIST_INSTANCE_RULES",
    "Perturbed",
    "adjacent_labels",
    "asymmetric_labels",
    "asymmetric_transitions",
    "covariate_noise",
    "crop_shift",
    "far_ood",
    "instance_labels",
    "perturb",
    "shift_right",
    "uniform_labels",
    "zoom",
    "zoom_shift",
]

#: H-CAT's instance-dependent rules for MNIST (``run_experiment.py``): the labels a
#: flagged digit may get; 0 and 4 map to themselves (flagged, but unchanged).
MNIST_INSTANCE_RULES: dict[int, tuple[int, ...]] = {
    0: (0,),
    1: (7,),
    2: (7,),
    3: (8,),
    4: (4,),
    5: (6,),
    6: (5,),
    7: (1, 2),
    8: (3,),
    9: (7,),
}


@dataclass(frozen=True)
class Perturbed:
    """A perturbed data set.

    Attributes
    ----------
    x : Tensor, shape (N, C, H, W)
        The images as trained on (a new tensor; the input is never modified).
    labels : Tensor, shape (N,), int64
        The labels as trained on.
    mask : Tensor, shape (N,), bool
        The examples perturbed (H-CAT's ``flag_ids``): ``round(p * N)`` of them.
    transitions : Tensor, shape (K, K), float64, or None
        ``"asymmetric"`` only: the transition rows the new labels were drawn from.
    """

    x: torch.Tensor
    labels: torch.Tensor
    mask: torch.Tensor
    transitions: torch.Tensor | None = None


def _chosen(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """``round(p * n)`` distinct indices of ``range(n)``, drawn uniformly."""
    if isinstance(p, bool) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"the perturbed proportion p must lie in [0, 1], got {p!r}")
    return rng.choice(n, size=int(round(float(p) * n)), replace=False)


def _checked(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    if x.dim() != 4 or not x.dtype.is_floating_point:
        raise ValueError(f"x must be float images of shape (N, C, H, W), got {tuple(x.shape)}")
    if y.dim() != 1 or len(y) != len(x) or y.dtype.is_floating_point:
        raise ValueError(f"y must be integer labels of shape ({len(x)},), got {tuple(y.shape)}")
    return x, y.long()


def _classes(y: torch.Tensor, n_classes: int | None) -> int:
    k = int(y.max()) + 1 if n_classes is None else int(n_classes)
    if k < 2 or (len(y) and int(y.max()) >= k):
        raise ValueError(f"n_classes={k} does not cover the labels (largest {int(y.max())})")
    return k


def _relabelled(x, y, idx, new, transitions=None) -> Perturbed:
    labels = y.clone()
    labels[torch.as_tensor(idx, dtype=torch.long)] = torch.as_tensor(new, dtype=torch.long)
    mask = torch.zeros(len(y), dtype=torch.bool)
    mask[torch.as_tensor(idx, dtype=torch.long)] = True
    return Perturbed(x.clone(), labels, mask, transitions)


def uniform_labels(x, y, p: float, *, seed: int = 0, n_classes: int | None = None) -> Perturbed:
    """Uniform label noise: a new label uniform over all K classes for ``round(p * N)`` examples.

    As H-CAT: the draw may give the old label back (probability 1/K), and
    such an example is still flagged. K defaults to ``max(y) + 1``.
    """
    x, y = _checked(x, y)
    k = _classes(y, n_classes)
    rng = np.random.default_rng(seed)
    idx = _chosen(len(y), p, rng)
    return _relabelled(x, y, idx, rng.integers(0, k, size=len(idx)))


def asymmetric_transitions(n_classes: int, *, seed: int = 0) -> torch.Tensor:
    """H-CAT's asymmetric noise matrix: row ``i`` ~ Dirichlet(1, ..., 1) over the other classes.

    Returns (K, K) float64 with a zero diagonal and rows summing to one.
    """
    k = int(n_classes)
    if k < 2:
        raise ValueError(f"n_classes must be >= 2, got {n_classes}")
    return _transitions(k, np.random.default_rng(seed))


def _transitions(k: int, rng: np.random.Generator) -> torch.Tensor:
    rows = np.zeros((k, k))
    for i in range(k):
        rows[i, np.arange(k) != i] = rng.dirichlet(np.ones(k - 1))
    return torch.as_tensor(rows / rows.sum(1, keepdims=True))


def asymmetric_labels(x, y, p: float, *, seed: int = 0, n_classes: int | None = None) -> Perturbed:
    """Asymmetric label noise: new labels drawn from per-class Dirichlet transition rows.

    The rows are drawn first (:func:`asymmetric_transitions`, same generator),
    then ``round(p * N)`` examples, then each new label from its class's row;
    the zero diagonal means every flagged label changes. The rows are
    returned in :attr:`Perturbed.transitions`.
    """
    x, y = _checked(x, y)
    k = _classes(y, n_classes)
    rng = np.random.default_rng(seed)
    rows = _transitions(k, rng)
    idx = _chosen(len(y), p, rng)
    probs = rows.numpy()
    new = [rng.choice(k, p=probs[int(c)]) for c in y[idx].tolist()]
    return _relabelled(x, y, idx, new, rows)


def adjacent_labels(x, y, p: float, *, seed: int = 0, n_classes: int | None = None) -> Perturbed:
    """Adjacent label noise: ``y + 1`` or ``y - 1`` modulo K, each with probability 1/2."""
    x, y = _checked(x, y)
    k = _classes(y, n_classes)
    rng = np.random.default_rng(seed)
    idx = _chosen(len(y), p, rng)
    step = np.where(rng.random(len(idx)) < 0.5, -1, 1)
    return _relabelled(x, y, idx, (y[idx].numpy() + step) % k)


def instance_labels(
    x, y, p: float, *, seed: int = 0, rules: Mapping[int, Sequence[int]] = MNIST_INSTANCE_RULES
) -> Perturbed:
    """Instance-dependent label noise: a flagged label ``c`` becomes one of ``rules[c]``.

    The target is drawn uniformly from ``rules[c]``.

    Default: H-CAT's MNIST rules (:data:`MNIST_INSTANCE_RULES`), under which
    flagged 0s and 4s keep their label.
    """
    x, y = _checked(x, y)
    missing = sorted(set(y.unique().tolist()) - set(rules))
    if missing:
        raise ValueError(f"rules give no target label for classes {missing}")
    rng = np.random.default_rng(seed)
    idx = _chosen(len(y), p, rng)
    new = [rng.choice(np.asarray(rules[int(c)])) for c in y[idx].tolist()]
    return _relabelled(x, y, idx, new)


def _replaced(x, y, idx, images) -> Perturbed:
    out = x.clone()
    mask = torch.zeros(len(y), dtype=torch.bool)
    if len(idx):
        t = torch.as_tensor(idx, dtype=torch.long)
        out[t] = images.to(out.dtype)
        mask[t] = True
    return Perturbed(out, y.clone(), mask)


def covariate_noise(
    x, y, p: float, *, seed: int = 0, std: float = 0.5, clip: tuple[float, float] = (0.0, 1.0)
) -> Perturbed:
    """Near-OoD covariate shift: ``clip(x_i + N(0, (std * max(x_i))^2))`` for ``round(p * N)`` x_i.

    H-CAT's ``"ood_covariate"`` (``std=0.5``; ``"id_covariate"`` is ``std=0.1``):
    the noise scale is the image's own largest value, the result clipped to
    ``clip`` (H-CAT: [0, 1], applied to images normalised to [-1, 1]).
    """
    x, y = _checked(x, y)
    rng = np.random.default_rng(seed)
    idx = _chosen(len(y), p, rng)
    chosen = x[torch.as_tensor(idx, dtype=torch.long)]
    noise = torch.as_tensor(rng.standard_normal(chosen.shape), dtype=x.dtype)
    scale = chosen.flatten(1).amax(1).view(-1, 1, 1, 1)
    return _replaced(x, y, idx, (chosen + noise * std * scale).clamp(*clip))


def zoom(images: torch.Tensor, factor: float = 1.75) -> torch.Tensor:
    """H-CAT's ``zoom_in``: the central crop of ``int(H / factor) x int(W / factor)`` resized back.

    The crop starts at ``((H - h) // 2, (W - w) // 2)``; the resize is
    bilinear (half-pixel centres, as torchvision's ``resize``). For 28x28 and
    the default factor: rows and columns 6..21 (16 pixels) scaled to 28.
    """
    if float(factor) < 1.0:
        raise ValueError(f"zoom factor must be >= 1, got {factor}")
    hh, ww = images.shape[-2:]
    h, w = int(hh / factor), int(ww / factor)
    top, left = (hh - h) // 2, (ww - w) // 2
    crop = images[..., top : top + h, left : left + w]
    return torch.nn.functional.interpolate(
        crop, size=(hh, ww), mode="bilinear", align_corners=False
    )


def shift_right(images: torch.Tensor, pixels: int = 10, fill: float = 0.0) -> torch.Tensor:
    """H-CAT's ``shift_image``: move the image ``pixels`` to the right, keep its width.

    The ``pixels`` leftmost columns become ``fill`` and the rightmost ones drop off.
    """
    pixels = int(pixels)
    if not 0 <= pixels <= images.shape[-1]:
        raise ValueError(f"pixels must lie in [0, {images.shape[-1]}], got {pixels}")
    out = torch.full_like(images, float(fill))
    out[..., pixels:] = images[..., : images.shape[-1] - pixels]
    return out


def zoom_shift(x, y, p: float, *, seed: int = 0, factor: float = 1.75) -> Perturbed:
    """Atypical examples by zoom: :func:`zoom` of ``round(p * N)`` images (``"zoom_shift"``)."""
    x, y = _checked(x, y)
    idx = _chosen(len(y), p, np.random.default_rng(seed))
    return _replaced(x, y, idx, zoom(x[torch.as_tensor(idx, dtype=torch.long)], factor))


def crop_shift(x, y, p: float, *, seed: int = 0, pixels: int = 10, fill: float = 0.0) -> Perturbed:
    """Atypical examples by shift: :func:`shift_right` of ``round(p * N)`` images ("crop_shift")."""
    x, y = _checked(x, y)
    idx = _chosen(len(y), p, np.random.default_rng(seed))
    moved = shift_right(x[torch.as_tensor(idx, dtype=torch.long)], pixels, fill)
    return _replaced(x, y, idx, moved)


def far_ood(x, y, p: float, *, seed: int = 0, replacements: torch.Tensor) -> Perturbed:
    """Far-OoD: ``round(p * N)`` images replaced by images drawn with replacement from a set.

    ``replacements`` (M, C, H, W) must be shaped like ``x``'s images (see
    :func:`vog.datasets.load_ood_set`); they are inserted as they are (H-CAT
    inserts CIFAR-10 images in [0, 1] into MNIST normalised to [-1, 1]).
    Labels are kept.
    """
    x, y = _checked(x, y)
    r = torch.as_tensor(replacements)
    if r.dim() != 4 or tuple(r.shape[1:]) != tuple(x.shape[1:]) or len(r) == 0:
        raise ValueError(
            f"replacements must have shape (M, {', '.join(map(str, x.shape[1:]))}), "
            f"got {tuple(r.shape)}"
        )
    rng = np.random.default_rng(seed)
    idx = _chosen(len(y), p, rng)
    return _replaced(x, y, idx, r[torch.as_tensor(rng.integers(0, len(r), size=len(idx)))])


#: The label-noise types (the others perturb the images and keep the labels).
LABEL_NOISE = ("uniform", "asymmetric", "adjacent", "instance")
#: H-CAT's hardness types (its names) -> the function that makes them.
HARDNESS: dict[str, Callable[..., Perturbed]] = {
    "uniform": uniform_labels,
    "asymmetric": asymmetric_labels,
    "adjacent": adjacent_labels,
    "instance": instance_labels,
    "ood_covariate": covariate_noise,
    "far_ood": far_ood,
    "zoom_shift": zoom_shift,
    "crop_shift": crop_shift,
}


def perturb(kind: str, x, y, p: float, *, seed: int = 0, **options) -> Perturbed:
    """Apply the hardness type ``kind`` (a key of :data:`HARDNESS`) to a share ``p`` of ``(x, y)``.

    ``options`` go to the type's function (e.g. ``replacements`` for ``"far_ood"``).
    """
    check_choice("hardness", kind, HARDNESS)
    return HARDNESS[kind](x, y, p, seed=seed, **options)
