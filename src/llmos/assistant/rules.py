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
from typing import Literal

from llmos.assistant.builtin import MAX_TEXT
from llmos.assistant.perceive import Request
from llmos.assistant.tools import ToolBox, ToolCall

MAX_ROUTED = 2000  # characters of a request the rules read: enough for any command
QUOTED = re.compile(r"[\"“「『]([^\"”」』]{1,2000})[\"”」』]")
COLON = re.compile(r"[:\uff1a]\s*(.+)$", re.S)  # "translate into French: good morning"


@dataclass(frozen=True)
class Intents:
    languages: dict[str, tuple[str, ...]]  # code -> its names, English and Chinese
    translate: tuple[str, ...]
    meaning: tuple[str, ...]
    into: tuple[str, ...]
    search: tuple[str, ...]
    remember: tuple[str, ...]


@cache
def intents() -> Intents:
    data = json.loads(resources.files("llmos.assistant").joinpath("data/intents.json").read_text())
    return Intents(
        {code: tuple(names) for code, names in data["languages"].items()},
        *(tuple(data[key]) for key in ("translate", "meaning", "into", "search", "remember")),
    )


def _pattern(word: str) -> str:
    """A word as a regex: whole words for Latin script (beside Chinese too), anywhere for
    Chinese."""
    escaped = re.escape(word)
    return rf"(?<![a-z]){escaped}(?![a-z])" if word.isascii() else escaped


def has(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` (lower-case) holds one of ``words``."""
    return any(re.search(_pattern(w), text) for w in words)


def target_language(text: str) -> str | None:
    """The language a request asks for: one named right after "into", "to", "成", "用" ("into
    French", "翻译成英文", "用法语怎么说"), else after "in" once the request asked what
    something says or means ("what does it say in English?"); None otherwise (a language named
    elsewhere is often the source's: "this menu is in Japanese")."""
    table, lowered = intents(), text.lower()[:MAX_ROUTED]
    names = {name: code for code, all_names in table.languages.items() for name in all_names}
    language = "|".join(_pattern(n) for n in sorted(names, key=len, reverse=True))
    into = "|".join(_pattern(w) for w in table.into)
    after_into = re.findall(rf"(?:{into})\s*({language})", lowered)
    if after_into:
        return names[after_into[-1]]
    meaning = "|".join(_pattern(w) for w in table.meaning)
    asked = re.findall(rf"(?:{meaning}).*?(?<![a-z])in\s+({language})", lowered)
    return names[asked[-1]] if asked else None


def wants(request: Request) -> Literal["translate", "search"] | None:
    """The built-in tool the request's words ask for, if any."""
    table, said = intents(), request.said[:MAX_ROUTED].lower()
    if has(said, table.translate) or (
        target_language(said) is not None and has(said, table.meaning)
    ):
        return "translate"
    return "search" if has(said, table.search) else None


def route(request: Request, tools: ToolBox) -> list[ToolCall]:
    """The tool calls the rules choose for ``request`` (maybe none)."""
    wanted = wants(request)
    if wanted == "translate" and "translate" in tools:
        quoted = QUOTED.findall(request.said[:MAX_ROUTED])
        text = "\n".join(quoted) or request.read_text()
        if not text and (after := COLON.search(request.said[:MAX_ROUTED])):
            text = after.group(1).strip()
        if text:
            target = target_language(request.said) or "en"
            return [ToolCall("translate", {"text": text[:MAX_TEXT], "target": target})]
    if wanted == "search" and "search" in tools:
        return [ToolCall("search", {"query": request.said[:500]})]
    return []


MAX_FACT = 300  # characters of a remembered fact


def stated_fact(said: str) -> str | None:
    """What the user asks llmos to remember ("Remember that I am vegetarian", "记住我对花生过敏"),
    as the words after the cue that starts a sentence; None when they ask nothing of the kind
    ("do you remember that song?" is a question, not a fact)."""
    for cue in intents().remember:
        found = re.search(r"(?:^|[.!?。！？]\s*)" + _pattern(cue), said[:MAX_ROUTED], re.I)  # noqa: RUF001
        if found:
            fact = said[found.end() : found.end() + MAX_FACT].strip(" \t\n:,.;：，。")  # noqa: RUF001
            return fact[:1].upper() + fact[1:] if fact else None
    return None
