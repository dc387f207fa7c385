"""Bad media, made in memory for fuzzing the media routes: nothing binary is committed.

Every case is built from code and fixed seeds, so a run sends the same bytes as the last one:
damaged, empty and garbage JPEG / PNG / WAV / MP4 / PDF, images whose headers promise more
pixels than they hold or more than a server should decode, strips, PDFs whose page boxes or page
counts lie, a WAV header declaring ten hours, files under the wrong name and type, text that is
not UTF-8, and JSON bodies a parser may choke on (lone surrogates, 10 000 levels of nesting).

A :class:`MediaCase` says what its bytes really are (``kind``): a route that reads that kind may
answer 200; for every other route, and for every case whose ``kind`` is ``None``, the only good
answer is a 4xx that says what is wrong. A damaged file that readers repair the same way (PDFium
counts a PDF's pages itself when ``/Count`` is negative) counts as what it is repaired into.
"""

from __future__ import annotations

import io
import json
import random
import struct
import wave
import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np

from tests.documents import pdf_of, text_pdf

SEED = 1234
IMAGE = "image"  # PNG, JPEG and the other formats Pillow reads
PDF = "pdf"
AUDIO = "audio"  # anything with an audio stream FFmpeg decodes
TEXT = "text"  # UTF-8 text


@dataclass(frozen=True)
class MediaCase:
    """One file to upload: its bytes, the name and type it is sent under, what it really is."""

    name: str
    data: bytes
    filename: str
    content_type: str
    kind: str | None  # IMAGE, PDF, AUDIO, TEXT when the bytes are a valid one; None when damaged
    why: str


@dataclass(frozen=True)
class JsonCase:
    """A raw JSON request body for ``POST /v1/chat/completions``: nothing in it is valid."""

    name: str
    body: bytes
    why: str


# -- images ------------------------------------------------------------------------------------


def pattern(width: int, height: int) -> np.ndarray:
    """A deterministic RGB picture: two gradients and a diagonal band, (H, W, 3) uint8."""
    ys, xs = np.mgrid[0:height, 0:width]
    red = (255 * xs / max(width - 1, 1)).astype(np.uint8)
    green = (255 * ys / max(height - 1, 1)).astype(np.uint8)
    blue = np.where((xs + ys) % 64 < 32, 200, 40).astype(np.uint8)
    return np.stack([red, green, blue], axis=-1)


