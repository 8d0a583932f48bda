"""Command line: ``vog score`` (also under ``torchrun``), ``vog merge`` and ``vog report``.

    vog score --model mypkg.nets:make_model --data mypkg.data:test_set \\
              --checkpoints ckpt_*.pt --out scores.parquet

    torchrun --nproc-per-node 8 -m vog score ...   # one shard set per GPU
    vog report scores.parquet --data mypkg.data:test_set --out audit.html

``--model`` and ``--data`` name a callable as ``module:function``; it is
called without arguments and returns the architecture (an ``nn.Module``) or
the data (a ``Dataset`` of ``(x, y)`` or a pair ``(X, y)``). Scoring is
sample-major and resumable: shards go to ``--work-dir`` (default
``OUT.shards``) and an interrupted command, run again, continues.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

import torch

from .data import as_dataset
from .datasets import to_tensors
from .report import write_report
from .sharded import merge_shards, read_scores, score_to_shards, write_scores

__all__ = ["main", "resolve"]


def resolve(spec: str):
    """Import ``module:attribute`` and return the attribute."""
    if ":" not in spec:
        raise SystemExit(f"expected module:function, got {spec!r}")
    mod, _, attr = spec.partition(":")
    try:
        return getattr(importlib.import_module(mod), attr)
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"cannot import {spec!r}: {exc}") from exc


def _score(args) -> int:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    distributed = world > 1
    device = args.device
    if distributed:
        backend = "nccl" if torch.cuda.is_available() and args.device != "cpu" else "gloo"
        torch.distributed.init_process_group(backend=backend)
        if backend == "nccl":
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            device = f"cuda:{local}"
    try:
        model = resolve(args.model)()
        data = resolve(args.data)()
        out = Path(args.out)
        work = Path(args.work_dir) if args.work_dir else out.with_name(out.name + ".shards")
        score_to_shards(
            args.checkpoints,
            data,
            work,
            model=model,
            shard_size=args.shard_size,
            labels=args.labels,
            target=args.target,
            batch_size=args.batch_size,
            device=device,
            num_workers=args.num_workers,
            vectorize=args.vectorize,
            autocast=args.autocast,
            channels_last=args.channels_last,
            fast_conv=args.fast_conv,
            progress=args.progress,
        )
        if distributed:
            torch.distributed.barrier()
        if not distributed or torch.distributed.get_rank() == 0:
            result = merge_shards(work, normalize=args.normalize)
            write_scores(result, out)
            print(f"wrote {len(result.raw)} scores to {out}")
    finally:
        if distributed:
            torch.distributed.destroy_process_group()
    return 0


def _merge(args) -> int:
    result = merge_shards(args.work_dir, normalize=args.normalize)
    write_scores(result, args.out)
    print(f"wrote {len(result.raw)} scores to {args.out}")
    return 0


def _report(args) -> int:
    result = read_scores(args.scores)
    data = as_dataset(resolve(args.data)())
    images = data.tensors[0] if hasattr(data, "tensors") else to_tensors(data)[0]
    names = args.class_names.split(",") if args.class_names else None
    write_report(result, images, args.out, k=args.k, class_names=names)
    print(f"wrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="vog", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="command", required=True)
    sc = sub.add_parser("score", help="score a data set over checkpoints")
    sc.add_argument("--model", required=True, help="module:function returning the nn.Module")
    sc.add_argument("--data", required=True, help="module:function returning the data")
    sc.add_argument("--checkpoints", nargs="+", required=True, help="K >= 2 checkpoint files")
    sc.add_argument("--out", required=True, help="scores file: .csv, .parquet or .pt")
    sc.add_argument("--work-dir", help="folder for resumable shards (default OUT.shards)")
    sc.add_argument("--labels", choices=("true", "predicted"), default="true")
    sc.add_argument("--target", choices=("logit", "probability"), default="logit")
    sc.add_argument("--normalize", choices=("zscore", "abs_zscore"), default="zscore")
    sc.add_argument("--batch-size", type=int, default=256)
    sc.add_argument("--shard-size", type=int, default=4096)
    sc.add_argument("--num-workers", type=int, default=0)
    sc.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: cuda if present)")
    sc.add_argument("--vectorize", action="store_true", help="vmap over the checkpoints")
    sc.add_argument("--autocast", choices=("bfloat16", "float16"), default=None)
    sc.add_argument("--channels-last", action="store_true")
    sc.add_argument(
        "--fast-conv",
        action="store_true",
        help="back-propagate through stride-1 convolutions with forward convolutions (CPU)",
    )
    sc.add_argument("--progress", action="store_true")
    sc.set_defaults(func=_score)
    mg = sub.add_parser("merge", help="merge a shard folder into one scores file")
    mg.add_argument("work_dir")
    mg.add_argument("--out", required=True)
    mg.add_argument("--normalize", choices=("zscore", "abs_zscore"), default="zscore")
    mg.set_defaults(func=_merge)
    rp = sub.add_parser("report", help="HTML gallery of the lowest/highest VoG per class")
    rp.add_argument("scores", help="scores file written by `vog score` (.csv, .parquet, .pt)")
    rp.add_argument(
        "--data",
        "--images",
        dest="data",
        required=True,
        help="module:function returning the same data (images in score order)",
    )
    rp.add_argument("--out", required=True, help="HTML file to write")
    rp.add_argument("--k", type=int, default=10, help="examples per end and class")
    rp.add_argument("--class-names", help="comma-separated names of the classes")
    rp.set_defaults(func=_report)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
