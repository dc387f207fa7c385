"""The one image gate, the bound on what OCR is given, and audio decoding that refuses what is
not sound: each case once cost gigabytes, minutes of CPU, or a 500."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest

from llmos.backends.faster_whisper import decode_audio
from llmos.backends.rapidocr import MAX_OCR_ASPECT, ocr_input
from llmos.capabilities.vision.images import (
    MAX_ASPECT,
    check_dimensions,
    decode_image,
    image_size,
)
from llmos.capabilities.vision.pdf import RENDER_LONG_SIDE, read_page
from llmos.errors import InvalidRequest
from tests.documents import bare_page_pdf
from tests.media_corpus import wav as tone


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("width", "height", "words"),
    [
        (2000, 8, "a strip longer than"),  # 85 bytes that cost 2 GiB and 30 s in OCR
        (8, 2000, "a strip longer than"),
        (7000, 7000, "megapixels"),
        (20_000, 100, "pixels a side"),
        (4, 4, "too small to see"),
    ],
)
def test_the_image_gate_refuses_before_decoding(width, height, words):
    with pytest.raises(InvalidRequest, match=words):
        check_dimensions(width, height)
    data = png(width, height)
    with pytest.raises(InvalidRequest, match=words):
        image_size(data)
    with pytest.raises(InvalidRequest, match=words):
        decode_image(data)


def test_pictures_within_the_bounds_pass_the_gate():
    check_dimensions(MAX_ASPECT * 20, 20)
    assert image_size(png(640, 480)) == (640, 480)
    assert decode_image(png(1000, 40)).rgb.shape == (40, 1000, 3)


def test_a_declared_decompression_bomb_is_refused_from_its_header():
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (64, 64)).save(out, "PNG")
    data = bytearray(out.getvalue())
    struct.pack_into(">II", data, 16, 60_000, 60_000)  # IHDR width and height: 3.6 gigapixels
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))  # the chunk's CRC
    with pytest.raises(InvalidRequest, match="megapixels"):
        decode_image(bytes(data))


def test_a_pdf_page_passes_the_same_gate_before_it_is_rendered():
    # 329 bytes: a 14400x1-point page, rendered 2000x1 px, made OCR take 10 GiB
    with pytest.raises(InvalidRequest, match="a strip longer than"):
        read_page(bare_page_pdf("0 0 14400 1"), 1, "strip.pdf")


@pytest.mark.parametrize("media_box", ["0 0 0 0", "0 0 -600 -800", "0 0 1e9 1e9"])
def test_degenerate_media_boxes_render_within_the_bounds(media_box):
    page = read_page(bare_page_pdf(media_box), 1, "odd.pdf")  # PDFium's fallback, or scaled
    assert page.image is not None and max(page.image.rgb.shape[:2]) <= RENDER_LONG_SIDE


def test_ocr_gets_strips_padded_to_a_bounded_shape_with_the_text_where_it_was():
    strip = np.zeros((20, 1000, 3), np.uint8)
    strip[5:15, 100:900] = 255
    padded, scale = ocr_input(strip)
    assert padded.shape == (334, 1000, 3) and scale == 1.0  # 1000 / MAX_OCR_ASPECT, rounded up
    assert (padded[:20] == strip).all()
    assert (padded[20:] == 0).all()  # the strip's own border colour
    photo = np.zeros((480, 640, 3), np.uint8)
    assert ocr_input(photo) == (photo, 1.0)


def test_a_long_strip_is_shrunk_before_it_is_padded():
    # 16384x328 passes the image gate; padded whole it would have been 16384x5462 (268 MB)
    padded, scale = ocr_input(np.zeros((328, 16_384, 3), np.uint8))
    assert padded.shape == (667, 2000, 3) and scale == 2000 / 16_384
    tall, _ = ocr_input(np.zeros((3000, 30, 3), np.uint8))
    assert tall.shape == (2000, 2000 // MAX_OCR_ASPECT + 1, 3)


def wav(seconds: float) -> bytes:
    return tone(seconds, rate=22050)  # at another rate than Whisper's, so it is resampled


def test_audio_is_decoded_to_16_khz_mono():
    samples = decode_audio(io.BytesIO(wav(1.5)))
    assert samples.dtype == np.float32 and samples.shape == (24_000,)


def test_an_upload_spooled_to_a_read_write_file_is_read():
    import tempfile

    with tempfile.SpooledTemporaryFile() as upload:  # what Starlette hands over: mode "w+b"
        upload.write(wav(1.0))
        upload.seek(0)
        assert decode_audio(upload).shape == (16_000,)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"hello, this is text" * 10, "could not be decoded as audio"),  # was an IndexError
        (b"", "could not be decoded as audio"),
        (png(64, 64), "no audio track"),
        (wav(1)[:30], "could not be decoded as audio"),
    ],
)
def test_what_is_not_sound_is_a_400(data, words):
    with pytest.raises(InvalidRequest, match=words):
        decode_audio(io.BytesIO(data))


def test_a_header_that_lies_about_length_decodes_only_what_is_there():
    data = bytearray(wav(0.1))
    struct.pack_into("<I", data, 40, 10 * 3600 * 22050 * 2)  # the data chunk claims 10 hours
    assert decode_audio(io.BytesIO(bytes(data))).shape == (1600,)


def test_a_transparent_picture_is_seen_on_white_as_a_page_shows_it():
    from PIL import Image

    picture = Image.new("RGBA", (32, 32), (0, 0, 0, 0))  # transparent black
    picture.paste((200, 30, 30, 255), (8, 8, 24, 24))  # an opaque red square
    out = io.BytesIO()
    picture.save(out, format="PNG")
    rgb = decode_image(out.getvalue()).rgb
    assert tuple(rgb[0, 0]) == (255, 255, 255) and tuple(rgb[16, 16]) == (200, 30, 30)
