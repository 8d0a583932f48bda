"""Files in the real on-disk formats of the paper's data sets, filled with random pixels.

Loaded by ``conftest.py`` and handed to tests as the ``fabricate`` fixture.
"""

from __future__ import annotations

import json
import pickle
import struct
from pathlib import Path

import numpy as np


def write_idx(path: Path, arr: np.ndarray) -> None:
    """An MNIST IDX file of unsigned bytes (images (N, 28, 28) or labels (N,))."""
    code = 0x0803 if arr.ndim == 3 else 0x0801
    path.write_bytes(
        struct.pack(">I", code) + struct.pack(f">{arr.ndim}I", *arr.shape) + arr.tobytes()
    )


def mnist(root: Path, n_train: int = 60, n_test: int = 30, seed: int = 0) -> None:
    """``root/MNIST/raw/{train,t10k}-{images,labels}-idx?-ubyte`` as torchvision keeps them."""
    rng = np.random.default_rng(seed)
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(raw / f"{prefix}-images-idx3-ubyte", rng.integers(0, 256, (n, 28, 28), np.uint8))
        write_idx(raw / f"{prefix}-labels-idx1-ubyte", (np.arange(n) % 10).astype(np.uint8))


def cifar(root: Path, name: str, n: int = 6, n_classes: int = 10, seed: int = 1) -> dict:
    """The official python pickle batches of CIFAR-10 or CIFAR-100 with ``n`` images each."""
    rng = np.random.default_rng(seed)
    if name == "cifar10":
        folder, files, key = (
            root / "cifar-10-batches-py",
            [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"],
            "labels",
        )
    else:
        folder, files, key = root / "cifar-100-python", ["train", "test"], "fine_labels"
    folder.mkdir(parents=True)
    batches = {}
    for f in files:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, n_classes, n).tolist()
        batches[f] = (data, labels)
        with (folder / f).open("wb") as fh:
            pickle.dump(
                {
                    "batch_label": f,
                    key: labels,
                    "data": data,
                    "filenames": [f"{i}.png" for i in range(n)],
                },
                fh,
            )
    return batches


def image_folder(
    root: Path,
    classes: tuple[str, ...] = ("n01440764", "n01443537", "n01484850"),
    per_class: int = 4,
    size: tuple[int, int] = (48, 60),
    ext: str = "JPEG",
    seed: int = 0,
) -> Path:
    """``root/<class>/<class>_<i>.<ext>`` (ImageNet, ImageNet-O, iSUN, LSUN, TinyImageNet)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    fmt = {"JPEG": "JPEG", "jpg": "JPEG", "png": "PNG"}[ext]
    for c in classes:
        d = root / c
        d.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(d / f"{c}_{i}.{ext}", format=fmt)
    return root


def imagenet(root: Path, per_class_train: int = 6, per_class_val: int = 3) -> Path:
    """``root/imagenet/{train,val}/<wnid>/*.JPEG``."""
    image_folder(root / "imagenet" / "train", per_class=per_class_train, seed=0)
    image_folder(root / "imagenet" / "val", per_class=per_class_val, seed=1)
    return root


def glued_notebook(path: Path, values: dict[str, str]) -> Path:
    """An executed notebook at ``path`` whose one cell glues ``values`` (key -> text/plain),
    as myst-nb's ``glue`` writes them."""
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {"scrapbook": {"name": k, "mime_prefix": "application/papermill.record/"}},
            "data": {"application/papermill.record/text/plain": v},
        }
        for k, v in values.items()
    ]
    cell = {"cell_type": "code", "source": "", "metadata": {}, "outputs": outputs}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4}))
    return path
