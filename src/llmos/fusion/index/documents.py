"""Documents as text: DOCX, HTML, Markdown and plain text read, then cut into chunks.

Chunks overlap so a sentence cut at a chunk's end is whole in the next one; they are sized for
MiniLM, which reads 256 word pieces (about 1000 characters of English) and drops the rest.
PDFs are read by the vision capability (text layer, else OCR), page by page, and chunked here.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from llmos.errors import InvalidRequest, MissingExtra, install_extra

CHUNK_CHARS = (400, 800)  # a chunk fills to at least the first, at most the second
OVERLAP_CHARS = 100
MAX_TEXT_CHARS = 20_000_000  # a document's text, read (about 10 000 pages)


@dataclass(frozen=True)
class Chunk:
    text: str
    page: int | None = None  # from 1, for PDFs


def read_text(data: bytes, fmt: str, name: str) -> str:
    """The text of a DOCX, HTML, Markdown or plain text file."""
    if fmt == "docx":
        text = _docx(data, name)
    else:
        text = data.decode("utf-8", errors="replace")
        if fmt == "html":
            text = _html(text)
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidRequest(
            f"{name} has {len(text):,} characters of text; llmos indexes documents up to "
            f"{MAX_TEXT_CHARS:,}. Split it into parts."
        )
    return text


def chunks(text: str, fmt: str, page: int | None = None) -> list[Chunk]:
    """``text`` cut into overlapping chunks; Markdown along its headings and paragraphs."""
    try:
        from semantic_text_splitter import MarkdownSplitter, TextSplitter
    except ImportError as error:
        raise MissingExtra("semantic-text-splitter", install=install_extra("search")) from error
    splitter = MarkdownSplitter if fmt == "markdown" else TextSplitter
    cut = splitter(CHUNK_CHARS, overlap=OVERLAP_CHARS).chunks(text)
    return [Chunk(" ".join(piece.split()), page) for piece in cut if piece.strip()]


def _docx(data: bytes, name: str) -> str:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as error:
        raise MissingExtra("python-docx", install=install_extra("search")) from error
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise InvalidRequest(f"{name} is not a Word document llmos can read: {error}") from None
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n\n".join(part for part in parts if part.strip())


def _html(markup: str) -> str:
    try:
        from bs4 import BeautifulSoup
    except ImportError as error:
        raise MissingExtra("beautifulsoup4", install=install_extra("search")) from error
    soup = BeautifulSoup(markup, "html.parser")
    for hidden in soup(["script", "style", "noscript", "template"]):
        hidden.decompose()
    return soup.get_text("\n")
