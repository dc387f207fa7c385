"""What a chat message attaches, as text the chat model can read.

OpenAI ``image_url`` parts (data URIs, or allowed hosts) and ``file`` parts (a ``file_id`` from
``/v1/files``, or inline ``file_data``) become text: an image becomes the facts llmos's image
experts found in it, a PDF its pages' text (text layer, else OCR), a text file itself. The chat
model cannot see and is told so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import httpx

from llmos.capabilities.chat.types import SEEING_NOTE, SEEN_NOTE
from llmos.capabilities.vision.answer import facts_text
from llmos.capabilities.vision.images import as_data_uri, bytes_of_data_uri, looks_like_image
from llmos.capabilities.vision.pdf import is_pdf
from llmos.errors import InvalidRequest
from llmos.fusion.vision import Vision
from llmos.storage import FileStore

Json = dict[str, Any]
ATTACHMENT_PARTS = ("image_url", "file")
MAX_DOCUMENT_CHARS = 8000  # of one attached document; about 2000 tokens of the context


def has_attachments(contents: Iterable[Any]) -> bool:
    """Whether any message content (a string or a list of parts) holds an image or a file."""
    return any(
        isinstance(content, list)
        and any(isinstance(p, dict) and p.get("type") in ATTACHMENT_PARTS for p in content)
        for content in contents
    )


class Attachments:
    """Turns the attachments in chat messages into text, reading files through ``vision``."""

    def __init__(
        self, vision: Vision, files: FileStore, *, allowed_hosts: list[str], max_bytes: int
    ) -> None:
        self.vision, self.files = vision, files
        self.allowed_hosts, self.max_bytes = allowed_hosts, max_bytes

    async def as_text(
        self, messages: list[Json], *, sees: bool = False, facts: bool = True
    ) -> list[Json]:
        """``messages`` with every attachment replaced by text, and content flattened. For a
        model that ``sees`` (a vision projector), pictures stay pictures, each followed by the
        image experts' facts as evidence when ``facts``."""
        out: list[Json] = []
        images = 0
        for message in messages:
            content = message.get("content")
            if not isinstance(content, list):
                out.append(message)
                continue
            parts: list[Json] = []
            for part in content:
                kind = part.get("type") if isinstance(part, dict) else None
                if kind == "text":
                    parts.append(_text(str(part.get("text", ""))))
                elif kind == "image_url":
                    images += 1
                    name = f"image {images}"
                    data = await self.url_bytes(part, name)
                    parts += await self._picture(data, name, sees=sees, facts=facts)
                elif kind == "file":
                    data, name = await self.file_bytes(part)
                    if looks_like_image(data):
                        images += 1
                        parts += await self._picture(data, name, sees=sees, facts=facts)
                    else:
                        parts.append(_text(await self.document(data, name)))
                else:
                    raise InvalidRequest(
                        f"Content parts of type {kind!r} are not supported; send 'text', "
                        "'image_url' and 'file' parts."
                    )
            if all(p["type"] == "text" for p in parts):  # flattened: any chat model reads it
                out.append({**message, "content": "\n".join(p["text"] for p in parts)})
            else:
                out.append({**message, "content": parts})
        if images:
            note = (SEEN_NOTE if facts else None) if sees else SEEING_NOTE
            out[:0] = [{"role": "system", "content": note}] if note else []
        return out

    async def _picture(self, data: bytes, name: str, *, sees: bool, facts: bool) -> list[Json]:
        """A picture as parts: itself for a model that sees, and/or the experts' facts."""
        parts = []
        if sees:
            url = await self.vision.kernel.compute(partial(as_data_uri, data, name=name))
            parts.append({"type": "image_url", "image_url": {"url": url}})
        if facts or not sees:
            parts.append(_text(await self._image(data, name)))
        return parts

    async def _image(self, data: bytes, name: str) -> str:
        facts = await self.vision.facts(data, name)
        return (
            f"[{name[0].upper()}{name[1:]}, as llmos's image experts saw it: {facts_text(facts)}]"
        )

    async def document(self, data: bytes, name: str) -> str:
        if is_pdf(data):
            document = await self.vision.read_pdf(
                data, name, pages=None, min_score=0.5, max_chars=MAX_DOCUMENT_CHARS
            )
            text = "\n\n".join(page.text for page in document.pages)
            unread = document.page_count - len(document.pages)
            return _quoted(name, text, f"{unread} more pages not read" if unread else "")
        try:
            return _quoted(name, await self.vision.kernel.compute(_utf8, data))
        except UnicodeDecodeError:
            raise InvalidRequest(
                f"{name} is not an image, a PDF or UTF-8 text, so llmos cannot read it."
            ) from None

    async def file_bytes(self, part: Json) -> tuple[bytes, str]:
        field = part.get("file")
        if not isinstance(field, dict):
            raise InvalidRequest("A 'file' part needs {'file': {'file_id': ...}} or 'file_data'.")
        if file_id := field.get("file_id"):
            found = await asyncio.to_thread(self.files.read, str(file_id))
            if found is None:
                raise InvalidRequest(f"No file {file_id!r}: upload it with POST /v1/files first.")
            stored, content = found
            return content, repr(stored.filename)
        if data := field.get("file_data"):
            name = repr(str(field.get("filename") or "the attached file"))
            content = await self.vision.kernel.compute(_inline_bytes, str(data), name)
            if not content:
                raise InvalidRequest(f"{name} is empty (0 bytes): attach a file with content.")
            return content, name
        raise InvalidRequest("A 'file' part needs a 'file_id' (from /v1/files) or 'file_data'.")

    async def url_bytes(self, part: Json, name: str) -> bytes:
        field = part.get("image_url")
        url = field.get("url") if isinstance(field, dict) else field
        if not isinstance(url, str) or not url:
            raise InvalidRequest(
                f"{name}: 'image_url' needs a 'url' (a data:image/...;base64 URI)."
            )
        if url.startswith("data:"):  # decoding up to 50 MB of base64: CPU work, off the loop
            return await self.vision.kernel.compute(bytes_of_data_uri, url)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise InvalidRequest(f"{name}: only data: URIs (and allowed http(s) hosts) are read.")
        if parts.hostname not in self.allowed_hosts:
            raise InvalidRequest(
                f"{name}: llmos does not fetch remote images ({parts.hostname}): it works "
                "offline and will not make requests on a client's behalf. Send the image as a "
                "data URI (data:image/png;base64,...), upload it to /v1/files and send a 'file' "
                "part, or allow the host with LLMOS_IMAGE_URL_HOSTS."
            )
        async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
            try:
                async with client.stream("GET", url) as response:
                    response.raise_for_status()
                    data = bytearray()
                    async for chunk in response.aiter_bytes():
                        data += chunk
                        if len(data) > self.max_bytes:
                            raise InvalidRequest(f"{name}: {url} is larger than the upload limit.")
            except httpx.HTTPError as error:
                raise InvalidRequest(f"{name}: could not fetch {url}: {error}") from None
        return bytes(data)


def _inline_bytes(data: str, name: str) -> bytes:
    """``file_data``: a data URI, or bare base64 as OpenAI's examples send it."""
    import base64
    import binascii

    if data.startswith("data:"):
        _, _, data = data.partition(",")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"{name}: 'file_data' is not valid base64.") from None


def _text(text: str) -> Json:
    return {"type": "text", "text": text}


def _utf8(data: bytes) -> str:
    return data.decode("utf-8")


def _quoted(name: str, text: str, left_out: str = "") -> str:
    """The document for the model, cut at MAX_DOCUMENT_CHARS, saying what it does not see."""
    text = text.strip()
    notes = [left_out] if left_out else []
    if len(text) > MAX_DOCUMENT_CHARS:
        notes.insert(0, f"{len(text) - MAX_DOCUMENT_CHARS} more characters left out")
        text = text[:MAX_DOCUMENT_CHARS]
    tail = f"\n[... {'; '.join(notes)}]" if notes else ""
    return f"[Attached document {name}:\n{text or '(no readable text)'}{tail}\n]"
