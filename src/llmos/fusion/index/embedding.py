"""Texts to MiniLM vectors through the kernel, a batch per job, so other requests get the CPU
between the batches of a long document or of the ConSE class descriptions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from llmos.capabilities.embed import embed
from llmos.kernel import Kernel

BATCH = 64  # texts per embedding job


async def embed_texts(kernel: Kernel, texts: Sequence[str]) -> np.ndarray:
    """One unit vector per text (n, dim), in order."""
    spec = kernel.registry.resolve("embed", None)
    rows = []
    for first in range(0, len(texts), BATCH):
        batch = list(texts[first : first + BATCH])
        result = await kernel.run(spec, lambda model, _stop, b=batch: embed(model, b))
        rows.append(result.vectors)
    return np.concatenate(rows)
