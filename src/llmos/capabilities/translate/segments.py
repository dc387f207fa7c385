"""Cut a document into the sentences a translation engine must translate, and put them back.

A translation model sees one sentence at a time and must never see markup, code or subtitle
timings: it would translate or mangle them. So a document becomes fixed literal parts (kept
byte-for-byte) with the sentences between them, and ``fill`` writes the translations into the
gaps. Everything here is pure string work, so it is cheap to test and needs no model.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from llmos.errors import InvalidRequest, MissingExtra, PayloadTooLarge, install_extra

if TYPE_CHECKING:
    import srt
    from markdown_it import MarkdownIt

__all__ = ["FORMATS", "MAX_CHARS", "MAX_SENTENCES", "Segmented", "segment", "split_sentences"]

FORMATS = ("text", "markdown", "srt", "vtt")
MAX_CHARS = 100_000  # one request's text; a book goes in chapter by chapter
MAX_SENTENCES = 5_000  # each is one model call, so this bounds a request's work

# Latin-style ends need whitespace after them; the look-behind makes a run of marks match only
# from its first mark, and the possessive quantifiers keep long runs from backtracking.
_LATIN_MARKS = ".!?\u2026"
_LATIN_CLOSERS = "\"'\u201d\u2019)\\]\u00bb"
_LATIN_END = re.compile(rf"(?<![{_LATIN_MARKS}])[{_LATIN_MARKS}]++[{_LATIN_CLOSERS}]*+(?=\s++(\S))")
# The CJK full stop, exclamation and question marks (and the fullwidth full stop) end a sentence
# even with no space after, taking the closing corner brackets, parenthesis or quote with them.
_CJK_MARKS = "\u3002\uff01\uff1f\uff0e"
_CJK_CLOSERS = '\u300d\u300f\uff09\u201d\u2019"'
_CJK_END = re.compile(rf"(?<![{_CJK_MARKS}])[{_CJK_MARKS}]++[{_CJK_CLOSERS}]*+")
_OPENERS = "\"'\u201c\u2018\u00ab([{\u00bf\u00a1\u201e"
_ENDINGS = ".!?\u2026\"'\u201d\u2019)]\u00bb\u3002\uff01\uff1f\uff0e\u300d\u300f\uff09"
_ABBREVIATIONS = frozenset({"Mr", "Mrs", "Ms", "Dr", "Prof", "St", "No", "Fig", "etc", "vs"})
_ANY_CASE_ABBREVIATIONS = frozenset({"e.g", "i.e"})


@dataclass(frozen=True)
class Segmented:
    """A text cut into fixed parts and the sentences to translate between them."""

    parts: tuple[str | int, ...]  # literal text, or the index of a sentence in ``sentences``
    sentences: tuple[str, ...]

    def fill(self, translations: Sequence[str]) -> str:
        """The text with sentence ``i`` replaced by ``translations[i]``."""
        if len(translations) != len(self.sentences):
            raise ValueError(
                f"fill needs one translation per sentence: got {len(translations)} "
                f"for {len(self.sentences)} sentences"
            )
        return "".join(p if isinstance(p, str) else translations[p] for p in self.parts)


class _Builder:
    """Collects parts, merging neighbouring literals so ``parts`` stays short."""

    def __init__(self) -> None:
        self.parts: list[str | int] = []
        self.sentences: list[str] = []

    def literal(self, text: str) -> None:
        if not text:
            return
        if self.parts and isinstance(self.parts[-1], str):
            self.parts[-1] += text
        else:
            self.parts.append(text)

    def sentence(self, text: str) -> None:
        self.parts.append(len(self.sentences))
        self.sentences.append(text)

    def prose(self, text: str) -> None:
        """Sentences of ``text``; the whitespace around and between them stays literal."""
        end = 0
        for start, stop in _sentence_spans(text):
            self.literal(text[end:start])
            self.sentence(text[start:stop])
            end = stop
        self.literal(text[end:])

    def cue(self, text: str) -> None:
        """A subtitle's lines as one sentence: a cue is shown at once, and a line break chosen
        for the source language means nothing in the target one."""
        body = text.strip()
        if not body:
            self.literal(text)
            return
        lead = text[: len(text) - len(text.lstrip())]
        self.literal(lead)
        self.sentence(" ".join(line.strip() for line in body.splitlines() if line.strip()))
        self.literal(text[len(lead) + len(body) :])

    def build(self) -> Segmented:
        if len(self.sentences) > MAX_SENTENCES:
            raise PayloadTooLarge(
                f"The text has {len(self.sentences):,} sentences; the limit is "
                f"{MAX_SENTENCES:,}. Send it in smaller parts."
            )
        return Segmented(tuple(self.parts), tuple(self.sentences))


def segment(text: str, format: str = "text") -> Segmented:
    """Cut ``text`` of ``format`` (one of FORMATS) into literal parts and sentences."""
    if format not in FORMATS:
        raise InvalidRequest(f"Unknown format {format!r}. Use one of: {', '.join(FORMATS)}.")
    if len(text) > MAX_CHARS:
        raise PayloadTooLarge(
            f"The text is {len(text):,} characters long; the limit is {MAX_CHARS:,}. "
            "Send it in smaller parts."
        )
    builder = _Builder()
    cut = {"text": _segment_text, "markdown": _segment_markdown, "srt": _segment_srt}
    cut.get(format, _segment_vtt)(text, builder)
    return builder.build()


def split_sentences(paragraph: str) -> list[str]:
    """The sentences of ``paragraph``, without the whitespace around and between them."""
    return [paragraph[start:stop] for start, stop in _sentence_spans(paragraph)]


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, stop) of each sentence; a regex splitter, good enough for prose and far
    cheaper than a model, tuned to not cut after abbreviations, initials or list numbers."""
    cuts = {m.end() for m in _CJK_END.finditer(text)}
    cuts.update(m.end() for m in _LATIN_END.finditer(text) if _ends_sentence(text, m))
    spans = []
    start = 0
    for cut in [*sorted(cuts), len(text)]:
        while start < cut and text[start].isspace():
            start += 1
        stop = cut
        while stop > start and text[stop - 1].isspace():
            stop -= 1
        if stop > start:
            spans.append((start, stop))
        start = cut
    return spans


