"""The client of llmos's own routes: the model manager (/api/ps, load, unload), chat and stored
conversations, speech, translation, vision, search and pictures; the assistant's methods come
from :class:`~llmos.sdk.assistant.AssistantMethods`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import httpx

from llmos.atomic import atomic_target
from llmos.sdk.assistant import AssistantMethods
from llmos.sdk.attachments import data_uri
from llmos.sdk.conversations import ConversationMethods
from llmos.sdk.models import ModelMethods
from llmos.sdk.results import (
    Caption,
    Detections,
    Grounding,
    Hit,
    IndexJob,
    Pictures,
    TextRead,
    Translation,
    VisualAnswer,
    parse,
)


class ApiError(Exception):
    """The server answered with an error; ``message`` is the server's own explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class ServerUnreachable(Exception):
    pass


@dataclass(frozen=True)
class ResidentModel:
    """A model the server has loaded (``GET /api/ps``)."""

    name: str
    capability: str
    memory_bytes: int  # the budgeted estimate
    rss_bytes: int  # measured at load
    in_use: int
    idle_seconds: float
    expires_in: float | None  # None: pinned, or busy
    pinned: bool


@dataclass(frozen=True)
class ServerStatus:
    models: list[ResidentModel]
    memory_budget_bytes: int
    memory_used_bytes: int


_RESIDENT_FIELDS = tuple(field.name for field in fields(ResidentModel))


