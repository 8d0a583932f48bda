"""Tabular loaders: the facts of each set, the UCI path on fabricated files, integrity errors."""

from __future__ import annotations

import dataclasses
import io

import numpy as np
import pytest
import torch

from vog.datasets import tabular as tab

DEBIAN = tab.MLBENCH_DIR.is_dir()
needs_debian = pytest.mark.skipif(
    not DEBIAN, reason="needs the Debian package r-cran-mlbench (.ci/run installs it)"
)


@needs_debian
@pytest.mark.parametrize(
    ("name", "n_train", "n_test", "d", "train_counts"),
    [
        # UCI letter-recognition.names: 20,000 rows, first 16,000 for training
        ("letter", 16000, 4000, 16, None),
        # UCI sat.doc: sat.trn class counts 1072, 479, 961, 415, 470, 1038 (codes 1-5, 7)
        ("satellite", 4435, 2000, 36, [1072, 479, 961, 415, 470, 1038]),
    ],
)
def test_uci_sets_from_debian_match_the_documented_facts(name, n_train, n_test, d, train_counts):
    xtr, ytr = tab.load_tabular(name, train=True)
    xte, yte = tab.load_tabular(name, train=False)
    assert xtr.shape == (n_train, d) and xte.shape == (n_test, d)
    assert xtr.dtype == torch.float32 and ytr.dtype == torch.int64
    counts = torch.bincount(torch.cat([ytr, yte]), minlength=len(tab.TABLES[name].classes))
    assert counts.tolist() == list(tab.TABLES[name].class_counts)
    if train_counts is not None:
        assert torch.bincount(ytr).tolist() == train_counts
    if name == "letter":  # UCI's documented counts: A 789, ..., U 813 (the largest), Z 734
        assert counts[0] == 789 and counts.argmax() == tab.TABLES[name].classes.index("U")
        # letter-recognition.data line 1: T,2,8,3,5,1,8,13,0,6,6,10,8,0,8,0,8
        assert tab.TABLES[name].classes[int(ytr[0])] == "T"
        assert xtr[0].tolist() == [2, 8, 3, 5, 1, 8, 13, 0, 6, 6, 10, 8, 0, 8, 0, 8]
        assert xtr.min() >= 0 and xtr.max() <= 15  # integer features scaled to 0..15


@pytest.mark.parametrize(
    ("name", "n", "d", "counts"),
    [("breast_cancer", 569, 30, [212, 357]), ("wine", 178, 13, [59, 71, 48])],
)
def test_sklearn_sets_facts_and_stratified_split(name, n, d, counts):
    xtr, ytr = tab.load_tabular(name, train=True)
    xte, yte = tab.load_tabular(name, train=False)
    assert xtr.shape[1] == xte.shape[1] == d and len(ytr) + len(yte) == n
    assert torch.bincount(torch.cat([ytr, yte])).tolist() == counts
    assert abs(len(yte) / n - 0.25) < 0.01
    again = tab.load_tabular(name, train=False)
    assert torch.equal(again[0], xte)  # the split is fixed by the seed


def _fake_table(monkeypatch, name, x, y):
    """Replace ``name``'s facts by those of a fabricated table (x, y)."""
    t = tab.TABLES[name]
    counts = tuple(np.bincount(y, minlength=len(t.classes)).tolist())
    fake = dataclasses.replace(
        t, n=len(y), d=x.shape[1], class_counts=counts, n_train=len(y) - 5,
        content=tab.content_sha256(x, y),
    )  # fmt: skip
    monkeypatch.setitem(tab.TABLES, name, fake)


def _letter_file(x, y) -> str:
    classes = tab.TABLES["letter"].classes
    return "".join(
        ",".join([classes[c], *map(str, row.astype(int))]) + "\n"
        for row, c in zip(x, y, strict=True)
    )


def test_letter_from_uci_files_fabricated_in_the_real_format(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 16, size=(30, 16)).astype(float), rng.integers(0, 26, size=30)
    _fake_table(monkeypatch, "letter", x, y)
    folder = tmp_path / "uci" / "letter"
    folder.mkdir(parents=True)
    (folder / "letter-recognition.data").write_text(_letter_file(x, y))
    xtr, ytr = tab.load_tabular("letter", tmp_path, source="disk", train=True)
    xte, yte = tab.load_tabular("letter", tmp_path, source="disk", train=False)
    assert torch.equal(torch.cat([xtr, xte]), torch.as_tensor(x, dtype=torch.float32))
    assert torch.equal(torch.cat([ytr, yte]), torch.as_tensor(y))


