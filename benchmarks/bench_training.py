"""Speed of training with VoG recording, as ratios measured in one run.

    python benchmarks/bench_training.py                    # CPU, the book's LeNet settings
    python benchmarks/bench_training.py --quick --json out.json

The book's settings (preset ``fashion-lenet``): a LeNet on 28x28 grey images,
SGD with batch 128, the test set (a sixth of the training set's size) scored
by the VoG recorder after the observed epochs. Here the images are random (speed
does not depend on them): ``--n-train`` training and ``--n-test`` scored
images, ``--epochs`` epochs, every epoch observed (the book observes 8 of its
10 epochs, so this is the upper bound per epoch). Like the book's runs, every
training loop measures its test accuracy after each epoch. In one process, in
rounds (each round runs every loop once, so a load change on a shared machine
hits all loops alike). Each time shown is the best of ``--repeat`` rounds; each
ratio is the median over the rounds of the ratio within a round (so ratios
worked out from the best times need not match), and ``ratio_rounds`` keeps
every round's ratios, whose spread is the run's timing noise:

- ``plain``: a plain PyTorch loop (DataLoader with a seeded generator, SGD,
  cross-entropy, the test accuracy after each epoch), the reference;
- ``package``: :func:`vog.train_with_vog` scoring nothing (``vog_data={}``);
- ``recorder``: :func:`vog.train_with_vog` with its :class:`vog.VoGRecorder`
  scoring the test set after every epoch (and the training set too with
  ``--score-train``); the test accuracy comes from the recorder's logits;
- ``recorder+dynamics``: the same plus
  :class:`vog.analysis.difficulty.TrainingDynamics` on the training set
  (forward passes every epoch, GraNd once);
- ``gradient``: the input gradients of the scored sets once per epoch with the
  trained model, nothing kept (one-hot seeded backward, batch 256 like the
  recorder);
- ``evaluation``: the test accuracy's forward pass alone (:func:`vog.evaluate`),
  once per epoch.

The overhead of recording is the recorder's time over the package loop's,
minus one: the fraction of an epoch that recording adds (the issue's "at most
10% of an epoch"). Its floor is what any recorder must add: the input gradients
of the scored sets (VoG needs the gradients of the model as it is at the
epoch's end) less the evaluation forward pass their logits replace. The rest is
what the recorder adds beyond it (its Welford updates, checks and loaders).

Loops run one after the other differ by tens of percent on a shared machine
whose speed changes from second to second, more than the overhead measured. So
the ``recorder`` loop also measures it *paired*, within its own run
(:class:`EpochClock`): after the recorder has observed an epoch, the evaluation
pass and the bare input gradients are timed on the same model (and their time
is taken out of the loop's). With R the recorder's time, E and G those passes'
and T the run's, an epoch of the package loop is ``T - R + E`` and the ratios
``... , paired`` are ``R - E``, ``max(G - E, 0)`` and ``R - max(G, E)`` over
it: every term measured within the same epochs, in wall-clock time whatever
``--clock``. What recording costs outside R (the final ``result()``, a
training epoch slowed by the caches recording has flushed) falls into T and
is not counted: the paired overhead is a lower estimate, and the whole-loop
comparison is where such costs would show (within its noise).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

import torch
from torch import nn

import vog

#: (n_train, n_test, epochs), full and --quick
SIZES = {"full": (6000, 1000, 3), "quick": (1024, 256, 2)}
BATCH, LR, SCORE_BATCH = 128, 0.05, 256
#: the book's LeNet presets train channels-last (vog.TrainOptions.channels_last); every loop
#: here does too (``--contiguous`` for the standard memory format)
CHANNELS_LAST = True
LOOPS = ("plain", "package", "recorder", "recorder+dynamics", "gradient", "evaluation")
#: how a loop's time is taken: wall-clock time, or the process's CPU time (--clock)
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def build(n_train: int, n_test: int, seed: int = 0):
    """Random 28x28 images with 10 classes: a training and a scored set."""
    g = torch.Generator().manual_seed(seed)

    def images(n):
        return torch.randn(n, 1, 28, 28, generator=g), torch.randint(0, 10, (n,), generator=g)

    return images(n_train), images(n_test)


def plain_loop(
    train, epochs: int, seed: int = 0, channels_last: bool = CHANNELS_LAST, test=None
) -> nn.Module:
    """The reference: what a user writes without this package (with the test accuracy
    after each epoch when ``test`` is given)."""
    torch.manual_seed(seed)
    model = vog.experiments.LeNet(1, 10)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model.to(memory_format=fmt)
    data = torch.utils.data.TensorDataset(*train)
    gen = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(data, batch_size=BATCH, shuffle=True, generator=gen)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            opt.zero_grad(set_to_none=True)
            loss = nn.functional.cross_entropy(model(x.contiguous(memory_format=fmt)), y)
            loss.backward()
            opt.step()
        if test is not None:  # the test accuracy after each epoch, as the book's runs do
            model.eval()
            with torch.no_grad():
                pred = torch.cat([model(x).argmax(1) for x in test[0].split(512)])
            float((pred == test[1]).double().mean())
    return model


def gradient_pass(model: nn.Module, scored: dict) -> None:
    """The input gradients of every scored set once, nothing kept (the model is restored).

    Through the same convolution route as the recorder's default (each layer the
    route the planner measured faster, :func:`vog.fast_conv.fast_conv_route`) and in
    its batches, so that it is a floor of the recorder.
    """
    with ExitStack() as stack:
        stack.enter_context(vog.gradients.frozen_eval(model))
        stack.enter_context(vog.fast_conv.fast_conv_route(model, None, "cpu"))
        for x, y in scored.values():
            for xb, yb in zip(x.split(SCORE_BATCH), y.split(SCORE_BATCH), strict=True):
                xx = xb.clone().requires_grad_(True)
                out = model(xx)
                seed = torch.zeros_like(out).scatter_(1, yb.view(-1, 1), 1.0)
                torch.autograd.grad(out, xx, grad_outputs=seed)


def gradient_floor(
    model: nn.Module, scored: dict, epochs: int, channels_last: bool = CHANNELS_LAST
) -> None:
    """:func:`gradient_pass` once per epoch (the ``gradient`` loop)."""
    if channels_last:
        model.to(memory_format=torch.channels_last)
    for _ in range(epochs):
        gradient_pass(model, scored)


class EpochClock:
    """An observer of the ``recorder`` loop that pairs its measurements within each epoch.

    After the VoG recorder has observed an epoch, it times the evaluation pass
    of the test set (what the package loop runs instead) and :func:`gradient_pass`
    on the model as it is then, and keeps its own time apart so that the loop's
    time is not changed by it. Training, recording and these passes then take
    turns epoch by epoch, so a change of the machine's speed that lasts longer
    than an epoch hits them alike: the paired ratios (:func:`ratios`) are much
    less noisy than the comparison of whole loops run one after the other.
    """

    def __init__(self, scored: dict) -> None:
        self.scored = scored
        self.evaluation = self.gradient = 0.0  # wall-clock seconds, like the recorder's
        self.own = dict.fromkeys(CLOCKS, 0.0)  # its own time on each clock

    def observe(self, model: nn.Module, epoch: int) -> bool:
        start = {name: now() for name, now in CLOCKS.items()}
        t0 = start["wall"]
        vog.evaluate(model, self.scored["test"], device="cpu")
        t1 = time.perf_counter()
        gradient_pass(model, self.scored)
        t2 = time.perf_counter()
        self.evaluation += t1 - t0
        self.gradient += t2 - t1
        for name, now in CLOCKS.items():
            self.own[name] += now() - start[name]
        return True

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass

    def result(self) -> dict:
        return {"evaluation_seconds": self.evaluation, "gradient_seconds": self.gradient}

    def cost(self) -> dict:
        return {}


def run_loop(
    loop: str,
    train,
    scored: dict,
    epochs: int,
    clock: str = "wall",
    channels_last: bool = CHANNELS_LAST,
) -> dict:
    """Run one loop; returns its seconds and, for the recorders, their own timings."""
    windows = {"all": range(epochs)}
    t0, wall0 = CLOCKS[clock](), time.perf_counter()
    extra: dict = {}
    if loop == "plain":
        plain_loop(train, epochs, channels_last=channels_last, test=scored["test"])
    elif loop == "gradient":
        torch.manual_seed(0)
        gradient_floor(vog.experiments.LeNet(1, 10), scored, epochs, channels_last)
    elif loop == "evaluation":
        torch.manual_seed(0)
        model = vog.experiments.LeNet(1, 10)
        if channels_last:
            model.to(memory_format=torch.channels_last)
        for _ in range(epochs):
            vog.evaluate(model, scored["test"], device="cpu")
    else:
        torch.manual_seed(0)
        observers: list = []
        clock_obs = EpochClock(scored) if loop == "recorder" else None
        if clock_obs is not None:
            observers = [clock_obs]
        if loop == "recorder+dynamics":
            observers = [vog.analysis.difficulty.TrainingDynamics({"train": train}, early_epoch=0)]
        res = vog.train_with_vog(
            vog.experiments.LeNet(1, 10),
            train,
            epochs=epochs,
            lr=LR,
            batch_size=BATCH,
            device="cpu",
            vog_data={} if loop == "package" else scored,
            eval_data=scored["test"],
            windows=windows,
            observers=observers,
            channels_last=channels_last,
        )
        # the recorder's own wall-clock account of observing (not the benchmark's clock)
        extra["vog_wall_seconds"] = float(res.costs["VoG"].seconds) if "VoG" in res.costs else 0.0
        if clock_obs is not None:  # the clock's passes are not the loop's time
            extra["paired"] = {
                **clock_obs.result(),
                "run_seconds": time.perf_counter() - wall0 - clock_obs.own["wall"],
                "vog_seconds": extra["vog_wall_seconds"],
                "clock": "wall",  # the recorder times itself in wall-clock time, so do these
            }
            t0 += clock_obs.own[clock]
    extra["seconds"] = CLOCKS[clock]() - t0
    return extra


def benchmark(
    *,
    n_train: int,
    n_test: int,
    epochs: int,
    repeat: int = 3,
    score_train: bool = False,
    clock: str = "wall",
    channels_last: bool = CHANNELS_LAST,
) -> dict:
    """Time every loop in ``repeat`` rounds; return the best times, images/s and ratios.

    Each ratio is the median over the rounds of the ratio within a round
    (:func:`median_ratios`): the loops of one round run back to back, so a load
    change on a shared machine between rounds cancels out of it.

    ``channels_last``: every loop trains (and the floor scores) channels-last, as the
    book's LeNet presets do.

    ``clock``: ``"wall"`` or ``"cpu"`` (the process's CPU time: on a loaded shared
    machine it measures the work rather than the waiting; use one thread with it).
    """
    if clock not in CLOCKS:
        raise ValueError(f"clock={clock!r} is not valid; choose one of {sorted(CLOCKS)}")
    if epochs < 2:
        raise ValueError(f"epochs must be >= 2 (VoG needs two checkpoints), got {epochs}")
    train, test = build(n_train, n_test)
    scored = {"test": test, **({"train": train} if score_train else {})}
    best: dict[str, dict] = {}
    rounds: list[dict[str, dict]] = []
    run_loop(
        "plain", train, scored, 2, channels_last=channels_last
    )  # warm-up: library code, allocator, kernels
    for _ in range(max(int(repeat), 1)):
        rounds.append({})
        for loop in LOOPS:
            got = run_loop(loop, train, scored, epochs, clock, channels_last)
            rounds[-1][loop] = got
            if loop not in best or got["seconds"] < best[loop]["seconds"]:
                best[loop] = got
    n_scored = sum(len(x) for x, _ in scored.values())
    for loop, r in best.items():
        images = {"gradient": n_scored, "evaluation": len(test[0])}.get(loop, n_train) * epochs
        r["images_per_second"] = images / r["seconds"]
    from vog.experiments.provenance import machine

    return {
        "device": device_name(),
        "processor": machine(),
        "torch": torch.__version__,
        "date": time.strftime("%Y-%m-%d"),
        "clock": clock,
        "threads": torch.get_num_threads(),
        "settings": {
            "model": "LeNet",
            "image": [1, 28, 28],
            "batch_size": BATCH,
            "channels_last": channels_last,
            "n_train": n_train,
            "n_scored": n_scored,
            "scored": sorted(scored),
            "epochs": epochs,
            "observed_epochs": epochs,
            "repeat": repeat,
        },
        "loops": best,
        "ratios": median_ratios(rounds),
        "ratio_rounds": {k: [ratios(r)[k] for r in rounds] for k in ratios(rounds[0])},
        "round_seconds": {loop: [r[loop]["seconds"] for r in rounds] for loop in LOOPS},
    }


def median_ratios(rounds: list[dict]) -> dict:
    """Each of :func:`ratios` computed within every round, then the median over the rounds."""
    per = [ratios(r) for r in rounds]
    return {k: statistics.median(p[k] for p in per) for k in per[0]}


def ratios(best: dict) -> dict:
    """The overhead ratios of one set of loop times (all measured in this run)."""

    def t(loop):
        return best[loop]["seconds"]

    package = t("package")
    # what any recorder adds: the scored sets' input gradients, less the evaluation forward
    # pass whose logits they give (at least zero)
    floor = max(t("gradient") - t("evaluation"), 0.0)
    paired = {}
    if "paired" in best["recorder"]:
        # within the recorder's own run: R its observing, E and G the evaluation pass and the
        # bare gradients timed right after it each epoch, T the run less the clock's passes;
        # an epoch of the package loop is T - R + E (training plus the evaluation pass)
        p = best["recorder"]["paired"]
        r, e, g = p["vog_seconds"], p["evaluation_seconds"], p["gradient_seconds"]
        epoch_time = p["run_seconds"] - r + e
        paired = {
            "recording overhead, paired (fraction of an epoch)": (r - e) / epoch_time,
            "input gradients, paired (fraction of an epoch)": g / epoch_time,
            "gradient floor, paired (fraction of an epoch)": max(g - e, 0.0) / epoch_time,
            "recorder's own work beyond the floor, paired (fraction of an epoch)": (r - max(g, e))
            / epoch_time,
        }
    out = {
        "package / plain (time)": package / t("plain"),
        "recording overhead (fraction of an epoch)": t("recorder") / package - 1,
        "recording + dynamics overhead (fraction of an epoch)": t("recorder+dynamics") / package
        - 1,
        "input gradients (fraction of an epoch)": t("gradient") / package,
        "gradient floor (fraction of an epoch)": floor / package,
        "recorder's own work beyond the floor (fraction of an epoch)": (
            t("recorder") - package - floor
        )
        / package,
        **paired,
    }
    return out


def device_name() -> str:
    # The sibling script, loaded by path: this file runs as a script, from the book and from
    # the tests, and in none of these is ``benchmarks`` on the import path for certain.
    spec = importlib.util.spec_from_file_location(
        "_bench_scoring_sibling", Path(__file__).with_name("bench_scoring.py")
    )
    assert spec is not None and spec.loader is not None
    sibling = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sibling)
    cpu_model = sibling.cpu_model
    return f"CPU: {cpu_model()}, {torch.get_num_threads()} threads"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="small sizes (seconds)")
    ap.add_argument("--n-train", type=int)
    ap.add_argument("--n-test", type=int)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--score-train", action="store_true", help="also score the training set")
    ap.add_argument("--contiguous", action="store_true", help="train in the standard memory format")
    ap.add_argument("--repeat", type=int, default=3, help="rounds: best time, median ratio")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--note", default="", help="stored in the results: what code or setup ran")
    ap.add_argument(
        "--clock", choices=list(CLOCKS), default="wall", help="wall-clock or process CPU time"
    )
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    n_train, n_test, epochs = SIZES["quick" if args.quick else "full"]
    res = benchmark(
        n_train=args.n_train or n_train,
        n_test=args.n_test or n_test,
        epochs=args.epochs or epochs,
        repeat=args.repeat,
        score_train=args.score_train,
        clock=args.clock,
        channels_last=not args.contiguous,
    )
    if args.note:
        res["note"] = args.note
    res["sizes"] = (
        "custom"
        if (args.n_train or args.n_test or args.epochs)
        else ("quick" if args.quick else "full")
    )
    s = res["settings"]
    print(f"device: {res['device']}  torch {res['torch']}  ({res['clock']} time)")
    print(
        f"LeNet, batch {s['batch_size']}, {s['n_train']} training images, {s['n_scored']} "
        f"scored ({', '.join(s['scored'])}) after each of {s['epochs']} epochs"
    )
    for loop, r in res["loops"].items():
        print(f"  {loop:<18} {r['seconds']:8.3f} s  {r['images_per_second']:9.0f} images/s")
    for name, value in res["ratios"].items():
        print(f"  {name:<62} {value:7.3f}")
    if args.json:
        vog.atomic.atomic_write(args.json, lambda p: p.write_text(json.dumps(res, indent=1)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
