"""The index as the server holds it: opened on first use, so a server without the ``search``
extra starts, and answers 501 only on the routes that need it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from llmos.fusion.index.conse import ClassVectors
from llmos.fusion.index.derive import Deriver
from llmos.fusion.index.jobs import Indexer
from llmos.fusion.index.search import Searcher
from llmos.fusion.translate import Translator
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.storage.search_index import SearchIndex

# MiniLM; EfficientNet-Lite0's pooled features; images in MiniLM's space by ConSE
SPACES = {"text": 384, "image": 1280, "conse": 384}


class IndexService:
    def __init__(
        self,
        kernel: Kernel,
        vision: Vision,
        translator: Translator,
        *,
        path: Path,
        roots: list[Path],
    ) -> None:
        self.kernel, self.vision, self.translator = kernel, vision, translator
        self.path = path
        self.roots = roots
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

    async def close(self) -> None:
        if self._indexer is not None:
            await self._indexer.stop()
        if self._index is not None:
            await asyncio.to_thread(self._index.close)

    async def _open(self) -> None:
        async with self._opening:
            if self._index is not None:
                return
            # without the search extra: MissingExtra, a 501 that says what to install
            index = await asyncio.to_thread(SearchIndex, self.path, SPACES)
            classes = ClassVectors(self.kernel, self.kernel.settings.models_dir)
            deriver = Deriver(self.kernel, self.vision, classes)
            self._indexer = Indexer(index, deriver, self.roots)
            self._searcher = Searcher(self.kernel, self.vision, self.translator, index)
            self._index = index
