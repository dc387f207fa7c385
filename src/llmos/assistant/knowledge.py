"""An app's knowledge: the documents in the folders its manifest names (FAQ, policies,
manuals), in a search index of the app's own, searched as the tool ``knowledge`` with numbered
citations, as ``search`` does over the user's files.

The folders are indexed on the first search after the server starts (only changed files are
derived again), into ``.knowledge.db`` in the app's folder: removing the app removes it. The
assistant searches them for every message to the app (``loop.py``), planned or not.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from llmos.assistant.builtin import cited
from llmos.assistant.tools import Sourced, Tool
from llmos.fusion.index.ground import MAX_SOURCES, ground
from llmos.fusion.index.service import IndexService

TOOL = "knowledge"
MAX_QUERY = 500  # characters
INDEX = ".knowledge.db"


class Knowledge:
    """The apps' knowledge indexes, each opened on first use; ``make`` builds an
    :class:`IndexService` for an index file and its allowed folders."""

    def __init__(self, make) -> None:
        self.make = make
        self._indexes: dict[Path, tuple[IndexService, asyncio.Task]] = {}

    def tool(self, name: str, folder: Path, folders: list[str]) -> Tool:
        inside = folder.resolve()
        roots = [root for relative in folders
                 if (root := (folder / relative).resolve()).is_relative_to(inside)]  # fmt: skip

        async def run(arguments: dict) -> str | Sourced:
            service = await self._ready(folder, roots)
            found = await ground(
                await service.searcher(), arguments["query"], limit=arguments.get("limit", 3)
            )
            if not found.citations:
                return f"{name}'s documents say nothing about this."
            return cited(found.citations, relative_to=str(folder.resolve()) + "/")

        return Tool(
            TOOL,
            f"Search {name}'s own documents (policies, FAQ, manuals) for passages about a "
            "question; the results are numbered for citing.",
            {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1, "maxLength": MAX_QUERY},
                    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_SOURCES},
                },
                "required": ["query"],
                "additionalProperties": False,
            },
            run,
        )

    async def _ready(self, folder: Path, roots: list[Path]) -> IndexService:
        """The app's index, its folders indexed once since the server started."""
        entry = self._indexes.get(folder)
        if entry is not None and entry[1].done() and entry[1].exception() is not None:
            await self.forget(folder)  # the last try failed: try again
        if folder not in self._indexes:
            service = self.make(folder / INDEX, roots)
            self._indexes[folder] = (service, asyncio.create_task(_index(service, roots)))
        service, indexing = self._indexes[folder]
        await asyncio.shield(indexing)  # a cancelled answer does not cancel the indexing
        return service

    async def forget(self, folder: Path) -> None:
        """Close the index of an app that was removed or installed again."""
        if (entry := self._indexes.pop(folder, None)) is not None:
            entry[1].cancel()
            await entry[0].close()

    async def close(self) -> None:
        for folder in list(self._indexes):
            await self.forget(folder)


async def _index(service: IndexService, roots: list[Path]) -> None:
    indexer = await service.indexer()
    job = indexer.start([root for root in roots if root.exists()])
    await job.ended.wait()
