"""OCR with RapidOCR 3 (PP-OCRv6 detection and recognition ONNX models inside the wheel)."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from llmos.backends.opencv import opencv
from llmos.errors import MissingExtra, install_extra


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    polygon: tuple[tuple[float, float], ...]  # four corners, clockwise from top left


# RapidOCR shrinks an image to 2000 pixels on its long side, then scales the short side up to 736
# for detection, so a strip cost the square of its aspect ratio: a 2000x8 image became
# 184000x736 and took 10 GiB. llmos shrinks it first, then pads a strip to at most this aspect
# ratio (with its own border colour, so the text stays where it was and no edges appear):
# detection never sees more than about 2200x736 pixels, nor the padding more than 2000x667.
MAX_OCR_ASPECT = 3
MAX_OCR_SIDE = 2000  # RapidOCR's own max_side_len


def ocr_input(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """``rgb`` shrunk to at most MAX_OCR_SIDE on its long side and padded at the bottom or right
    to at most MAX_OCR_ASPECT:1, and the scale that maps its coordinates back to ``rgb``'s."""
    height, width = rgb.shape[:2]
    scale = min(1.0, MAX_OCR_SIDE / max(height, width))
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        cv2 = opencv()
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        height, width = rgb.shape[:2]
    if max(height, width) <= MAX_OCR_ASPECT * min(height, width):
        return rgb, scale
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
    if height > width:  # tall: widen it
        shape = (height, math.ceil(height / MAX_OCR_ASPECT))
    else:  # wide: make it taller
        shape = (math.ceil(width / MAX_OCR_ASPECT), width)
    padded = np.empty((*shape, 3), dtype=np.uint8)
    padded[:] = np.median(border, axis=0).astype(np.uint8)
    padded[:height, :width] = rgb
    return padded, scale


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
        image, scale = ocr_input(rgb)
        result = self._engine(np.ascontiguousarray(image[:, :, ::-1]))  # it expects BGR arrays
        if not result.txts:
            return []
        return [
            OcrLine(text, float(score), tuple((float(x) / scale, float(y) / scale) for x, y in box))
            for text, score, box in zip(result.txts, result.scores, result.boxes, strict=True)
        ]

    def close(self) -> None:
        self._engine = None
