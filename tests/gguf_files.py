"""Tiny GGUF files written with llama.cpp's own ``gguf`` package: a language model's header (a
few layers, no real weights) or a vision projector's, for the checks ``llmos create`` makes."""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np


def tiny_gguf(path: Path, architecture: str = "llama", *, context: int = 2048) -> Path:
    """A GGUF file that says it is ``architecture``; "clip" makes a vision projector."""
    writer = gguf.GGUFWriter(str(path), architecture)
    if architecture != "clip":
        writer.add_block_count(2)
        writer.add_context_length(context)
        writer.add_embedding_length(64)
        writer.add_head_count(4)
        writer.add_head_count_kv(2)
    writer.add_tensor("token_embd.weight", np.zeros((8, 64), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
