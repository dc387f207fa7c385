"""Frozen encoders: the models llmos already serves, their features cached by content hash.

- images: EfficientNet-Lite0's 1280-d pooled features and its 1000 ImageNet probabilities
  (the whole picture and its subject close up, as the index sees them), 2280 numbers;
- texts: MiniLM's 384-d sentence vectors;
- audio: Whisper-base's encoder, 512-d, mean-pooled per half second over the first 30 s.

Every model call goes through the kernel (its scheduler and memory budget), and every result
is kept in ``folder/MODEL/ab/abcdef….npy`` under the SHA-256 of the input and the model, so a
second experiment on the same data re-runs in seconds. A damaged cache file is computed again.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import numpy as np

from llmos.atomic import atomic_target
from llmos.backends.faster_whisper import SAMPLE_RATE
from llmos.fusion.index.embedding import embed_texts
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel

log = logging.getLogger(__name__)

IMAGE = "efficientnet-lite0"  # 1280 embedding + 1000 probabilities
IMAGE_DIM, CLASSES = 1280, 1000
AUDIO_SECONDS = 30  # what Whisper's encoder hears at once
AUDIO_STEP = 25  # encoder frames (20 ms each) pooled into one token: half a second


class FeatureCache:
    """Arrays by key in one folder per model; written atomically, damaged files ignored."""

    def __init__(self, folder: Path, model: str) -> None:
        self.folder = folder / model
        self.model = model

    def key(self, content: bytes) -> str:
        return hashlib.sha256(self.model.encode() + b"\0" + content).hexdigest()

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npy"

    def get(self, key: str) -> np.ndarray | None:
        try:
            return np.load(self.path(key), allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None

    def put(self, key: str, array: np.ndarray) -> None:
        try:
            with atomic_target(self.path(key), suffix=".npy") as partial:
                np.save(partial, array, allow_pickle=False)
        except OSError as error:  # a cache that cannot be written only costs time
            log.warning("feature cache %s: %s", self.folder, error)


class FrozenFeatures:
    """Features of images (encoded bytes), texts and audio clips (encoded bytes)."""

    def __init__(self, kernel: Kernel, folder: Path) -> None:
        self.kernel = kernel
        self.folder = folder
        self.vision = Vision(kernel)

    async def images(self, images: Sequence[bytes]) -> np.ndarray:
        """(n, 2280): the L2-normalised 1280-d embedding, then the 1000 probabilities."""
        return await self._cached(IMAGE, list(images), self._image)

    async def texts(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) unit vectors."""
        spec = self.kernel.registry.resolve("embed", None)
        cache = FeatureCache(self.folder, spec.name)
        keys = await self.kernel.compute(lambda: [cache.key(t.encode()) for t in texts])
        known = await asyncio.to_thread(lambda: [cache.get(k) for k in keys])
        missing = [i for i, row in enumerate(known) if row is None]
        if missing:
            vectors = await embed_texts(self.kernel, [texts[i] for i in missing])
            for i, vector in zip(missing, vectors, strict=True):
                known[i] = vector
            await asyncio.to_thread(lambda: [cache.put(keys[i], known[i]) for i in missing])
        return np.stack(known) if known else np.zeros((0, 384), np.float32)

    async def audio(self, clips: Sequence[bytes]) -> list[np.ndarray]:
        """One (T, 512) array per clip: T half-second tokens, T <= 60."""
        spec = self.kernel.registry.resolve("transcribe", None)
        return list(await self._cached(spec.name, list(clips), self._clip, stack=False))

    async def _image(self, data: bytes) -> np.ndarray:
        async with self.vision.image(data) as image:
            _subject, probabilities, embedding = await self.vision.classify(image)
        return np.concatenate([embedding, probabilities]).astype(np.float32)

    async def _clip(self, data: bytes) -> np.ndarray:
        spec = self.kernel.registry.resolve("transcribe", None)
        return await self.kernel.run(spec, lambda model, _stop: encode_clip(model, data))

    async def _cached(
        self,
        model: str,
        items: list[bytes],
        compute: Callable[[bytes], Awaitable[np.ndarray]],
        *,
        stack: bool = True,
    ):
        cache = FeatureCache(self.folder, model)
        rows = []
        for item in items:  # one at a time: each is a scheduled job of its own
            key = await self.kernel.compute(cache.key, item)
            row = await asyncio.to_thread(cache.get, key)
            if row is None:
                row = await compute(item)
                await asyncio.to_thread(cache.put, key, row)
            rows.append(row)
        return np.stack(rows) if stack and rows else rows


def encode_clip(model, data: bytes) -> np.ndarray:
    """Whisper's encoder over a clip's first 30 s, pooled to half-second tokens (the padding
    after the clip's end left out)."""
    import io

    from llmos.backends.faster_whisper import decode_audio

    samples = decode_audio(io.BytesIO(data))[: AUDIO_SECONDS * SAMPLE_RATE]
    hidden = model.encode_audio(samples)  # (1500, 512) for 30 s, 20 ms a frame
    frames = max(1, min(len(hidden), round(len(samples) / SAMPLE_RATE * 50)))
    hidden = hidden[:frames]
    tokens = [hidden[i : i + AUDIO_STEP].mean(axis=0) for i in range(0, frames, AUDIO_STEP)]
    return np.stack(tokens).astype(np.float32)


def split_image_features(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings (n, 1280), probabilities (n, 1000)) of ``FrozenFeatures.images``' rows."""
    return features[:, :IMAGE_DIM], features[:, IMAGE_DIM:]
