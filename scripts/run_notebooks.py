"""Execute the jupytext notebooks with papermill under a parameter profile.

    python scripts/run_notebooks.py --profile default --out book/executed [NAME ...]

Each ``notebooks/NAME.py`` is read with jupytext, its exercises
(``notebooks/exercises/NAME.py``, ``scripts/chapter_notebook.py``) appended,
executed by papermill with the parameters of section ``NAME`` of ``profiles/PROFILE.yaml`` (plus
``profile=PROFILE``) and written atomically to ``OUT/NAME.ipynb``. The run
fails if any cell raised, listing the notebooks and the error. One line is
printed per chapter, and a table of the chapters' times at the end. Kernels
talk to papermill over local IPC sockets (no network port, no warning).

After the chapters, the build's record (``vog.experiments.provenance``) is
written to ``OUT/build_record.json`` and rendered as the page
``OUT/about_build.md`` ("About this build": commit, machine, versions, the
lock's SHA-256, the chapters' times, every trained run's key and data
SHA-256), and each chapter run gets a one-line footer linking to it. A run of
some chapters only updates their entries of an existing record.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill
import yaml
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from vog.atomic import atomic_write
from vog.experiments import provenance

ROOT = Path(__file__).resolve().parent.parent


sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling scripts
import chapter_notebook  # noqa: E402  (scripts/chapter_notebook.py)

RECORD = "build_record.json"
ABOUT = "about_build.md"
FOOTER_TAG = "build-footer"


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager that connects over IPC sockets in a private temporary folder."""

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        return os.path.join(tempfile.mkdtemp(prefix="vog-kernel-"), "ipc")


def load_profile(profile: str, root: Path = ROOT) -> dict:
    """The sections of ``profiles/<profile>.yaml``, or of the YAML file ``profile`` names."""
    path = (
        Path(profile)
        if profile.endswith((".yaml", ".yml"))
        else root / "profiles" / f"{profile}.yaml"
    )
    if not path.is_file():
        valid = sorted(p.stem for p in (root / "profiles").glob("*.yaml"))
        raise SystemExit(f"unknown profile {profile!r}; choose one of {valid}")
    sections = yaml.safe_load(path.read_text()) or {}
    # keys starting with "_" hold YAML anchors shared by several notebooks
    return {k: v for k, v in sections.items() if not k.startswith("_")}


def error_outputs(nb) -> list[str]:
    """Names and values of every error output in an executed notebook."""
    errors = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append(f"{out.get('ename')}: {out.get('evalue')}")
    return errors


def check_parameters(nb, params: dict, source: Path) -> None:
    """Refuse unknown parameter names and values whose type differs from the default's."""
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    defaults = {}
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            defaults[node.targets[0].id] = ast.literal_eval(node.value)
    for name, value in params.items():
        if name not in defaults:
            raise SystemExit(
                f"{source.name}: unknown parameter {name!r}; valid: {sorted(defaults)}"
            )
        want = type(defaults[name])
        ok = isinstance(value, want) or (want is float and isinstance(value, int))
        if isinstance(value, bool) and want is not bool:
            ok = False
        if not ok:
            raise SystemExit(
                f"{source.name}: parameter {name!r} must be {want.__name__} "
                f"(default {defaults[name]!r}), got {type(value).__name__} {value!r}"
            )


def fold_parameters(nb, source: Path, profile: str) -> None:
    """One folded parameters cell on the page: the values this page was run with.

    papermill adds its injected cell after the notebook's own defaults; the
    book shows the injected one (folded, tag ``hide-cell``, with a line naming
    the profile and where the defaults are documented) and removes the
    defaults' cell from the page (tag ``remove-cell``; it stays in the
    notebook file).
    """
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    if not injected:
        return
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    cell = injected[0]
    tags = cell.metadata.setdefault("tags", [])
    if "hide-cell" not in tags:
        tags.append("hide-cell")
    note = (
        f"# The parameters of this page (profile {profile}); their defaults and meaning are "
        f"in the first code cell of notebooks/{source.stem}.py\n"
    )
    if not cell.source.startswith(note):
        cell.source = note + cell.source


