"""Files as OpenAI chat content parts, for the SDK, the CLI and any OpenAI client."""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any


def data_uri(path: Path, *, unknown: str = "application/octet-stream") -> str:
    """The file as a ``data:`` URI, its type guessed from its name (else ``unknown``)."""
    kind = mimetypes.guess_type(path.name)[0] or unknown
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def file_part(path: Path) -> dict[str, Any]:
    """A ``file`` content part carrying ``path`` inline: the server reads an image as its visual
    facts, a PDF as its pages' text and a text file as it is."""
    return {"type": "file", "file": {"filename": path.name, "file_data": data_uri(path)}}
