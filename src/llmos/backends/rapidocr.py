"""OCR with RapidOCR 3 (PP-OCRv6 detection and recognition ONNX models inside the wheel)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from llmos.errors import MissingExtra, install_extra


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    polygon: tuple[tuple[float, float], ...]  # four corners, clockwise from top left


# RapidOCR scales an image's short side up to 736 pixels for detection, so a strip costs the
# square of its aspect ratio: a 2000x8 image became 184000x736 and took 10 GiB. A strip is padded
# to at most this aspect ratio instead (with its own border colour, so the text stays where it
# was and no new edges appear): detection then never sees more than about 2200x736 pixels.
MAX_OCR_ASPECT = 3


def squarish(rgb: np.ndarray) -> np.ndarray:
    """``rgb``, padded at the bottom or right to at most MAX_OCR_ASPECT:1."""
    height, width = rgb.shape[:2]
    if max(height, width) <= MAX_OCR_ASPECT * min(height, width):
        return rgb
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    fill = np.median(border, axis=0).astype(np.uint8)
    if height > width:  # tall: widen it
        shape = (height, math.ceil(height / MAX_OCR_ASPECT))
    else:  # wide: make it taller
        shape = (math.ceil(width / MAX_OCR_ASPECT), width)
    padded = np.empty((*shape, 3), dtype=np.uint8)
    padded[:] = fill
    padded[:height, :width] = rgb
    return padded


class RapidOcr:
    def __init__(self, *, threads: int) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as error:
            raise MissingExtra(error.name or "rapidocr", install=install_extra("vision")) from error
        params = {
            "Global.log_level": "error",
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        self._engine = RapidOCR(params=params)
        logging.getLogger("RapidOCR").setLevel(logging.ERROR)  # "no text found" is no warning

    def read(self, rgb: np.ndarray) -> list[OcrLine]:
        bgr = np.ascontiguousarray(squarish(rgb)[:, :, ::-1])  # it expects BGR arrays
        result = self._engine(bgr)
        if not result.txts:
            return []
        return [
            OcrLine(text, float(score), tuple((float(x), float(y)) for x, y in box))
            for text, score, box in zip(result.txts, result.scores, result.boxes, strict=True)
        ]

    def close(self) -> None:
        self._engine = None
