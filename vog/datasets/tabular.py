"""Tabular data sets: UCI Letter, Landsat Satellite, scikit-learn's breast cancer and wine.

Every loader returns float32 features (N, D) as recorded (not standardised;
:func:`standardize` does that with the training split's statistics) and int64
labels (N,), for the set's standard split.

Sources (``source=``):

- ``"debian"``: the ``.rda`` files of the Debian package ``r-cran-mlbench``
  (``/usr/lib/R/site-library/mlbench/data``), read without R by the PyPI
  package ``rdata``; each file is checked against its SHA-256;
- ``"uci"``: the UCI repository's own files, downloaded into ``root/uci/<set>/``
  (``letter-recognition.data``; ``sat.trn`` and ``sat.tst``);
- ``"disk"``: those files already in ``root/uci/<set>/`` (e.g. from OpenML or a mirror);
- ``"bundled"``: scikit-learn's ``load_breast_cancer`` and ``load_wine``.

Whatever the source, the parsed table is checked against the SHA-256 of its
content (:func:`content_sha256`: the features as float64 and the labels as
int64, in the data set's order), so every source yields the same numbers; an
``.rda`` file of another Debian release passes if it holds the same data.

Standard splits: Letter, the first 16,000 rows for training and the last 4,000
for testing (the UCI documentation's split); Satellite, UCI's ``sat.trn``
(4,435) and ``sat.tst`` (2,000), which ``mlbench`` stores in that order; the
scikit-learn sets, a stratified random quarter for testing (``seed``).
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .._checks import check_choice
from ..atomic import atomic_write, sha256_file

__all__ = [
    "MLBENCH_DIR",
    "TABLES",
    "TABULAR_SOURCES",
    "Table",
    "content_sha256",
    "fit_width",
    "load_vector_ood",
    "standardize",
    "load_tabular",
    "VECTOR_OOD_SETS",
]

#: Where the Debian package ``r-cran-mlbench`` installs its data files.
MLBENCH_DIR = Path("/usr/lib/R/site-library/mlbench/data")
Split = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True)
class Table:
    """The facts of one tabular data set (what its loader checks).

    ``class_counts`` are the UCI documentation's counts over the whole set;
    ``n_train`` rows form the standard training split.
    """

    name: str
    n: int
    d: int
    classes: tuple[str, ...]
    class_counts: tuple[int, ...]
    n_train: int
    content: str  # SHA-256 of the parsed table (content_sha256)
    rda: str = ""  # file name in the mlbench data folder
    rda_sha256: tuple[str, ...] = ()  # known file digests (Debian releases)
    uci_files: tuple[str, ...] = ()
    uci_url: str = ""


_UCI = "https://archive.ics.uci.edu/ml/machine-learning-databases"
#: The tabular data sets by name.
TABLES: dict[str, Table] = {
    "letter": Table(
        name="UCI Letter Recognition",
        n=20000,
        d=16,
        classes=tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        class_counts=(
            789,
            766,
            736,
            805,
            768,
            775,
            773,
            734,
            755,
            747,
            739,
            761,
            792,
            783,
            753,
            803,
            783,
            758,
            748,
            796,
            813,
            764,
            752,
            787,
            786,
            734,
        ),  # fmt: skip
        n_train=16000,
        content="19d01463ecc357bb375d9a1fcffee59e2009c3421aa3960accba71db597f0260",
        rda="LetterRecognition.rda",
        rda_sha256=("967a1a3e10b548d7269cbe50182bcecd6365cc58ea07638bbc34c51f17f34f1d",),
        uci_files=("letter-recognition.data",),
        uci_url=f"{_UCI}/letter-recognition",
    ),
    "satellite": Table(
        name="Landsat Satellite (Statlog)",
        n=6435,
        d=36,
        classes=(
            "red soil",
            "cotton crop",
            "grey soil",
            "damp grey soil",
            "vegetation stubble",
            "very damp grey soil",
        ),
        class_counts=(1533, 703, 1358, 626, 707, 1508),
        n_train=4435,
        content="2152e3b71542178c7e7a71b49e7377dc895db3f3886bbcfee85d4860117dd1f5",
        rda="Satellite.rda",
        rda_sha256=("29f8cf9bb1bc51b769d694c9caf740fd1c36ed6a7c87603edf5985962e330f64",),
        uci_files=("sat.trn", "sat.tst"),
        uci_url=f"{_UCI}/statlog/satimage",
    ),
    "breast_cancer": Table(
        name="Breast Cancer Wisconsin (diagnostic)",
        n=569,
        d=30,
        classes=("malignant", "benign"),
        class_counts=(212, 357),
        n_train=0,  # stratified random split
        content="25e2eb7b7a8745b1bde5ba18bc4969983d2e2f403291ecd5bde4a29ef30c3859",
    ),
    "wine": Table(
        name="Wine",
        n=178,
        d=13,
        classes=("class_0", "class_1", "class_2"),
        class_counts=(59, 71, 48),
        n_train=0,
        content="3a28849ef2366c4b9d4e382b3fa5624a66f693c04d7fdcf43c529bbb0bb338d7",
    ),
}
#: Where each tabular set can come from; the first is the default.
TABULAR_SOURCES: dict[str, tuple[str, ...]] = {
    "letter": ("debian", "uci", "disk"),
    "satellite": ("debian", "uci", "disk"),
    "breast_cancer": ("bundled",),
    "wine": ("bundled",),
}
#: UCI's Satellite class codes (6, "mixture", has no examples) -> label index.
_SAT_CODES = {1: 0, 2: 1, 3: 2, 4: 3, 5: 4, 7: 5}


def content_sha256(x: np.ndarray, y: np.ndarray) -> str:
    """SHA-256 of a table's content: features as float64 (N, D), then labels as int64 (N,)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(x, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(y, dtype="<i8").tobytes())
    return h.hexdigest()


