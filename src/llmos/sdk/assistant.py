"""The assistant through the SDK: ask ``llmos-assistant`` or an app with pictures and
recordings, read the answer with its trace, citations and waiting actions, approve or reject
those, and keep the user's profile — typed results, for :class:`~llmos.sdk.LlmosClient` and
:class:`~llmos.LocalClient` alike."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmos.sdk.attachments import data_uri

Json = dict[str, Any]
AUDIO_FORMATS = {".wav": "wav", ".mp3": "mp3"}


@dataclass(frozen=True)
class Step:
    capability: str  # "vision", "transcribe", "plan", "tool:NAME", "memory"
    inputs: Json
    output: str
    ms: float
    ok: bool


@dataclass(frozen=True)
class Action:
    """A dangerous tool's call that waits for the user (or was decided)."""

    id: str
    tool: str
    arguments: Json
    state: str  # pending, running, done, failed, rejected
    output: str = ""
    model: str = ""


@dataclass(frozen=True)
class Reply:
    """The assistant's answer and what it did to find it."""

    text: str
    model: str
    trace_id: str
    planner: str
    steps: list[Step]
    citations: list[str] = field(default_factory=list)  # [1] is citations[0]
    pending: list[Action] = field(default_factory=list)
    audio: bytes | None = None  # the answer spoken, when asked


@dataclass(frozen=True)
class Fact:
    id: str
    text: str


def _action(data: Json) -> Action:
    return Action(data["id"], data["tool"], data["arguments"], data["state"],
                  data.get("output", ""), data.get("model", ""))  # fmt: skip


class AssistantMethods:
    """Mixed into the client: needs ``_call(method, path, **httpx_kwargs) -> dict``."""

    def _call(self, method: str, path: str, **kwargs: Any) -> Json:
        raise NotImplementedError

    def assistant(
        self,
        text: str = "",
        *,
        images: Sequence[Path] = (),
        audio: Path | None = None,
        model: str = "llmos-assistant",
        voice: str | None = None,
        history: Sequence[Json] = (),
    ) -> Reply:
        """Ask the assistant (or ``model="app:NAME"``) with ``text``, pictures and a recording
        (WAV or MP3); with ``voice``, the answer is spoken too (WAV in ``Reply.audio``)."""
        parts: list[Json] = [{"type": "text", "text": text}] if text else []
        for image in images:
            url = data_uri(Path(image), unknown="image/png")
            parts.append({"type": "image_url", "image_url": {"url": url}})
        if audio is not None:
            audio_format = AUDIO_FORMATS.get(audio.suffix.lower())
            if audio_format is None:
                raise ValueError(f"{audio} is not a .wav or .mp3 recording")
            data = base64.b64encode(audio.read_bytes()).decode()
            parts.append({"type": "input_audio",
                          "input_audio": {"data": data, "format": audio_format}})  # fmt: skip
        body: Json = {"model": model,
                      "messages": [*history, {"role": "user", "content": parts}]}  # fmt: skip
        if voice is not None:
            body |= {"modalities": ["text", "audio"], "audio": {"voice": voice, "format": "wav"}}
        answer = self._call("POST", "/v1/chat/completions", json=body)
        message, llmos = answer["choices"][0]["message"], answer.get("llmos", {})
        trace = llmos.get("trace", {})
        spoken = message.get("audio")
        return Reply(
            text=message.get("content") or "",
            model=answer.get("model", model),
            trace_id=trace.get("id", ""),
            planner=trace.get("planner", ""),
            steps=[Step(**step) for step in trace.get("steps", [])],
            citations=[c["source"] for c in llmos.get("citations", [])],
            pending=[_action(a) for a in llmos.get("pending_actions", [])],
            audio=base64.b64decode(spoken["data"]) if spoken else None,
        )

    def actions(self, *, state: str | None = None) -> list[Action]:
        """Your actions, newest first (``state="pending"``: those waiting for you)."""
        params = {"state": state} if state else {}
        found = self._call("GET", "/v1/assistant/actions", params=params)["data"]
        return [_action(a) for a in found]

    def approve(self, action_id: str) -> Action:
        """Run a waiting action now (once); the action with its output."""
        return _action(self._call("POST", f"/v1/assistant/actions/{action_id}/approve"))

    def reject(self, action_id: str) -> Action:
        return _action(self._call("POST", f"/v1/assistant/actions/{action_id}/reject"))

    def profile(self) -> list[Fact]:
        """What you asked the assistant to remember."""
        found = self._call("GET", "/v1/assistant/profile")["data"]
        return [Fact(f["id"], f["text"]) for f in found]

    def remember(self, text: str) -> Fact:
        fact = self._call("POST", "/v1/assistant/profile", json={"text": text})
        return Fact(fact["id"], fact["text"])

    def edit_fact(self, fact_id: str, text: str) -> Fact:
        fact = self._call("PATCH", f"/v1/assistant/profile/{fact_id}", json={"text": text})
        return Fact(fact["id"], fact["text"])

    def forget(self, fact_id: str) -> None:
        """Delete a fact: no later answer sees it."""
        self._call("DELETE", f"/v1/assistant/profile/{fact_id}")
