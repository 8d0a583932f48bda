"""Write the runnable notebooks that Colab and Binder open: ``notebooks/ipynb/<chapter>.ipynb``.

    python scripts/make_launch_notebooks.py          # write them
    python scripts/make_launch_notebooks.py --check  # exit 1 if one is out of date

Each is its jupytext source (``notebooks/<chapter>.py``, its exercises appended) as an ``.ipynb``
without outputs, with one cell added before the parameters: on a machine
without ``vog`` (Colab, a fresh Binder) it installs the package from the
repository and fetches the data sets the chapter reads. The repository
address is read from ``pyproject.toml`` (``[project.urls] Repository``), its
only home. The files are committed; ``tests/book/test_links.py`` checks that
they match their sources.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import tomllib

ROOT = Path(__file__).resolve().parent.parent


sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling scripts
import chapter_notebook  # noqa: E402  (scripts/chapter_notebook.py)

OUT = ROOT / "notebooks" / "ipynb"

INSTALL = """# Running on Colab or a fresh Binder? This cell installs what the chapter needs
# (the vog package from {repo}, and the data sets) and does nothing where they are present.
# The fetch installs Debian's Fashion-MNIST itself where it runs as root (Colab does).
import importlib.util
import subprocess
import sys

pip = [sys.executable, "-m", "pip", "install", "-q"]
if importlib.util.find_spec("vog") is None:
    subprocess.run([*pip, "vog[vision,book,integrations] @ git+{repo}"], check=True)
subprocess.run([sys.executable, "-m", "vog.datasets.fetch", "--root", "data"], check=False)"""


def repository(root: Path = ROOT) -> str:
    """The repository address from ``pyproject.toml``."""
    meta = tomllib.loads((root / "pyproject.toml").read_text())
    return meta["project"]["urls"]["Repository"].rstrip("/")


def launch_notebook(source: Path, repo: str) -> str:
    """The runnable notebook of one jupytext source, as ipynb text."""
    nb = chapter_notebook.read_chapter(source)  # with its exercises
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    }
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(INSTALL.format(repo=repo), metadata={"tags": ["install"]})
    nb.cells.insert(params, cell)
    for i, c in enumerate(nb.cells):
        c.pop("id", None)
        c["id"] = f"cell-{i:02d}"
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    return nbformat.writes(nb, version=4) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--check", action="store_true", help="report stale files, write nothing")
    args = ap.parse_args(argv)
    repo = repository()
    sources = sorted((ROOT / "notebooks").glob("[0-9]*.py"))
    stale = []
    for src in sources:
        target = OUT / f"{src.stem}.ipynb"
        text = launch_notebook(src, repo)
        if target.is_file() and target.read_text() == text:
            continue
        stale.append(target.name)
        if not args.check:
            OUT.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    extra = sorted({p.stem for p in OUT.glob("*.ipynb")} - {s.stem for s in sources})
    if args.check:
        if stale or extra:
            print(f"out of date: {stale}; without a source: {extra}", file=sys.stderr)
            print("run: python scripts/make_launch_notebooks.py", file=sys.stderr)
            return 1
        return 0
    for name in extra:
        (OUT / f"{name}.ipynb").unlink()
    print(f"{len(stale)} written, {len(extra)} removed, {len(sources)} in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
