"""The audit review page: one self-contained HTML file to walk and decide the highest-VoG examples.

The paper's purpose is "surfacing a tractable subset of the most challenging
examples for human-in-the-loop auditing". :func:`write_report` writes that
subset as a page an auditor works through: per class, the ``k`` highest
class-normalised VoG examples (the image, the row or the text; label,
prediction and scores), each marked **keep**, **relabel** (to which class),
**remove** or **out of distribution** with the mouse or the keyboard
(shown on the page). Decisions survive reloads (the browser's
``localStorage``, keyed by the scores' fingerprint) and are exported as CSV
or JSON, which ``vog apply`` (:mod:`vog.analysis.review`) turns into a new
label file or index list. Each class also shows its ``k`` lowest-VoG
examples, the typical ones, for comparison.

The page embeds its images, style and script: no server, no network.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_write
from ..scoring import VoGResult
from ._review_assets import SCRIPT, STYLE
from .metrics import ranked
from .review import DECISIONS, scores_fingerprint

__all__ = ["write_report"]

#: Features shown per row of tabular data.
MAX_FEATURES = 24
_BUTTONS = (("keep", "k"), ("remove", "x"), ("ood", "o"), ("clear", "u"))


def _png(image: torch.Tensor) -> str:
    """A (C, H, W) image as base64 PNG; values outside [0, 1] are min-max scaled."""
    from PIL import Image

    x = image.detach().cpu().float()
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        x = (x - lo) / (hi - lo) if hi > lo else torch.zeros_like(x)
    arr = (x.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    elif arr.shape[2] not in (3, 4):
        arr = arr.mean(axis=2).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _examples(examples, n: int):
    """``(kind, data)``: ``("image", (N, C, H, W))``, ``("row", (N, D))`` or ``("text", list)``."""
    if isinstance(examples, Sequence) and examples and isinstance(examples[0], str):
        if len(examples) != n:
            raise ValueError(f"texts must be {n} strings (one per score), got {len(examples)}")
        return "text", list(examples)
    x = examples if torch.is_tensor(examples) else torch.as_tensor(np.asarray(examples))
    if x.dim() == 3:
        x = x.unsqueeze(1)
    if x.dim() == 4:
        if len(x) != n:
            raise ValueError(f"images must have shape (N={n}, C, H, W), got {tuple(x.shape)}")
        return "image", x
    if x.dim() == 2 and len(x) == n:
        return "row", x
    raise ValueError(
        f"examples must be images (N={n}, C, H, W), rows (N={n}, D) or {n} texts; "
        f"got shape {tuple(x.shape)}"
    )


def write_report(
    result: VoGResult,
    images,
    path: str | os.PathLike,
    *,
    k: int = 10,
    class_names: list[str] | None = None,
    title: str = "VoG audit",
    scores: Mapping[str, object] | None = None,
    feature_names: list[str] | None = None,
) -> Path:
    """Write the review page of the ``k`` highest (and lowest) normalised-VoG examples per class.

    Parameters
    ----------
    result : VoGResult
        Scores of N examples (e.g. from :func:`vog.compute_vog` or :func:`vog.read_scores`).
    images : Tensor (N, C, H, W) or (N, H, W); array (N, D); or N strings
        The examples in the order of ``result``: images (values outside [0, 1]
        are scaled per image), rows of tabular features, or texts.
    path : path
        Output file, written atomically; images, style and script are embedded.
    k : int, keyword-only
        Examples per class to review (the highest VoG) and to compare with (the lowest).
    class_names : list of str, optional, keyword-only
        Names of the class indices (also the relabel choices).
    title : str, keyword-only
    scores : mapping name -> (N,) values, optional, keyword-only
        More per-example scores shown on each card (e.g. training dynamics).
    feature_names : list of str, optional, keyword-only
        Column names of tabular rows.

    Each card shows the example index, label -> prediction (red when they
    differ), raw and class-normalised VoG and the extra ``scores``.
    """
    n = len(result.raw)
    kind, data = _examples(images, n)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    extra = {
        str(name): np.asarray(v, dtype=float).reshape(-1) for name, v in (scores or {}).items()
    }
    for name, v in extra.items():
        if len(v) != n:
            raise ValueError(f"score {name!r} has {len(v)} values, the result {n}")
    n_classes = max(
        int(result.labels.max()) + 1,
        int(result.predictions.max()) + 1,
        len(class_names or []),
    )
    names = [
        class_names[c] if class_names and c < len(class_names) else str(c) for c in range(n_classes)
    ]
    labels, preds = result.labels.tolist(), result.predictions.tolist()
    z, raw = result.normalized.tolist(), result.raw.tolist()

    def body(i: int, big: bool) -> str:
        if kind == "image":
            alt = f"example {i}"
            return f"<img alt='{alt}' src='data:image/png;base64,{_png(data[i])}'>"
        if kind == "text":
            return f"<div class='text'>{html.escape(data[i])}</div>"
        row = data[i].tolist()
        cols = feature_names or [f"x{j}" for j in range(len(row))]
        cells = "".join(
            f"<tr><td>{html.escape(str(cols[j]))}</td><td>{row[j]:.4g}</td></tr>"
            for j in range(min(len(row), MAX_FEATURES if big else 6))
        )
        more = len(row) - (MAX_FEATURES if big else 6)
        tail = f"<tr><td colspan=2>… {more} more</td></tr>" if more > 0 else ""
        return f"<table>{cells}{tail}</table>"

    def caption(i: int) -> str:
        return html.escape(f"#{i} {names[labels[i]]}→{names[preds[i]]} z={z[i]:.2f}")

    def figure(i: int) -> str:
        wrong = " class='wrong'" if labels[i] != preds[i] else ""
        return f"<figure{wrong}>{body(i, False)}<figcaption>{caption(i)}</figcaption></figure>"

    def card(i: int) -> str:
        wrong = " wrong" if labels[i] != preds[i] else ""
        info = [f"VoG {raw[i]:.4g}", f"class-normalised {z[i]:.2f}"]
        info += [f"{html.escape(name)} {v[i]:.3g}" for name, v in extra.items()]
        buttons = "".join(
            f"<button type='button' data-decision='{d}' title='{d} ({key})'>"
            f"{'OOD' if d == 'ood' else d}</button>"
            for d, key in _BUTTONS
        )
        options = "".join(
            f"<option value='{c}'>{c}: {html.escape(names[c])}</option>"
            for c in range(n_classes)
            if c != labels[i]
        )
        return (
            f"<article class='card{wrong}' tabindex='0' data-index='{i}' "
            f"data-label='{labels[i]}'>{body(i, True)}"
            f"<div class='caption'>{caption(i)}</div>"
            f"<div class='scores'>{' · '.join(info)}</div>"
            f"<div class='actions'>{buttons}<select aria-label='relabel example {i} as'>"
            f"<option value=''>relabel as… (r)</option>{options}</select></div>"
            f"<div class='state'></div></article>"
        )

    queue: dict[int, list[int]] = {}
    sections = []
    for c in sorted(set(result.scored_labels.tolist())):
        r = ranked(result.normalized, k=k, among=(result.scored_labels == c).numpy())
        queue[c] = [int(i) for i in r["highest"]]
        sections.append(
            f"<section data-class='{c}'><h2>class {html.escape(names[c])}</h2>"
            f"<h3>highest VoG: review these</h3><div class='row'>"
            + "".join(card(i) for i in queue[c])
            + "</div><details><summary>lowest VoG of this class (typical examples, for "
            "comparison)</summary><div class='row'>"
            + "".join(figure(int(i)) for i in r["lowest"])
            + "</div></details></section>"
        )
    reviewed = sorted({i for idx in queue.values() for i in idx})
    meta = {
        "title": title,
        "scores_sha256": scores_fingerprint(result),
        "n_examples": n,
        "classes": names,
        "decisions": list(DECISIONS),
        "examples": {
            str(i): {"label": labels[i], "prediction": preds[i], "z": round(z[i], 6)}
            for i in reviewed
        },
    }
    keys = (
        "<kbd>→</kbd>/<kbd>j</kbd> next, <kbd>←</kbd>/<kbd>p</kbd> previous, "
        "<kbd>k</kbd> keep, <kbd>x</kbd> remove, <kbd>o</kbd> out of distribution, "
        "<kbd>r</kbd> relabel (choose the class, <kbd>Enter</kbd>)"
        + (", <kbd>0</kbd>–<kbd>9</kbd> relabel as that class" if n_classes <= 10 else "")
        + ", <kbd>u</kbd> undo"
    )
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><header><h1>{html.escape(title)}</h1>"
        f"<p>{n} examples; per class the {k} highest class-normalised VoG to review "
        f"({len(reviewed)} in all; higher = harder; red caption: misclassified). "
        "Decisions are kept in this browser and survive reloads; export them for "
        "<code>vog apply</code>.</p><div class='tools'>"
        "<button type='button' id='vog-export-csv'>Export CSV</button>"
        "<button type='button' id='vog-export-json'>Export JSON</button>"
        "<button type='button' id='vog-clear'>Forget all decisions</button> "
        f"<span id='vog-progress'></span></div><p class='help'>Keys: {keys}.</p></header>",
        *sections,
        "<script type='application/json' id='vog-meta'>"
        + json.dumps(meta).replace("</", "<\\/")
        + "</script>",
        f"<script>{SCRIPT}</script></body></html>",
    ]
    text = "".join(parts)

    def write(p: Path) -> None:
        p.write_text(text, encoding="utf-8")

    return atomic_write(path, write)
