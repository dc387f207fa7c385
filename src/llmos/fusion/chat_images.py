"""Images in chat: OpenAI ``image_url`` content parts become the experts' facts, as text.

The chat model cannot see; it reads what the image experts found, and is told so.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx

from llmos.capabilities.vision.answer import facts_text
from llmos.capabilities.vision.images import bytes_of_data_uri
from llmos.errors import InvalidRequest
from llmos.fusion.vision import Vision

Json = dict[str, Any]
SEEING_NOTE = (
    "You cannot see images. Each image the user sent is given to you as the facts image "
    "experts found in it. Use only those facts; if they do not answer something, say that you "
    "cannot tell from the image."
)


def has_images(contents: Iterable[Any]) -> bool:
    """Whether any message content (a string or a list of parts) holds an image part."""
    return any(
        isinstance(content, list)
        and any(isinstance(p, dict) and p.get("type") == "image_url" for p in content)
        for content in contents
    )


async def describe_images(
    messages: list[Json], vision: Vision, *, allowed_hosts: list[str], max_bytes: int
) -> list[Json]:
    """``messages`` with every image part replaced by its facts, and content flattened to text."""
    out: list[Json] = [{"role": "system", "content": SEEING_NOTE}]
    count = 0
    for message in messages:
        content = message.get("content")
        if not isinstance(content, list):
            out.append(message)
            continue
        texts = []
        for part in content:
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text":
                texts.append(str(part.get("text", "")))
            elif kind == "image_url":
                count += 1
                name = f"image {count}"
                data = await _image_bytes(part, name, allowed_hosts, max_bytes)
                facts = await vision.facts(data, name)
                texts.append(
                    f"[{name.capitalize()}, as llmos's image experts saw it: {facts_text(facts)}]"
                )
            else:
                raise InvalidRequest(
                    f"Content parts of type {kind!r} are not supported; send 'text' and "
                    "'image_url' parts."
                )
        out.append({**message, "content": "\n".join(texts)})
    return out


async def _image_bytes(part: Json, name: str, allowed_hosts: list[str], max_bytes: int) -> bytes:
    field = part.get("image_url")
    url = field.get("url") if isinstance(field, dict) else field
    if not isinstance(url, str) or not url:
        raise InvalidRequest(f"{name}: 'image_url' needs a 'url' (a data:image/...;base64 URI).")
    if url.startswith("data:"):
        return bytes_of_data_uri(url)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise InvalidRequest(f"{name}: only data: URIs (and allowed http(s) hosts) are read.")
    if parts.hostname not in allowed_hosts:
        raise InvalidRequest(
            f"{name}: llmos does not fetch remote images ({parts.hostname}): it works offline "
            "and will not make requests on a client's behalf. Send the image as a data URI "
            "(data:image/png;base64,...), or allow the host with LLMOS_IMAGE_URL_HOSTS."
        )
    async with httpx.AsyncClient(timeout=10, follow_redirects=False) as client:
        try:
            async with client.stream("GET", url) as response:
                response.raise_for_status()
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > max_bytes:
                        raise InvalidRequest(f"{name}: {url} is larger than the upload limit.")
        except httpx.HTTPError as error:
            raise InvalidRequest(f"{name}: could not fetch {url}: {error}") from None
    return bytes(data)
