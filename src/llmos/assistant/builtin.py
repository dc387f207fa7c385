"""llmos's own capabilities as the assistant's tools: translate and search the user's files.

What was attached is perceived before planning (``perceive.py``), so the tools take text: the
planner copies what it needs from the perceptions (the words read in a sign, a transcript).
"""

from __future__ import annotations

from dataclasses import dataclass

from llmos.assistant.tools import Sourced, Tool
from llmos.capabilities.translate.routes import routing_table
from llmos.fusion.index.ground import MAX_SOURCES, Citation, ground
from llmos.fusion.index.service import IndexService
from llmos.fusion.translate import Translator

MAX_TEXT = 1000  # a plan is at most 512 tokens; llama.cpp spells each repetition out


@dataclass(frozen=True)
class Services:
    translator: Translator
    index: IndexService


def builtin_tools(services: Services) -> list[Tool]:
    languages = sorted(routing_table().languages)

    async def translate(arguments: dict) -> str:
        done = await services.translator.translate(
            [arguments["text"]], source=arguments.get("source"), target=arguments["target"]
        )
        names = routing_table().languages
        source, target = (names.get(code, code) for code in (done.source, done.target))
        return f'Translated from {source} into {target}: "{done.texts[0]}"'

    async def search(arguments: dict) -> str | Sourced:
        searcher = await services.index.searcher()
        found = await ground(searcher, arguments["query"], limit=arguments.get("limit", 4))
        if not found.citations:
            return "No indexed file matches."
        return cited(found.citations)

    language = {"enum": languages, "description": "a language code"}
    return [
        Tool(
            "translate",
            "Translate a text into another language (the source language is detected).",
            {
                "type": "object",
                "properties": {
                    "text": {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                    "target": language,
                    "source": language,
                },
                "required": ["text", "target"],
                "additionalProperties": False,
            },
            translate,
        ),
        Tool(
            "search",
            "Search the user's indexed files (pictures, recordings, videos, documents) for "
            "passages about a question; the results are numbered for citing.",
            {
                "type": "object",
                "properties": {
                    "query": {"type": "string", "minLength": 1, "maxLength": 500},
                    "limit": {"type": "integer", "minimum": 1, "maximum": MAX_SOURCES},
                },
                "required": ["query"],
                "additionalProperties": False,
            },
            search,
        ),
    ]


def cited(citations: list[Citation], *, relative_to: str = "") -> Sourced:
    """Found passages as a tool's result: "[1] where: text" lines, and the sources."""
    where = [c.where().removeprefix(relative_to) for c in citations]
    lines = [f"[{c.number}] {w}: {c.text}" for c, w in zip(citations, where, strict=True)]
    return Sourced("\n".join(lines), tuple(where))
