"""Frontal faces with OpenCV's Haar cascade (BSD-3, inside opencv-python-headless < 5)."""

from __future__ import annotations

import os

import numpy as np

from llmos.backends.opencv import opencv
from llmos.errors import ModelLoadFailed


class HaarFaces:
    def __init__(self, *, threads: int) -> None:
        cv2 = opencv(threads=threads)
        path = os.path.join(cv2.data.haarcascades, "haarcascade_frontalface_default.xml")
        self._cv2 = cv2
        self._cascade = cv2.CascadeClassifier(path)
        if self._cascade.empty():
            raise ModelLoadFailed(f"OpenCV could not read its face cascade {path}.")

    def faces(self, rgb: np.ndarray) -> list[tuple[int, int, int, int]]:
        cv2 = self._cv2
        gray = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        found = self._cascade.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24)
        )
        return [tuple(int(v) for v in box) for box in found]

    def close(self) -> None:
        self._cascade = None
