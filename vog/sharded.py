"""Resumable, multi-process scoring: shards written atomically, then merged.

Each process (a ``torchrun`` rank, or the only process) takes the example
indices of a :class:`~torch.utils.data.DistributedSampler` with
``shuffle=False``, cuts them into shards of ``shard_size`` examples and scores
each shard sample-major (:func:`vog.score_loader`). A finished shard is one
file ``shard-w{world}-r{rank}-{k}.pt`` holding index, label, prediction and raw
VoG, written atomically; a rerun skips the shards already on disk, so an
interrupted run continues from its last completed shard and gives the same
scores bit for bit. :func:`merge_shards` joins the shards, drops the examples
the sampler repeated to pad the last rank, checks that every example is
present and class-normalises.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import Dataset, DistributedSampler, Subset

from ._checks import check_choice
from .checkpoints import atomic_write
from .data import as_dataset, as_loader
from .scoring import LABEL_MODES, VoGResult, load_models, score_loader

__all__ = ["score_to_shards", "merge_shards", "write_scores", "read_scores"]

MANIFEST = "manifest.json"


def _dist() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _fingerprint(checkpoints: Sequence, n: int, options: dict) -> str:
    parts = [str(n), json.dumps(options, sort_keys=True)]
    for c in checkpoints:
        if isinstance(c, (str, os.PathLike)):
            st = Path(c).stat()
            parts.append(f"{Path(c).resolve()}:{st.st_size}:{st.st_mtime_ns}")
        else:
            parts.append(f"module:{type(c).__name__}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def score_to_shards(
    checkpoints: Sequence[nn.Module | str | os.PathLike],
    data: Dataset | Sequence,
    out_dir: str | os.PathLike,
    *,
    model: nn.Module | None = None,
    shard_size: int = 4096,
    labels: str = "true",
    target: str = "logit",
    channel_mean: bool = True,
    batch_size: int = 256,
    device: torch.device | str | None = None,
    num_workers: int = 0,
    vectorize: bool = False,
    autocast: str | None = None,
    channels_last: bool = False,
    fast_conv: bool = False,
    progress: bool = False,
    max_shards: int | None = None,
) -> list[Path]:
    """Score this process's share of ``data`` into shard files under ``out_dir``.

    Parameters are those of :func:`vog.compute_vog` (sample-major mode), plus:

    out_dir : path
        Folder for the shards and ``manifest.json``; reused on resume.
    shard_size : int, keyword-only
        Examples per shard file (the unit of work that is never lost).
    max_shards : int, optional, keyword-only
        Stop after computing this many new shards (to split a long run).

    Returns
    -------
    list of Path
        This rank's shard files, finished ones included.

    Raises
    ------
    ValueError
        If ``out_dir`` holds shards of a different run (other checkpoints,
        data size or options).
    """
    check_choice("labels", labels, LABEL_MODES)
    if fast_conv and (vectorize or autocast):
        raise ValueError("fast_conv=True works without vectorize and autocast")
    if int(shard_size) < 1:
        raise ValueError(f"shard_size must be >= 1, got {shard_size}")
    checkpoints = list(checkpoints)
    if len(checkpoints) < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got {len(checkpoints)}")
    rank, world = _dist()
    dataset = as_dataset(data)
    n = len(dataset)
    if n == 0:
        raise ValueError("data is empty")
    options = {
        "labels": labels,
        "target": target,
        "channel_mean": channel_mean,
        "autocast": autocast,
        "shard_size": int(shard_size),
    }
    fingerprint = _fingerprint(checkpoints, n, options)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST
    if manifest.is_file():
        old = json.loads(manifest.read_text())
        if old.get("fingerprint") != fingerprint:
            raise ValueError(
                f"{out} holds shards of a different run (checkpoints, data size or options "
                "differ); use a new folder or delete it"
            )
    elif rank == 0:
        text = json.dumps({"fingerprint": fingerprint, "n": n, **options}, indent=1)
        atomic_write(manifest, lambda p: p.write_text(text))

    indices = list(DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=False))
    chunks = [indices[i : i + shard_size] for i in range(0, len(indices), shard_size)]
    paths = [out / f"shard-w{world}-r{rank}-{k:05d}.pt" for k in range(len(chunks))]
    todo = [k for k, p in enumerate(paths) if not p.is_file()]
    if max_shards is not None:
        todo = todo[: int(max_shards)]
    if not todo:
        return paths
    device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    models = load_models(checkpoints, model=model, device=device, channels_last=channels_last)
    for k in todo:
        idx = torch.tensor(chunks[k], dtype=torch.long)
        loader = as_loader(
            Subset(dataset, chunks[k]),
            batch_size=batch_size,
            num_workers=num_workers,
            pin_memory=device.type == "cuda",
        )
        raw, y, pred, used = score_loader(
            models,
            loader,
            labels=labels,
            target=target,
            channel_mean=channel_mean,
            vectorize=vectorize,
            autocast=autocast,
            channels_last=channels_last,
            fast_conv=fast_conv,
            progress=progress,
        )
        shard = {
            "index": idx,
            "label": y,
            "prediction": pred,
            "scored_label": used,
            "vog": raw,
            "fingerprint": fingerprint,
        }
        atomic_write(paths[k], lambda p, s=shard: torch.save(s, p))
    return paths


def merge_shards(out_dir: str | os.PathLike, *, normalize: str = "zscore") -> VoGResult:
    """Join the shards of :func:`score_to_shards` into one :class:`vog.VoGResult` in index order.

    Padded duplicates (the sampler repeats a few examples so every rank gets as
    many) are dropped; a missing example raises ``ValueError``.
    """
    out = Path(out_dir)
    manifest = out / MANIFEST
    if not manifest.is_file():
        raise FileNotFoundError(f"no {MANIFEST} in {out}: not a shard folder")
    meta = json.loads(manifest.read_text())
    n = int(meta["n"])
    files = sorted(out.glob("shard-*.pt"))
    if not files:
        raise ValueError(f"no shard files in {out}")
    fields = ("label", "prediction", "scored_label", "vog")
    merged = {f: None for f in fields}
    seen = torch.zeros(n, dtype=torch.bool)
    for f in files:
        s = torch.load(f, map_location="cpu", weights_only=True)
        if s.get("fingerprint") != meta["fingerprint"]:
            raise ValueError(f"{f} belongs to another run than {manifest}")
        idx = s["index"]
        fresh = ~seen[idx]
        if not bool(fresh.any()):
            continue
        for key in fields:
            if merged[key] is None:
                merged[key] = torch.zeros(n, dtype=s[key].dtype)
            merged[key][idx[fresh]] = s[key][fresh]
        seen[idx[fresh]] = True
    if not bool(seen.all()):
        missing = torch.nonzero(~seen).flatten()
        raise ValueError(
            f"{missing.numel()} of {n} examples have no score yet (first: {missing[:5].tolist()}); "
            "rerun score_to_shards to finish"
        )
    return VoGResult.from_raw(
        merged["vog"],
        merged["label"],
        merged["prediction"],
        merged["scored_label"],
        normalize=normalize,
    )


def write_scores(result: VoGResult, path: str | os.PathLike) -> Path:
    """Write scores atomically as ``.csv``, ``.parquet`` or ``.pt`` (by suffix).

    Rows are examples: index, label, prediction, scored_label, vog, vog_normalized.
    """
    path = Path(path)
    suffix = check_choice("file suffix", path.suffix, (".csv", ".parquet", ".pt"))
    if suffix == ".pt":
        data = {
            k: getattr(result, k)
            for k in ("raw", "normalized", "labels", "predictions", "scored_labels")
        }
        return atomic_write(path, lambda p: torch.save(data, p))
    frame = result.to_frame()
    if suffix == ".csv":
        return atomic_write(path, lambda p: frame.to_csv(p, float_format="%.17g"))
    return atomic_write(path, lambda p: frame.to_parquet(p))


def read_scores(path: str | os.PathLike) -> VoGResult:
    """Read scores written by :func:`write_scores`."""
    path = Path(path)
    suffix = check_choice("file suffix", path.suffix, (".csv", ".parquet", ".pt"))
    if suffix == ".pt":
        return VoGResult(**torch.load(path, map_location="cpu", weights_only=True))
    import pandas as pd

    df = pd.read_csv(path, index_col="index") if suffix == ".csv" else pd.read_parquet(path)
    col = lambda c, dt: torch.as_tensor(df[c].to_numpy().copy(), dtype=dt)  # noqa: E731
    return VoGResult(
        raw=col("vog", torch.float64),
        normalized=col("vog_normalized", torch.float64),
        labels=col("label", torch.long),
        predictions=col("prediction", torch.long),
        scored_labels=col("scored_label", torch.long),
    )
