"""`make verify`: every glued value of a build against the committed reference of its profile.

    python scripts/verify_build.py check --profile smoke BUILD_DIR
    python scripts/verify_build.py write --profile smoke BUILD_DIR [--spread OTHER_DIR ...]
    python scripts/verify_build.py spread-build --out DIR     # two smoke builds, see below

``BUILD_DIR`` holds executed chapters (``book/executed``). Each glued value
(``scripts/compare_glue.py`` reads them) is split into its *text*, with every
number replaced by ``#``, and its *numbers*:

- **marks and verdicts** (the text: "holds", "within noise", a generated
  sentence) must match exactly;
- **numbers** must match within a tolerance stated per value in the
  reference: ``max(RTOL * |x|, ABS_TOL, SPREAD_FACTOR * spread)``, and for
  the end points of a 95% interval written ``[a, b]``, at least half its
  width (an estimate may move by up to half the width of its own interval);
  and a bare number that the pages show only through a format (``{glue:text}`key:.1f```)
  may move by half a unit of the finest digit shown (:func:`shown_step`), so the
  number a reader sees changes by at most one in its last digit: a drift below the
  page's precision is not a published change (48.9653 and 48.9587 both read "49.0");
- **figures** (``<Figure ...>``) are not compared; **timings** (chapter
  ``90_performance``'s measurements and keys naming seconds, speed or
  time) are printed separately and never fail.

``spread`` is the measured difference of the value between builds of the same
commit on different float kernels: ``write --spread`` takes those builds.
A value whose *text* differs between them (a verdict that a machine change
alone can flip), or whose numbers move by more than :data:`SENSITIVE_SPREAD`
of themselves, is named **sensitive** in the reference: it is printed when it
moves, and does not fail. A profile too long to build twice (``default``) takes
each value's relative spread and sensitivity from the smoke profile's reference
(``write --like reference/smoke.json``): the chapters glue the same keys in
every profile. For the smoke profile, ``make reference
PROFILE=smoke`` makes both builds (``spread-build``): one with this
processor's kernels and one with torch's portable kernels
(``ATEN_CPU_CAPABILITY=default``, oneDNN capped at SSE4.1), each on one thread
as the test suite's build, in a fresh folder, so that no trained run is shared
between them.

``check`` prints a table of every value that moved (old against new), then a
summary, and exits 1 on any drift beyond tolerance, on a chapter or key
missing from either side, or when the reference is of another profile.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "reference"
RTOL = 1e-4
ABS_TOL = 1e-9
SPREAD_FACTOR = 4.0
#: Chapters whose numbers are timings of the build's machine (never compared).
TIMING_CHAPTERS = ("90_performance",)
#: Key words that name a timing in any chapter.
TIMING_WORDS = re.compile(r"(^|_)(seconds|secs|time|times|timing|speed|speedup|minutes)(_|$)")
#: A value whose numbers move by more than this fraction of themselves between the spread
#: builds is too sensitive to compare tightly: it is named sensitive in the reference.
SENSITIVE_SPREAD = 0.1
#: The environment of the second spread build: torch's portable kernels (ATen, oneDNN, MKL's
#: conditional-numerical-reproducibility mode), one thread.
PORTABLE_KERNELS = {
    "ATEN_CPU_CAPABILITY": "default",
    "ONEDNN_MAX_CPU_ISA": "SSE41",
    "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
    "MKL_CBWR": "COMPATIBLE",
    "OMP_NUM_THREADS": "1",
}
#: The threads of the test suite's build of the book (tests/conftest.py: one per pytest-xdist
#: worker, inherited by the notebook kernels): the reference is written from a build like it,
#: since some runs of the smoke profile end differently with another thread count.
TEST_THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Where the pages show glued values: the chapters and their exercises (a key belongs to its own
#: chapter) and the book's own pages (keys named ``executed/<chapter>.ipynb::key``).
PAGE_SOURCES = (ROOT / "notebooks", ROOT / "notebooks" / "exercises", ROOT / "book")
_GLUE_ROLE = re.compile(r"\{glue(?::(\w*))?\}`([^`]+)`")
_GLUE_DIRECTIVE = re.compile(r"```\{glue(?::\w+)?\}\s+(\S+)")
_FORMAT = re.compile(r"^[ +\-]?[,_]?(?:\.(\d+))?([fFeEgG%d])$")
_NUMBER = re.compile(r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b")
_INTERVAL = re.compile(r"\[\s*([^\[\],]+?)\s*,\s*([^\[\],]+?)\s*\]")


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compare_glue = _module("compare_glue")


def _float(token: str) -> float:
    return float(token.replace("−", "-"))


def split_value(text: str) -> tuple[str, list[float], list[float | None]]:
    """``(skeleton, numbers, half-widths)`` of a glued value's text.

    The skeleton is the text with every number replaced by ``#`` (quotes
    and a trailing ``%`` of a bare number kept out, so ``'12.5%'`` and
    ``12.5`` read alike); half-widths are those of the ``[a, b]`` interval a
    number ends, or of the interval right after an estimate (``0.12 [0.05, 0.20]``:
    the estimate may move as far as its interval's ends), else None.
    """
    bare = compare_glue.as_number(text)
    if bare is not None:
        return "#", [bare], [None]
    spans = [(m.start(), m.end()) for m in _NUMBER.finditer(text)]
    numbers = [_float(text[a:b]) for a, b in spans]
    half: list[float | None] = [None] * len(numbers)
    for m in _INTERVAL.finditer(text):
        inside = [i for i, (a, b) in enumerate(spans) if m.start() < a and b <= m.end()]
        if len(inside) == 2:
            lo, hi = numbers[inside[0]], numbers[inside[1]]
            if math.isfinite(lo) and math.isfinite(hi):
                half[inside[0]] = half[inside[1]] = abs(hi - lo) / 2
                before = inside[0] - 1  # the estimate the interval follows, if any
                gap = text[spans[before][1] : m.start()] if before >= 0 else ""
                if before >= 0 and half[before] is None and gap.strip(" %(") == "":
                    half[before] = abs(hi - lo) / 2
    skeleton = _NUMBER.sub("#", text)
    return skeleton, numbers, half


def kind_of(chapter: str, key: str, text: str) -> str:
    """``figure``, ``timing`` or ``value`` (marks, verdicts and numbers)."""
    if text.strip("'\"").startswith(("<Figure", "<matplotlib")):
        return "figure"
    if chapter in TIMING_CHAPTERS or TIMING_WORDS.search(key.lower()):
        return "timing"
    return "value"


def _step(spec: str | None, x: float) -> float:
    """Half a unit of the last digit ``spec`` shows of ``x``; 0.0 where it shows every digit."""
    m = _FORMAT.match(spec or "")
    if m is None or not math.isfinite(x):
        return 0.0
    digits = int(m.group(1)) if m.group(1) is not None else 6
    kind = m.group(2).lower()
    if kind == "d":
        return 0.5
    if kind == "%":
        return 0.5 * 10.0 ** -(digits + 2)
    if kind == "f":
        return 0.5 * 10.0**-digits
    exponent = math.floor(math.log10(abs(x))) if x else 0
    shown = max(digits, 1) if kind == "g" else digits + 1  # significant digits
    return 0.5 * 10.0 ** (exponent - shown + 1)


def shown_formats(sources: tuple[Path, ...] = PAGE_SOURCES) -> dict[str, list[str | None]]:
    """``{"chapter::key": [format, ...]}``: every format the pages show a glued value in.

    ``None`` stands for a value shown whole (``{glue}`key``` or a ``{glue}`` directive).
    """
    shown: dict[str, list[str | None]] = {}
    for folder in sources:
        for path in sorted([*folder.glob("*.py"), *folder.glob("*.md")]):
            text = path.read_text(encoding="utf-8")
            for role, body in _GLUE_ROLE.findall(text):
                where, _, rest = body.rpartition("::")
                chapter = Path(where).stem if where else path.stem
                key, _, spec = rest.partition(":")
                fmt = (spec or None) if role == "text" else None
                shown.setdefault(f"{chapter}::{key}", []).append(fmt)
            for body in _GLUE_DIRECTIVE.findall(text):
                where, _, key = body.rpartition("::")
                chapter = Path(where).stem if where else path.stem
                shown.setdefault(f"{chapter}::{key}", []).append(None)
    return shown


def shown_step(formats: list[str | None] | None, x: float) -> float:
    """The change of ``x`` the pages' finest format of it hides (0.0: not shown, or shown whole)."""
    if not formats:
        return 0.0
    return min(_step(f, x) for f in formats)


def build_values(build: Path) -> dict[str, str]:
    """``{"chapter::key": glued text}`` of every executed chapter of ``build``."""
    if not build.is_dir():
        raise SystemExit(f"{build}: no such build folder (run `make notebooks` first)")
    out = {}
    for path in sorted(build.glob("[0-9]*.ipynb")):
        if path.name.endswith(".failed.ipynb"):
            continue
        for key, text in compare_glue.glued(path).items():
            out[f"{path.stem}::{key}"] = text
    if not out:
        raise SystemExit(f"{build}: no executed chapters with glued values")
    return out


def tolerances(numbers: list[float], half: list[float | None], spread: list[float]) -> list[float]:
    """Each number's tolerance (see the module's docstring)."""
    out = []
    for x, h, s in zip(numbers, half, spread, strict=True):
        tol = max(RTOL * abs(x) if math.isfinite(x) else 0.0, ABS_TOL, SPREAD_FACTOR * s)
        out.append(max(tol, h) if h is not None else tol)
    return out


def make_reference(
    build: Path,
    profile: str,
    spread_builds: list[Path],
    record: dict | None = None,
    like: dict | None = None,
    spread_references: list[dict] | None = None,
) -> dict[str, Any]:
    """The reference of ``build``: each value's text, kind, tolerances and sensitivity.

    ``like``: the reference of another profile whose spread was measured (the smoke
    profile's, or an earlier one of this profile): a value of the same name and shape
    takes its relative spread and its sensitivity as a floor beside what the spread
    builds measure.
    ``spread_references``: earlier references of this profile written on other float
    kernels (their ``build.kernels``) from the same chapters' code: their values count
    as spread builds, so a value that moved between those kernels and this build's gets
    that spread. (A chapter whose code changed since would count its change as spread:
    pass only references whose chapters' sources are unchanged, as ``make reference``
    does not do by itself.)
    """
    values = build_values(build)
    others = [build_values(b) for b in spread_builds]
    others += [{k: e["text"] for k, e in r["values"].items()} for r in spread_references or []]
    borrowed = (like or {}).get("values", {})
    entries: dict[str, Any] = {}
    for name, text in values.items():
        chapter, key = name.split("::", 1)
        kind = kind_of(chapter, key, text)
        skeleton, numbers, half = split_value(text)
        spread = [0.0] * len(numbers)
        sensitive = None
        other_entry = borrowed.get(name)
        if other_entry is not None:  # a floor beside what the spread builds measure
            sk, nums, _ = split_value(other_entry["text"])
            if sk == skeleton and len(nums) == len(numbers):
                spread = [
                    abs(x) * s / abs(y) if y and math.isfinite(y) and math.isfinite(x) else s
                    for x, y, s in zip(numbers, nums, other_entry["spread"], strict=True)
                ]
            if other_entry["sensitive"]:
                said = other_entry["sensitive"]
                sensitive = (
                    said
                    if said.startswith("sensitive in the ")
                    else f"sensitive in the {like['profile']} profile: {said}"
                )
        for other in others:
            if name not in other:
                continue
            sk, nums, _ = split_value(other[name])
            if sk != skeleton or len(nums) != len(numbers):
                sensitive = (
                    f"text moved with the float kernels: {text[:80]!r} vs {other[name][:80]!r}"
                )
                continue
            for i, (a, b) in enumerate(zip(numbers, nums, strict=True)):
                if math.isfinite(a) and math.isfinite(b):
                    spread[i] = max(spread[i], abs(a - b))
                    if abs(a - b) > SENSITIVE_SPREAD * max(abs(a), abs(b)) and sensitive is None:
                        sensitive = (
                            f"number {i} moved by more than {SENSITIVE_SPREAD:.0%} with the "
                            f"float kernels: {a:.6g} vs {b:.6g}"
                        )
                elif not (math.isnan(a) and math.isnan(b)) and a != b:
                    sensitive = f"number {i} moved between finite and not: {a} vs {b}"
        entries[name] = {
            "text": text,
            "kind": kind,
            "tolerance": tolerances(numbers, half, spread),
            "spread": spread,
            "sensitive": sensitive,
        }
    return {
        "profile": profile,
        "written": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "build": _record_summary(build) if record is None else record,
        "spread_builds": len(spread_builds),
        "spread_references": [
            {k: (r.get("build") or {}).get(k) for k in ("commit", "date", "cpu", "kernels")}
            for r in spread_references or []
        ],
        "rules": {
            "rtol": RTOL,
            "abs_tol": ABS_TOL,
            "spread_factor": SPREAD_FACTOR,
            "sensitive_spread": SENSITIVE_SPREAD,
        },
        "values": entries,
    }


def _record_summary(build: Path) -> dict[str, Any]:
    path = build / "build_record.json"
    if not path.is_file():
        return {}
    rec = json.loads(path.read_text())
    return {k: rec.get(k) for k in ("commit", "dirty", "date", "profile", "lock_sha256")} | {
        "cpu": rec.get("machine", {}).get("cpu"),
        "cores": rec.get("machine", {}).get("cores"),
        "kernels": rec.get("machine", {}).get("kernels"),
        # each chapter's seconds: the chapters' opening boxes quote them (book/_ext/course.py)
        "chapters": rec.get("chapters"),
    }


def compare(
    reference: dict[str, Any],
    build: Path,
    shown: dict[str, list[str | None]] | None = None,
) -> tuple[list[tuple], int]:
    """Rows ``(status, name, old, new, note)`` of every value that moved, and the failures.

    ``status``: ``drift`` (fails), ``missing``/``new`` (fails), ``within``
    (moved within tolerance), ``sensitive`` and ``timing`` (printed, never fail).
    ``shown``: the formats the pages show each value in (default: :func:`shown_formats`
    of this checkout's pages); a bare number may move by half a unit of its finest one.
    """
    shown = shown_formats() if shown is None else shown
    values = build_values(build)
    ref = reference["values"]
    rows: list[tuple] = []
    for name in sorted(set(ref) - set(values)):
        rows.append(("missing", name, ref[name]["text"], "", "not in this build"))
    for name in sorted(set(values) - set(ref)):
        rows.append(("new", name, "", values[name], "not in the reference"))
    for name in sorted(set(ref) & set(values)):
        entry, new = ref[name], values[name]
        if entry["kind"] == "figure" or new == entry["text"]:
            continue
        sk_old, old_nums, _ = split_value(entry["text"])
        sk_new, new_nums, _ = split_value(new)
        if entry["kind"] == "timing":
            rows.append(("timing", name, entry["text"], new, "a timing: not compared"))
            continue
        if sk_old != sk_new or len(old_nums) != len(new_nums):
            status = "sensitive" if entry["sensitive"] else "drift"
            rows.append((status, name, entry["text"], new, entry["sensitive"] or "text changed"))
            continue
        worst, note = "within", ""
        tolerance = list(entry["tolerance"])
        if sk_old == "#":
            tolerance[0] = max(tolerance[0], shown_step(shown.get(name), old_nums[0]))
        for a, b, tol in zip(old_nums, new_nums, tolerance, strict=True):
            both_nan = math.isnan(a) and math.isnan(b)
            if both_nan or a == b:
                continue
            if not (math.isfinite(a) and math.isfinite(b)) or abs(a - b) > tol:
                worst, note = "drift", f"|{a:.6g} - {b:.6g}| > {tol:.3g}"
                break
            note = note or f"within {tol:.3g}"
        if worst == "drift" and entry["sensitive"]:
            worst = "sensitive"
        rows.append((worst, name, entry["text"], new, note))
    failures = sum(1 for r in rows if r[0] in ("drift", "missing", "new"))
    return rows, failures


def table(rows: list[tuple]) -> str:
    """The moved values as a text table, failures first."""
    order = {"drift": 0, "missing": 1, "new": 2, "sensitive": 3, "within": 4, "timing": 5}
    lines = [f"{'status':<9}  {'value':<48}  {'reference':<28}  {'this build':<28}  note"]
    for status, name, old, new, note in sorted(rows, key=lambda r: (order[r[0]], r[1])):
        lines.append(f"{status:<9}  {name[:48]:<48}  {old[:28]:<28}  {new[:28]:<28}  {note}")
    return "\n".join(lines)


def spread_build(out: Path, profile: str = "smoke") -> list[Path]:
    """Two builds of ``profile`` in fresh folders: native kernels, then portable ones, both on
    one thread as the test suite builds the book (:data:`TEST_THREADS`)."""
    builds = []
    for name, env in (("native", TEST_THREADS), ("portable", PORTABLE_KERNELS)):
        work = out / name
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
        (work / "benchmarks").symlink_to(ROOT / "benchmarks")  # the performance chapter
        if (ROOT / "results").is_dir():  # the long profile's records (chapters 11 and 13)
            (work / "results").symlink_to(ROOT / "results")
        cmd = [
            sys.executable,
            str(ROOT / "scripts" / "run_notebooks.py"),
            "--profile",
            profile,
            "--out",
            str(work / "executed"),
            "--workdir",
            str(work),
        ]
        print(f"spread build {name} ({env or 'this processor'}) ...", flush=True)
        subprocess.run(cmd, env={**os.environ, **env}, check=True)
        builds.append(work / "executed")
    return builds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("check", "write"):
        p = sub.add_parser(name)
        p.add_argument("build", type=Path)
        p.add_argument("--profile", required=True)
        p.add_argument("--reference", type=Path, help="default: reference/<profile>.json")
        if name == "write":
            p.add_argument("--spread", type=Path, nargs="*", default=[])
            p.add_argument("--like", type=Path, help="borrow spreads from this reference")
            p.add_argument(
                "--spread-reference",
                type=Path,
                nargs="*",
                default=[],
                help="earlier references of this profile on other kernels: their values "
                "count as spread builds",
            )
    p = sub.add_parser("spread-build")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--profile", default="smoke")
    args = ap.parse_args(argv)
    if args.command == "spread-build":
        spread_build(args.out, args.profile)
        return 0
    path = args.reference or REFERENCE_DIR / f"{args.profile}.json"
    if args.command == "write":
        like = json.loads(args.like.read_text()) if args.like else None
        earlier = [json.loads(p.read_text()) for p in args.spread_reference]
        ref = make_reference(
            args.build, args.profile, list(args.spread), like=like, spread_references=earlier
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(ref, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        tmp.replace(path)
        n_sens = sum(1 for e in ref["values"].values() if e["sensitive"])
        print(f"wrote {path}: {len(ref['values'])} values, {n_sens} sensitive")
        return 0
    if not path.is_file():
        print(
            f"{path}: no reference for profile {args.profile!r} (make reference)", file=sys.stderr
        )
        return 2
    try:
        reference = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        print(f"{path}: not a readable reference ({exc})", file=sys.stderr)
        return 2
    if reference.get("profile") != args.profile:
        print(f"{path}: a reference of profile {reference.get('profile')!r}", file=sys.stderr)
        return 2
    record = args.build / "build_record.json"
    built = json.loads(record.read_text()).get("profile") if record.is_file() else None
    if built is not None and built != args.profile:
        print(
            f"{args.build} was built with profile {built!r}, not {args.profile!r}: "
            f"run `make notebooks PROFILE={args.profile}` or `make verify PROFILE={built}`",
            file=sys.stderr,
        )
        return 2
    rows, failures = compare(reference, args.build)
    if rows:
        print(table(rows))
    counted = {s: sum(1 for r in rows if r[0] == s) for s in ("within", "sensitive", "timing")}
    print(
        f"verify ({args.profile}): {len(reference['values'])} reference values; "
        f"{failures} beyond tolerance or missing, {counted['within']} moved within tolerance, "
        f"{counted['sensitive']} sensitive moved, {counted['timing']} timings differ"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
