"""PDF pages for reading: a page's text layer when it has one, else the page as an image to OCR.

PDFium may be called from one thread at a time only (not even two documents at once), so every
call here holds one process-wide lock, and every PDFium object is closed inside it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from llmos.capabilities.vision.images import DecodedImage, check_dimensions, decoded_bytes
from llmos.errors import InvalidRequest, MissingExtra, install_extra

MAX_PAGES = 50  # per request; more must be asked for with ``pages``
RENDER_LONG_SIDE = 2000  # pixels: about 170 dpi for A4, enough for 9-point text
MIN_TEXT_LAYER = 10  # letters and digits a page's text layer needs to be read as it is
_PDFIUM = threading.Lock()
RENDER_BYTES = decoded_bytes(RENDER_LONG_SIDE, RENDER_LONG_SIDE)  # a page render's peak at most


@dataclass(frozen=True)
class PdfPage:
    number: int  # from 1
    text: str  # the page's text layer; "" when it has none worth reading
    image: DecodedImage | None  # the page rendered to pixels, when it has no text layer


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def page_numbers(spec: str | None, count: int) -> list[int]:
    """Pages from ``"1-3,7"`` (all when ``spec`` is empty), checked against ``count``."""
    if count == 0:
        raise InvalidRequest("The PDF has no pages.")
    if not spec or not spec.strip():
        if count > MAX_PAGES:
            raise InvalidRequest(
                f"The PDF has {count} pages; llmos reads up to {MAX_PAGES} per request. "
                f"Choose them with 'pages', e.g. pages=1-{MAX_PAGES}."
            )
        return list(range(1, count + 1))
    ranges = []
    for part in spec.replace(" ", "").split(","):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if match is None:
            raise InvalidRequest(f"'pages' must look like 1-3,7; got {spec!r}.")
        first, last = int(match[1]), int(match[2] or match[1])
        if not 1 <= first <= last <= count:
            raise InvalidRequest(f"'pages' asks for {part}, but the PDF has pages 1-{count}.")
        ranges.append((first, last))
    numbers = _listed(ranges, most=MAX_PAGES + 1)  # never lists a million pages
    if len(numbers) > MAX_PAGES:
        raise InvalidRequest(
            f"'pages' names more than {MAX_PAGES} pages; at most {MAX_PAGES} a request."
        )
    return numbers


def _listed(ranges: list[tuple[int, int]], *, most: int) -> list[int]:
    """The pages of ``ranges`` in order, each once, stopping after ``most``."""
    numbers: dict[int, None] = {}
    for first, last in ranges:
        for number in range(first, last + 1):
            numbers[number] = None
            if len(numbers) >= most:
                return list(numbers)
    return list(numbers)


def page_count(data: bytes, name: str) -> int:
    with _PDFIUM, _opened(data, name) as pdf:
        return len(pdf)


def read_page(data: bytes, number: int, name: str) -> PdfPage:
    """Page ``number`` (from 1): its text layer, or, when that is empty, its pixels."""
    with _PDFIUM, _opened(data, name) as pdf:
        page = pdf[number - 1]
        try:
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_bounded()
            finally:
                textpage.close()
            text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
            if sum(ch.isalnum() for ch in text) >= MIN_TEXT_LAYER:
                return PdfPage(number, text.strip(), None)
            width, height = page.get_size()  # points
            if min(width, height) <= 0:
                raise InvalidRequest(f"{name}: page {number} has no size, so it cannot be read.")
            scale = RENDER_LONG_SIDE / max(width, height)
            # the one image gate, before a pixel is rendered: a 14400x1-point page is a strip
            check_dimensions(round(width * scale), round(height * scale), f"{name} page {number}")
            bitmap = page.render(scale=scale)
            try:
                rgb = np.array(bitmap.to_pil().convert("RGB"))
            finally:
                bitmap.close()
        finally:
            page.close()
    return PdfPage(number, "", DecodedImage(rgb))


@contextmanager
def _opened(data: bytes, name: str) -> Iterator:
    """A PdfDocument over ``data``, closed on exit; a PDF PDFium cannot open is a 400."""
    try:
        import pypdfium2 as pdfium
    except ImportError as error:
        raise MissingExtra("pypdfium2", install=install_extra("vision")) from error
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if "password" in str(error).lower():
            raise InvalidRequest(f"{name} is password-protected; llmos cannot open it.") from None
        raise InvalidRequest(f"{name} is not a PDF llmos can read: {error}") from None
    try:
        yield pdf
    except pdfium.PdfiumError as error:  # a page that does not load, or does not render
        raise InvalidRequest(f"{name} is damaged: {error}") from None
    finally:
        pdf.close()
