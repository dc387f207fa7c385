"""sentence-transformers on the CPU, with weights that ship inside a pip package."""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from llmos.errors import MissingExtra, install_extra


class SentenceTransformerEmbedder:
    """A loaded SentenceTransformer; ``encode`` and ``count_tokens`` are thread-compatible."""

    def __init__(self, name: str, model_dir: Path, *, threads: int) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import torch
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging
        except ImportError as error:
            missing = error.name or "sentence-transformers"
            raise MissingExtra(missing, install=install_extra("embed")) from error
        torch.set_num_threads(threads)
        torch.set_flush_denormal(True)  # denormals make CPU matmuls crawl
        transformers_logging.disable_progress_bar()
        self.name = name
        self._torch = torch
        self._model = SentenceTransformer(str(model_dir), device="cpu")
        self.dimensions = int(self._model.get_embedding_dimension())

    @classmethod
    def from_package(
        cls, name: str, *, package_module: str, threads: int
    ) -> SentenceTransformerEmbedder:
        """Load the model that the pip package ``package_module`` carries."""
        try:
            package = importlib.import_module(package_module)
        except ImportError as error:
            raise MissingExtra(package_module, install=install_extra("embed")) from error
        return cls(name, Path(package.get_model_path()), threads=threads)

    def encode(self, texts: Sequence[str], *, normalize: bool, batch_size: int) -> np.ndarray:
        with self._torch.inference_mode():
            return self._model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=normalize,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

    def count_tokens(self, texts: Sequence[str]) -> int:
        encoded = self._model.tokenizer(list(texts), add_special_tokens=True, truncation=True)
        return sum(len(ids) for ids in encoded["input_ids"])

    def close(self) -> None:
        del self._model
