"""Deterministic routing: which tools a request needs, from its words and its attachments,
when the planner's plan is invalid (or the planner is off). Small and predictable on purpose:
translation ("what does this sign say in English?", "把这段翻译成英文") and search ("find my
photos of the beach", "找一下海边的照片"); anything else is answered from what was perceived.
The words are data (``data/intents.json``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from llmos.assistant.perceive import Request
from llmos.assistant.tools import ToolBox, ToolCall

QUOTED = re.compile(r"[\"“「『]([^\"”」』]{1,2000})[\"”」』]")
COLON = re.compile(r"[:\uff1a]\s*(.+)$", re.S)  # "translate into French: good morning"


@dataclass(frozen=True)
class Intents:
    languages: dict[str, tuple[str, ...]]  # code -> its names, English and Chinese
    translate: tuple[str, ...]
    meaning: tuple[str, ...]
    into: tuple[str, ...]
    search: tuple[str, ...]


@cache
def intents() -> Intents:
    data = json.loads(resources.files("llmos.assistant").joinpath("data/intents.json").read_text())
    return Intents(
        {code: tuple(names) for code, names in data["languages"].items()},
        *(tuple(data[key]) for key in ("translate", "meaning", "into", "search")),
    )


def has(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` (lower-case) holds one of ``words``: whole words for Latin script,
    anywhere for Chinese."""
    return any(re.search(rf"\b{re.escape(w)}\b", text) if w.isascii() else w in text for w in words)


def target_language(text: str) -> str | None:
    """The language a request asks for: the one named after "into", "to", "成", …; else the
    last one named; None when none is."""
    table, lowered = intents(), text.lower()
    named = []  # (position, code, follows an "into" word)
    for code, names in table.languages.items():
        for name in names:
            for found in re.finditer(re.escape(name), lowered):
                before = lowered[: found.start()].rstrip().split()[-1:] or [""]
                follows = before[0] in table.into or lowered[: found.start()].endswith(
                    tuple(w for w in table.into if not w.isascii())
                )
                named.append((found.start(), code, follows))
    if not named:
        return None
    after_into = [n for n in named if n[2]]
    return max(after_into or named)[1]


def route(request: Request, tools: ToolBox) -> list[ToolCall]:
    """The tool calls the rules choose for ``request`` (maybe none)."""
    table, said = intents(), request.said.lower()
    target = target_language(request.said)
    wants_translation = has(said, table.translate) or (
        target is not None and has(said, table.meaning)
    )
    if wants_translation and "translate" in tools:
        quoted = QUOTED.findall(request.said)
        text = "\n".join(quoted) or request.read_text()
        if not text and (after := COLON.search(request.said)):
            text = after.group(1).strip()
        if text:
            return [ToolCall("translate", {"text": text[:4000], "target": target or "en"})]
    if has(said, table.search) and "search" in tools:
        return [ToolCall("search", {"query": request.said[:500]})]
    return []
