"""Compare the glued values of two builds of the executed chapters.

    python scripts/compare_glue.py BEFORE_DIR AFTER_DIR [--rtol 1e-6]

Each directory holds executed notebooks (``book/executed/*.ipynb``, as
``scripts/run_notebooks.py`` writes them). Every value a chapter glues (the
numbers and verdicts the book's text shows) is read from both; values are
compared as numbers where both parse as numbers (within ``--rtol``), else as
text. Prints one line per difference, per key found in only one build and per
chapter found in only one build, then a summary; exits 1 if anything differs.
Used to check that a refactoring left the book's numbers unchanged.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
from pathlib import Path

PREFIX = "application/papermill.record/"


def glued(path: Path) -> dict[str, str]:
    """The glued values of one executed notebook: key -> its text/plain form."""
    try:
        nb = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SystemExit(f"{path}: not a readable notebook ({exc})") from None
    out: dict[str, str] = {}
    for cell in nb.get("cells", []):
        for o in cell.get("outputs", []):
            name = o.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = o.get("data", {})
            out[name] = str(data.get(PREFIX + "text/plain", data.get("text/plain", "")))
    return out


def as_number(text: str) -> float | None:
    """``text`` as a float if it is a number literal (also quoted, or a percentage)."""
    t = text.strip()
    try:
        value = ast.literal_eval(t)
    except (ValueError, SyntaxError):
        value = t
    if isinstance(value, str):
        value = value.strip().rstrip("%").strip()
        try:
            return float(value)
        except ValueError:
            return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def same(a: str, b: str, rtol: float) -> bool:
    """Whether two glued values agree: as numbers within ``rtol``, else as text."""
    x, y = as_number(a), as_number(b)
    if x is not None and y is not None:
        if math.isnan(x) and math.isnan(y):
            return True
        return math.isclose(x, y, rel_tol=rtol, abs_tol=rtol)
    return a == b


def compare(before: Path, after: Path, rtol: float) -> list[str]:
    """Lines naming every difference between the two builds (empty: the same values)."""
    lines = []
    a = {p.stem: p for p in sorted(before.glob("*.ipynb"))}
    b = {p.stem: p for p in sorted(after.glob("*.ipynb"))}
    for stem in sorted(set(a) ^ set(b)):
        lines.append(f"{stem}: only in {'before' if stem in a else 'after'}")
    n_keys = 0
    for stem in sorted(set(a) & set(b)):
        ga, gb = glued(a[stem]), glued(b[stem])
        for key in sorted(set(ga) ^ set(gb)):
            lines.append(f"{stem}::{key}: only in {'before' if key in ga else 'after'}")
        for key in sorted(set(ga) & set(gb)):
            n_keys += 1
            if not same(ga[key], gb[key], rtol):
                lines.append(f"{stem}::{key}: {ga[key][:120]!r} -> {gb[key][:120]!r}")
    lines.append(f"compared {n_keys} glued values in {len(set(a) & set(b))} chapters")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--rtol", type=float, default=1e-6, help="relative tolerance of numbers")
    args = ap.parse_args(argv)
    for d in (args.before, args.after):
        if not d.is_dir():
            print(f"{d}: no such directory", file=sys.stderr)
            return 2
    lines = compare(args.before, args.after, args.rtol)
    print("\n".join(lines))
    return 1 if len(lines) > 1 else 0


if __name__ == "__main__":
    sys.exit(main())
