"""Which convolutions' input gradients are faster as forward convolutions, measured per layer.

    python benchmarks/bench_conv_route.py                  # CPU, 1 thread, the grid below
    python benchmarks/bench_conv_route.py --threads 2 --json out.json

For each convolution shape (input channels, output channels, kernel, input size,
memory format) the script times one input-gradient pass of a frozen layer (forward
and backward to the input, the output gradient all ones) through autograd's own
kernels and through the forward-convolution route
(:func:`vog.scoring.conv_as_forward`), alternating the two, and prints their ratio:
autograd / forward route, above 1 where the forward route is faster. Each time is
the best of ``--repeat`` alternating runs of the process's CPU time, measured in
this one run. The grid spans the few-channel layers of small CNNs (LeNet's 1 -> 6
and 6 -> 16, a CIFAR stem 3 -> 64) and the wide layers of a ResNet-18. Each row
also says which route the default's planner (:mod:`vog.conv_planner`) chose for
that layer on this machine, timed on the layer's first batch, and whether that is
the route this longer measurement finds faster; the summary lines give the range
of ratios of the layers the planner sends each way.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from torch import nn

import vog
from vog import conv_planner

#: (input channels, output channels, kernel, padding, input size, batch)
SHAPES = (
    (1, 6, 5, 0, 28, 128),  # LeNet conv1 (grey images)
    (1, 16, 5, 0, 28, 128),
    (3, 6, 5, 0, 32, 128),  # LeNet conv1 on colour images
    (6, 16, 5, 0, 12, 128),  # LeNet conv2
    (16, 6, 5, 0, 12, 128),
    (1, 32, 3, 1, 28, 128),
    (3, 64, 3, 1, 32, 32),  # CIFAR ResNet stem
    (16, 16, 3, 1, 32, 32),
    (64, 64, 3, 1, 32, 32),  # ResNet-18 stage 1
    (128, 128, 3, 1, 16, 32),
    (256, 256, 3, 1, 8, 32),
    (512, 512, 3, 1, 4, 32),
)
QUICK = ((1, 6, 5, 0, 28, 16), (64, 64, 3, 1, 8, 4))


def time_layer(shape, *, channels_last: bool, repeat: int) -> dict:
    """Best CPU seconds of one input-gradient pass of a frozen layer by either route.

    Raises ``ValueError`` for a shape the forward route does not serve (it would time
    autograd twice)."""
    c_in, c_out, k, pad, size, batch = shape
    torch.manual_seed(0)
    conv = nn.Conv2d(c_in, c_out, k, padding=pad).eval().requires_grad_(False)
    x = torch.randn(batch, c_in, size, size)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    x.requires_grad_(True)

    routed = copy.deepcopy(conv)  # the same weights, its backward as a forward convolution
    planned = copy.deepcopy(conv)  # the default: the planner times both routes on first use

    def one_pass(layer: nn.Module) -> float:
        start = time.process_time()
        y = layer(x)
        torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y))
        return time.process_time() - start

    times: dict[str, list[float]] = {"autograd": [], "forward": []}
    # one context for the whole measurement, as a scoring call opens one: the flipped
    # kernel is made in the first (warm-up) pass and reused, as when scoring
    with vog.scoring.conv_as_forward(routed) as changed:
        if changed != 1:
            raise ValueError(f"the layer {shape} cannot take the forward route")
        for _ in range(repeat + 1):  # alternating; the first pass of each route warms up
            times["autograd"].append(one_pass(conv))
            times["forward"].append(one_pass(routed))
    best = {route: min(t[1:]) for route, t in times.items()}
    with vog.fast_conv.fast_conv_route(planned, None, "cpu"):
        one_pass(planned)
    decision = conv_planner.lookup(planned, x)
    assert decision is not None  # the pass above planned this kind (or found its plan)
    faster = "forward" if best["forward"] < best["autograd"] else "autograd"
    return {
        "c_in": c_in,
        "c_out": c_out,
        "kernel": k,
        "padding": pad,
        "size": size,
        "batch": batch,
        "channels_last": channels_last,
        "autograd_s": best["autograd"],
        "forward_s": best["forward"],
        "ratio": best["autograd"] / best["forward"],
        "default_route": decision.route,
        "planner_ratio": decision.ratio,
        "planner_agrees": decision.route == faster,
    }


def summarise(rows: list[dict]) -> dict:
    """The range and median of autograd / forward ratios of the layers the default's planner
    sends each way."""
    out = {}
    for route in ("forward", "autograd"):
        ratios = [r["ratio"] for r in rows if r["default_route"] == route]
        if ratios:
            out[route] = {
                "n": len(ratios),
                "min": min(ratios),
                "median": statistics.median(ratios),
                "max": max(ratios),
            }
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5, help="best of this many passes")
    ap.add_argument("--quick", action="store_true", help="two small layers (seconds)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.threads < 1:
        ap.error("--repeat and --threads must be >= 1")
    torch.set_num_threads(args.threads)
    rows = [
        time_layer(shape, channels_last=cl, repeat=args.repeat)
        for cl in (False, True)
        for shape in (QUICK if args.quick else SHAPES)
    ]
    print(f"torch {torch.__version__}, {args.threads} thread(s), CPU time, best of {args.repeat}")
    print(
        f"{'C_in':>5} {'C_out':>5} {'k':>2} {'size':>4} {'layout':>8} "
        f"{'autograd/forward':>17}  planner"
    )
    for r in rows:
        layout = "chlast" if r["channels_last"] else "nchw"
        print(
            f"{r['c_in']:>5} {r['c_out']:>5} {r['kernel']:>2} {r['size']:>4} {layout:>8} "
            f"{r['ratio']:>16.2f}x  {r['default_route']}"
        )
    summary = summarise(rows)
    for route, s in summary.items():
        print(
            f"planner: {route} route ({s['n']} layers): "
            f"autograd / forward {s['min']:.2f}x to {s['max']:.2f}x"
        )
    agree = sum(r["planner_agrees"] for r in rows)
    print(f"the planner chose the route this measurement finds faster for {agree} of {len(rows)}")
    if args.json:
        from vog.experiments.provenance import machine

        res = {"torch": torch.__version__, "threads": args.threads, "rows": rows}
        res["processor"] = machine()
        res["summary"] = summary
        vog.atomic.atomic_write(args.json, lambda p: p.write_text(json.dumps(res, indent=1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
