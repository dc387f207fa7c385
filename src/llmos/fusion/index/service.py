"""The index as the server holds it: opened on first use, so a server without the ``search``
extra starts, and answers 501 only on the routes that need it."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from llmos.capabilities.align import AlignedSpace
from llmos.errors import LlmosError
from llmos.fusion.aligned import Aligned
from llmos.fusion.index.conse import ClassVectors
from llmos.fusion.index.derive import Deriver
from llmos.fusion.index.jobs import Indexer
from llmos.fusion.index.search import TEXT_SPACES, Searcher
from llmos.fusion.translate import Translator
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.storage.search_index import SearchIndex

log = logging.getLogger(__name__)

# MiniLM; EfficientNet-Lite0's pooled features; images in MiniLM's space by ConSE
SPACES = {"text": 384, "image": 1280, "conse": 384}


BACKFILL = 512  # pieces projected into a trained space a job
TRAINED_PREFIX = "aligned_"  # the index's spaces of trained models (AlignedSpace.index_space)


class IndexService:
    def __init__(
        self,
        kernel: Kernel,
        vision: Vision,
        translator: Translator,
        *,
        path: Path,
        roots: list[Path],
        classes: ClassVectors | None = None,
        aligned: Aligned | None = None,
    ) -> None:
        self.kernel, self.vision, self.translator = kernel, vision, translator
        self.path = path
        self.roots = roots
        self.classes = classes or ClassVectors(kernel, kernel.settings.models_dir)
        self.aligned = aligned or Aligned(kernel, vision, self.classes)
        self.space: AlignedSpace | None = None  # the trained space search uses, if one won
        self._opening = asyncio.Lock()
        self._index: SearchIndex | None = None
        self._indexer: Indexer | None = None
        self._searcher: Searcher | None = None

    async def indexer(self) -> Indexer:
        await self._open()
        assert self._indexer is not None
        return self._indexer

    async def searcher(self) -> Searcher:
        await self._open()
        assert self._searcher is not None
        return self._searcher

    async def type_of(self, path: str) -> str | None:
        """The type of the indexed file at ``path`` (image, audio, video, doc), or None."""
        await self._open()
        assert self._index is not None
        return await asyncio.to_thread(self._index.type_of, path)

    async def close(self) -> None:
        if self._indexer is not None:
            await self._indexer.stop()
        if self._index is not None:
            await asyncio.to_thread(self._index.close)

    async def _open(self) -> None:
        async with self._opening:
            if self._index is not None:
                return
            space = await self._preferred()
            spaces = SPACES | ({space.index_space: space.dim} if space else {})
            # without the search extra: MissingExtra, a 501 that says what to install
            index = await asyncio.to_thread(SearchIndex, self.path, spaces)
            await asyncio.to_thread(index.drop_spaces_except, TRAINED_PREFIX)  # older models'
            if space is not None:
                try:
                    await self._backfill(index, space)
                except LlmosError as error:  # not fatal: search goes on with ConSE
                    log.warning("the trained space %s is not used: %s", space.name, error.message)
                    space = None
            trained = (self.aligned, space) if space else None
            deriver = Deriver(self.kernel, self.vision, self.classes, trained)
            self._indexer = Indexer(index, deriver, self.roots)
            text_spaces = ("text", space.index_space) if space else TEXT_SPACES
            self._searcher = Searcher(
                self.kernel, self.vision, self.translator, index,
                spaces=text_spaces, aligned=trained,
            )  # fmt: skip
            self._index, self.space = index, space

    async def _preferred(self) -> AlignedSpace | None:
        try:
            return await self.aligned.preferred()
        except LlmosError as error:
            log.warning("no trained space for search: %s", error.message)
            return None

    async def _backfill(self, index: SearchIndex, space: AlignedSpace) -> None:
        """Pictures indexed before ``space`` existed get their vector in it from the two they
        have (features and ConSE): nothing is derived again."""
        added = 0
        while True:
            keys, types, (embeddings, conse) = await asyncio.to_thread(
                _missing, index, space.index_space
            )
            if not keys:
                break
            vectors = await self.aligned.project_images(space.name, embeddings, conse)
            stored = await asyncio.to_thread(
                index.add_vectors, space.index_space, keys, vectors, types
            )
            if not stored:  # vectors left of pieces that are gone: nothing more to do
                break
            added += stored
        if added:
            log.info("%d indexed pictures put in the trained space %s", added, space.name)


def _missing(index: SearchIndex, target: str):
    keys, types, arrays = index.missing(target, ("image", "conse"), limit=BACKFILL)
    return keys, types, (arrays if arrays else (None, None))
