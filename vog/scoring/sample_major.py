"""Sample-major VoG: all K checkpoints per chunk of examples, one scalar per example kept.

Checkpoint-major streaming (:class:`vog.VoGAccumulator`) keeps two per-pixel
maps per example: O(N * P) memory, about 0.5 TB for ImageNet at 224x224.
Sample-major scoring holds all K models at once and cuts the data into chunks
of a few batches. Within a chunk it runs checkpoint-major (every batch of the
chunk through checkpoint K, then through checkpoint 1, 2, ...: each model's
weights stay in the caches for several batches, as when storing every map),
writes the channel-averaged maps into one reused float32 buffer of shape
``(K, chunk, *P)``, reduces them, a cache-sized block of examples at a time
(:data:`REDUCE_BYTES`), to the per-example VoG of Eq. 2-4 with
:func:`vog.accumulator.checkpoint_moments` and :func:`vog.accumulator.vog_from_moments`
and keeps only that scalar: O(N) memory for the results plus a buffer of at
most :data:`CHUNK_BYTES` (or one batch, if larger). Both modes give the same
scores up to float32 rounding (the variance is a two-pass float32 reduction,
the pixel mean float64), and the same gradient magnitude
(:func:`vog.accumulator.magnitude_from_moments`).

:func:`score_loader` runs this over every chunk of a loader and writes the
per-example results into columns allocated up front, so that a long CPU run's
resident memory stays flat instead of growing with the number of batches.

With ``vectorize=True`` the K checkpoints run as one batched call through
:func:`torch.func.vmap` over their stacked parameters, batch by batch, which is
faster on a GPU at the cost of K times the activation memory.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack, nullcontext
from itertools import chain

import torch
from torch import nn

from .._checks import (
    check_choice,
    check_finite,
    check_labels,
    integer_labels,
    module_device,
)
from ..accumulator import checkpoint_moments, magnitude_from_moments, vog_from_moments
from ..fast_conv import fast_conv_route, without_routes
from ..gradients import (
    class_score,
    frozen_eval,
    gradients_of,
    leaf_inputs,
    pixel_shape_of,
    reduce_channels,
)
from ..options import CHOICES, ScoringOptions
from .checkpoint_modules import last_first
from .vmap_route import VmapDecision, plan_vmap, quiet_fallbacks
from .vmap_route import plan_key as vmap_plan_key

__all__ = [
    "CHUNK_BYTES",
    "REDUCE_BYTES",
    "batch_vog",
    "chunk_vog",
    "score_loader",
    "stack_checkpoints",
]

#: Bytes of gradient maps and inputs a chunk holds at most (at least one batch is taken).
#: The loop order within a chunk makes no measurable difference on a CPU
#: (``benchmarks/bench_scoring.py``, ``loop order``: batch-major over chunked
#: checkpoint-major 0.93-1.0), while a larger buffer costs its page faults: above glibc's
#: 32 MB mmap threshold it is mapped afresh on every call.
CHUNK_BYTES = 16 * 2**20
#: Bytes of gradient maps reduced at a time (about half a CPU core's L2 cache).
REDUCE_BYTES = 2**20


def _autocast(device: torch.device, autocast: str | None):
    check_choice("autocast", autocast, CHOICES["autocast"])
    if autocast is None:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=getattr(torch, autocast))


class stack_checkpoints:  # noqa: N801  (a small state holder used like a function)
    """K models stacked for :func:`torch.func.vmap`, run in eval mode without parameter grads.

    The stacked parameters are copies: the models themselves (their mode,
    flags and weights) are left as they are.

    Parameters
    ----------
    models : sequence of nn.Module
        K >= 1 models of one architecture, on one device.
    """

    def __init__(self, models: Sequence[nn.Module]) -> None:
        models = list(models)
        named = [(dict(m.named_parameters()), dict(m.named_buffers())) for m in models]
        self.params = {k: torch.stack([p[k].detach() for p, _ in named]) for k in named[0][0]}
        self.buffers = {k: torch.stack([b[k].detach() for _, b in named]) for k in named[0][1]}
        # the structure only, without the convolution routes vog.fast_conv may have set
        self.base = without_routes(copy.deepcopy(models[0])).to("meta").eval()
        self.k = len(models)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of every checkpoint for per-checkpoint inputs ``x`` of shape (K, B, ...)."""
        from torch.func import functional_call, vmap

        def one(params, buffers, xb):
            return functional_call(self.base, (params, buffers), (xb,))

        return vmap(one)(self.params, self.buffers, x)


