"""The MiniLM embedder loaded from its pip package, called directly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from llmos.capabilities import LoadContext
from llmos.capabilities.embed import MINILM, EmbedOptions, embed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm():
    model = MINILM.load(LoadContext(threads=2, data_dir=Path("/nonexistent")))
    yield model
    model.close()


def test_minilm_gives_unit_vectors_that_rank_meaning(minilm):
    result = embed(minilm, ["a cat sits on the mat", "a kitten on a rug", "stock market report"])
    vectors = result.vectors
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3
    assert result.model == "all-minilm-l6-v2"
    # [CLS] a cat sits on the mat [SEP] -> 8 tokens, and so on
    assert result.usage.input_tokens == 8 + 7 + 5


def test_batching_does_not_change_the_vectors(minilm):
    texts = [f"sentence number {i} about llamas" for i in range(10)]
    one_by_one = np.vstack([embed(minilm, [t]).vectors for t in texts])
    batched = embed(minilm, texts, options=EmbedOptions(batch_size=4)).vectors
    assert np.allclose(one_by_one, batched, atol=1e-5)