def _ends_sentence(text: str, mark: re.Match[str]) -> bool:
    """Whether the marks matched by ``_LATIN_END`` end a sentence."""
    following = mark.group(1)
    if not _starts_sentence(following):
        return False
    if mark.group(0) != ".":
        return True
    word_start = mark.start()
    while word_start > 0 and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start : mark.start()].lstrip(_OPENERS)
    if word in _ABBREVIATIONS or word.lower() in _ANY_CASE_ABBREVIATIONS:
        return False
    if len(word) == 1 and word.isupper():  # an initial: "J. R. R. Tolkien"
        return False
    if word.isdigit():  # "1. Buy milk" numbers a list item; "in 1999. Then" ends a sentence
        before = word_start
        while before > 0 and text[before - 1].isspace():
            before -= 1
        return before > 0 and text[before - 1] not in _ENDINGS
    return True


def _starts_sentence(char: str) -> bool:
    """An uppercase letter, digit, opening quote or bracket, or a letter of a script without
    Latin's case rules (Chinese, Arabic...); a Latin lowercase letter continues a sentence."""
    if char.isupper() or char.isdigit() or char in _OPENERS:
        return True
    return char.isalpha() and not unicodedata.name(char, "").startswith("LATIN")


def _segment_text(text: str, builder: _Builder) -> None:
    """Line by line, so paragraphs and line breaks come back where they were."""
    for number, line in enumerate(text.split("\n")):
        if number:
            builder.literal("\n")
        builder.prose(line)


_FRONT_MATTER = re.compile(r"(?sm)\A---[ \t]*\r?\n.*?^(?:---|\.\.\.)[ \t]*\r?$")
_TASK_BOX = re.compile(r"\[[ xX]\](?:[ \t]+|$)")


@functools.cache
def _markdown_parser() -> MarkdownIt:
    try:
        from markdown_it import MarkdownIt
    except ImportError as error:
        raise MissingExtra("markdown-it-py", install=install_extra("translate")) from error
    return MarkdownIt("commonmark").enable("table")


def _segment_markdown(text: str, builder: _Builder) -> None:
    """Translate what markdown-it parses into inline text (paragraphs, headings, list items,
    quotes, table cells), one source line at a time; every other byte stays literal.

    markdown-it gives each inline token the source lines it spans and its text without the
    block prefixes (``> ``, ``- ``, ``# ``, indentation), so each line of that text is found in
    its source line and whatever surrounds it stays literal. Code, HTML blocks, rules and
    link reference definitions make no inline tokens, so they are never touched.
    """
    front = _FRONT_MATTER.match(text)
    skipped = front.group(0).count("\n") if front else 0
    source = "\n" * skipped + text[front.end() :] if front else text  # keeps line numbers
    fragments: dict[int, list[tuple[str, int]]] = {}  # line -> (inline text, task box length)
    tokens = _markdown_parser().parse(source)
    for index, token in enumerate(tokens):
        if token.type != "inline" or token.map is None:
            continue
        item_start = index >= 2 and tokens[index - 2].type == "list_item_open"
        for offset, fragment in enumerate(token.content.split("\n")):
            box = _TASK_BOX.match(fragment) if item_start and offset == 0 else None
            line_fragments = fragments.setdefault(token.map[0] + offset, [])
            line_fragments.append((fragment, box.end() if box else 0))
    for number, line in enumerate(text.split("\n")):
        if number:
            builder.literal("\n")
        cursor = 0
        for fragment, box in fragments.get(number, []):
            found, fragment = _find_fragment(line, fragment, cursor)
            if found < 0:  # markdown-it rewrote it (a NUL): the line stays as it is
                continue
            body = fragment[box:]
            if body.endswith("\\") and not body.endswith("\\\\"):  # a hard line break
                body = body[:-1]
            builder.literal(line[cursor : found + box])
            builder.prose(body)
            cursor = found + box + len(body)
        builder.literal(line[cursor:])


