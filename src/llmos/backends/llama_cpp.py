"""llama.cpp through xllamacpp: its in-process server engine speaks OpenAI-shaped JSON."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmos.errors import Cancelled, InvalidRequest, MissingExtra, install_extra

log = logging.getLogger(__name__)

Chunk = dict[str, Any]
PROMPT_CACHE_MIB = 256  # about 9000 tokens of Qwen's KV state; counted in the models' estimates
OnChunk = Callable[[Chunk], None]


class LlamaCppServer:
    """A GGUF model loaded into llama.cpp's server engine (no HTTP: calls go in-process)."""

    def __init__(
        self,
        name: str,
        gguf: Path,
        *,
        n_ctx: int,
        threads: int,
        slots: int = 1,
        mmproj: Path | None = None,
        chat_template: str | None = None,
    ) -> None:
        """``n_ctx`` is each slot's context: with ``slots`` calls at once (continuous batching),
        llama.cpp gets ``slots * n_ctx`` tokens of KV cache, split evenly, so every call keeps
        the whole context the model has alone. ``mmproj`` is a vision projector (the model then
        reads ``image_url`` parts itself); ``chat_template`` a Jinja template instead of the
        file's own."""
        try:
            import xllamacpp
        except ImportError as error:
            raise MissingExtra("xllamacpp", install=install_extra("chat")) from error
        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_ctx = n_ctx * slots
        params.n_parallel = slots  # the kernel admits up to this many of its jobs at once
        params.kv_unified = False  # each slot its own n_ctx, never a share another took
        # llama.cpp keeps recent prompts' KV state in RAM and restores a conversation's prefix
        # from it in whatever slot it lands (8 GiB by default, outside any budget): bounded
        params.cache_ram_mib = PROMPT_CACHE_MIB
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.use_jinja = True  # the GGUF's own chat template
        if chat_template:
            params.chat_template = chat_template
        if mmproj is not None:
            params.mmproj.path = str(mmproj)
        params.verbosity = -1  # llama.cpp is very chatty on stderr
        self.name = name
        self.n_ctx = n_ctx
        self._server = xllamacpp.Server(params)

    def chat(
        self,
        body: dict[str, Any],
        *,
        on_chunk: Callable[[Chunk], None] | None,
        stop: threading.Event,
    ) -> dict[str, Any]:
        """An OpenAI chat completion; with ``on_chunk`` it streams chunks and returns the last."""
        return self._call(self._server.handle_chat_completions, body, on_chunk, stop, chat=True)

    def complete(
        self,
        body: dict[str, Any],
        *,
        on_chunk: Callable[[Chunk], None] | None,
        stop: threading.Event,
    ) -> dict[str, Any]:
        """A raw-prompt completion (llama.cpp's shape)."""
        return self._call(self._server.handle_completions, body, on_chunk, stop, chat=False)

    def close(self) -> None:
        del self._server  # its destructor stops the engine's loop and frees the model

    @staticmethod
    def _call(handler, body, on_chunk, stop, *, chat: bool) -> dict[str, Any]:
        """Always stream from llama.cpp: only a streaming call can be stopped half-way (its
        callback returns True), so a caller that goes away frees the model at once. Without
        ``on_chunk`` the chunks are put back together into one response."""
        if stop.is_set():  # the client left while the job waited
            raise Cancelled("The request was cancelled before it started.")
        chunks: list[Chunk] = []

        def callback(chunk: Chunk) -> bool:
            if on_chunk is None:
                chunks.append(chunk)  # to be put back together
            else:  # streamed on: only the last is kept (its usage), never the whole answer
                chunks[:] = [chunk]
                if "error" not in chunk:
                    on_chunk(chunk)
            return stop.is_set()  # True tells llama.cpp to stop generating

        try:
            handler({**body, "stream": True}, callback)
        except ValueError as error:  # xllamacpp's word for a request llama.cpp cannot serve
            log.warning("llama.cpp refused a request: %s", error)  # in the log, if it is ours
            raise InvalidRequest(str(error)) from None
        if stop.is_set():  # a half answer must not pass for a whole one (e.g. be stored)
            raise Cancelled("The request was cancelled: its client went away.")
        if on_chunk is not None:
            return chunks[-1] if chunks else {}
        return _assemble(chunks, chat=chat)


def _assemble(chunks: list[Chunk], *, chat: bool) -> Chunk:
    """One OpenAI response from the chunks of a stream."""
    response: Chunk = {}
    pieces: list[str] = []
    logprobs: list[Chunk] = []
    finish_reason = None
    for chunk in chunks:
        if "error" in chunk:
            return chunk
        response.update({k: chunk[k] for k in ("id", "created", "model") if k in chunk})
        if chunk.get("usage"):
            response["usage"] = chunk["usage"]
        for choice in chunk.get("choices", []):
            piece = (choice.get("delta") or {}).get("content") if chat else choice.get("text")
            pieces.append(piece or "")
            logprobs.extend((choice.get("logprobs") or {}).get("content") or [])
            finish_reason = choice.get("finish_reason") or finish_reason
    choice: Chunk = {"index": 0, "finish_reason": finish_reason or "stop"}
    if chat:
        choice["message"] = {"role": "assistant", "content": "".join(pieces)}
    else:
        choice["text"] = "".join(pieces)
    choice["logprobs"] = {"content": logprobs} if logprobs else None
    response["object"] = "chat.completion" if chat else "text_completion"
    response["choices"] = [choice]
    return response