def run_notebook(
    source: Path, out_dir: Path, profile: str, params: dict, cwd: Path = ROOT, nb=None
) -> Path:
    """Execute the chapter ``source`` (or the notebook ``nb`` made from it, e.g. its student
    edition) into ``out_dir/<chapter>.ipynb``; raise if a cell raised."""
    exercises = source.parent / "exercises"  # beside the chapter (--notebooks DIR: DIR/exercises)
    nb = chapter_notebook.read_chapter(source, exercises) if nb is None else nbformat.from_dict(nb)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    if not any("parameters" in c.metadata.get("tags", []) for c in nb.cells):
        raise SystemExit(f"{source}: no cell tagged 'parameters'")
    check_parameters(nb, {**params, "profile": profile}, source)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{source.stem}.ipynb"
    fd, tmp = tempfile.mkstemp(suffix=".ipynb", dir=out_dir, prefix=f".{source.stem}.")
    os.close(fd)
    try:
        try:
            papermill.execute_notebook(
                nb,
                tmp,
                parameters={**params, "profile": profile},
                kernel_name="python3",
                cwd=str(cwd),
                progress_bar=False,
                kernel_manager_class=IPCKernelManager,
            )
        finally:
            executed = nbformat.read(tmp, as_version=4) if Path(tmp).stat().st_size else None
        errors = error_outputs(executed) if executed is not None else ["notebook not written"]
        if errors:
            raise RuntimeError(f"{source.name} has error outputs: {errors}")
        fold_parameters(executed, source, profile)
        nbformat.write(executed, tmp)
        os.replace(tmp, target)
    except BaseException:
        failed = out_dir / f"{source.stem}.failed.ipynb"
        if Path(tmp).exists() and Path(tmp).stat().st_size:
            os.replace(tmp, failed)
            print(f"failed notebook kept at {failed}", file=sys.stderr)
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--profile", default="default")
    ap.add_argument("--out", type=Path, default=ROOT / "book" / "executed")
    ap.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    ap.add_argument(
        "--workdir",
        type=Path,
        default=ROOT,
        help="the folder the chapters run in: their data/ and run cache (default: the checkout)",
    )
    ap.add_argument("names", nargs="*", help="notebook stems to run (default: all)")
    args = ap.parse_args(argv)
    profile = load_profile(args.profile)
    sources = sorted(args.notebooks.glob("[0-9]*.py"))
    if args.names:
        sources = [s for s in sources if s.stem in args.names]
        missing = set(args.names) - {s.stem for s in sources}
        if missing:
            raise SystemExit(f"no such notebooks: {sorted(missing)}")
    unknown = set(profile) - {s.stem for s in args.notebooks.glob("[0-9]*.py")}
    if unknown:
        raise SystemExit(f"profile {args.profile!r} names unknown notebooks: {sorted(unknown)}")
    times = {}
    out = args.out.resolve()  # the kernels run in another folder
    ledger = start_ledger(out)
    try:
        for src in sources:
            t0 = time.perf_counter()
            run_notebook(src, out, args.profile, profile.get(src.stem) or {}, args.workdir)
            times[src.stem] = time.perf_counter() - t0
            print(f"{src.stem}: ok ({times[src.stem]:.0f} s, profile {args.profile})", flush=True)
    finally:  # the chapters that finished get their footers and record, also on a failure
        if times:
            finish_build(out, args.profile, times, ledger)
        ledger.unlink(missing_ok=True)
        os.environ.pop(provenance.LEDGER_ENV, None)
    print(time_table(times, args.profile), flush=True)
    return 0


def start_ledger(out_dir: Path) -> Path:
    """A fresh ledger of the runs the chapters use, named to their kernels by the environment."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fd, path = tempfile.mkstemp(prefix=".runs-", suffix=".jsonl", dir=out_dir)
    os.close(fd)
    os.environ[provenance.LEDGER_ENV] = path  # papermill's kernels inherit it
    return Path(path)


def finish_build(
    out_dir: Path, profile: str, times: dict[str, float], ledger: Path, root: Path = ROOT
) -> dict:
    """Write the build's record and its page, and footer each chapter of ``times``.

    The record merges with ``OUT/build_record.json`` of the same profile, so a
    run of some chapters keeps the others' entries. Returns the record.
    """
    path = out_dir / RECORD
    old = json.loads(path.read_text()) if path.is_file() else None
    new = provenance.build_record(root, profile, times, provenance.read_ledger(ledger))
    record = provenance.merge_records(old, new)
    text = json.dumps(record, indent=1, sort_keys=True) + "\n"
    atomic_write(path, lambda p: p.write_text(text))
    page = provenance.record_markdown(record)
    atomic_write(out_dir / ABOUT, lambda p: p.write_text(page))
    for name in times:
        add_footer(out_dir / f"{name}.ipynb", provenance.footer(record, name, ABOUT))
    return record


def add_footer(path: Path, text: str) -> None:
    """Make ``text`` the notebook's last cell, a markdown cell tagged ``build-footer``."""
    nb = nbformat.read(path, as_version=4)
    nb.cells = [c for c in nb.cells if FOOTER_TAG not in c.metadata.get("tags", [])]
    cell = nbformat.v4.new_markdown_cell("---\n" + text)
    cell.metadata["tags"] = [FOOTER_TAG]
    nb.cells.append(cell)
    atomic_write(path, lambda p: nbformat.write(nb, str(p)))


def time_table(times: dict[str, float], profile: str) -> str:
    """The chapters' times as a small text table, longest first, with the total."""
    width = max([len(k) for k in times] + [len("total")])
    lines = [f"chapter times (profile {profile}):"]
    for name, seconds in sorted(times.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {name:<{width}}  {seconds:7.0f} s")
    lines.append(f"  {'total':<{width}}  {sum(times.values()):7.0f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
