"""An annotated copy of an image: detected boxes with their labels."""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np

from llmos.capabilities.vision.types import DetectedObject

_PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
)


def annotated_png(rgb: np.ndarray, objects: Sequence[DetectedObject]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.fromarray(rgb)
    draw = ImageDraw.Draw(image)
    width = max(2, round(min(image.size) / 200))
    kinds = sorted({o.label for o in objects})
    for found in objects:
        colour = _PALETTE[kinds.index(found.label) % len(_PALETTE)]
        b = found.box
        draw.rectangle((b.x, b.y, b.x + b.width, b.y + b.height), outline=colour, width=width)
        tag = f"{found.label} {found.score:.2f}"
        left, top, right, bottom = draw.textbbox((b.x, b.y), tag)
        draw.rectangle((left - 2, top - 2, right + 2, bottom + 2), fill=colour)
        draw.text((b.x, b.y), tag, fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()