def batch_vog(
    models: Sequence[nn.Module] | stack_checkpoints,
    x: torch.Tensor,
    labels: torch.Tensor | Callable[[torch.Tensor], torch.Tensor],
    *,
    target: str = "logit",
    channel_mean: bool = True,
    autocast: str | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Per-example VoG of one batch over K checkpoints (paper Eq. 1-4).

    Parameters
    ----------
    models : sequence of K >= 2 nn.Module, or :class:`stack_checkpoints`
        The checkpoints, in training order; the last one gives the predictions.
        A ``stack_checkpoints`` runs all K in one vmapped call.
    x : Tensor, shape (B, ...)
        A batch of inputs on the models' device.
    labels : Tensor of shape (B,) or callable
        Class per example, or ``logits -> labels`` applied to the *last*
        checkpoint's logits (e.g. ``lambda z: z.argmax(1)`` for predicted labels).
    target : {"logit", "probability"}, keyword-only
    channel_mean : bool, keyword-only
        Average colour channels of (B, C, H, W) gradients first (paper).
    autocast : {None, "bfloat16", "float16"}, keyword-only
        Run forward and backward under :func:`torch.autocast`; the gradient maps
        are reduced in float32 (two-pass variance) and the pixel mean in float64.

    Returns
    -------
    vog : Tensor, shape (B,), float64, >= 0; higher = harder
    logits : Tensor, shape (B, C), the last checkpoint's logits
    labels : Tensor, shape (B,), the labels differentiated
    """
    check_choice("target", target, CHOICES["target"])
    ctx = _autocast(x.device, autocast)
    if isinstance(models, stack_checkpoints):
        vog, logits, used, _ = _batch_vog_vmap(
            models, x, labels, target=target, channel_mean=channel_mean, ctx=ctx
        )
        return vog, logits, used
    models = list(models)
    if len(models) < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got {len(models)}")
    with ExitStack() as stack:
        for m in models:
            stack.enter_context(frozen_eval(m))
        vog, chunk_logits, chunk_used, _ = chunk_vog(
            models, [x], [labels], target=target, channel_mean=channel_mean, ctx=ctx
        )
    return vog, chunk_logits[0], chunk_used[0]


def chunk_vog(
    models: Sequence[nn.Module],
    xs: Sequence[torch.Tensor],
    labels: Sequence[torch.Tensor | Callable[[torch.Tensor], torch.Tensor]],
    *,
    target: str = "logit",
    channel_mean: bool = True,
    ctx=None,
    buffer: torch.Tensor | None = None,
) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
    """Per-example VoG of a chunk of batches, checkpoint-major (paper Eq. 1-4).

    Every batch of the chunk goes through the last checkpoint first (its
    logits give predicted labels), then through checkpoints ``0 .. K-2``; the
    channel-averaged gradient maps are written into one float32 tensor of
    shape ``(K, B_1 + ... + B_m, *P)`` (``buffer`` if it is large enough: it is
    reused across chunks) and reduced with :func:`vog.accumulator.checkpoint_moments`
    and :func:`vog.accumulator.vog_from_moments`. The models must already be
    frozen (:func:`vog.gradients.frozen_eval`), as :func:`score_loader` does.

    Returns
    -------
    vog : Tensor, shape (B_1 + ... + B_m,), float64, >= 0; higher = harder
    logits : list of Tensor, the last checkpoint's logits of each batch, float32
    labels : list of Tensor, the labels differentiated in each batch
    magnitude : Tensor, shape (B_1 + ... + B_m,), float64, >= 0
        The gradient size (:func:`vog.accumulator.magnitude_from_moments`).
    """
    k = len(models)
    pixel_shape = pixel_shape_of(xs[0], channel_mean=channel_mean)
    total = sum(x.shape[0] for x in xs)
    shape = (k, total, *pixel_shape)
    need = k * total * math.prod(pixel_shape)
    if buffer is not None and buffer.numel() >= need and buffer.device == xs[0].device:
        maps = buffer.view(-1)[:need].view(shape)
    else:
        maps = torch.empty(shape, dtype=torch.float32, device=xs[0].device)
    last_logits: list[torch.Tensor] = []
    chosen: list[torch.Tensor] = []
    leaves = [leaf_inputs(x) for x in xs]  # checked, one detached clone per batch, for all K
    for step, i in enumerate(last_first(k)):
        start = 0
        for j, x in enumerate(leaves):
            with ctx if ctx is not None else nullcontext():
                logits, used, g = gradients_of(
                    models[i], x, labels[j] if step == 0 else chosen[j], target=target
                )
            if step == 0:
                last_logits.append(logits.float())
                chosen.append(used)
            maps[i, start : start + x.shape[0]] = reduce_channels(g, pixel_shape)
            start += x.shape[0]
    vog, magnitude = _reduce(maps)
    return vog, last_logits, chosen, magnitude


def _reduce(maps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(K, B, *P) float32 gradient maps -> (B,) VoG (Eq. 2-4) and (B,) gradient magnitude;
    overwrites ``maps``.

    On the CPU the examples are reduced in blocks of at most :data:`REDUCE_BYTES` of
    maps, so that the reduction's passes (shift, mean, deviations, squares, sums) run
    over a block that stays in the core's cache instead of each pass streaming the
    whole chunk from memory (``benchmarks/bench_scoring.py`` times both:
    ``reduction passes``). Each example's result depends only on its own K maps, so
    the blocks give the same numbers (up to the order in which float32 sums are
    vectorised). On an accelerator the chunk is reduced at once.
    """
    b = maps.shape[1]
    rows = max(1, REDUCE_BYTES // max(1, maps[:, :1].numel() * maps.element_size()))
    if rows >= b or maps.device.type != "cpu":  # an accelerator: one launch per pass
        vog, magnitude = _reduce_block(maps)
    else:
        vog = torch.empty(b, dtype=torch.float64, device=maps.device)
        magnitude = torch.empty(b, dtype=torch.float64, device=maps.device)
        for start in range(0, b, rows):
            block = slice(start, start + rows)
            vog[block], magnitude[block] = _reduce_block(maps[:, block])
    check_finite("VoG (NaN/inf gradients)", vog)  # NaN or inf in any map propagates here
    return vog, magnitude


def _reduce_block(maps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    k = maps.shape[0]
    mean, m2 = checkpoint_moments(maps, overwrite=True)
    return vog_from_moments(m2, k), magnitude_from_moments(mean, m2, k)


def _batch_vog_vmap(stacked, x, labels, *, target, channel_mean, ctx):
    if stacked.k < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got {stacked.k}")
    check_finite("inputs", x)
    xk = x.detach().unsqueeze(0).expand(stacked.k, *x.shape).clone().requires_grad_(True)
    with torch.enable_grad(), ctx:
        out = stacked(xk)  # (K, B, C)
        check_finite("logits", out.detach().transpose(0, 1))
        last = out[-1].detach()
        chosen = labels(last) if callable(labels) else labels
        chosen = check_labels(chosen, x.shape[0], out.shape[-1]).to(out.device)
        (g,) = torch.autograd.grad(class_score(out, chosen, target=target), xk)
    pixel_shape = pixel_shape_of(x, channel_mean=channel_mean)
    maps = reduce_channels(g.flatten(0, 1), pixel_shape).view(stacked.k, x.shape[0], *pixel_shape)
    vog, magnitude = _reduce(maps.float())
    return vog, last.float(), chosen, magnitude


def score_loader(
    models: Sequence[nn.Module],
    loader: Iterable,
    options: ScoringOptions | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sample-major scores of every example a loader yields, in its order.

    ``models`` are the K checkpoints on one device (see
    :func:`vog.scoring.load_models`); ``options`` those of
    :func:`vog.compute_vog` (labels, target, channel_mean, vectorize,
    autocast, channels_last, fast_conv, progress are used). The models' mode
    and flags are restored afterwards. Returns raw VoG (float64), true labels,
    last-checkpoint predictions, the labels differentiated and the gradient
    magnitude (float64), each of shape (N,) on the CPU.
    """
    opts = ScoringOptions.build(options, mode="sample_major")
    models = list(models)
    if len(models) < 2:
        raise ValueError(f"VoG needs at least 2 checkpoints, got {len(models)}")
    device = module_device(models[0], opts.torch_device())
    # vmap stacks parameters and buffers: checkpoints without them run one by one
    state = chain(models[0].parameters(), models[0].buffers())
    stackable = next(state, None) is not None
    runner = stack_checkpoints(models) if opts.vectorize and stackable else None
    planning = opts.may_vectorize and stackable  # vectorize=None: loop or vmap, measured
    out = _ExampleOutputs(_length_hint(loader))
    batches: Iterable = loader
    bar = None
    if opts.progress:
        from tqdm.auto import tqdm

        batches = bar = tqdm(loader, desc="VoG", unit="batch")
    ctx = _autocast(device, opts.autocast)
    with ExitStack() as stack:
        if bar is not None:
            stack.callback(bar.close)  # the progress bar, also when scoring fails
        for m in models:  # frozen once for the whole call, restored on exit
            stack.enter_context(frozen_eval(m))
            # after freezing: the forward route changes frozen convolutions only
            stack.enter_context(fast_conv_route(m, opts.fast_conv_setting, device))
        chunk = _Chunk(len(models), opts.channel_mean)
        for x, y in batches:
            x = x.to(device, non_blocking=True)
            if opts.channels_last and x.dim() == 4:
                x = x.contiguous(memory_format=torch.channels_last)
            y = integer_labels(y)
            chosen = y.to(device) if opts.labels == "true" else (lambda z: z.argmax(dim=1))
            if planning:
                planning = False
                decision, timed = _plan_vmap(models, x, chosen, opts, ctx)
                if decision.route == "vmap":
                    runner = timed if timed is not None else stack_checkpoints(models)
                    # measured faster, fallbacks included: torch's notices of them are moot
                    stack.enter_context(quiet_fallbacks())
            if runner is not None:
                vog, logits, used, size = _batch_vog_vmap(
                    runner, x, chosen, target=opts.target, channel_mean=opts.channel_mean, ctx=ctx
                )
                out.add(vog, y, logits.argmax(1), used, size)
                continue
            if chunk.full_with(x):
                chunk.score(models, out, opts, ctx)
            chunk.add(x, y, chosen)
        if chunk.xs:
            chunk.score(models, out, opts, ctx)
    if out.n == 0:
        raise ValueError("data is empty")
    return out.result()


def _plan_vmap(
    models, x, labels, opts: ScoringOptions, ctx
) -> tuple[VmapDecision, stack_checkpoints | None]:
    """Loop or vmap for batches like ``x`` (:mod:`vog.scoring.vmap_route`), timed on its
    first examples inside the caller's contexts (frozen models, convolution routes).

    Returns the decision and the stacked checkpoints vmap was timed with (None where it
    was not timed here: a decision made before, or vmap not tried)."""
    setting = (opts.target, opts.channel_mean, opts.autocast, opts.channels_last)
    key = vmap_plan_key(models[0], len(models), x, setting)

    def part(xs):
        return labels[: xs.shape[0]] if torch.is_tensor(labels) else labels

    def loop(xs):
        return chunk_vog(
            models, [xs], [part(xs)], target=opts.target, channel_mean=opts.channel_mean, ctx=ctx
        )

    runner: list[stack_checkpoints] = []  # stacked once, on vmap's first run

    def vmapped(xs):
        if not runner:
            runner.append(stack_checkpoints(models))
        return _batch_vog_vmap(
            runner[0], xs, part(xs), target=opts.target, channel_mean=opts.channel_mean, ctx=ctx
        )

    decision = plan_vmap(key, x, len(models), loop, vmapped)
    return decision, (runner[0] if runner else None)


class _Chunk:
    """The batches of one chunk (at most :data:`CHUNK_BYTES` of maps and inputs), and the
    float32 buffer its gradient maps are written into, reused from chunk to chunk."""

    def __init__(self, k: int, channel_mean: bool) -> None:
        self.k, self.channel_mean = k, channel_mean
        self.xs: list[torch.Tensor] = []
        self.ys: list[torch.Tensor] = []
        self.labels: list = []
        self.bytes = 0
        self.buffer: torch.Tensor | None = None

    def _pixels(self, x: torch.Tensor) -> int:
        return math.prod(pixel_shape_of(x, channel_mean=self.channel_mean))

    def _bytes(self, x: torch.Tensor) -> int:
        return x.shape[0] * (4 * self.k * self._pixels(x) + x[0].numel() * x.element_size())

    def full_with(self, x: torch.Tensor) -> bool:
        """Whether adding the batch ``x`` would take a non-empty chunk over its budget."""
        return bool(self.xs) and self.bytes + self._bytes(x) > CHUNK_BYTES

    def add(self, x: torch.Tensor, y: torch.Tensor, labels) -> None:
        self.xs.append(x)
        self.ys.append(y)
        self.labels.append(labels)
        self.bytes += self._bytes(x)

    def score(self, models, out: _ExampleOutputs, opts: ScoringOptions, ctx) -> None:
        """Score the chunk into ``out`` and empty it."""
        need = self.k * sum(x.shape[0] for x in self.xs) * self._pixels(self.xs[0])
        if self.buffer is None or self.buffer.numel() < need:
            self.buffer = None  # freed before the larger one is allocated
            self.buffer = torch.empty(need, dtype=torch.float32, device=self.xs[0].device)
        vog, logits, used, size = chunk_vog(
            models,
            self.xs,
            self.labels,
            target=opts.target,
            channel_mean=self.channel_mean,
            ctx=ctx,
            buffer=self.buffer,
        )
        start = 0
        for y, z, u in zip(self.ys, logits, used, strict=True):
            b = y.shape[0]
            out.add(vog[start : start + b], y, z.argmax(1), u, size[start : start + b])
            start += b
        self.xs, self.ys, self.labels, self.bytes = [], [], [], 0


def _length_hint(loader) -> int:
    """Examples a loader will yield, if it says (sampler, then dataset); else 4096."""
    for name in ("sampler", "dataset"):
        try:
            return max(len(getattr(loader, name)), 1)
        except (AttributeError, TypeError, NotImplementedError):
            continue
    return 4096


class _ExampleOutputs:
    """Per-example results written into tensors allocated up front, in order.

    Keeping each batch's small result tensors alive in a list until the end
    pins thousands of small blocks between the batches' large temporary ones,
    so a CPU allocator such as glibc's can neither reuse nor return the freed
    space: the resident memory of a long CPU run then grows by tens of KB per
    batch (measured: about 0.6 GB over 1024 ResNet-18 batches of 8). Columns
    of a known length (grown by doubling when the hint is short) keep it flat.
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = max(int(capacity), 1)
        self.n = 0
        self.columns: list[torch.Tensor] | None = None

    def add(self, *values: torch.Tensor) -> None:
        """Append one batch: tensors of shape (B,), on any device."""
        b = values[0].shape[0]
        if self.columns is None:
            self.columns = [torch.empty(self.capacity, dtype=v.dtype) for v in values]
        if self.n + b > self.capacity:
            self.capacity = max(2 * self.capacity, self.n + b)
            grown = [torch.empty(self.capacity, dtype=c.dtype) for c in self.columns]
            for new, old in zip(grown, self.columns, strict=True):
                new[: self.n] = old[: self.n]
            self.columns = grown
        for column, v in zip(self.columns, values, strict=True):
            column[self.n : self.n + b] = v.detach()
        self.n += b

    def result(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The columns cut to the examples added, each of shape (n,) on the CPU."""
        assert self.columns is not None
        cols = (
            self.columns if self.n == self.capacity else [c[: self.n].clone() for c in self.columns]
        )
        vog, labels, predictions, used, magnitude = cols
        return vog, labels, predictions, used, magnitude