def _check_facts(name: str, x: np.ndarray, y: np.ndarray, where: str) -> None:
    """Shape, class counts and content digest of a parsed table, or a ValueError naming it."""
    t = TABLES[name]
    if x.shape != (t.n, t.d):
        raise ValueError(f"{where}: expected {t.n} rows of {t.d} features, got {x.shape}")
    counts = tuple(np.bincount(y, minlength=len(t.classes)).tolist())
    if counts != t.class_counts:
        raise ValueError(f"{where}: class counts {counts} differ from {t.name}'s {t.class_counts}")
    if t.content and content_sha256(x, y) != t.content:
        raise ValueError(f"{where}: its values fail the SHA-256 check of {t.name} (corrupt?)")


def _read_rda(name: str, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    t = TABLES[name]
    path = folder / t.rda
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found; install the Debian package: apt-get install "
            "--no-install-recommends r-cran-mlbench (or use source='uci')"
        )
    # a file of another Debian release may hold the same data: its content is checked below
    known = sha256_file(path) in t.rda_sha256
    where = f"{path}{'' if known else ' (fails its SHA-256 check: not a known file)'}"
    try:
        import rdata
    except ImportError as exc:
        raise ImportError(
            f"reading {path} needs the PyPI package rdata: pip install 'vog[tabular]'"
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Unknown encoding. Assumed ASCII."
            frame = rdata.read_rda(str(path))[t.rda.removesuffix(".rda")]
    except Exception as exc:  # rdata raises many kinds on a damaged file
        raise ValueError(f"{where} cannot be read as an R data file ({exc})") from exc
    label_col = [c for c in frame.columns if str(frame[c].dtype) == "category"]
    if len(label_col) != 1:
        raise ValueError(f"{where}: expected one factor column of labels, found {label_col}")
    labels = frame.pop(label_col[0])
    if tuple(labels.cat.categories) != t.classes:
        raise ValueError(f"{where}: classes {tuple(labels.cat.categories)} are not {t.classes}")
    x = frame.to_numpy(dtype=np.float64)
    y = labels.cat.codes.to_numpy().astype(np.int64)
    _check_facts(name, x, y, where)
    return x, y


def _read_uci(name: str, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    t = TABLES[name]
    xs, ys = [], []
    for fname in t.uci_files:
        path = folder / fname
        if not path.is_file():
            raise FileNotFoundError(f"{path} not found; use source='uci' to download it")
        try:
            if name == "letter":
                rows = [line.split(",") for line in path.read_text().split()]
                ys.append(np.array([t.classes.index(r[0]) for r in rows], dtype=np.int64))
                xs.append(np.array([r[1:] for r in rows], dtype=np.float64))
            else:
                table = np.loadtxt(path, dtype=np.float64, ndmin=2)
                xs.append(table[:, :-1])
                ys.append(np.array([_SAT_CODES[int(c)] for c in table[:, -1]], dtype=np.int64))
        except (ValueError, KeyError, IndexError) as exc:
            raise ValueError(f"{path} is not in the UCI format of {t.name} ({exc})") from exc
    x, y = np.concatenate(xs), np.concatenate(ys)
    _check_facts(name, x, y, ", ".join(str(folder / f) for f in t.uci_files))
    return x, y


def _download_uci(name: str, folder: Path) -> None:
    t = TABLES[name]
    for fname in t.uci_files:
        if (folder / fname).is_file():
            continue
        url = f"{t.uci_url}/{fname}"
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                payload = resp.read()
        except OSError as exc:
            raise RuntimeError(f"could not download {url} ({exc})") from exc

        def write(path: Path, data: bytes = payload) -> None:
            path.write_bytes(data)

        atomic_write(folder / fname, write)


def _sklearn(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets

    loader = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine}[name]
    d = loader()
    x, y = np.asarray(d.data, dtype=np.float64), np.asarray(d.target, dtype=np.int64)
    _check_facts(name, x, y, f"scikit-learn's load_{name}")
    return x, y


def _split(name: str, x: np.ndarray, y: np.ndarray, train: bool, seed: int, test_fraction):
    t = TABLES[name]
    if t.n_train:
        idx = np.arange(t.n_train) if train else np.arange(t.n_train, t.n)
    else:
        from sklearn.model_selection import train_test_split

        tr, te = train_test_split(
            np.arange(len(y)), test_size=test_fraction, random_state=seed, stratify=y
        )
        idx = np.sort(tr if train else te)
    return torch.as_tensor(x[idx], dtype=torch.float32), torch.as_tensor(y[idx])


def load_tabular(
    name: str,
    root: str | os.PathLike = "data",
    *,
    train: bool = True,
    source: str | None = None,
    test_fraction: float = 0.25,
    seed: int = 0,
) -> Split:
    """One split of a tabular data set: features (N, D) float32 as recorded, labels (N,) int64.

    Parameters
    ----------
    name : {"letter", "satellite", "breast_cancer", "wine"}
        :data:`TABLES`: UCI Letter (20,000 x 16, 26 classes), Landsat Satellite
        (6,435 x 36, 6 classes), Breast Cancer Wisconsin (569 x 30, 2) and Wine (178 x 13, 3).
    root : path
        Data folder (``root/uci/<name>`` for the UCI files).
    train : bool, keyword-only
        The standard training split, or the test split.
    source : str, optional, keyword-only
        One of :data:`TABULAR_SOURCES` ``[name]`` (default: the first; see the module docstring).
    test_fraction, seed : keyword-only
        The stratified split of the scikit-learn sets.

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the file that is missing or fails its checks.
    """
    check_choice("tabular data set", name, TABLES)
    source = source or TABULAR_SOURCES[name][0]
    check_choice(f"source of {name}", source, TABULAR_SOURCES[name])
    folder = Path(root) / "uci" / name
    if source == "debian":
        x, y = _read_rda(name, MLBENCH_DIR)
    elif source == "bundled":
        x, y = _sklearn(name)
    else:
        if source == "uci":
            _download_uci(name, folder)
        x, y = _read_uci(name, folder)
    return _split(name, x, y, train, seed, test_fraction)


def standardize(train: torch.Tensor, *others: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Features (N, D) z-scored with the first tensor's column means and standard deviations.

    Constant columns are left centred (divided by 1). Returns ``train`` and each of
    ``others`` transformed alike.
    """
    mean = train.mean(0, keepdim=True)
    std = train.std(0, keepdim=True)
    std = torch.where(std > 0, std, torch.ones_like(std))
    return tuple((t - mean) / std for t in (train, *others))


def fit_width(x: torch.Tensor, width: int) -> torch.Tensor:
    """Features (N, D') brought to ``width`` columns, each standardised on its own.

    Columns are taken cyclically (column ``j`` is ``x[:, j mod D']``), so a
    narrower set is repeated and a wider one cut; every column then has mean 0
    and standard deviation 1, as the in-distribution features after
    :func:`standardize`: an out-of-distribution set that differs in the joint
    structure of its features, not in their scale.
    """
    cols = torch.arange(int(width)) % x.shape[1]
    return standardize(x[:, cols].float())[0]


def _table_ood(name: str) -> Callable:
    def load(n: int, width: int, root: str, seed: int) -> torch.Tensor:
        return fit_width(load_tabular(name, root, train=False)[0][:n], width)

    load.__name__ = f"_{name}"
    return load


def _gaussian(n: int, width: int, root: str, seed: int) -> torch.Tensor:
    return torch.randn((n, width), generator=torch.Generator().manual_seed(seed))


def _held_out_fortunes(n: int, width: int, root: str, seed: int) -> torch.Tensor:
    from .text import held_out_embeddings

    x = held_out_embeddings(root, limit=n)
    if x.shape[1] != width:
        raise ValueError(f"held-out fortunes have {x.shape[1]} embedding dimensions, not {width}")
    return x


def _held_out_fortune_tokens(n: int, width: int, root: str, seed: int) -> torch.Tensor:
    from .tokens import held_out_tokens

    return held_out_tokens(limit=n, max_tokens=width)


#: Out-of-distribution sets of feature vectors: name -> ``(n, width, root, seed) -> (n, width)``.
VECTOR_OOD_SETS: dict[str, Callable] = {
    **{name: _table_ood(name) for name in TABLES},
    "gaussian": _gaussian,
    "fortunes_held_out": _held_out_fortunes,
    "fortunes_held_out_tokens": _held_out_fortune_tokens,
}


def load_vector_ood(
    spec: str, *, like: torch.Tensor, n: int, root: str = "data", seed: int = 0
) -> torch.Tensor:
    """An out-of-distribution set of feature vectors as wide as ``like`` (N, D), at most ``n``.

    ``spec`` is a key of :data:`VECTOR_OOD_SETS`: a tabular set's test split
    brought to the width of ``like`` (:func:`fit_width`: standardised columns,
    cycled or cut), ``"gaussian"`` (N(0, 1) features, the far-OoD analogue of
    ODIN's noise images, in the standardised space), ``"fortunes_held_out"``
    (sentence embeddings of the fortune categories held out of training,
    :func:`vog.datasets.text.held_out_embeddings`) or
    ``"fortunes_held_out_tokens"`` (their token embeddings, (n, L, 384) with L =
    ``like.shape[1]``, :func:`vog.datasets.tokens.held_out_tokens`).
    """
    check_choice("vector OoD set", spec, VECTOR_OOD_SETS)
    return VECTOR_OOD_SETS[spec](int(n), int(like.shape[1]), str(root), int(seed))