def test_satellite_download_path_writes_and_reads_the_uci_files(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    x, y = rng.integers(20, 160, size=(12, 36)).astype(float), np.arange(12) % 6
    _fake_table(monkeypatch, "satellite", x, y)
    code = {v: k for k, v in tab._SAT_CODES.items()}  # label -> UCI class code (no 6)
    lines = [
        " ".join(map(str, [*row.astype(int), code[c]])) + "\n" for row, c in zip(x, y, strict=True)
    ]
    served = {"sat.trn": "".join(lines[:7]), "sat.tst": "".join(lines[7:])}
    asked = []

    def urlopen(url, timeout):
        asked.append(url)
        return io.BytesIO(served[url.rsplit("/", 1)[1]].encode())

    monkeypatch.setattr(tab.urllib.request, "urlopen", urlopen)
    xtr, ytr = tab.load_tabular("satellite", tmp_path, source="uci", train=True)
    assert [u.rsplit("/", 1)[1] for u in asked] == ["sat.trn", "sat.tst"]
    assert all(u.startswith(tab.TABLES["satellite"].uci_url) for u in asked)
    assert (tmp_path / "uci" / "satellite" / "sat.tst").read_text() == served["sat.tst"]
    assert torch.equal(ytr, torch.as_tensor(y[:7]))
    tab.load_tabular("satellite", tmp_path, source="uci", train=False)
    assert len(asked) == 2  # present files are not downloaded again


def test_a_changed_value_fails_the_content_check_naming_the_file(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    x, y = rng.integers(0, 16, size=(20, 16)).astype(float), rng.integers(0, 26, size=20)
    _fake_table(monkeypatch, "letter", x, y)
    x[3, 4] = (x[3, 4] + 1) % 16
    path = tmp_path / "uci" / "letter" / "letter-recognition.data"
    path.parent.mkdir(parents=True)
    path.write_text(_letter_file(x, y))
    with pytest.raises(ValueError, match=f"{path}.*SHA-256"):
        tab.load_tabular("letter", tmp_path, source="disk")
    path.write_text("T,1,2\n")
    with pytest.raises(ValueError, match=str(path)):
        tab.load_tabular("letter", tmp_path, source="disk")
    path.unlink()
    with pytest.raises(FileNotFoundError, match=str(path)):
        tab.load_tabular("letter", tmp_path, source="disk")


def test_a_damaged_rda_file_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(tab, "MLBENCH_DIR", tmp_path)
    with pytest.raises(FileNotFoundError, match=f"{tmp_path / 'Satellite.rda'}.*r-cran-mlbench"):
        tab.load_tabular("satellite")
    (tmp_path / "Satellite.rda").write_bytes(b"RDX3\n" + bytes(range(200)))
    with pytest.raises(ValueError, match=f"{tmp_path / 'Satellite.rda'} .fails its SHA-256"):
        tab.load_tabular("satellite")


@needs_debian
def test_uci_round_trip_equals_the_debian_table(tmp_path):
    (xtr, ytr), (xte, yte) = (tab.load_tabular("letter", train=s) for s in (True, False))
    x, y = torch.cat([xtr, xte]).numpy(), torch.cat([ytr, yte]).numpy()
    folder = tmp_path / "uci" / "letter"
    folder.mkdir(parents=True)
    (folder / "letter-recognition.data").write_text(_letter_file(x, y))
    assert torch.equal(tab.load_tabular("letter", tmp_path, source="disk", train=False)[0], xte)


def test_invalid_names_list_the_valid_ones():
    with pytest.raises(ValueError, match="letter"):
        tab.load_tabular("iris")
    with pytest.raises(ValueError, match="bundled"):
        tab.load_tabular("wine", source="debian")
    with pytest.raises(ValueError, match="gaussian"):
        tab.load_vector_ood("nope", like=torch.zeros(2, 3), n=2)


def test_standardize_uses_the_training_statistics():
    g = torch.Generator().manual_seed(0)
    train, test = torch.randn(200, 4, generator=g) * 5 + 3, torch.randn(50, 4, generator=g)
    train[:, 2] = 7.0  # a constant column is centred, not divided by 0
    ztr, zte = tab.standardize(train, test)
    assert torch.allclose(ztr.mean(0), torch.zeros(4), atol=1e-5)
    assert torch.allclose(ztr[:, [0, 1, 3]].std(0), torch.ones(3), atol=1e-5)
    assert torch.all(ztr[:, 2] == 0)
    mean, std = train.mean(0), train.std(0)
    assert torch.allclose(zte[:, 0], (test[:, 0] - mean[0]) / std[0])


def test_fit_width_cycles_columns_and_standardises_each():
    x = torch.arange(30.0).view(10, 3) ** 2
    wide = tab.fit_width(x, 7)
    assert wide.shape == (10, 7)
    assert torch.allclose(wide[:, 3], wide[:, 0]) and torch.allclose(wide[:, 6], wide[:, 0])
    assert torch.allclose(wide.mean(0), torch.zeros(7), atol=1e-5)
    assert tab.fit_width(x, 2).shape == (10, 2)
    noise = tab.load_vector_ood("gaussian", like=torch.zeros(1, 5), n=8, seed=3)
    assert noise.shape == (8, 5)
    assert torch.equal(noise, tab.load_vector_ood("gaussian", like=torch.zeros(1, 5), n=8, seed=3))
