"""Grounding an answer in the index: the passages that match a question, numbered, and a
system message that asks the chat model to answer from them and cite them as [1], [2].

The chat side (``llmos chat --ground``, the assistant) calls :func:`ground`, puts the system
message before the conversation, and shows the citations (path, page or time span) with the
answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from llmos.fusion.index.search import Query, Searcher
from llmos.storage.search_index import ItemType
from llmos.units import clock

MAX_SOURCES = 8
PASSAGE_CHARS = 800  # of each source, in the prompt
INSTRUCTION = (
    "Answer the question from the numbered sources below, which come from the user's own "
    "files. Cite the sources you use as [1], [2]. If they do not contain the answer, say that "
    "the files do not say, and do not guess."
)


@dataclass(frozen=True)
class Citation:
    number: int  # from 1, as the answer cites it
    path: str
    type: ItemType
    text: str  # the passage
    page: int | None = None
    start: float | None = None  # seconds
    end: float | None = None

    def where(self) -> str:
        """The path with the page or time span: "report.pdf, page 2"."""
        if self.page is not None:
            return f"{self.path}, page {self.page}"
        if self.start is not None:
            return f"{self.path}, {clock(self.start)}-{clock(self.end or self.start)}"
        return self.path


@dataclass(frozen=True)
class Grounding:
    citations: list[Citation]

    def system_message(self) -> str:
        if not self.citations:
            return INSTRUCTION + "\n\n(No indexed file matches the question.)"
        sources = "\n\n".join(f"[{c.number}] {c.where()}\n{c.text}" for c in self.citations)
        return f"{INSTRUCTION}\n\n{sources}"


async def ground(
    searcher: Searcher, question: str, *, limit: int = 4, type: ItemType | None = None
) -> Grounding:
    """The ``limit`` indexed passages that best match ``question``, as citations."""
    found = await searcher.search(Query(question, type=type, limit=min(limit, MAX_SOURCES)))
    citations = [
        Citation(number, r.path, r.type, _cut(r.why.text), r.why.page, r.why.start, r.why.end)
        for number, r in enumerate(found.results, start=1)
    ]
    return Grounding(citations)


def _cut(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PASSAGE_CHARS else text[: PASSAGE_CHARS - 1] + "…"
