"""llama.cpp through xllamacpp: its in-process server engine speaks OpenAI-shaped JSON."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmos.errors import MissingExtra, install_extra

log = logging.getLogger(__name__)

Chunk = dict[str, Any]
OnChunk = Callable[[Chunk], None]


class LlamaCppServer:
    """A GGUF model loaded into llama.cpp's server engine (no HTTP: calls go in-process)."""

    def __init__(self, name: str, gguf: Path, *, n_ctx: int, threads: int) -> None:
        try:
            import xllamacpp
        except ImportError as error:
            raise MissingExtra("xllamacpp", install=install_extra("chat")) from error
        params = xllamacpp.CommonParams()
        params.model.path = str(gguf)
        params.n_ctx = n_ctx
        params.n_parallel = 1  # the kernel's scheduler runs one chat job at a time
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.use_jinja = True  # the GGUF's own chat template
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
        return self._call(self._server.handle_chat_completions, body, on_chunk, stop)

    def complete(
        self,
        body: dict[str, Any],
        *,
        on_chunk: Callable[[Chunk], None] | None,
        stop: threading.Event,
    ) -> dict[str, Any]:
        """A raw-prompt completion (llama.cpp's shape)."""
        return self._call(self._server.handle_completions, body, on_chunk, stop)

    def close(self) -> None:
        del self._server  # its destructor stops the engine's loop and frees the model

    @staticmethod
    def _call(handler, body, on_chunk, stop) -> dict[str, Any]:
        if stop.is_set():  # the client left while the job waited
            return {"error": {"code": 499, "message": "cancelled before it started"}}
        if on_chunk is None:  # llama.cpp cannot be stopped mid-way without streaming
            return handler({**body, "stream": False})
        last: dict[str, Any] = {}

        def callback(chunk: dict[str, Any]) -> bool:
            nonlocal last
            last = chunk
            if "error" not in chunk:
                on_chunk(chunk)
            return stop.is_set()  # True tells llama.cpp to stop generating

        handler({**body, "stream": True}, callback)
        return last
