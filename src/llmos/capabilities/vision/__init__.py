"""Seeing without a vision-language model: expert models find facts, the LLM words them."""

from llmos.capabilities.vision.experts import (
    CAPABILITIES,
    EFFICIENTNET_LITE0,
    HAAR_FACES,
    RAPIDOCR,
    YOLOV3_TINY,
)
from llmos.capabilities.vision.images import DecodedImage, bytes_of_data_uri, decode_image
from llmos.capabilities.vision.types import (
    Answer,
    Box,
    Caption,
    DetectedObject,
    Label,
    Photo,
    TextLine,
    VisualFacts,
)

__all__ = [
    "CAPABILITIES",
    "EFFICIENTNET_LITE0",
    "HAAR_FACES",
    "RAPIDOCR",
    "YOLOV3_TINY",
    "Answer",
    "Box",
    "Caption",
    "DecodedImage",
    "DetectedObject",
    "Label",
    "Photo",
    "TextLine",
    "VisualFacts",
    "bytes_of_data_uri",
    "decode_image",
]