def encoded(rgb: np.ndarray, kind: str, **options) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(rgb).save(out, kind, **options)
    return out.getvalue()


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` RGB pixels but holds one row."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    one_row = zlib.compress(b"\x00" + b"\x00" * 3 * min(width, 4096))
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", one_row)
        + _png_chunk(b"IEND", b"")
    )


def png_bomb(width: int, height: int) -> bytes:
    """A real, complete grey PNG of ``width`` x ``height``: a few KB that decode to megapixels."""
    row = b"\x00" + b"\x80" * width  # filter byte, then one grey byte a pixel
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_with_broken_exif(jpeg: bytes) -> bytes:
    """``jpeg`` with an APP1 Exif segment whose TIFF header points far outside itself."""
    tiff = b"MM\x00\x2a" + struct.pack(">I", 0x7FFFFFF0) + b"\x00" * 8
    body = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    return jpeg[:2] + segment + jpeg[2:]


# -- audio and video -----------------------------------------------------------------------------

RATE = 16_000


def wav(seconds: float = 1.0, *, rate: int = RATE) -> bytes:
    """A 440 Hz tone, 16-bit mono."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(samples.tobytes())
    return out.getvalue()


def wav_header(*, data_bytes: int, channels: int = 1, rate: int = RATE, bits: int = 16) -> bytes:
    """A 44-byte WAV header that declares ``data_bytes`` of samples (whatever follows it)."""
    block = channels * bits // 8
    return (
        b"RIFF"
        + struct.pack("<I", (36 + data_bytes) & 0xFFFFFFFF)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * block, block, bits)
        + b"data"
        + struct.pack("<I", data_bytes & 0xFFFFFFFF)
    )


def mp4(seconds: float = 1.0, *, audio: bool = True, video: bool = True) -> bytes:
    """A small MP4 (MPEG-4 part 2 video, AAC audio), written by PyAV in memory."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        picture = container.add_stream("mpeg4", rate=10) if video else None
        if picture is not None:
            picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
        sound = container.add_stream("aac", rate=RATE) if audio else None
        if sound is not None:
            sound.layout = "mono"
        if picture is not None:
            frame = pattern(64, 48)
            for index in range(int(seconds * 10)):
                shifted = np.roll(frame, index * 4, axis=1)
                for packet in picture.encode(av.VideoFrame.from_ndarray(shifted, format="rgb24")):
                    container.mux(packet)
            for packet in picture.encode():
                container.mux(packet)
        if sound is not None:
            tone = np.frombuffer(wav(seconds)[44:], "<i2").astype(np.float32) / 32767
            for start in range(0, len(tone), 1024):
                chunk = tone[start : start + 1024].reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                frame.sample_rate, frame.pts = RATE, start
                for packet in sound.encode(frame):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)
    return out.getvalue()


# -- PDFs --------------------------------------------------------------------------------------


def blank_pdf(media_box: str = "0 0 612 792", *, count: str = "1", kids: str = "[3 0 R]") -> bytes:
    """One page without text (so a server renders it to read it), with the given box and count."""
    return pdf_of(
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids {kids} /Count {count} >>",
            f"<< /Type /Page /Parent 2 0 R /MediaBox [{media_box}] >>",
        ]
    )


# -- the corpus ----------------------------------------------------------------------------------

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "bin": "application/octet-stream",
}
NON_UTF8_TEXT = "café, naïve, déjà vu\n".encode("cp1252") + b"\xff\xfe\x81\n"


def garbage(size: int, salt: int) -> bytes:
    return random.Random(SEED + salt).randbytes(size)


def cut(data: bytes, keep: float = 0.5) -> bytes:
    return data[: int(len(data) * keep)]


def _case(name: str, data: bytes, filename: str, kind: str | None, why: str) -> MediaCase:
    """A case sent under ``filename``, with the content type its extension names."""
    return MediaCase(name, data, filename, CONTENT_TYPES[filename.rsplit(".", 1)[1]], kind, why)


@cache
def media_cases() -> tuple[MediaCase, ...]:
    """Every file case, in a fixed order."""
    photo = pattern(96, 72)
    png, jpeg = encoded(photo, "PNG"), encoded(photo, "JPEG", quality=90)
    tone, movie = wav(1.0), mp4(1.0)
    document = text_pdf(["Invoice 4521", "Total due: 1234.56 EUR"])
    samples = tone[44:]
    magic = {
        "jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
        "png": b"\x89PNG\r\n\x1a\n",
        "wav": b"RIFF\x00\x10\x00\x00WAVEfmt ",
        "mp4": b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
        "pdf": b"%PDF-1.7\n",
    }
    cases = [
        # valid inputs: a route that reads their kind may answer 200
        _case("png", png, "photo.png", IMAGE, "a valid picture"),
        _case("jpeg", jpeg, "photo.jpg", IMAGE, "a valid picture"),
        _case("wav", tone, "tone.wav", AUDIO, "a valid 1 s tone"),
        _case("mp4", movie, "clip.mp4", AUDIO, "a valid 1 s video with sound"),
        _case("pdf", document, "invoice.pdf", PDF, "a valid PDF with a text layer"),
        _case("text", b"llamas hum\n", "notes.txt", TEXT, "UTF-8 text"),
        # empty, garbage and cut short
        *(_case(f"empty-{ext}", b"", f"empty.{ext}", None, "0 bytes") for ext in magic),
        *(
            _case(
                f"garbage-{ext}",
                head + garbage(4096, salt),
                f"garbage.{ext}",
                None,
                "the format's magic bytes, then random bytes",
            )
            for salt, (ext, head) in enumerate(magic.items())
        ),
        _case("random-bytes", garbage(2048, 99), "blob.bin", None, "random bytes"),
        _case("truncated-jpeg", cut(jpeg), "cut.jpg", None, "half a JPEG"),
        _case("truncated-png", cut(png), "cut.png", None, "half a PNG"),
        _case("truncated-wav", tone[:64], "cut.wav", None, "a header for 1 s, then 10 samples"),
        _case("truncated-mp4", cut(movie, 0.4), "cut.mp4", None, "40% of an MP4, index lost"),
        _case("truncated-pdf", cut(document), "cut.pdf", None, "half a PDF, no xref table"),
        # decompression bombs, strips and specks
        _case(
            "png-declares-30000x30000",
            png_declaring(30_000, 30_000),
            "bomb.png",
            None,
            "900 megapixels declared in a 100-byte file",
        ),
        _case(
            "png-declares-100000x1",
            png_declaring(100_000, 1),
            "line.png",
            None,
            "a line 100 000 pixels long, declared",
        ),
        _case(
            "png-bomb-6000x6000",
            png_bomb(6000, 6000),
            "grey.png",
            IMAGE,
            "36 megapixels (under the 40 MP gate) in 40 KB",
        ),
        _case("png-2000x8", encoded(pattern(2000, 8), "PNG"), "wide.png", IMAGE, "a 250:1 strip"),
        _case("png-8x2000", encoded(pattern(8, 2000), "PNG"), "tall.png", IMAGE, "a 1:250 strip"),
        _case("png-1x1", encoded(pattern(1, 1), "PNG"), "dot.png", IMAGE, "a single pixel"),
        _case(
            "jpeg-broken-exif",
            jpeg_with_broken_exif(jpeg),
            "exif.jpg",
            IMAGE,
            "a valid JPEG whose Exif block points outside itself",
        ),
        # audio whose header lies, video without sound
        _case(
            "wav-declares-10-hours",
            wav_header(data_bytes=10 * 3600 * RATE * 2) + samples,
            "long.wav",
            AUDIO,  # a streamed WAV's header declares more than it holds, too
            "a header declaring 10 hours, then 1 s of samples",
        ),
        _case(
            "wav-zero-rate",
            wav_header(data_bytes=len(samples), rate=0) + samples,
            "zero.wav",
            None,
            "a header with 0 samples a second",
        ),
        _case(
            "wav-zero-channels",
            wav_header(data_bytes=len(samples), channels=0) + samples,
            "mute.wav",
            None,
            "a header with 0 channels",
        ),
        _case(
            "mp4-without-sound",
            mp4(1.0, audio=False),
            "silent.mp4",
            None,
            "a valid video with no audio stream: nothing to transcribe",
        ),
        # PDFs whose page boxes or page tree lie
        _case(
            "pdf-mediabox-14400x1",
            blank_pdf("0 0 14400 1"),
            "strip.pdf",
            PDF,
            "a page 200 inches by 1/72 inch, to render",
        ),
        _case(
            "pdf-mediabox-1x14400",
            blank_pdf("0 0 1 14400"),
            "pole.pdf",
            PDF,
            "a page 1/72 inch by 200 inches, to render",
        ),
        _case(
            "pdf-mediabox-0x0",
            blank_pdf("0 0 0 0"),
            "nothing.pdf",
            PDF,  # PDFium, like a viewer, reads a page of no size as US Letter
            "a page of no size",
        ),
        _case(
            "pdf-mediabox-negative",
            blank_pdf("0 0 -612 -792"),
            "negative.pdf",
            PDF,
            "a page box given by its corners in the other order",
        ),
        _case(
            "pdf-mediabox-huge",
            blank_pdf("0 0 1e30 1e30"),
            "huge.pdf",
            PDF,
            "a page box 1e30 points a side",
        ),
        _case(
            "pdf-count-lies",
            blank_pdf(count="1000000"),
            "count.pdf",
            None,
            "/Count 1000000 over one page",
        ),
        _case("pdf-count-negative", blank_pdf(count="-5"), "minus.pdf", PDF, "/Count -5"),
        _case(
            "pdf-page-tree-loop",
            blank_pdf(kids="[2 0 R 3 0 R]", count="2"),
            "loop.pdf",
            None,
            "the page tree lists itself among its kids",
        ),
        # the right bytes under the wrong name and type
        _case("png-named-wav", png, "sound.wav", IMAGE, "a PNG sent as audio"),
        _case("wav-named-jpeg", tone, "photo.jpg", AUDIO, "a WAV sent as an image"),
        _case("pdf-named-png", document, "scan.png", PDF, "a PDF sent as an image"),
        _case("mp4-named-pdf", movie, "doc.pdf", AUDIO, "an MP4 sent as a PDF"),
        _case("text-named-png", b"not a picture at all\n", "text.png", TEXT, "text as an image"),
        _case("non-utf8-text", NON_UTF8_TEXT, "latin.txt", None, "cp1252, not UTF-8"),
    ]
    return tuple(cases)


def nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def json_cases(model: str) -> tuple[JsonCase, ...]:
    """Chat bodies that no server should accept, and none should crash on."""
    deep = nested_json(10_000)

    def chat(content: object) -> bytes:
        body = {"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": content}]}
        # json.dumps writes a lone surrogate as the escape \\ud800, which JSON text allows
        return json.dumps(body).replace('"DEEP"', deep).encode()

    text_file = {"file_data": "data:text/plain;base64,bGxhbWFzIGh1bQo=", "filename": "\ud800.txt"}
    bad_uri = {"url": "data:image/png;base64,\ud800"}
    return (
        JsonCase("nested-10000-body", deep.encode(), "a bare array 10 000 levels deep"),
        JsonCase("nested-10000-content", chat("DEEP"), "message content 10 000 levels deep"),
        JsonCase(
            "nested-10000-part",
            chat([{"type": "file", "file": "DEEP"}]),
            "a file part 10 000 levels deep",
        ),
        JsonCase("lone-surrogate-text", chat("\ud800 hello"), "a lone surrogate in the text"),
        JsonCase(
            "lone-surrogate-part",
            chat([{"type": "text", "text": "what is \udfff?"}]),
            "a lone surrogate in a text part",
        ),
        JsonCase(
            "lone-surrogate-filename",
            chat([{"type": "file", "file": text_file}]),
            "a lone surrogate in an attached file's name",
        ),
        JsonCase(
            "lone-surrogate-data-uri",
            chat([{"type": "image_url", "image_url": bad_uri}]),
            "a lone surrogate inside an image data URI",
        ),
        JsonCase(
            "not-utf8-body",
            chat("cafe").replace(b'"cafe"', b'"caf\xe9"'),
            "a body in cp1252, not UTF-8",
        ),
    )