def _find_fragment(line: str, fragment: str, start: int) -> tuple[int, str]:
    """Where inline text is in its source line, and the text as the source spells it."""
    found = line.find(fragment, start) if fragment else -1
    if found < 0 and "|" in fragment:  # a table cell's escaped pipes come unescaped
        fragment = fragment.replace("|", "\\|")
        found = line.find(fragment, start)
    return found, fragment


_SRT_HELP = (
    "Each cue is a number, a 'HH:MM:SS,mmm --> HH:MM:SS,mmm' line and its text, "
    "separated by blank lines."
)


def _segment_srt(text: str, builder: _Builder) -> None:
    """The srt library checks the file; its own cue pattern then finds each cue's text in the
    original, so indexes, timing lines and blank lines are kept exactly (``srt.compose`` would
    re-render timestamps and renumber). Its cue pattern only matches timestamps it can read."""
    srt = _srt_library()
    try:
        cues = sum(1 for _ in srt.parse(text))
    except srt.SRTParseError as error:
        raise _srt_error(text, error) from None
    if not cues:
        raise InvalidRequest(f"The SRT has no cues. {_SRT_HELP}")
    end = 0
    for match in srt.SRT_REGEX.finditer(text):
        start, stop = match.span(5)  # the cue's text
        builder.literal(text[end:start])
        builder.cue(text[start:stop])
        end = stop
    builder.literal(text[end:])


def _srt_library() -> ModuleType:
    try:
        import srt
    except ImportError as error:
        raise MissingExtra("srt", install=install_extra("translate")) from error
    return srt


def _srt_error(text: str, error: srt.SRTParseError) -> InvalidRequest:
    unmatched = error.unmatched_content
    offset = error.expected_start + len(unmatched) - len(unmatched.lstrip())
    lines = unmatched.strip().splitlines() or [""]
    if len(lines) > 1 and lines[0].strip().isdigit():  # the cue number is fine; what follows
        first = unmatched.lstrip().splitlines(keepends=True)[0]  # any line break, not only \n
        offset += len(first)
        lines = lines[1:]
    number = text.count("\n", 0, offset) + 1
    return InvalidRequest(
        f"The SRT does not parse at line {number}: {_excerpt(lines[0])!r} is not a cue. "
        + _SRT_HELP
    )


def _excerpt(line: str, limit: int = 60) -> str:
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


_VTT_HEADER = re.compile(r"\ufeff?WEBVTT(?:[ \t].*)?")
_VTT_TIME = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
_VTT_TIMING = re.compile(rf"{_VTT_TIME}[ \t]+-->[ \t]+{_VTT_TIME}(?:[ \t].*)?")
_VTT_LOOKS_TIMED = re.compile(r"\d+:\d")
_VTT_OTHER_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
_VTT_HELP = (
    "A cue is an optional identifier line, a 'HH:MM:SS.mmm --> HH:MM:SS.mmm' line (cue settings "
    "may follow) and its text; blocks are separated by blank lines."
)


def _segment_vtt(text: str, builder: _Builder) -> None:
    """A small parser of its own: webvtt-py 0.6.0 rewrites NOTE blocks, drops cues with a bad
    timing line without saying so, and reports errors with no line number."""
    lines = text.splitlines(keepends=True)
    if not lines or not _VTT_HEADER.fullmatch(lines[0].rstrip("\r\n")):
        first = _excerpt(lines[0]) if lines else ""
        raise InvalidRequest(
            f"The WebVTT does not parse at line 1: {first!r} is not the 'WEBVTT' header line "
            "a WebVTT file starts with."
        )
    number = cues = 0
    while number < len(lines):
        end = number
        while end < len(lines) and lines[end].strip():
            end += 1
        block = lines[number:end]
        if not block:  # a blank line
            builder.literal(lines[number])
            end += 1
        elif number == 0 or _VTT_OTHER_BLOCK.match(block[0]):  # the header, NOTE, STYLE, REGION
            builder.literal("".join(block))
        else:
            timing = 0 if "-->" in block[0] else 1
            if timing >= len(block) or not _VTT_TIMING.fullmatch(block[timing].strip()):
                bad = number + _vtt_bad_line(block)
                raise InvalidRequest(
                    f"The WebVTT does not parse at line {bad + 1}: {_excerpt(lines[bad])!r} "
                    f"is not a cue timing line. {_VTT_HELP}"
                )
            builder.literal("".join(block[: timing + 1]))
            builder.cue("".join(block[timing + 1 :]))
            cues += 1
        number = end
    if not cues:
        raise InvalidRequest(f"The WebVTT has no cues. {_VTT_HELP}")


def _vtt_bad_line(block: list[str]) -> int:
    """Which line of a block that is not a cue to blame: the one meant as its timing line."""
    for looks_timed in (lambda line: "-->" in line, _VTT_LOOKS_TIMED.match):
        for index, line in enumerate(block[:2]):
            if looks_timed(line):
                return index
    return 0
