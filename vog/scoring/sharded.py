"""Resumable, multi-process scoring: shards written atomically, then merged.

Each process (a ``torchrun`` rank, or the only process) takes the example
indices of a :class:`~torch.utils.data.DistributedSampler` with
``shuffle=False``, cuts them into shards of ``shard_size`` examples and scores
each shard sample-major (:func:`vog.scoring.score_loader`). A finished shard is one
file ``shard-w{world}-r{rank}-{k}.pt`` of score columns (index, label,
prediction, scored label and raw VoG: :func:`vog.scoring.result.write_columns`)
with the run's fingerprint, written atomically; a rerun skips the shards already on disk, so an
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

from ..atomic import atomic_write, file_error, usable_cache, verify_file
from ..data import as_dataset, as_loader
from ..options import ScoringOptions
from .checkpoint_modules import checkpoint_list, content_hash, load_models
from .result import COLUMNS, VoGResult, read_columns, write_columns
from .sample_major import score_loader

__all__ = ["score_to_shards", "merge_shards"]

MANIFEST = "manifest.json"
#: Examples per shard file by default (the unit of work an interruption can lose).
SHARD_SIZE = 4096


_SHARD_TODO = "delete it and rerun `vog score` (or score_to_shards) to compute it again"


def _read_manifest(manifest: Path) -> dict:
    """The verified contents of a shard folder's ``manifest.json``."""
    todo = f"delete the folder {manifest.parent} and score again"
    verify_file(manifest, todo=todo)
    try:
        meta = json.loads(manifest.read_text())
        if not isinstance(meta, dict) or "fingerprint" not in meta or "n" not in meta:
            raise ValueError("it lacks 'fingerprint' or 'n'")
        return meta
    except (ValueError, UnicodeDecodeError) as exc:
        raise file_error(manifest, f"not a valid shard manifest ({exc})", todo) from exc


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
        else:  # the weights themselves: other weights are another run
            parts.append(f"module:{type(c).__name__}:{content_hash(c)}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def score_to_shards(
    checkpoints: Sequence[nn.Module | str | os.PathLike],
    data: Dataset | Sequence,
    out_dir: str | os.PathLike,
    *,
    model: nn.Module | None = None,
    shard_size: int = SHARD_SIZE,
    max_shards: int | None = None,
    options: ScoringOptions | None = None,
    **option_values,
) -> list[Path]:
    """Score this process's share of ``data`` into shard files under ``out_dir``.

    Parameters
    ----------
    checkpoints, data, model
        As for :func:`vog.compute_vog`.
    out_dir : path
        Folder for the shards and ``manifest.json``; reused on resume.
    shard_size : int, keyword-only
        Examples per shard file (the unit of work that is never lost).
    max_shards : int, optional, keyword-only
        Stop after computing this many new shards (to split a long run).
    options, **option_values
        Scoring options (:class:`vog.ScoringOptions`); scoring is always
        sample-major here.

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
    opts = ScoringOptions.build(options, **{**option_values, "mode": "sample_major"})
    if int(shard_size) < 1:
        raise ValueError(f"shard_size must be >= 1, got {shard_size}")
    checkpoints = checkpoint_list(checkpoints, model)
    rank, world = _dist()
    dataset = as_dataset(data)
    n = len(dataset)
    if n == 0:
        raise ValueError("data is empty")
    options_key = {
        "labels": opts.labels,
        "target": opts.target,
        "channel_mean": opts.channel_mean,
        "autocast": opts.autocast,
        "shard_size": int(shard_size),
    }
    fingerprint = _fingerprint(checkpoints, n, options_key)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / MANIFEST
    if manifest.is_file():
        old = _read_manifest(manifest)
        if old.get("fingerprint") != fingerprint:
            raise ValueError(
                f"{out} holds shards of a different run (checkpoints, data size or options "
                "differ); use a new folder or delete it"
            )
    elif rank == 0:
        text = json.dumps({"fingerprint": fingerprint, "n": n, **options_key}, indent=1)
        atomic_write(manifest, lambda p: p.write_text(text), checksum=True)

    sampler: DistributedSampler[int] = DistributedSampler(
        dataset, num_replicas=world, rank=rank, shuffle=False
    )
    indices: list[int] = list(sampler)
    chunks = [indices[i : i + shard_size] for i in range(0, len(indices), shard_size)]
    paths = [out / f"shard-w{world}-r{rank}-{k:05d}.pt" for k in range(len(chunks))]
    todo = [k for k, p in enumerate(paths) if not usable_cache(p, what="shard")]
    if max_shards is not None:
        todo = todo[: int(max_shards)]
    if not todo:
        return paths
    device = opts.torch_device()
    models = load_models(
        checkpoints,
        model=model,
        device=device,
        channels_last=opts.channels_last,
        compile=opts.compile,
    )
    for k in todo:
        loader = as_loader(
            Subset(dataset, chunks[k]),
            batch_size=opts.batch_size,
            num_workers=opts.num_workers,
            pin_memory=device.type == "cuda",
        )
        raw, y, pred, used, size = score_loader(models, loader, opts)
        shard = {
            "index": torch.tensor(chunks[k], dtype=torch.long),
            "label": y,
            "prediction": pred,
            "scored_label": used,
            "vog": raw,
            "magnitude": size,
        }
        write_columns(shard, paths[k], meta={"fingerprint": fingerprint})
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
    meta = _read_manifest(manifest)
    n = int(meta["n"])
    files = sorted(out.glob("shard-*.pt"))
    if not files:
        raise ValueError(f"no shard files in {out}")
    fields = ("label", "prediction", "scored_label", "vog", "magnitude")
    merged = {key: torch.zeros(n, dtype=COLUMNS[key][1]) for key in fields}
    sized = True  # every shard has the gradient magnitude (shards of older versions do not)
    seen = torch.zeros(n, dtype=torch.bool)
    for f in files:
        s, shard_meta = read_columns(f, required=True, todo=_SHARD_TODO)
        if "index" not in s:
            raise file_error(f, "not a shard file of vog score (no index column)", _SHARD_TODO)
        if shard_meta.get("fingerprint") != meta["fingerprint"]:
            raise ValueError(f"{f} belongs to another run than {manifest}")
        idx = s["index"]
        if len(idx) and (int(idx.min()) < 0 or int(idx.max()) >= n):
            raise file_error(f, f"indices outside the {n} examples of {manifest}", _SHARD_TODO)
        fresh = ~seen[idx]
        if not bool(fresh.any()):
            continue
        sized = sized and "magnitude" in s
        for key in fields:
            if key in s:
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
        magnitude=merged["magnitude"] if sized else None,
    )
