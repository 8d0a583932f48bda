"""Command line: ``vog score`` (also under ``torchrun``), ``merge``, ``report`` and ``apply``.

    vog score --model mypkg.nets:make_model --data mypkg.data:test_set \\
              --checkpoints ckpt_*.pt --out scores.parquet

    torchrun --nproc-per-node 8 -m vog score ...   # one shard set per GPU
    vog report scores.parquet --data mypkg.data:test_set --out audit.html
    vog apply review.json --scores scores.parquet --out new_labels.csv
    vog apply review.csv --scores scores.parquet --out dropped.txt --indices remove,ood

``--model`` and ``--data`` name a callable as ``module:function``; it is
called without arguments and returns the architecture (an ``nn.Module``) or
the data (a ``Dataset`` of ``(x, y)`` or a pair ``(X, y)``). Modules are
looked up in the current folder first, as ``python -m`` does. Scoring is
sample-major and resumable: shards go to ``--work-dir`` (default
``OUT.shards``) and an interrupted command, run again, continues.

An error prints one line naming the problem and exits with status 2;
``--debug`` shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import os
import sys
from pathlib import Path

import torch

from .data import as_dataset
from .options import CHOICES, ScoringOptions
from .scoring import merge_shards, read_scores, score_to_shards, write_scores
from .scoring.sharded import SHARD_SIZE

__all__ = ["main", "resolve"]


class CommandError(Exception):
    """A problem with what the user asked for, reported as one line."""


def resolve(spec: str):
    """Import ``module:attribute`` (the current folder first) and return the attribute."""
    if ":" not in spec:
        raise CommandError(f"expected module:function, got {spec!r}")
    mod, _, attr = spec.partition(":")
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return getattr(importlib.import_module(mod), attr)
    except (ImportError, AttributeError) as exc:
        raise CommandError(f"cannot import {spec!r}: {exc}") from exc


def _call(spec: str, what: str):
    factory = resolve(spec)
    if not callable(factory):
        raise CommandError(f"{spec!r} is not callable; it must return the {what}")
    return factory()


def _options(args) -> ScoringOptions:
    """The scoring options the command line names (validated once, here)."""
    names = {f.name for f in dataclasses.fields(ScoringOptions)}
    given = {k: v for k, v in vars(args).items() if k in names}
    return ScoringOptions(**{**given, "mode": "sample_major"})


def _score(args) -> int:
    options = _options(args)  # refuse bad options before starting anything
    _out_suffix(args.out)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    distributed = world > 1
    if distributed:
        backend = "nccl" if options.torch_device().type == "cuda" else "gloo"
        torch.distributed.init_process_group(backend=backend)
        if backend == "nccl":
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local)
            options = dataclasses.replace(options, device=f"cuda:{local}")
    try:
        model = _call(args.model, "model (an nn.Module)")
        data = _call(args.data, "data (a Dataset of (x, y) or a pair (X, y))")
        out = Path(args.out)
        work = Path(args.work_dir) if args.work_dir else out.with_name(out.name + ".shards")
        score_to_shards(
            args.checkpoints,
            data,
            work,
            model=model,
            shard_size=args.shard_size,
            options=options,
        )
        if distributed:
            torch.distributed.barrier()
        if not distributed or torch.distributed.get_rank() == 0:
            result = merge_shards(work, normalize=options.normalize)
            write_scores(result, out)
            print(f"wrote {len(result.raw)} scores to {out}")
    finally:
        if distributed:
            torch.distributed.destroy_process_group()
    return 0


def _out_suffix(out: str) -> None:
    """Refuse an output file whose format is unknown, before any work is done."""
    from .scoring.result import SUFFIXES

    suffix = Path(out).suffix
    if suffix not in SUFFIXES:
        raise CommandError(
            f"{out}: unsupported scores file suffix {suffix or '(none)'!r}; "
            f"use one of {', '.join(SUFFIXES)}"
        )


def _merge(args) -> int:
    _out_suffix(args.out)
    result = merge_shards(args.work_dir, normalize=args.normalize)
    write_scores(result, args.out)
    print(f"wrote {len(result.raw)} scores to {args.out}")
    return 0


def _report(args) -> int:
    from .analysis.report import write_report
    from .datasets.folders import to_tensors

    result = read_scores(args.scores)
    data = as_dataset(_call(args.data, "data (in the order of the scores)"))
    images = data.tensors[0] if hasattr(data, "tensors") else to_tensors(data)[0]
    names = args.class_names.split(",") if args.class_names else None
    write_report(result, images, args.out, k=args.k, class_names=names, title=args.title)
    print(f"wrote {args.out}")
    return 0


def _apply(args) -> int:
    from .analysis.review import SELECTIONS, apply_decisions, write_indices, write_labels

    out = Path(args.out)
    for given, what in ((args.decisions, "decisions"), (args.scores, "scores")):
        if out.resolve() == Path(given).resolve():
            raise CommandError(f"{out}: --out is the {what} file; write to a new file")
    if out.exists() and not args.force:
        raise CommandError(f"{out}: exists; choose a new file (or --force to replace it)")
    applied = apply_decisions(args.decisions, read_scores(args.scores))
    if args.indices:
        which = [w.strip() for w in args.indices.split(",") if w.strip()]
        bad = [w for w in which if w not in SELECTIONS]
        if bad or not which:
            raise CommandError(f"--indices {args.indices!r}: choose from {', '.join(SELECTIONS)}")
        write_indices(applied, which, out)
        count = len({int(i) for w in which for i in applied.select(w)})
        print(f"wrote {count} indices ({', '.join(which)}) to {out}")
    else:
        write_labels(applied, out)
        counts = {d: int((applied.decision == d).sum()) for d in ("relabel", "remove", "ood")}
        print(
            f"wrote {len(applied.labels)} labels to {out}: {counts['relabel']} relabelled, "
            f"{counts['remove']} removed, {counts['ood']} out of distribution"
        )
    return 0


def _choices(name: str) -> list[str]:
    return [c for c in CHOICES[name] if c is not None]


def build_parser() -> argparse.ArgumentParser:
    """The ``vog`` argument parser (choices taken from :data:`vog.options.CHOICES`)."""
    defaults = ScoringOptions()
    ap = argparse.ArgumentParser(
        prog="vog", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    # --debug is also accepted after the command; SUPPRESS keeps it from resetting the flag
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS)
    sub = ap.add_subparsers(dest="command", required=True)
    sc = sub.add_parser("score", parents=[common], help="score a data set over checkpoints")
    sc.add_argument("--model", required=True, help="module:function returning the nn.Module")
    sc.add_argument("--data", required=True, help="module:function returning the data")
    sc.add_argument("--checkpoints", nargs="+", required=True, help="K >= 2 checkpoint files")
    sc.add_argument("--out", required=True, help="scores file: .csv, .parquet or .pt")
    sc.add_argument("--work-dir", help="folder for resumable shards (default OUT.shards)")
    sc.add_argument("--labels", choices=_choices("labels"), default=defaults.labels)
    sc.add_argument("--target", choices=_choices("target"), default=defaults.target)
    sc.add_argument("--normalize", choices=_choices("normalize"), default=defaults.normalize)
    sc.add_argument("--batch-size", type=int, default=defaults.batch_size)
    sc.add_argument("--shard-size", type=int, default=SHARD_SIZE)
    sc.add_argument("--num-workers", type=int, default=defaults.num_workers)
    sc.add_argument("--device", default=None, help="cpu, cuda, cuda:1 (default: cuda if present)")
    sc.add_argument(
        "--vectorize",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run the checkpoints as one vmapped call per batch (--vectorize) or one by one "
        "(--no-vectorize); default: measured on the first batch, the faster kept",
    )
    sc.add_argument("--autocast", choices=_choices("autocast"), default=None)
    sc.add_argument("--channels-last", action="store_true")
    sc.add_argument(
        "--fast-conv",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="back-propagate through stride-1 convolutions with forward convolutions: "
        "--fast-conv every such layer, --no-fast-conv none (default: measured, each layer "
        "takes the route timed faster on its first batch)",
    )
    sc.add_argument("--progress", action="store_true")
    sc.set_defaults(func=_score)
    mg = sub.add_parser("merge", parents=[common], help="merge a shard folder into one scores file")
    mg.add_argument("work_dir")
    mg.add_argument("--out", required=True)
    mg.add_argument("--normalize", choices=_choices("normalize"), default=defaults.normalize)
    mg.set_defaults(func=_merge)
    rp = sub.add_parser(
        "report",
        parents=[common],
        help="HTML review page: decide on the highest-VoG examples of each class",
    )
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
    rp.add_argument("--title", default="VoG audit", help="the page's title")
    rp.set_defaults(func=_report)
    ap_ = sub.add_parser(
        "apply",
        parents=[common],
        help="turn a review's decisions into a new label file or index list",
    )
    ap_.add_argument("decisions", help="decisions exported by the review page (.csv or .json)")
    ap_.add_argument("--scores", required=True, help="the scores file the page was built from")
    ap_.add_argument(
        "--out",
        required=True,
        help="new file: labels (.csv, .npy, .pt) or, with --indices, indices (.txt, .json, .npy)",
    )
    ap_.add_argument(
        "--indices",
        help="write the indices of these groups instead of labels: keep, relabel, remove, ood, "
        "undecided, retained (not removed nor OOD), dropped (removed or OOD); comma-separated",
    )
    ap_.add_argument("--force", action="store_true", help="replace --out if it exists")
    ap_.set_defaults(func=_apply)
    return ap


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:
        if args.debug:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(
            f"vog {args.command}: error: {message} (--debug shows the traceback)", file=sys.stderr
        )
        return 2


if __name__ == "__main__":
    sys.exit(main())
