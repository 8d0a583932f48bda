"""The factor study of "When do the claims hold?": a one-factor-at-a-time design and its scores.

:func:`one_factor_design` starts from a base run and changes one factor at a
time (the model, augmentation, training length, schedule, data set: each a
run), plus corners that change several at once (the paper-like one: a ResNet,
crop + flip and a training set fitted to near-zero error). Every run has a
twin trained with shuffled labels for the memorisation claim. The gradient's
target and the normalisation are scoring choices, applied to every run.

Both targets come from the same saved checkpoints: :func:`window_scores`
scores each checkpoint once per target for all the windows that hold it
(the logit target of the run's own recording is read, not recomputed), and
:func:`predicted_scores` the unlabelled OoD images; results are cached in the
run's folder. :mod:`vog.experiments.study_verdicts` turns them into every
claim's evidence, :mod:`vog.experiments.study_runs` runs the whole design.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..analysis.ood import msp_score
from ..atomic import load_cached, save_verified
from ..checkpoints import load_checkpoint
from ..options import ScoringOptions
from ..recorder import VoGRecorder
from ..scoring import compute_vog
from ..training import outputs
from .presets import experiment_settings
from .run import Experiment

__all__ = [
    "DesignRun",
    "one_factor_design",
    "first_indices",
    "window_scores",
    "label_confidence",
    "predicted_scores",
]


@dataclass(frozen=True)
class DesignRun:
    """One run of the design: its clean configuration and its shuffled-label twin's.

    ``factor``: what it changes from the base (``"base"`` for the base,
    ``"anchor"`` for runs shown as they are, ``"corner"`` for several at once,
    ``"seed"`` for a replicate of ``of`` that changes only the training seed).
    """

    name: str
    factor: str
    settings: dict[str, Any] = field(repr=False)
    twin: dict[str, Any] = field(repr=False)
    of: str | None = None


def one_factor_design(
    base: str | Mapping[str, Any],
    *,
    base_overrides: Mapping[str, Any] | None = None,
    factors: Mapping[str, Mapping[str, Any]] | None = None,
    corners: Mapping[str, Mapping[str, Any]] | None = None,
    noisy: Mapping[str, Any] | None = None,
    anchors: Mapping[str, Sequence] | None = None,
    seeds: Sequence[int] = (),
) -> dict[str, DesignRun]:
    """The runs of a one-factor-at-a-time design, by name, anchors first, then the base.

    Parameters
    ----------
    base : preset name or flat settings
        The base run (:func:`vog.experiments.experiment_settings`), with
        ``base_overrides`` applied (e.g. a subset).
    factors : mapping name -> overrides
        One run per entry: the base with these settings changed. A name
        ``"factor: level"`` files the run under ``factor``.
    corners : mapping name -> overrides
        Runs that change several settings of the base at once.
    noisy : mapping
        What makes a run's twin (default ``{"label_noise": 0.2}``, paper Sec. 4.1).
    anchors : mapping name -> (clean, twin)
        Runs shown as they are (presets or flat settings), e.g. the run the
        other chapters analyse.
    seeds : sequence of int
        Training seeds of the base and of every corner: each seed other than the
        run's own is a replicate ``"<run>, seed <s>"`` (factor ``"seed"``, ``of``
        the run), twin included. The replicates' spread is the noise floor a
        factor's effect is judged against (:mod:`vog.experiments.study_effects`).
    """
    noisy = dict(noisy if noisy is not None else {"label_noise": 0.2})
    base_settings = experiment_settings(base, **dict(base_overrides or {}))
    runs: dict[str, DesignRun] = {}
    for name, pair in (anchors or {}).items():
        if len(pair) != 2:
            raise ValueError(f"anchor {name!r} needs (clean, twin) settings, got {pair!r}")
        runs[name] = DesignRun(
            name, "anchor", experiment_settings(pair[0]), experiment_settings(pair[1])
        )
    names = [*runs, "base", *(factors or {}), *(corners or {})]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"run name(s) {twice} are used twice in the design")
    changed = {"base": {}, **dict(factors or {})}
    for name, overrides in [*changed.items(), *dict(corners or {}).items()]:
        kind = (
            "corner"
            if name in (corners or {})
            else (name.split(":")[0].strip() if ":" in name else name)
        )
        settings = {**base_settings, **dict(overrides)}
        runs[name] = DesignRun(name, kind, settings, {**settings, **noisy})
    for name in ["base", *(corners or {})]:
        own = int(runs[name].settings.get("seed", 0))
        for s in dict.fromkeys(int(x) for x in seeds):
            if s != own:
                settings = {**runs[name].settings, "seed": s}
                if f"{name}, seed {s}" in runs:
                    raise ValueError(f"run name {name + ', seed ' + str(s)!r} is used twice")
                runs[f"{name}, seed {s}"] = DesignRun(
                    f"{name}, seed {s}", "seed", settings, {**settings, **noisy}, of=name
                )
    return runs


def first_indices(n: int, limit: int | None, *, seed: int | None = None) -> np.ndarray:
    """Which examples of a split of ``n`` to score: all, the first ``limit`` (seed None),
    or a seeded random ``limit`` in increasing order."""
    if limit is None or limit >= n:
        return np.arange(n)
    if seed is None:
        return np.arange(int(limit))
    return np.sort(np.random.default_rng(seed).permutation(n)[: int(limit)])


def _digest(*parts: Any) -> str:
    h = hashlib.sha256()
    for p in parts:
        if torch.is_tensor(p):
            p = p.detach().cpu().contiguous().numpy()
        h.update(p.tobytes() if isinstance(p, np.ndarray) else repr(p).encode())
    return h.hexdigest()[:16]


def _cached(run: Experiment, name: str, compute):
    path = run.folder / "study" / f"{name}.pt"
    stored = load_cached(path, what="factor-study scores")
    if stored is None:
        stored = compute()
        save_verified(stored, path)
    return stored


def _epoch_files(run: Experiment) -> dict[int, Any]:
    return {
        e: f
        for w in run.windows()
        for e, f in zip(run.windows()[w], run.checkpoints(w), strict=True)
    }


def _device() -> torch.device:
    return ScoringOptions().torch_device()


def window_scores(
    run: Experiment,
    split: str,
    target: str,
    *,
    indices=None,
    windows: Sequence[str] | None = None,
    batch_size: int = 512,
) -> dict[str, dict[str, torch.Tensor]]:
    """Raw VoG and gradient size of ``split``'s examples ``indices`` for ``target``, per window.

    Returns ``{"vog": {window: (N,)}, "magnitude": {window: (N,)}}``, higher =
    harder. The run's own recording is used where it has the target (the
    logit, unless the run was trained with another); otherwise every
    checkpoint of the windows is loaded once and scored once
    (:class:`vog.VoGRecorder`; convolutions' input gradients as forward
    passes where that pays, :func:`vog.fast_conv.fast_conv_route`), and the result is cached in
    the run's folder.
    """
    windows = list(windows or run.windows())
    n = len(run.labels[split])
    idx = torch.as_tensor(first_indices(n, None) if indices is None else np.asarray(indices))
    trained = getattr(run.config, "target", "logit")
    stored_vog = run.vog.get(split, {})
    stored_mag = run.magnitude.get(split, {})
    if target == trained and all(w in stored_vog and w in stored_mag for w in windows):
        return {
            "vog": {w: stored_vog[w][idx] for w in windows},
            "magnitude": {w: stored_mag[w][idx] for w in windows},
        }

    def compute() -> dict:
        data = (run.examples(split, idx), run.labels[split][idx])
        rec = VoGRecorder(
            {split: data},
            {w: run.windows()[w] for w in windows},
            target=target,
            batch_size=batch_size,
        )
        files = _epoch_files(run)
        model = run.model().to(_device()).eval().requires_grad_(False)
        for epoch in rec.epochs:  # the recorder takes the default convolution route
            rec.observe(load_checkpoint(model, files[epoch]), epoch)
        res = rec.result()
        return {"vog": res.vog[split], "magnitude": res.magnitude[split]}

    return _cached(run, f"{split}-{target}-{_digest(windows, idx)}", compute)


def label_confidence(
    run: Experiment, split: str, *, indices=None, window: str = "all"
) -> torch.Tensor:
    """Softmax probability of each example's label at every checkpoint of ``window``.

    Shape (K, N), in [0, 1]; forward passes only, cached in the run's folder.
    """
    n = len(run.labels[split])
    idx = torch.as_tensor(first_indices(n, None) if indices is None else np.asarray(indices))

    def compute() -> torch.Tensor:
        y = run.labels[split][idx]
        data, model = (run.examples(split, idx), y), run.model().to(_device())
        probs = []
        for f in run.checkpoints(window):
            logits, _ = outputs(load_checkpoint(model, f), data)
            probs.append(logits.softmax(1).gather(1, y.view(-1, 1)).squeeze(1))
        return torch.stack(probs)

    return _cached(run, f"confidence-{split}-{window}-{_digest(idx)}", compute)


def predicted_scores(
    run: Experiment,
    images: Mapping[str, torch.Tensor],
    target: str,
    *,
    window: str = "all",
    batch_size: int = 512,
) -> dict[str, dict[str, torch.Tensor]]:
    """Predicted-label VoG of unlabelled image sets (OoD, corruptions), scored together.

    For each set: ``raw`` VoG and gradient ``magnitude`` over ``window``'s
    checkpoints with the final checkpoint's predicted class (``pred``), and
    ``msp``, the final checkpoint's ``-max softmax probability``; each (N,),
    higher = harder / more OoD. Cached in the run's folder.
    """
    names = list(images)
    sizes = [len(images[k]) for k in names]
    x = torch.cat([images[k] for k in names])

    def compute() -> dict:
        files = run.checkpoints(window)
        res = compute_vog(
            files,
            (x, torch.zeros(len(x), dtype=torch.long)),
            model=run.model(),
            labels="predicted",
            target=target,
            mode="streaming",
            batch_size=batch_size,
        )
        msp = msp_score(load_checkpoint(run.model().to(_device()), files[-1]), x)
        if res.magnitude is None:  # streaming scoring always measures it
            raise RuntimeError("streaming scoring returned no gradient magnitude")
        parts = {"raw": res.raw, "magnitude": res.magnitude, "pred": res.scored_labels, "msp": msp}
        return {
            k: {key: v.split(sizes)[i] for key, v in parts.items()} for i, k in enumerate(names)
        }

    return _cached(run, f"predicted-{target}-{window}-{_digest(names, x)}", compute)
