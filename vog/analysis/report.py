"""A self-contained HTML audit gallery: the lowest and highest VoG examples of every class."""

from __future__ import annotations

import base64
import html
import io
import os
from pathlib import Path

import numpy as np
import torch

from ..atomic import atomic_write
from ..scoring import VoGResult
from .metrics import ranked

__all__ = ["write_report"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}
.row{display:flex;flex-wrap:wrap;gap:6px;margin:.3rem 0 1rem}
figure{margin:0;width:96px;font-size:11px;text-align:center}
figure img{width:96px;height:96px;image-rendering:pixelated;border:2px solid #ccc}
figure.wrong img{border-color:#d33}
"""


def _png(image: torch.Tensor) -> str:
    from PIL import Image

    x = image.detach().cpu().float().clamp(0, 1)
    arr = (x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    if arr.shape[2] == 1:
        arr = arr[:, :, 0]
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def write_report(
    result: VoGResult,
    images: torch.Tensor,
    path: str | os.PathLike,
    *,
    k: int = 10,
    class_names: list[str] | None = None,
    title: str = "VoG audit",
) -> Path:
    """Write an HTML page with the ``k`` lowest and highest normalised-VoG examples per class.

    Parameters
    ----------
    result : VoGResult
        Scores of N examples (e.g. from :func:`vog.compute_vog` or :func:`vog.read_scores`).
    images : Tensor, shape (N, C, H, W), in [0, 1]
        The examples, in the order of ``result``.
    path : path
        Output file; written atomically. Images are embedded, so the page stands alone.
    k : int, keyword-only
        Examples per end of the ranking and class.
    class_names : list of str, optional, keyword-only
        Names for the class indices.

    Each thumbnail is captioned with the example index, label, prediction and
    normalised VoG; misclassified examples have a red border.
    """
    n = len(result.raw)
    if images.dim() != 4 or len(images) != n:
        raise ValueError(f"images must have shape (N={n}, C, H, W), got {tuple(images.shape)}")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")

    def name(c: int) -> str:
        return class_names[c] if class_names and c < len(class_names) else str(c)

    def figure(i: int) -> str:
        y, p = int(result.labels[i]), int(result.predictions[i])
        cls = " class='wrong'" if y != p else ""
        cap = html.escape(f"#{i} {name(y)}→{name(p)} z={float(result.normalized[i]):.2f}")
        return (
            f"<figure{cls}><img alt='example {i}' src='data:image/png;base64,"
            f"{_png(images[i])}'><figcaption>{cap}</figcaption></figure>"
        )

    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        f"<p>{n} examples; per class the {k} lowest and {k} highest class-normalised VoG "
        "(higher = harder). Red border: misclassified.</p>",
    ]
    for c in sorted(set(result.scored_labels.tolist())):
        r = ranked(result.normalized, k=k, among=(result.scored_labels == c).numpy())
        parts.append(f"<h2>class {html.escape(name(c))}</h2>")
        for label, idx in (("lowest VoG", r["lowest"]), ("highest VoG", r["highest"])):
            parts.append(f"<h3>{label}</h3><div class='row'>")
            parts.extend(figure(int(i)) for i in idx)
            parts.append("</div>")
    parts.append("</body></html>")
    text = "".join(parts)
    return atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