class LlmosClient(AssistantMethods, ConversationMethods, ModelMethods):
    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        *,
        api_key: str | None = None,
        read_timeout: float | None = None,
    ) -> None:
        """``read_timeout``: seconds to wait for an answer; None (loading a model can take a
        while on two cores) waits as long as it takes. A request given up is cancelled on the
        server too."""
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        timeout = httpx.Timeout(10.0, read=read_timeout)
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout)

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def ps(self) -> ServerStatus:
        body = self._call("GET", "/api/ps")
        return ServerStatus(
            models=[
                ResidentModel(**{key: model[key] for key in _RESIDENT_FIELDS})
                for model in body["models"]
            ],
            memory_budget_bytes=body["memory_budget_bytes"],
            memory_used_bytes=body["memory_used_bytes"],
        )

    def load(self, model: str, *, keep_alive: str | None = None) -> ServerStatus:
        self._call("POST", "/api/load", json={"model": model, "keep_alive": keep_alive})
        return self.ps()

    def unload(self, model: str) -> Literal["unloaded", "pending", "not_loaded"]:
        """Unload ``model``; "pending" when busy: it unloads when its last call ends."""
        result = self._call("POST", "/api/unload", json={"model": model})
        if not result["was_loaded"]:
            return "not_loaded"
        return "unloaded" if result["unloaded"] else "pending"

    def chat(
        self,
        messages: list[dict[str, Any]],
        *,
        model: str | None = None,
        response_format: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Iterator[str]:
        """Stream a chat reply as text pieces (the OpenAI client works too; this needs no extra)."""
        body = {
            "messages": messages,
            "model": model,
            "response_format": response_format,
            "max_tokens": max_tokens,
            "temperature": temperature,
            "stream": True,
        }
        body = {key: value for key, value in body.items() if value is not None}
        request = self._http.build_request("POST", "/v1/chat/completions", json=body)
        yield from self._texts(request)

    def _texts(self, request: httpx.Request) -> Iterator[str]:
        for chunk in self._events(request):
            for choice in chunk.get("choices", []):
                if text := (choice.get("delta") or {}).get("content"):
                    yield text

    def transcribe(
        self,
        audio: Path,
        *,
        response_format: str = "json",
        language: str | None = None,
        word_timestamps: bool = False,
    ) -> str:
        """The transcription of an audio or video file, as ``response_format`` text."""
        data: dict[str, Any] = {"response_format": response_format}
        if language:
            data["language"] = language
        if word_timestamps:
            data["timestamp_granularities[]"] = ["word", "segment"]
        return self._upload("/v1/audio/transcriptions", audio, data)

    def transcribe_events(
        self,
        audio: Path,
        *,
        response_format: str = "json",
        language: str | None = None,
        word_timestamps: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """Transcribe with progress: one event per recognised segment (``seconds_done`` of
        ``duration``), then a ``transcript.text.done`` event carrying the rendered response."""
        data: dict[str, Any] = {"response_format": response_format, "stream": "true"}
        if language:
            data["language"] = language
        if word_timestamps:
            data["timestamp_granularities[]"] = ["word", "segment"]
        with audio.open("rb") as file:
            request = self._http.build_request(
                "POST", "/v1/audio/transcriptions", data=data, files={"file": (audio.name, file)}
            )
            yield from self._events(request)

    def _events(self, request: httpx.Request) -> Iterator[dict[str, Any]]:
        """The JSON events of a server-sent event stream."""
        try:
            response = self._http.send(request, stream=True)
        except httpx.TransportError as error:
            raise self._unreachable(error) from error
        try:
            if response.is_error:
                response.read()
                _raise_for(response)
            for line in response.iter_lines():
                data = line.removeprefix("data: ")
                if not line.startswith("data: ") or data == "[DONE]":
                    continue
                event = json.loads(data)
                if "error" in event:
                    raise ApiError(500, event["error"]["message"])
                yield event
        finally:
            response.close()

    def subtitles(
        self,
        video: Path,
        *,
        response_format: str = "srt",
        language: str | None = None,
        translate_to: str | None = None,
    ) -> str:
        """SRT or WebVTT subtitles for a video."""
        data = {"response_format": response_format, "language": language}
        data["translate_to"] = translate_to
        data = {key: value for key, value in data.items() if value}
        return self._upload("/v1/video/subtitles", video, data)

    def translate(
        self,
        text: str | list[str],
        target: str,
        *,
        source: str | None = None,
        format: str = "text",
        glossary: dict[str, str] | None = None,
    ) -> Translation:
        """``text`` (same shape as given), ``source``, ``target``, ``engine`` and ``quality``."""
        body = _present(text=text, target=target, source=source, glossary=glossary)
        return parse(
            Translation, self._call("POST", "/v1/translate", json={**body, "format": format})
        )

    def imagine(self, prompt: str, *, n: int = 1, size: str = "512x512") -> Pictures:
        """OpenAI's image response (``b64_json`` PNGs) with llmos's ``llmos`` composition."""
        body = {"prompt": prompt, "n": n, "size": size, "response_format": "b64_json"}
        return parse(Pictures, self._call("POST", "/v1/images/generations", json=body))

    def image_facts(self, image: Path) -> dict[str, Any]:
        """What the image experts saw: labels, objects, faces, text lines, colours (as the
        server sends them: many optional parts)."""
        return json.loads(self._upload("/v1/images/facts", image, {}))

    def caption(self, image: Path, *, model: str | None = None) -> Caption:
        """A one-sentence caption (``text``), its ``source`` and the facts behind it."""
        data = _present(model=model)
        return parse(Caption, json.loads(self._upload("/v1/images/captions", image, data)))

    def ask(self, image: Path, question: str, *, model: str | None = None) -> VisualAnswer:
        """``answer``, ``confidence``, ``evidence`` and ``abstained`` for a question."""
        data = _present(question=question, model=model)
        return parse(VisualAnswer, json.loads(self._upload("/v1/images/questions", image, data)))

    def ocr(self, image: Path, *, min_score: float = 0.5, pages: str | None = None) -> TextRead:
        """The ``text`` in an image or PDF and its ``lines`` with boxes and scores; for a PDF,
        also ``pages`` (``pages="1-3"`` picks them)."""
        data: dict[str, Any] = {"min_score": min_score}
        if pages:
            data["pages"] = pages
        return parse(TextRead, json.loads(self._upload("/v1/images/ocr", image, data)))

    def detect(self, image: Path, *, min_score: float = 0.4, draw: bool = False) -> Detections:
        """Objects with boxes; with ``draw``, ``annotated_png`` holds a base64 PNG."""
        data = {"min_score": min_score, "draw": str(draw).lower()}
        return parse(Detections, json.loads(self._upload("/v1/images/detections", image, data)))

    def index(self, paths: list[str | Path]) -> IndexJob:
        """Start indexing files and folders on the server's disk; the job (``id``, ``state``)."""
        body = {"paths": [str(Path(p).expanduser().absolute()) for p in paths]}
        return parse(IndexJob, self._call("POST", "/v1/index", json=body))

    def index_job(self, job_id: str) -> IndexJob:
        """An index job's progress: ``files``, ``done``, ``errors``, ... and ``state``."""
        return parse(IndexJob, self._call("GET", f"/v1/index/jobs/{job_id}"))

    def cancel_index_job(self, job_id: str) -> IndexJob:
        return parse(IndexJob, self._call("DELETE", f"/v1/index/jobs/{job_id}"))

    def search(
        self,
        query: str | None = None,
        *,
        image: Path | None = None,
        type: str | None = None,
        folder: str | Path | None = None,
        after: str | None = None,
        before: str | None = None,
        limit: int = 10,
    ) -> list[Hit]:
        """Indexed files matching ``query`` and/or like ``image``, best first, each with its
        ``path``, ``type``, ``score`` and ``why`` (the matched text, page or time span)."""
        picture = None
        if image is not None:
            picture = data_uri(image, unknown="image/png")
        body = _present(
            query=query, image=picture, type=type, after=after, before=before, limit=limit,
            folder=None if folder is None else str(Path(folder).expanduser().absolute()),
        )  # fmt: skip
        return parse(list[Hit], self._call("POST", "/v1/search", json=body)["results"])

    def ground(self, question: str, *, limit: int = 4) -> Grounding:
        """Indexed passages for ``question``: ``system`` (a system message holding them,
        numbered) and ``citations`` (``number``, ``path``, ``where``, ``text``)."""
        body = {"question": question, "limit": limit}
        return parse(Grounding, self._call("POST", "/v1/search/ground", json=body))

    def _upload(self, path: str, file_path: Path, data: dict[str, Any]) -> str:
        with file_path.open("rb") as file:
            try:
                response = self._http.post(path, data=data, files={"file": (file_path.name, file)})
            except httpx.TransportError as error:
                raise self._unreachable(error) from error
        _raise_for(response)
        return response.text

    def speech(
        self,
        text: str,
        *,
        response_format: str = "mp3",
        voice: str | None = None,
        speed: float | None = None,
        model: str | None = None,
    ) -> Iterator[bytes]:
        """Speech for ``text`` as it streams (a WAV stream's header cannot know its sizes)."""
        body = _present(input=text, response_format=response_format, voice=voice, speed=speed,
                        model=model)  # fmt: skip
        try:
            with self._http.stream("POST", "/v1/audio/speech", json=body) as response:
                if response.is_error:
                    response.read()
                    _raise_for(response)
                yield from response.iter_bytes()
        except httpx.TransportError as error:
            raise self._unreachable(error) from error

    def speak(
        self,
        text: str,
        out: Path,
        *,
        response_format: str | None = None,
        voice: str | None = None,
        speed: float | None = None,
        model: str | None = None,
    ) -> int:
        """Write speech for ``text`` to ``out`` (atomically), in ``response_format`` or the
        format ``out``'s extension names (``ValueError`` when it names none); a WAV file gets
        its true sizes in its header. Returns the bytes written."""
        if response_format is None:
            suffix = out.suffix.lower().lstrip(".")
            response_format = SUFFIX_FORMATS.get(suffix, suffix)
            if response_format not in SPEECH_FORMATS:
                raise ValueError(
                    f"say the audio format: response_format=..., or a file name ending in one "
                    f"of {', '.join(SPEECH_FORMATS)} (not {out.name!r})"
                )
        pieces = self.speech(text, response_format=response_format, voice=voice, speed=speed,
                             model=model)  # fmt: skip
        with atomic_target(out) as partial:
            with partial.open("wb") as sink:
                for chunk in pieces:
                    sink.write(chunk)
            if response_format == "wav":
                fix_wav_sizes(partial)
        return out.stat().st_size

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LlmosClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise self._unreachable(error) from error
        _raise_for(response)
        return response.json()

    def _unreachable(self, error: Exception) -> ServerUnreachable:
        return ServerUnreachable(
            f"No llmos server answers at {self.base_url} ({error}). Start one with `llmos serve`."
        )


def _present(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value is not None}


def _raise_for(response: httpx.Response) -> None:
    if not response.is_error:
        return
    try:
        message = response.json()["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = response.text or response.reason_phrase
    raise ApiError(response.status_code, message)


SPEECH_FORMATS = ("mp3", "wav", "opus", "aac", "flac", "pcm")
SUFFIX_FORMATS = {"ogg": "opus", "oga": "opus", "m4a": "aac"}  # files named by their container


def fix_wav_sizes(path: Path) -> None:
    """Set a streamed WAV file's RIFF and data sizes (sent as unknown) to the file's own."""
    import struct

    size = path.stat().st_size
    with path.open("r+b") as wav:
        header = wav.read(44)
        if size < 44 or header[:4] != b"RIFF" or header[36:40] != b"data":
            return  # not the plain 44-byte header llmos streams
        wav.seek(4)
        wav.write(struct.pack("<I", size - 8))
        wav.seek(40)
        wav.write(struct.pack("<I", size - 44))
