"""The request bodies of the OpenAI chat and text completion endpoints, checked at the edge.

Everything a client can get wrong is refused here with a 400 that names the field, before a
message reaches an attachment reader or llama.cpp: content parts of unknown types, text that is
not a string, malformed tool calls, response formats and JSON schemas llama.cpp cannot use.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from llmos.capabilities.chat.schemas import check_schema
from llmos.errors import InvalidRequest

Json = dict[str, Any]
MAX_TOKENS = 2**31 - 1  # llama.cpp counts tokens in a 32-bit int

# The content part types each role may send (OpenAI's); attachments are read for users only.
PART_TYPES = {
    "system": ("text",),
    "developer": ("text",),
    "user": ("text", "image_url", "file", "input_audio"),  # input_audio: llmos-assistant only
    "assistant": ("text",),
    "tool": ("text",),
}


def _checked(schema: Json) -> Json:
    try:
        check_schema(schema)
    except InvalidRequest as error:
        raise ValueError(error.message) from None
    return schema


# A JSON schema from a client (structured output, tool arguments), checked before llama.cpp
JsonSchema = Annotated[Json, AfterValidator(_checked)]


class FunctionCall(BaseModel):
    name: str = Field(min_length=1)
    arguments: str = Field(description="The arguments as a JSON string.")


class ToolCall(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    type: Literal["function"] = "function"
    function: FunctionCall


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[Any] | None = None  # parts are checked below, with clearer words
    tool_calls: list[ToolCall] | None = None

    @model_validator(mode="after")
    def _content_fits_role(self) -> Message:
        if self.content is None:
            if self.role == "assistant" and self.tool_calls:
                return self
            raise ValueError(
                "'content' is missing or null; only an assistant message with 'tool_calls' may "
                "leave it out."
            )
        if isinstance(self.content, list):
            for index, part in enumerate(self.content):
                _check_part(part, f"content[{index}]", PART_TYPES[self.role], self.role)
        return self


def _check_part(part: Any, where: str, allowed: tuple[str, ...], role: str) -> None:
    if not isinstance(part, dict):
        raise ValueError(f"{where} must be an object such as {{'type': 'text', 'text': '...'}}.")
    kind = part.get("type")
    if kind not in allowed:
        raise ValueError(
            f"{where}.type is {kind!r}; a {role} message takes parts of type "
            f"{', '.join(repr(k) for k in allowed)}."
        )
    field = part.get(kind)
    if kind == "text" and not isinstance(field, str):
        raise ValueError(f"{where}.{kind} must be a string.")
    if kind == "image_url":
        url = field.get("url") if isinstance(field, dict) else field
        if not isinstance(url, str) or not url:
            raise ValueError(f"{where}.image_url needs a 'url' string (a data:image/... URI).")
    has_file = isinstance(field, dict) and any(
        isinstance(field.get(key), str) and field.get(key) for key in ("file_id", "file_data")
    )
    if kind == "file" and not has_file:
        raise ValueError(f"{where}.file needs a 'file_id' or 'file_data' string.")
    if kind == "input_audio" and not (
        isinstance(field, dict) and isinstance(field.get("data"), str)
    ):
        raise ValueError(f"{where}.input_audio needs 'data' (base64) and 'format' (wav or mp3).")


class StreamOptions(BaseModel):
    include_usage: bool = False


class Sampling(BaseModel):
    """Fields both endpoints share. Unknown fields are accepted and ignored."""

    model_config = ConfigDict(extra="allow")

    model: str | None = Field(None, description="Model id; the chat default when absent.")
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)
    max_completion_tokens: int | None = Field(None, ge=1, le=MAX_TOKENS)
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    stop: str | list[str] | None = None
    seed: int | None = Field(None, ge=-(2**63), lt=2**64)
    n: int = 1
    logprobs: bool | int | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    keep_alive: str | float | None = Field(None, description="llmos extension, as in Ollama.")


class Function(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    parameters: JsonSchema | None = Field(None, description="A JSON schema for the arguments.")


class Tool(BaseModel):
    type: Literal["function"] = "function"
    function: Function


class FunctionName(BaseModel):
    name: str


class NamedToolChoice(BaseModel):
    type: Literal["function"] = "function"
    function: FunctionName


class JsonSchemaFormat(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    name: str | None = None
    description: str | None = None
    schema_: JsonSchema | None = Field(None, alias="schema")
    strict: bool | None = None


class ResponseFormat(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None
    schema_: JsonSchema | None = Field(None, alias="schema", description="llama.cpp's json_object")

    @model_validator(mode="after")
    def _schema_when_asked(self) -> ResponseFormat:
        if self.type == "json_schema" and (
            self.json_schema is None or not self.json_schema.schema_
        ):
            raise ValueError("type 'json_schema' needs 'json_schema': {'schema': {...}}.")
        return self


class AudioOutput(BaseModel):
    """How a spoken answer should sound and be encoded (OpenAI's ``audio``)."""

    model_config = ConfigDict(extra="forbid")

    voice: str = Field("alloy", max_length=100)
    format: Literal["wav", "mp3", "flac", "opus", "pcm16"] = "wav"


class ChatRequest(Sampling):
    messages: list[Message] = Field(min_length=1)
    response_format: ResponseFormat | None = None
    tools: list[Tool] | None = None
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    modalities: list[Literal["text", "audio"]] | None = Field(None, max_length=2)
    audio: AudioOutput | None = None

    @model_validator(mode="after")
    def _audio_asked_whole(self) -> ChatRequest:
        if self.modalities and "audio" in self.modalities and self.audio is None:
            raise ValueError(
                "'modalities' asks for audio: say how in 'audio', e.g. "
                '{"voice": "alloy", "format": "wav"}'
            )
        return self

    @property
    def spoken(self) -> AudioOutput | None:
        """The audio asked for, if the answer is to be spoken."""
        return self.audio if self.modalities and "audio" in self.modalities else None


class CompletionRequest(Sampling):
    prompt: str | list[str]
    echo: bool | None = None
    suffix: str | None = None

    @field_validator("prompt")
    @classmethod
    def _one_prompt(cls, prompt: str | list[str]) -> str:
        if isinstance(prompt, str):
            return prompt
        if len(prompt) != 1:
            raise ValueError("send one prompt per request (a string, or a list of one string)")
        return prompt[0]
