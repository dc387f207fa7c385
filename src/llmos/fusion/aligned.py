"""A trained picture-text space (LiT, ``llmos train``) put to work: texts and pictures into it,
every projection a kernel job of the space's model (loaded, budgeted and accounted like any).

A picture's vector needs EfficientNet-Lite0's features and its ConSE vector (the probabilities'
top classes in MiniLM's space); a text's needs MiniLM's vector. The search index already keeps
both picture inputs, so a model trained after the pictures were indexed is applied to them
without deriving anything again (``fusion.index.service``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from llmos.capabilities.align import NAME as ALIGN
from llmos.capabilities.align import AlignedSpace
from llmos.capabilities.align.space import preferred
from llmos.capabilities.base import ModelSpec
from llmos.capabilities.vision.images import DecodedImage
from llmos.fusion.index.conse import ClassVectors, image_vector
from llmos.fusion.index.embedding import embed_texts
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel


class Aligned:
    def __init__(self, kernel: Kernel, vision: Vision, classes: ClassVectors) -> None:
        self.kernel, self.vision, self.classes = kernel, vision, classes

    def spec(self, name: str) -> ModelSpec:
        return self.kernel.registry.model(name, capability=ALIGN)

    async def preferred(self) -> AlignedSpace | None:
        """The served space that search uses in ConSE's place (the kernel's own copy of its
        weights), or None."""
        spaces = []
        for spec in self.kernel.registry.models:
            if spec.capability == ALIGN:
                spaces.append(await self.kernel.run(spec, lambda model, _stop: model.space))
        return preferred(spaces)

    def is_model(self, name: str | None) -> bool:
        return name is not None and any(
            s.name == name and s.capability == ALIGN for s in self.kernel.registry.models
        )

    async def texts(self, name: str, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors (n, d) of ``texts`` in the space."""
        return await self.project_texts(name, await embed_texts(self.kernel, texts))

    async def project_texts(self, name: str, minilm: np.ndarray) -> np.ndarray:
        return await self.kernel.run(self.spec(name), lambda model, _stop: model.texts(minilm))

    async def image(self, name: str, image: DecodedImage) -> np.ndarray:
        """The picture's unit vector (d,) in the space."""
        _subject, probabilities, embedding = await self.vision.classify(image)
        conse = image_vector(probabilities, await self.classes.get())
        return (await self.project_images(name, embedding[None, :], conse[None, :]))[0]

    async def project_images(
        self, name: str, embeddings: np.ndarray, conse: np.ndarray
    ) -> np.ndarray:
        return await self.kernel.run(
            self.spec(name), lambda model, _stop: model.images(embeddings, conse)
        )
