"""Cutting documents into the sentences to translate, and putting translations back."""

from __future__ import annotations

import sys

import pytest
import srt

from llmos.capabilities.translate.segments import (
    FORMATS,
    MAX_CHARS,
    MAX_SENTENCES,
    Segmented,
    segment,
    split_sentences,
)
from llmos.errors import InvalidRequest, MissingExtra, PayloadTooLarge

TEXTS = [
    "",
    "   \n\n\t\n",
    "One line, no end",
    "Hello world. How are you?\n",
    "First paragraph. Two sentences.\n\nSecond paragraph!\n\n\n  Indented line. Next.  \n",
    "Line one\r\nLine two. Three.\r\n",
    "你好。今天天气很好！我们去公园吧？",  # noqa: RUF001
    "Dr. Smith arrived at 3.30 p.m. on Monday. He left.",
    "See https://example.com/a.b. Then go.",
    "J. R. R. Tolkien wrote it... Did he? Yes!",
]

MARKDOWN_TEXTS = [
    *TEXTS,
    "Title\n=====\n\nText.  \nNext line.\\\nEnd.\n",
    ">\tTabbed quote.\n>  > Nested quote. Yes.\n",
    "| a \\| b | c |\n|---|:-:|\n| x | y |\n",
    "# Heading\r\n\r\nLine one.\r\nLine two.\r\n",
    "#\n\n-\n\n- [x] Done. Yes.\n* [ ]\n",
    "* item\n\n  second para. Here.\n\n      code in item\n",
    "<!-- comment. X. -->\n\nText <b>bold. X</b>.\n",
    "Auto <https://a.com/x.y>. Bare https://b.com/q?x=1. Done.\n",
    "---\nnot: front\n\nJust a rule above? No.\n",
]


@pytest.mark.parametrize("text", TEXTS)
def test_text_comes_back_byte_for_byte(text):
    segmented = segment(text)
    assert segmented.fill(segmented.sentences) == text


@pytest.mark.parametrize("text", MARKDOWN_TEXTS)
def test_markdown_comes_back_byte_for_byte(text):
    segmented = segment(text, "markdown")
    assert segmented.fill(segmented.sentences) == text


