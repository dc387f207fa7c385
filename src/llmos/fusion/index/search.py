"""Searching the index by text, by image, or both: hybrid ranking with a "why" for each result.

A text query runs as keywords (BM25 over every piece) and as a MiniLM vector against the
pieces' text vectors; a query not in English is also translated to English first (the index's
derived text is English), and its own words still match keywords. An image query's
EfficientNet embedding is compared with the images' (photos and video keyframes). The ranked
lists are merged per file by reciprocal-rank fusion; each result's "why" is the piece that
ranked it best: the matched caption, transcript span with its times, or page.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

import numpy as np

from llmos.capabilities.align import AlignedSpace
from llmos.capabilities.search.ranking import reciprocal_rank_fusion
from llmos.errors import InvalidRequest, LlmosError
from llmos.fusion.aligned import Aligned
from llmos.fusion.index.embedding import embed_texts
from llmos.fusion.translate import Translator
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel
from llmos.storage.search_index import Hit, ItemType, Piece, SearchIndex

log = logging.getLogger(__name__)

# A text query's MiniLM vector is compared with the pieces' text vectors and with the images'
# ConSE vectors (MiniLM's space too); the two lists become one, each hit scored by how many
# standard deviations its cosine lies above its own list's mean (the spaces' cosines differ
# in scale). Text -> image on the tuning stamps, MRR: derived text alone 0.177, ConSE alone
# 0.258, the three lists fused apart 0.232, this 0.232 (zh queries 0.204 against 0.203): and
# a document matching both the keywords and its text vector is not outvoted by a picture
# ConSE merely likes, as it is with the lists apart.
TEXT_SPACES = ("text", "conse")
CANDIDATES = 100  # per ranked list, before fusion and filters
MAX_LIMIT = 100
MAX_QUERY_CHARS = 2000
TRANSLATE_CONFIDENCE = 0.8  # a query is translated when identified this surely as not English


@dataclass(frozen=True)
class Query:
    text: str | None = None
    image: bytes | None = None
    type: ItemType | None = None
    folder: str | None = None  # only files under it
    after: datetime | None = None  # taken (EXIF) or modified at or after
    before: datetime | None = None
    limit: int = 10


@dataclass(frozen=True)
class Result:
    path: str
    type: ItemType
    score: float  # the fused score: higher is better, comparable within one search
    why: Piece  # the piece that matched best


@dataclass(frozen=True)
class Found:
    results: list[Result]
    english_query: str | None = None  # the text query translated, when it was


class Searcher:
    def __init__(
        self,
        kernel: Kernel,
        vision: Vision,
        translator: Translator,
        index: SearchIndex,
        *,
        keywords: bool = True,
        spaces: tuple[str, ...] = TEXT_SPACES,
        merge: Literal["zscore", "separate"] = "zscore",
        aligned: tuple[Aligned, AlignedSpace] | None = None,
    ) -> None:
        self.kernel = kernel
        self.vision = vision
        self.translator = translator
        self.index = index
        self.keywords = keywords  # whether BM25 ranks too (bench/retrieval.py compares)
        self.spaces = spaces
        self.merge = merge
        self.aligned = aligned  # a trained space, searched where ``spaces`` names its vectors

    async def search(self, query: Query) -> Found:
        check(query)
        lists: list[list[Hit]] = []
        english = None
        if query.text:
            english = await self._english(query.text)
            if self.keywords:
                for words in dict.fromkeys([query.text, english or query.text]):
                    lists.append(await asyncio.to_thread(self._keyword, words, query.type))
            vectors = await self._embed(english or query.text)
            if vectors:
                found = await asyncio.to_thread(self._nearest, vectors, query)
                lists += merged(found, self.merge)
        if query.image is not None:
            async with self.vision.image(query.image, "the query image") as image:
                vector = await self.vision.embedding(image)
            lists += await asyncio.to_thread(self._nearest, {"image": vector}, query)
        filtered = [await asyncio.to_thread(self._filtered, hits, query) for hits in lists]
        return Found(fuse(filtered, query.limit), english)

    def _keyword(self, text: str, type: ItemType | None) -> list[Hit]:
        return self.index.keyword(text, limit=CANDIDATES, type=type)

    def _nearest(self, vectors: dict[str, np.ndarray], query: Query) -> list[list[Hit]]:
        """The nearest pieces in each space to its query vector, a list per space."""
        found = []
        for space, vector in vectors.items():
            if vector.shape[-1] != self.index.spaces[space]:  # another model than the index's
                log.info("%s query vector of %d dimensions: not searched", space, len(vector))
                continue
            found.append(self.index.nearest(space, vector, limit=CANDIDATES, type=query.type))
        return found

    def _filtered(self, hits: list[Hit], query: Query) -> list[Hit]:
        if query.folder:
            prefix = query.folder.rstrip("/") + "/"
            hits = [hit for hit in hits if hit.path.startswith(prefix)]
        if query.after or query.before:
            dates = self.index.dates({hit.item_id for hit in hits})
            after = query.after.timestamp() if query.after else float("-inf")
            before = query.before.timestamp() if query.before else float("inf")
            # an item re-indexed since the hit has no date under its old id: left out
            hits = [hit for hit in hits if after <= dates.get(hit.item_id, after - 1) <= before]
        return hits

    async def _english(self, text: str) -> str | None:
        """``text`` in English when it is surely in another language llmos translates."""
        try:
            found = await self.translator.identify(text)
            if found.language == "en" or found.confidence < TRANSLATE_CONFIDENCE:
                return None
            done = await self.translator.translate([text], source=found.language, target="en")
        except LlmosError as error:  # not installed, or no route: search as written
            log.info("query not translated: %s", error.message)
            return None
        return done.texts[0]

    async def _embed(self, text: str) -> dict[str, np.ndarray]:
        """The query's vector in each of the searcher's spaces (MiniLM's, or a trained
        space's projection of it); none when MiniLM is not installed: keywords alone."""
        try:
            vector = (await embed_texts(self.kernel, [text]))[0]
        except LlmosError as error:
            log.info("query not embedded: %s", error.message)
            return {}
        vectors = {}
        for space in self.spaces:
            if self.aligned is None or space != self.aligned[1].index_space:
                vectors[space] = vector
                continue
            aligned, trained = self.aligned
            try:
                vectors[space] = (await aligned.project_texts(trained.name, vector[None]))[0]
            except LlmosError as error:  # the other lists still rank
                log.warning("query not in the trained space: %s", error.message)
        return vectors


def check(query: Query) -> None:
    if not (query.text and query.text.strip()) and query.image is None:
        raise InvalidRequest("Send a 'query' (text), an 'image', or both.")
    if query.text and len(query.text) > MAX_QUERY_CHARS:
        raise InvalidRequest(
            f"'query' has {len(query.text)} characters; at most {MAX_QUERY_CHARS}."
        )
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidRequest(f"'limit' must be from 1 to {MAX_LIMIT}.")


def merged(lists: list[list[Hit]], how: str) -> list[list[Hit]]:
    """Vector lists of several spaces: kept apart, or one list by each hit's standardised
    cosine (how many deviations above its own list's mean)."""
    if how == "separate" or len(lists) < 2:
        return lists
    standardised = [_standardised(hits) for hits in lists]
    return [sorted((hit for hits in standardised for hit in hits), key=lambda hit: -hit.score)]


def _standardised(hits: list[Hit]) -> list[Hit]:
    if len(hits) < 2:
        return hits
    scores = np.array([hit.score for hit in hits])
    mean, spread = scores.mean(), scores.std() + 1e-9
    return [replace(hit, score=float((hit.score - mean) / spread)) for hit in hits]


def fuse(lists: list[list[Hit]], limit: int) -> list[Result]:
    """Files by reciprocal-rank fusion of the lists (ranked as files: a document's thirty
    matching chunks count once); each file with its best-ranked piece."""
    best: dict[int, tuple[int, Hit]] = {}  # item -> (rank among files, hit)
    rankings = []
    for hits in lists:
        ranks: dict[int, int] = {}  # item -> its rank among this list's files
        for hit in hits:
            rank = ranks.setdefault(hit.item_id, len(ranks))
            if hit.item_id not in best or rank < best[hit.item_id][0]:
                best[hit.item_id] = (rank, hit)
        rankings.append(list(ranks))
    fused = reciprocal_rank_fusion(rankings)
    results = []
    for item_id, score in fused[:limit]:
        hit = best[item_id][1]
        results.append(Result(hit.path, hit.type, round(score, 6), hit.piece))
    return results
