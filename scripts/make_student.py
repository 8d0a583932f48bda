"""`make student`: the student edition of every chapter, its solutions removed by nbgrader.

    python scripts/make_student.py [--out student] [NAME ...]
    python scripts/make_student.py --execute smoke [--executed DIR] [NAME ...]

Each chapter (``notebooks/<chapter>.py`` with its exercises,
``notebooks/exercises/<chapter>.py``) goes through nbgrader's
``ClearSolutions`` (:func:`chapter_notebook.student_notebook`): the solution
code becomes ``# YOUR CODE HERE``, the solution text ``YOUR ANSWER HERE``;
outputs are cleared. The editions are written atomically to
``OUT/<chapter>.ipynb``. ``--execute PROFILE`` then runs each edition with
papermill in that profile (into ``--executed``, default ``OUT/executed``) and
fails on any error output: a student edition runs top to bottom as it is.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling scripts
import chapter_notebook  # noqa: E402  (scripts/chapter_notebook.py)


def write_editions(names: list[str], out: Path, notebooks: Path = ROOT / "notebooks") -> list[Path]:
    """Write the student edition of each chapter ``names`` (all: empty) to ``out``."""
    from vog.atomic import atomic_write

    sources = sorted(notebooks.glob("[0-9]*.py"))
    if names:
        missing = set(names) - {s.stem for s in sources}
        if missing:
            raise SystemExit(f"no such chapters: {sorted(missing)}")
        sources = [s for s in sources if s.stem in names]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        nb = chapter_notebook.student_notebook(
            chapter_notebook.read_chapter(src, notebooks / "exercises")
        )
        path = out / f"{src.stem}.ipynb"
        atomic_write(path, lambda p, nb=nb: nbformat.write(nb, str(p)))
        written.append(path)
    return written


def execute(editions: list[Path], profile: str, out: Path, cwd: Path = ROOT) -> dict[str, float]:
    """Run each edition with papermill in ``profile`` into ``out``; the seconds each took."""
    import run_notebooks as runner  # scripts/run_notebooks.py (papermill: only to execute)

    params = runner.load_profile(profile)
    times = {}
    for path in editions:
        t0 = time.perf_counter()
        nb = nbformat.read(path, as_version=4)
        runner.run_notebook(path, out, profile, params.get(path.stem) or {}, cwd=cwd, nb=nb)
        times[path.stem] = time.perf_counter() - t0
        print(f"{path.stem}: the student edition runs ({times[path.stem]:.0f} s)", flush=True)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=ROOT / "student")
    ap.add_argument("--execute", metavar="PROFILE", help="run each edition in this profile")
    ap.add_argument("--executed", type=Path, help="where the executed editions go")
    ap.add_argument("names", nargs="*", help="chapters (default: all)")
    args = ap.parse_args(argv)
    editions = write_editions(args.names, args.out)
    print(f"{len(editions)} student editions in {args.out}")
    if args.execute:
        execute(editions, args.execute, args.executed or args.out / "executed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
