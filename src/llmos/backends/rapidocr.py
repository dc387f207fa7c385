"""OCR with RapidOCR 3 (PP-OCRv6 detection and recognition ONNX models inside the wheel)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from llmos.errors import MissingExtra, install_extra


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    polygon: tuple[tuple[float, float], ...]  # four corners, clockwise from top left


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
        result = self._engine(np.ascontiguousarray(rgb[:, :, ::-1]))  # it expects BGR arrays
        if not result.txts:
            return []
        return [
            OcrLine(text, float(score), tuple((float(x), float(y)) for x, y in box))
            for text, score, box in zip(result.txts, result.scores, result.boxes, strict=True)
        ]

    def close(self) -> None:
        self._engine = None
