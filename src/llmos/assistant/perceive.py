"""What the user sent, perceived before anything is planned: the words they typed and spoke,
what each picture shows (and the text in it), what each document says.

Every perception is a traced step. Speech comes as OpenAI ``input_audio`` parts (base64 WAV or
MP3), pictures as ``image_url`` parts or ``file`` parts, documents as ``file`` parts.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from llmos.capabilities.vision.answer import facts_text
from llmos.capabilities.vision.images import looks_like_image
from llmos.errors import InvalidRequest
from llmos.fusion.attachments import Attachments

Json = dict[str, Any]
Transcribe = Callable[[bytes, str], Awaitable[str]]  # audio bytes, its name -> the words
MAX_PARTS = 8  # attachments in one message
AUDIO_FORMATS = ("wav", "mp3")


@dataclass(frozen=True)
class Step:
    """One thing the assistant did, for the trace: which capability or tool, with what, the
    result (shortened), how long it took, and whether it worked."""

    capability: str
    inputs: Json
    output: str
    ms: float
    ok: bool = True


@dataclass(frozen=True)
class Perceived:
    name: str  # "image 1", "'report.pdf'", "recording 1"
    kind: Literal["image", "document", "speech"]
    text: str  # what the experts saw, the document's text, or the transcript
    read: str = ""  # the text read in a picture, as one string


@dataclass(frozen=True)
class Request:
    """The user's last message, perceived, and the conversation before it (as text)."""

    said: str  # what the user typed, and then what they said aloud
    perceived: tuple[Perceived, ...] = ()
    history: tuple[Json, ...] = ()
    steps: tuple[Step, ...] = field(default=(), compare=False)

    def read_text(self) -> str:
        """The text read in the pictures: what "translate this" means when the words
        themselves give nothing to translate."""
        return "\n".join(p.read for p in self.perceived if p.kind == "image" and p.read)


async def perceive(
    messages: list[Json], attachments: Attachments, transcribe: Transcribe
) -> Request:
    """The last user message perceived; earlier messages kept as text (their attachments were
    answered about then, and are not looked at again)."""
    if not messages or messages[-1].get("role") != "user":
        raise InvalidRequest("The last message must be the user's.")
    history = tuple(  # a developer message is a system one; tool turns are not kept
        {"role": "system" if m.get("role") == "developer" else m.get("role"),
         "content": _words(m.get("content"))}
        for m in messages[:-1]
        if m.get("role") in ("system", "developer", "user", "assistant")
    )  # fmt: skip
    content = messages[-1].get("content")
    parts = content if isinstance(content, list) else [{"type": "text", "text": content or ""}]
    if sum(1 for p in parts if isinstance(p, dict) and p.get("type") != "text") > MAX_PARTS:
        raise InvalidRequest(f"Attach at most {MAX_PARTS} files to one message.")
    typed, spoken, perceived, steps = [], [], [], []
    counts = {"image": 0, "speech": 0}
    for part in parts:
        kind = part.get("type") if isinstance(part, dict) else None
        started = time.perf_counter()
        if kind == "text":
            typed.append(str(part.get("text") or ""))
            continue
        if kind == "input_audio":
            counts["speech"] += 1
            name = f"recording {counts['speech']}"
            data, form = await attachments.vision.kernel.compute(_audio, part, name)
            words = await transcribe(data, f"{name}.{form}")
            spoken.append(words)
            seen = Perceived(name, "speech", words)
            capability = "transcribe"
        elif kind in ("image_url", "file"):
            if kind == "image_url":
                counts["image"] += 1
                name = f"image {counts['image']}"
                data = await attachments.url_bytes(part, name)
            else:
                data, name = await attachments.file_bytes(part)
            if kind == "image_url" or looks_like_image(data):
                if kind == "file":
                    counts["image"] += 1
                facts = await attachments.vision.facts(data, name)
                read = " ".join(line.text for line in facts.text)
                seen = Perceived(name, "image", facts_text(facts), read)
                capability = "vision"
            else:
                seen = Perceived(name, "document", await attachments.document(data, name))
                capability = "read"
        else:
            raise InvalidRequest(
                f"Content parts of type {kind!r} are not supported; send 'text', 'image_url', "
                "'input_audio' and 'file' parts."
            )
        perceived.append(seen)
        ms = (time.perf_counter() - started) * 1000
        steps.append(Step(capability, {"attachment": seen.name}, short(seen.text), ms))
    said = "\n".join(t for t in [*typed, *spoken] if t.strip())
    if not said.strip() and not perceived:
        raise InvalidRequest("The message is empty: say or attach something.")
    return Request(said, tuple(perceived), history, tuple(steps))


def _audio(part: Json, name: str) -> tuple[bytes, str]:
    """The recording's bytes and format (decoding base64 is CPU work: run off the loop)."""
    field_ = part.get("input_audio")
    if not isinstance(field_, dict) or not isinstance(field_.get("data"), str):
        raise InvalidRequest(f"{name}: 'input_audio' needs 'data' (base64) and 'format'.")
    form = str(field_.get("format", "wav")).lower()
    if form not in AUDIO_FORMATS:
        raise InvalidRequest(f"{name}: format {form!r} is not supported; send wav or mp3.")
    try:
        data = base64.b64decode(field_["data"], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"{name}: 'data' is not valid base64.") from None
    if not data:
        raise InvalidRequest(f"{name} is empty.")
    return data, form


def _words(content: Any) -> str:
    """A message's text alone: earlier attachments are not looked at again."""
    if isinstance(content, list):
        return "\n".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
    return str(content or "")


def short(text: str, limit: int = 300) -> str:
    """``text`` cut for the trace."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
