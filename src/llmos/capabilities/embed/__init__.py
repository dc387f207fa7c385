"""Text embeddings (OpenAI ``/v1/embeddings``)."""

from llmos.capabilities.embed.service import CAPABILITY, MINILM, TextEmbedder, embed
from llmos.capabilities.embed.types import EmbeddingResult, EmbedOptions

__all__ = ["CAPABILITY", "MINILM", "EmbedOptions", "EmbeddingResult", "TextEmbedder", "embed"]
