"""Fault injection over every file the package writes or reads (issue 21).

Each file is truncated, has bytes flipped, is swapped with another, deleted
or replaced, and the package must never return a number from it: a file it
cannot recompute gives one error naming the file, what is wrong and what to
do; a cache it can recompute gives a warning and is recomputed. Tiny models
and data: the whole module runs in seconds.
"""

from __future__ import annotations

import gzip
import pickle
import shutil
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import vog
from vog.atomic import (
    CorruptFileError,
    checksum_path,
    load_cached,
    load_verified,
    save_verified,
    sha256_file,
)
from vog.cli import main as cli


# --- how files are damaged -------------------------------------------------------------------
def truncate(path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def flip_tensor_bytes(path, tensor: torch.Tensor) -> None:
    """Flip bytes inside ``tensor``'s stored values: the archive stays readable by torch."""
    data = bytearray(path.read_bytes())
    raw = tensor.detach().contiguous().numpy().tobytes()
    at = data.find(raw[:32])
    assert at >= 0, "tensor bytes not found in the file"
    for i in range(at + 8, at + 16):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def no_number_from(path, load, match="") -> CorruptFileError:
    """``load()`` must raise a CorruptFileError naming ``path`` in one line."""
    with pytest.raises(CorruptFileError) as info:
        load()
    msg = str(info.value)
    assert str(path) in msg and "\n" not in msg and match in msg, msg
    assert "weights_only=False" not in msg
    return info.value


# --- the primitive ---------------------------------------------------------------------------
def test_saved_files_carry_a_sha256_and_flipped_bytes_are_refused(tmp_path):
    path = tmp_path / "state.pt"
    values = torch.arange(256, dtype=torch.float64)
    save_verified({"x": values}, path)
    line = checksum_path(path).read_text().split()
    assert line == [sha256_file(path), "state.pt"]  # sha256sum format
    assert torch.equal(load_verified(path)["x"], values)
    flip_tensor_bytes(path, values)
    # torch alone would load different numbers without a word
    assert not torch.equal(torch.load(path, weights_only=True)["x"], values)
    err = no_number_from(path, lambda: load_verified(path), "SHA-256")
    assert "delete" in err.todo


def test_missing_checksum_is_refused_unless_the_file_is_the_users(tmp_path):
    path = tmp_path / "own.pt"
    torch.save({"x": torch.ones(3)}, path)
    no_number_from(path, lambda: load_verified(path), "checksum file")
    assert torch.equal(load_verified(path, required=False)["x"], torch.ones(3))
    checksum_path(path).write_text("not a digest\n")
    no_number_from(path, lambda: load_verified(path, required=False), "unreadable")


def test_truncated_and_code_carrying_files_get_our_message(tmp_path):
    path = tmp_path / "cut.pt"
    torch.save({"x": torch.randn(1000)}, path)
    truncate(path)
    no_number_from(path, lambda: load_verified(path, required=False), "truncated or corrupt")

    evil = tmp_path / "evil.pt"
    torch.save({"x": Payload()}, evil)
    no_number_from(evil, lambda: load_verified(evil, required=False), "not loaded")


def test_a_damaged_cache_is_a_warning_and_gone(tmp_path):
    path = tmp_path / "cache.pt"
    save_verified({"x": torch.arange(100.0)}, path)
    truncate(path)
    with pytest.warns(UserWarning, match="cache.pt"):
        assert load_cached(path) is None
    assert not path.exists() and not checksum_path(path).exists()
    assert load_cached(path) is None  # absent: no warning


class Payload:
    """An object torch pickles by reference: never loaded with ``weights_only=True``."""


# --- checkpoints -----------------------------------------------------------------------------
def test_checkpoints_are_verified_where_a_checksum_exists(tmp_path):
    net = nn.Linear(50, 3)
    path = vog.save_checkpoint(net, tmp_path / "epoch_0001.pt")
    assert checksum_path(path).is_file()
    flip_tensor_bytes(path, net.weight)
    with pytest.raises(ValueError, match="could not read checkpoint") as info:
        vog.load_state_dict(path)
    assert str(path) in str(info.value) and "SHA-256" in str(info.value)
    # a checkpoint of the user's own (no checksum) still loads, and a truncated one names itself
    own = tmp_path / "mine.pt"
    torch.save(net.state_dict(), own)
    assert torch.equal(vog.load_state_dict(own)["weight"], net.weight)
    truncate(own)
    no_number_from(own, lambda: vog.load_state_dict(own), "could not read checkpoint")


def test_damaged_training_state_stops_the_resume(tmp_path):
    x, y = torch.randn(24, 1, 4, 4), torch.arange(24) % 3
    net = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    kw = dict(windows={"all": [0, 1]}, lr=0.1, checkpoint_dir=tmp_path)
    vog.train_with_vog(net, (x, y), epochs=2, **kw)
    state = tmp_path / "train_state.pt"
    assert checksum_path(state).is_file()
    flip_tensor_bytes(state, net[1].weight.detach().cpu())
    again = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    err = no_number_from(
        state,
        lambda: vog.train_with_vog(again, (x, y), epochs=3, resume=True, **kw),
    )
    assert "first epoch" in err.todo


# --- cached runs -----------------------------------------------------------------------------
def _cfg(**kw):
    base = dict(
        dataset="mnist", data_source="disk", model="mlp", width=8, epochs=4, stage=2, lr=0.05
    )
    return vog.experiments.ExperimentConfig(**{**base, **kw})


@pytest.fixture
def run_dirs(tmp_path, fabricate):
    data = tmp_path / "data"
    fabricate.mnist(data, n_train=40, n_test=20, seed=0)
    return {"cache_dir": tmp_path / "runs", "data_root": data}


def test_damaged_run_cache_is_recomputed_never_read(run_dirs):
    cfg = _cfg()
    first = vog.experiments.run_experiment(cfg, **run_dirs)
    result = first.folder / "result.pt"
    scores = first.vog["test"]["all"].clone()
    flip_tensor_bytes(result, first.vog["test"]["all"])
    with pytest.warns(UserWarning, match="result.pt"):
        again = vog.experiments.run_experiment(cfg, **run_dirs)
    torch.testing.assert_close(again.vog["test"]["all"], scores, rtol=0, atol=0)
    truncated = result.with_name("copy.pt")  # torch alone: OSError [Errno 22] or a zip error
    shutil.copy(result, truncated)
    shutil.copy(checksum_path(result), checksum_path(truncated))
    truncate(truncated)
    with pytest.warns(UserWarning, match="copy.pt"):
        assert load_cached(truncated) is None
    third = vog.experiments.run_experiment(cfg, **run_dirs)  # the recomputed cache is used
    torch.testing.assert_close(third.vog["test"]["all"], scores, rtol=0, atol=0)
    # the predicted-label cache, flipped and truncated, is recomputed too
    pred = third.predicted("test", "all")
    part = third.folder / "predicted_test_all.pt"
    assert checksum_path(part).is_file()
    flip_tensor_bytes(part, pred.raw)
    with pytest.warns(UserWarning, match="predicted_test_all.pt"):
        assert torch.equal(third.predicted("test", "all").raw, pred.raw)
    # a damaged model checkpoint of the run names itself
    ckpt = third.checkpoints("late")[0]
    truncate(ckpt)
    files, data = third.checkpoints("late"), third.dataset("test")
    no_number_from(ckpt, lambda: vog.compute_vog(files, data, model=third.model()))


def test_replaced_data_files_give_a_new_run(run_dirs, fabricate):
    cfg = _cfg()
    old = vog.experiments.run_experiment(cfg, **run_dirs)
    shutil.rmtree(run_dirs["data_root"])
    fabricate.mnist(run_dirs["data_root"], n_train=40, n_test=20, seed=1)  # other pixels
    raw = run_dirs["data_root"] / "MNIST" / "raw" / "train-labels-idx1-ubyte"
    raw.write_bytes(raw.read_bytes()[:8] + bytes((np.arange(40) * 7 % 10).astype(np.uint8)))
    new = vog.experiments.run_experiment(cfg, **run_dirs)
    assert new.folder != old.folder and new.folder.name.startswith(cfg.key())
    assert torch.equal(new.labels["train"], torch.as_tensor(np.arange(40) * 7 % 10))
    assert not torch.equal(new.labels["train"], old.labels["train"])


def test_data_fingerprint_is_cheap_and_sensitive(run_dirs):
    data = vog.experiments.data.load_run_data(_cfg(), run_dirs["data_root"])
    fp = data.fingerprint()
    assert len(fp) == 64 and fp == data.fingerprint()
    data.scored["test"][0][3, 0, 5, 5] += 1e-3  # one pixel of one test image
    assert data.fingerprint() != fp


def test_lazy_folders_are_fingerprinted_by_their_files(tmp_path, fabricate):
    fabricate.imagenet(tmp_path, per_class_train=2, per_class_val=1)
    cfg = vog.experiments.ExperimentConfig(
        dataset="imagenet", model="resnet50", epochs=4, stage=2, image_size=64
    )
    fp = vog.experiments.data.load_run_data(cfg, tmp_path).fingerprint()
    first = sorted((tmp_path / "imagenet" / "val").rglob("*.JPEG"))[0]
    first.rename(first.with_name("renamed.JPEG"))
    assert vog.experiments.data.load_run_data(cfg, tmp_path).fingerprint() != fp


def test_damaged_cross_validation_cache_is_recomputed(run_dirs):
    cfg = _cfg(train_limit=20)
    kw = dict(folds=2, epochs=2, **run_dirs)
    cv = vog.experiments.out_of_sample_probabilities(cfg, **kw)
    (path,) = run_dirs["cache_dir"].glob("*-cv-*.pt")
    flip_tensor_bytes(path, cv.probs)
    with pytest.warns(UserWarning, match="cross-validation"):
        again = vog.experiments.out_of_sample_probabilities(cfg, **kw)
    torch.testing.assert_close(again.probs, cv.probs, rtol=0, atol=0)


# --- score shards, manifest, scores files ------------------------------------------------------
@pytest.fixture
def shards(tmp_path):
    torch.manual_seed(0)
    x, y = torch.randn(30, 1, 4, 4), torch.arange(30) % 3
    nets = [nn.Sequential(nn.Flatten(), nn.Linear(16, 3)) for _ in range(2)]
    out = tmp_path / "scores.pt.shards"
    files = vog.scoring.score_to_shards(nets, (x, y), out, shard_size=12)
    return out, files, (nets, x, y)


def test_shards_and_manifest_are_verified_by_merge(shards, capsys):
    out, files, _ = shards
    assert all(checksum_path(f).is_file() for f in files)
    assert checksum_path(out / "manifest.json").is_file()
    good = vog.scoring.merge_shards(out)
    shard = files[1]
    s = torch.load(shard, weights_only=True)
    flip_tensor_bytes(shard, s["vog"])
    no_number_from(shard, lambda: vog.scoring.merge_shards(out), "SHA-256")
    truncate(shard)
    no_number_from(shard, lambda: vog.scoring.merge_shards(out))
    assert cli(["merge", str(out), "--out", str(out.parent / "m.csv")]) == 2
    err = capsys.readouterr().err
    assert str(shard) in err and err.count("\n") == 1
    # a rerun redoes the damaged shard (with a warning) and merges to the same scores
    nets, x, y = shards[2]
    with pytest.warns(UserWarning, match="damaged shard"):
        vog.scoring.score_to_shards(nets, (x, y), out, shard_size=12)
    assert torch.equal(vog.scoring.merge_shards(out).raw, good.raw)
    shard.unlink()  # a deleted shard: the examples it held are named as missing
    with pytest.raises(ValueError, match="no score yet"):
        vog.scoring.merge_shards(out)


def test_corrupt_manifest_is_named(shards, capsys):
    out, _, _ = shards
    manifest = out / "manifest.json"
    manifest.write_text(manifest.read_text()[:20])
    no_number_from(manifest, lambda: vog.scoring.merge_shards(out), "SHA-256")
    assert cli(["merge", str(out), "--out", str(out.parent / "m.csv")]) == 2
    assert "manifest.json" in capsys.readouterr().err
    checksum_path(manifest).unlink()  # garbled, and no checksum at all
    no_number_from(manifest, lambda: vog.scoring.merge_shards(out))


def test_scores_files_name_themselves(tmp_path, capsys):
    res = vog.VoGResult.from_raw(
        torch.rand(20, dtype=torch.float64),
        torch.arange(20) % 2,
        torch.zeros(20).long(),
        torch.arange(20) % 2,
    )
    pt = vog.write_scores(res, tmp_path / "s.pt")
    flip_tensor_bytes(pt, res.raw)
    no_number_from(pt, lambda: vog.read_scores(pt), "SHA-256")
    truncate(pt)
    no_number_from(pt, lambda: vog.read_scores(pt))
    csv = tmp_path / "other.csv"
    csv.write_text("index,a,b\n0,1,2\n")
    err = no_number_from(csv, lambda: vog.read_scores(csv), "score columns")
    assert "'vog'" in str(err) and "'label'" in str(err)
    assert cli(["report", str(csv), "--data", "nomodule:f", "--out", str(tmp_path / "r.html")]) == 2
    msg = capsys.readouterr().err
    assert str(csv) in msg and "score columns" in msg and msg.count("\n") == 1
    parquet = tmp_path / "s.parquet"
    parquet.write_bytes(b"PAR1 not really")
    no_number_from(parquet, lambda: vog.read_scores(parquet), "parquet")


def test_unsupported_output_is_refused_before_scoring(tmp_path, capsys):
    argv = ["score", "--model", "no_such_module:f", "--data", "no_such_module:g"]
    argv += ["--checkpoints", "a.pt", "b.pt", "--out", str(tmp_path / "scores.txt")]
    assert cli(argv) == 2
    err = capsys.readouterr().err
    assert "scores.txt" in err and ".parquet" in err and "import" not in err


# --- data files --------------------------------------------------------------------------------
def _raw(root):
    return root / "MNIST" / "raw"


def _load(root):
    return vog.datasets.mnist(root, train=True, source="disk")


def test_idx_truncated_header_body_and_gzip_name_the_file(tmp_path, fabricate):
    fabricate.mnist(tmp_path)
    images = _raw(tmp_path) / "train-images-idx3-ubyte"
    truncate(images, 0.9)
    no_number_from(images, lambda: _load(tmp_path), "truncated")
    images.write_bytes(images.read_bytes()[:10])  # inside the header
    no_number_from(images, lambda: _load(tmp_path), "header")
    images.write_bytes(b"\x00\x00\x0d\x03" + bytes(100))  # flipped magic
    no_number_from(images, lambda: _load(tmp_path), "not an IDX")
    # gzipped files: truncated (EOFError in gzip) and not gzip at all (BadGzipFile)
    fabricate_gz = _raw(tmp_path) / "train-images-idx3-ubyte.gz"
    images.unlink()
    fabricate_gz.write_bytes(gzip.compress(bytes(16 + 60 * 784)))
    truncate(fabricate_gz)
    no_number_from(fabricate_gz, lambda: _load(tmp_path), "gzip")
    fabricate_gz.write_bytes(b"this is not gzip data at all")
    no_number_from(fabricate_gz, lambda: _load(tmp_path), "gzip")


def test_swapped_images_and_labels_are_named(tmp_path, fabricate):
    fabricate.mnist(tmp_path)
    raw = _raw(tmp_path)
    images, labels = raw / "train-images-idx3-ubyte", raw / "train-labels-idx1-ubyte"
    a, b = images.read_bytes(), labels.read_bytes()
    images.write_bytes(b)
    labels.write_bytes(a)
    no_number_from(images, lambda: _load(tmp_path), "swapped")
    # labels of another split: the counts differ, and the labels file is named
    images.write_bytes(a)
    labels.write_bytes((raw / "t10k-labels-idx1-ubyte").read_bytes())
    no_number_from(labels, lambda: _load(tmp_path), "labels")


def test_damaged_cifar_batches_are_named(tmp_path, fabricate):
    fabricate.cifar(tmp_path, "cifar10")
    batch = tmp_path / "cifar-10-batches-py" / "test_batch"
    good = batch.read_bytes()
    load = lambda: vog.datasets.cifar(tmp_path, train=False)  # noqa: E731
    truncate(batch)  # "pickle data was truncated"
    no_number_from(batch, load, "truncated or corrupt")
    batch.write_bytes(b"\x07garbage" + good[10:])  # "invalid load key"
    no_number_from(batch, load, "truncated or corrupt")
    batch.write_bytes(pickle.dumps({"data": np.zeros((2, 3072), np.uint8)}))  # no labels
    no_number_from(batch, load, "'labels'")
    batch.write_bytes(pickle.dumps({"data": np.zeros((2, 3072), np.uint8), "labels": [1]}))
    no_number_from(batch, load, "labels of shape")


def test_damaged_mnist_c_files_are_named(tmp_path):
    x, y = torch.rand(5, 1, 28, 28), torch.arange(5)
    folder = vog.datasets.write_mnist_c(tmp_path, "fog", x, y)
    img, lab = folder / "test_images.npy", folder / "test_labels.npy"
    load = lambda: vog.datasets.mnist_c(tmp_path, "fog")  # noqa: E731
    assert load()[0].shape == (5, 1, 28, 28)
    truncate(img)
    no_number_from(img, load, ".npy")
    img.write_bytes(b"\x93NUMPY garbage header")
    no_number_from(img, load, ".npy")
    vog.datasets.write_mnist_c(tmp_path, "fog", x, y)
    shutil.copy(img, lab)  # images where the labels belong
    no_number_from(lab, load, "labels")


def test_a_corrupt_fashion_mnist_gz_does_not_pass_as_verified(tmp_path):
    raw = tmp_path / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (raw / "train-images-idx3-ubyte.gz").write_bytes(b"broken")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not vog.datasets.idx_sets.verified(raw, "fashion_mnist")
    no_number_from(
        raw / "train-images-idx3-ubyte.gz",
        lambda: vog.datasets.fashion_mnist(tmp_path, source="disk"),
        "gzip",
    )
