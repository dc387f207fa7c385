"""Turning uploaded bytes into an RGB pixel array, refusing what is not a safe, whole image."""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from llmos.errors import InvalidRequest, MissingExtra, install_extra

# The one gate every image passes (uploads, chat parts, files, PDF pages, video frames), before
# a pixel is decoded: what a request may cost in memory and CPU is bounded here.
MAX_PIXELS = 40_000_000  # 40 megapixels: 120 MB as RGB, up to 560 MB while decoded
MAX_SIDE = 16_384  # pixels, either side
MIN_SIDE = 8  # pixels: smaller shows nothing the experts could see
MAX_ASPECT = 50  # longer side / shorter side: past that it is a strip, not a picture
_ORIENTATION = 0x0112  # the EXIF tag
_DATA_URI = re.compile(r"data:(?P<type>[\w/+.-]*)(?P<params>(;[\w=.+-]+)*),(?P<data>.*)", re.S)


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # height x width x 3, uint8
    taken_at: str | None = None
    gps: tuple[float, float] | None = None


def check_dimensions(width: int, height: int, name: str = "the image") -> None:
    """Refuse, with a 400 that says what to change, an image llmos will not decode."""
    size = f"{width}x{height} pixels"
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise InvalidRequest(
            f"{name} is {size}; llmos reads images up to {MAX_PIXELS // 1_000_000} megapixels "
            f"and {MAX_SIDE} pixels a side. Resize it and try again."
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise InvalidRequest(
            f"{name} is {size}, a strip longer than {MAX_ASPECT}:1; llmos reads pictures up "
            "to that aspect ratio. Crop it into parts (or pad it) and send those."
        )
    if min(width, height) < MIN_SIDE:
        raise InvalidRequest(
            f"{name} is {size}: too small to see (at least {MIN_SIDE} pixels a side)."
        )


# Measured: a 40-megapixel RGB PNG peaked at 382 MiB while decoded (10 bytes a pixel: Pillow's
# image, 4; its bytes, 3; the array, 3); converting another mode to RGB keeps the original's 4.
DECODE_BYTES_PER_PIXEL = 14


def decoded_bytes(width: int, height: int) -> int:
    """Memory decoding an image of this size takes at its peak."""
    return DECODE_BYTES_PER_PIXEL * width * height


def image_size(data: bytes, name: str = "the image") -> tuple[int, int]:
    """(width, height) read from the header alone, checked by :func:`check_dimensions`."""
    with _opened(data, name) as image:
        width, height = image.size
    check_dimensions(width, height, name)
    return width, height


def decode_image(data: bytes, *, name: str = "the image") -> DecodedImage:
    """Decode PNG, JPEG, WebP, GIF (first frame), BMP or TIFF bytes, turned upright by EXIF."""
    with _opened(data, name) as image:  # without Pillow, the vision extra's 501
        from PIL import ImageOps

        check_dimensions(*image.size, name)  # before a pixel is decoded
        try:
            image.load()
            exif = image.getexif()
            if exif.get(_ORIENTATION, 1) != 1:
                ImageOps.exif_transpose(image, in_place=True)
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                image = _on_white(image)  # as a page shows it: transparent is not black
            elif image.mode != "RGB":
                image = image.convert("RGB")
            # one copy of the pixels out of Pillow (np.asarray would keep the image alive too)
            pixels = image.tobytes()
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise InvalidRequest(f"{name} is damaged or cut short: {error}") from None
        shape = (image.height, image.width, 3)
    rgb = np.frombuffer(pixels, np.uint8).reshape(shape)
    return DecodedImage(rgb, taken_at=_taken_at(exif), gps=_gps(exif))


# what llama.cpp's stb_image reads as it is: PNG and baseline/progressive JPEG in these modes
STB_READS = {
    "PNG": ("image/png", {"1", "L", "LA", "P", "RGB", "RGBA"}),
    "JPEG": ("image/jpeg", {"L", "RGB"}),
}


def as_data_uri(data: bytes, *, name: str = "the image") -> str:
    """The picture as a data URI a vision projector in llama.cpp reads: a PNG or JPEG that its
    stb_image reads as it is; any other (WebP, TIFF, BMP, GIF, CMYK JPEG, 16-bit PNG) decoded,
    checked and sent as PNG."""
    import base64

    with _opened(data, name) as image:
        mime, modes = STB_READS.get(image.format or "", (None, set()))
        mime = mime if image.mode in modes else None
    image_size(data, name)  # a bomb is refused before any pixel is decoded
    if mime is None:
        from PIL import Image

        out = io.BytesIO()
        Image.fromarray(decode_image(data, name=name).rgb).save(out, "PNG")
        data, mime = out.getvalue(), "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _on_white(image: Any) -> Any:
    """A picture with transparency flattened onto white."""
    from PIL import Image

    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


@contextmanager
def _opened(data: bytes, name: str) -> Iterator[Any]:
    """The image's header, opened by Pillow; what is not an image is a 400."""
    Image = _pillow()
    if not data:
        raise InvalidRequest(f"{name} is empty (0 bytes). Send an image file.")
    try:
        image = Image.open(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        if isinstance(error, Image.UnidentifiedImageError):
            message = f"{name} is not an image llmos can read (PNG, JPEG, WebP, GIF, BMP or TIFF)."
        else:
            message = f"{name} is damaged or cut short: {error}"
        raise InvalidRequest(message) from None
    with image:
        yield image


def _pillow():
    try:
        from PIL import Image
    except ImportError as error:
        raise MissingExtra("Pillow", install=install_extra("vision")) from error
    if Image.MAX_IMAGE_PIXELS is not None:
        # llmos checks every image's size itself, before decoding (check_dimensions), rather
        # than through Pillow's bomb warning, which only a process-wide, not thread-safe,
        # warnings filter catches; the images llmos opens all pass that check first
        Image.MAX_IMAGE_PIXELS = None
    return Image


def looks_like_image(data: bytes) -> bool:
    """Whether the bytes start like an image format llmos decodes (headers only)."""
    Image = _pillow()
    try:
        with Image.open(io.BytesIO(data)):
            return True
    except (OSError, SyntaxError, ValueError, EOFError):
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
