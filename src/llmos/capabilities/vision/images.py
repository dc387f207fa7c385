"""Turning uploaded bytes into an RGB pixel array, refusing what is not a safe, whole image."""

from __future__ import annotations

import base64
import binascii
import io
import re
import warnings
from dataclasses import dataclass

import numpy as np

from llmos.errors import InvalidRequest

MAX_PIXELS = 40_000_000  # 40 megapixels: larger declared sizes are refused before decoding
_DATA_URI = re.compile(r"data:(?P<type>[\w/+.-]*)(?P<params>(;[\w=.+-]+)*),(?P<data>.*)", re.S)


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # height x width x 3, uint8
    taken_at: str | None = None
    gps: tuple[float, float] | None = None


def decode_image(data: bytes, *, name: str = "the image") -> DecodedImage:
    """Decode PNG, JPEG, WebP, GIF (first frame), BMP or TIFF bytes, turned upright by EXIF."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise InvalidRequest(f"{name} is empty (0 bytes). Send an image file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise InvalidRequest(
                    f"{name} declares {width}x{height} pixels; llmos reads images up to "
                    f"{MAX_PIXELS // 1_000_000} megapixels. Resize it and try again."
                )
            image.load()
            exif = image.getexif()
            image = ImageOps.exif_transpose(image).convert("RGB")
    except InvalidRequest:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidRequest(
            f"{name} declares more pixels than llmos reads ({MAX_PIXELS // 1_000_000} "
            "megapixels at most). Resize it and try again."
        ) from None
    except UnidentifiedImageError:
        raise InvalidRequest(
            f"{name} is not an image llmos can read (PNG, JPEG, WebP, GIF, BMP or TIFF)."
        ) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise InvalidRequest(f"{name} is damaged or cut short: {error}") from None
    if min(image.size) < 8:
        raise InvalidRequest(f"{name} is {image.width}x{image.height} pixels: too small to see.")
    return DecodedImage(np.asarray(image), taken_at=_taken_at(exif), gps=_gps(exif))


def looks_like_image(data: bytes) -> bool:
    """Whether the bytes start like an image format llmos decodes (headers only)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)):
            return True
    except Image.DecompressionBombError:
        return True  # an image, and decode_image will refuse it with the reason
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False


def bytes_of_data_uri(uri: str) -> bytes:
    """The bytes of a ``data:image/...;base64,...`` URI."""
    match = _DATA_URI.fullmatch(uri.strip())
    if match is None or ";base64" not in match["params"]:
        raise InvalidRequest("An image data URI must look like data:image/png;base64,<data>.")
    if match["type"] and not match["type"].startswith("image/"):
        raise InvalidRequest(f"The data URI holds {match['type']!r}, not an image.")
    try:
        return base64.b64decode(match["data"], validate=False)
    except (binascii.Error, ValueError):
        raise InvalidRequest("The image data URI is not valid base64.") from None


def _taken_at(exif) -> str | None:
    value = exif.get_ifd(0x8769).get(0x9003) or exif.get(0x0132)  # DateTimeOriginal, DateTime
    return str(value).strip() or None if value else None


def _gps(exif) -> tuple[float, float] | None:
    gps = exif.get_ifd(0x8825)
    try:
        lat = _degrees(gps[2]) * (-1 if gps.get(1) == "S" else 1)
        lon = _degrees(gps[4]) * (-1 if gps.get(3) == "W" else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return round(lat, 6), round(lon, 6)


def _degrees(parts) -> float:
    d, m, s = (float(p) for p in parts)
    return d + m / 60 + s / 3600