@pytest.mark.parametrize(
    ("paragraph", "sentences"),
    [
        ("你好。今天天气很好！我们去公园吧？", ["你好。", "今天天气很好！", "我们去公园吧？"]),  # noqa: RUF001
        ("他说：「好。」然后走了。", ["他说：「好。」", "然后走了。"]),  # noqa: RUF001
        ("Hello. 你好。再见", ["Hello.", "你好。", "再见"]),
        ("第一句．第二句（注）。 第三句", ["第一句．", "第二句（注）。", "第三句"]),  # noqa: RUF001
        (
            "Dr. Smith arrived at 3.30 p.m. on Monday. He left.",
            ["Dr. Smith arrived at 3.30 p.m. on Monday.", "He left."],
        ),
        (
            "Use a tool, e.g. this one. E.g. That. I.e. So.",
            ["Use a tool, e.g. this one.", "E.g. That.", "I.e. So."],
        ),
        (
            "Mrs. Jones met Prof. Li at St. Mary's. See Fig. 3 and No. 5.",
            ["Mrs. Jones met Prof. Li at St. Mary's.", "See Fig. 3 and No. 5."],
        ),
        ("Apples vs. Pears etc. Are fine.", ["Apples vs. Pears etc. Are fine."]),
        ("See https://example.com/a.b. Then go.", ["See https://example.com/a.b.", "Then go."]),
        ("Open http://x.org/?q=1.5&b=2 now.", ["Open http://x.org/?q=1.5&b=2 now."]),
        (
            "J. R. R. Tolkien wrote it. He died in 1973.",
            ["J. R. R. Tolkien wrote it.", "He died in 1973."],
        ),
        ("Pi is 3.14. It is not 3. Nor 4.", ["Pi is 3.14.", "It is not 3.", "Nor 4."]),
        ("1. Buy milk. 2. Sell it.", ["1. Buy milk.", "2. Sell it."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        (
            "Wait... What?! (Really.) «Oui.» Fine",
            ["Wait...", "What?!", "(Really.)", "«Oui.»", "Fine"],
        ),
        ("Wait… No. lowercase goes on. 2 cats.", ["Wait…", "No. lowercase goes on.", "2 cats."]),
        ("Hello. привет. Done", ["Hello.", "привет.", "Done"]),
        ("  padded.  Two.  ", ["padded.", "Two."]),
        ("", []),
        (" \t ", []),
    ],
)
def test_split_sentences(paragraph, sentences):
    assert split_sentences(paragraph) == sentences


def test_text_keeps_paragraphs_line_breaks_and_edge_whitespace_literal():
    segmented = segment("Hello. World!\n\n  Indented line.  \nLast\n")
    assert segmented.sentences == ("Hello.", "World!", "Indented line.", "Last")
    assert segmented.parts == (0, " ", 1, "\n\n  ", 2, "  \n", 3, "\n")


def test_fill_writes_translations_into_the_gaps():
    segmented = segment("Hello. World!\n\nBye.\n")
    assert segmented.fill(["Hallo.", "Welt!", "Tschüss."]) == "Hallo. Welt!\n\nTschüss.\n"


def test_fill_needs_one_translation_per_sentence():
    with pytest.raises(ValueError, match="got 1 for 2 sentences"):
        segment("One. Two.").fill(["Eins."])


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\n  \n"])
def test_blank_text_has_no_sentences(text):
    assert segment(text) == Segmented(parts=(text,) if text else (), sentences=())


README = """---
title: Llama tools. Not prose.
tags: [a, b]
---

# Llama Tools ##

A small toolkit. It runs offline,
and it is *fast*. See [the docs](https://example.com/docs.html).

- [ ] Install it. Then run it.
- Nested:
  - inner `x = 1.` item
1. First step.

> Quoted text. Second one.

| Name | Notes |
|------|-------|
| one. | Two words. |

```python
print("Hello. World.")
```

    indented = "code. Here."

<div align="center">
Raw HTML. Stays.
</div>

***

[docs]: https://example.com "Docs. Title."
"""

README_SENTENCES = (
    "Llama Tools",
    "A small toolkit.",
    "It runs offline,",
    "and it is *fast*.",
    "See [the docs](https://example.com/docs.html).",
    "Install it.",
    "Then run it.",
    "Nested:",
    "inner `x = 1.` item",
    "First step.",
    "Quoted text.",
    "Second one.",
    "Name",
    "Notes",
    "one.",
    "Two words.",
)

README_UPPER = """---
title: Llama tools. Not prose.
tags: [a, b]
---

# LLAMA TOOLS ##

A SMALL TOOLKIT. IT RUNS OFFLINE,
AND IT IS *FAST*. SEE [THE DOCS](HTTPS://EXAMPLE.COM/DOCS.HTML).

- [ ] INSTALL IT. THEN RUN IT.
- NESTED:
  - INNER `X = 1.` ITEM
1. FIRST STEP.

> QUOTED TEXT. SECOND ONE.

| NAME | NOTES |
|------|-------|
| ONE. | TWO WORDS. |

```python
print("Hello. World.")
```

    indented = "code. Here."

<div align="center">
Raw HTML. Stays.
</div>

***

[docs]: https://example.com "Docs. Title."
"""


def test_markdown_translates_prose_and_keeps_code_markup_and_front_matter():
    segmented = segment(README, "markdown")
    assert segmented.sentences == README_SENTENCES
    assert segmented.fill(segmented.sentences) == README
    assert segmented.fill([s.upper() for s in segmented.sentences]) == README_UPPER


def test_markdown_keeps_hard_breaks_task_boxes_and_escaped_pipes_out_of_sentences():
    segmented = segment("- [x] Done.\n\nLine\\\nnext  \nlast\n\n| a \\| b |\n|--|\n", "markdown")
    assert segmented.sentences == ("Done.", "Line", "next", "last", "a \\| b")
    assert segmented.parts[0] == "- [x] "


SUBTITLES = """5
00:00:01,000 --> 00:00:02,500
Hello there.
How are you?

7
00:00:03,000 --> 00:00:04,000 X1:10 X2:20 Y1:5 Y2:9
<i>Fine.</i>

100
0:00:05.5 --> 0:00:06,000

101
00:00:07,000 --> 00:00:08,000
Bye.
"""


def test_srt_keeps_indexes_timings_and_order_and_joins_cue_lines():
    segmented = segment(SUBTITLES, "srt")
    assert segmented.sentences == ("Hello there. How are you?", "<i>Fine.</i>", "Bye.")
    translated = segmented.fill(["Hallo. Wie geht's?", "<i>Gut.</i>", "Tschüss."])
    assert translated == (
        "5\n00:00:01,000 --> 00:00:02,500\nHallo. Wie geht's?\n\n"
        "7\n00:00:03,000 --> 00:00:04,000 X1:10 X2:20 Y1:5 Y2:9\n<i>Gut.</i>\n\n"
        "100\n0:00:05.5 --> 0:00:06,000\n\n"
        "101\n00:00:07,000 --> 00:00:08,000\nTschüss.\n"
    )
    before, after = list(srt.parse(SUBTITLES)), list(srt.parse(translated))
    assert [(c.index, c.start, c.end, c.proprietary) for c in after] == [
        (c.index, c.start, c.end, c.proprietary) for c in before
    ]
    assert [c.index for c in after] == [5, 7, 100, 101]
    assert after[3].content == "Tschüss."


def test_srt_with_single_line_cues_comes_back_byte_for_byte():
    text = (
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nOne. Two.\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,000\r\nThree\r\n"
    )
    segmented = segment(text, "srt")
    assert segmented.sentences == ("One. Two.", "Three")
    assert segmented.fill(segmented.sentences) == text


BROKEN_SRT = """1
00:00:01,000 --> 00:00:02,000
Hello.

2
00:00:01,000 -> 00:00:02
Bye.

3
00:00:05,000 --> 00:00:06,000
End.
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (BROKEN_SRT, "at line 6: '00:00:01,000 -> 00:00:02' is not a cue"),
        ("garbage\n", "at line 1: 'garbage' is not a cue"),
        ("", "has no cues"),
        ("\n\n", "has no cues"),
    ],
)
def test_broken_srt_names_the_line_to_fix(text, message):
    with pytest.raises(InvalidRequest, match="HH:MM:SS,mmm --> HH:MM:SS,mmm") as caught:
        segment(text, "srt")
    assert message in caught.value.message


CAPTIONS = """WEBVTT - Demo captions
Kind: captions

STYLE
::cue { color: yellow }

NOTE This note. Is kept.
And its second line.

intro
00:00:01.000 --> 00:00:02.500 align:start position:10%
Hello there.
How are you?

00:01:03.000 --> 00:01:04.000 line:0
<v Anna>Fine, thanks.</v>

2
00:00:05.000 --> 00:00:06.000
"""

CAPTIONS_UPPER = """WEBVTT - Demo captions
Kind: captions

STYLE
::cue { color: yellow }

NOTE This note. Is kept.
And its second line.

intro
00:00:01.000 --> 00:00:02.500 align:start position:10%
HELLO THERE. HOW ARE YOU?

00:01:03.000 --> 00:01:04.000 line:0
<V ANNA>FINE, THANKS.</V>

2
00:00:05.000 --> 00:00:06.000
"""


def test_vtt_keeps_header_blocks_identifiers_and_cue_settings():
    webvtt = pytest.importorskip("webvtt")  # an independent parser reads the result back
    segmented = segment(CAPTIONS, "vtt")
    assert segmented.sentences == ("Hello there. How are you?", "<v Anna>Fine, thanks.</v>")
    translated = segmented.fill([s.upper() for s in segmented.sentences])
    assert translated == CAPTIONS_UPPER
    cues = list(webvtt.from_string(translated))
    assert [(c.identifier, c.start, c.end) for c in cues] == [
        ("intro", "00:00:01.000", "00:00:02.500"),
        (None, "00:01:03.000", "00:01:04.000"),
        ("2", "00:00:05.000", "00:00:06.000"),
    ]
    assert str(cues[0].settings) == "align:start position:10%"


def test_vtt_with_single_line_cues_comes_back_byte_for_byte():
    text = "\ufeffWEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000 line:0\r\nHi. There.\r\n"
    segmented = segment(text, "vtt")
    assert segmented.sentences == ("Hi. There.",)
    assert segmented.fill(segmented.sentences) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "00:00:01.000 --> 00:00:02.000\nhi\n",
            "at line 1: '00:00:01.000 --> 00:00:02.000' is not",
        ),
        ("", "at line 1: '' is not the 'WEBVTT' header"),
        ("WEBVTT\n\nintro\n00:00:01.000 -> 00:00:02.000\nhi\n", "at line 4: '00:00:01.000 ->"),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nhi\n", "at line 3: '00:00:01.000 ->"),
        ("WEBVTT\n\n00:00:01 --> 00:00:02\nhi\n", "at line 3: '00:00:01 --> 00:00:02'"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\nstray text\n", "at line 6: 'stray text'"),
        ("WEBVTT\n\nNOTE only a note\n", "has no cues"),
    ],
)
def test_broken_vtt_names_the_line_to_fix(text, message):
    with pytest.raises(InvalidRequest) as caught:
        segment(text, "vtt")
    assert message in caught.value.message


def test_srt_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "srt", None)  # what an uninstalled package looks like
    assert segment("Plain text needs no extra.").sentences == ("Plain text needs no extra.",)
    with pytest.raises(MissingExtra, match=r"llmos\[translate\]"):
        segment(SUBTITLES, "srt")


def test_unknown_format_lists_the_formats():
    with pytest.raises(InvalidRequest, match="Use one of: text, markdown, srt, vtt"):
        segment("Hello.", "docx")
    assert FORMATS == ("text", "markdown", "srt", "vtt")


@pytest.mark.parametrize("format", FORMATS)
def test_text_over_the_size_limit_is_refused_with_both_numbers(format):
    with pytest.raises(PayloadTooLarge, match=r"100,001 characters long; the limit is 100,000"):
        segment("a" * (MAX_CHARS + 1), format)


def test_text_at_the_size_limit_is_accepted():
    assert segment("a" * MAX_CHARS).sentences == ("a" * MAX_CHARS,)


def test_too_many_sentences_are_refused():
    assert len(segment("Go. " * MAX_SENTENCES).sentences) == MAX_SENTENCES
    with pytest.raises(PayloadTooLarge, match="5,001 sentences; the limit is 5,000"):
        segment("Go. " * (MAX_SENTENCES + 1))


@pytest.mark.parametrize("text", ["." * 99_999, "!?" * 49_999, "a.b" * 33_000 + " ", "。" * 99_999])
def test_long_runs_of_marks_segment_quickly(text):
    assert segment(text).fill(segment(text).sentences) == text


@pytest.mark.parametrize("text", ["1\rgarbage", "12\x85bad", "1\u2028x"])
def test_srt_with_other_line_breaks_is_a_400_not_a_crash(text):
    with pytest.raises(InvalidRequest, match="does not parse"):
        segment(text, "srt")
