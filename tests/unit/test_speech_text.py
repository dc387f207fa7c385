"""Splitting text for speech, and eSpeak NG called safely."""

from __future__ import annotations

import shutil

import pytest

from llmos.capabilities.speak.service import LONG_SENTENCE, split_for_speech


def test_sentences_and_long_clauses_are_split_into_short_pieces():
    text = "Hi there. How are you? " + "word, " * 80 + "end."
    pieces = split_for_speech(text)
    assert pieces[:2] == ["Hi there.", "How are you?"]
    assert all(len(p) <= LONG_SENTENCE + 10 for p in pieces)
    assert " ".join(pieces).split() == text.split()  # nothing lost, nothing added


def test_a_long_run_without_punctuation_is_cut_between_words():
    text = " ".join(["llama"] * 400)
    pieces = split_for_speech(text)
    assert len(pieces) > 5 and all(len(p) <= LONG_SENTENCE for p in pieces)
    assert " ".join(pieces) == text


def test_cjk_sentences_split_without_spaces():
    assert split_for_speech("你好。今天好吗？") == ["你好。", "今天好吗？"]  # noqa: RUF001


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs Debian's espeak-ng")
@pytest.mark.parametrize("text", ["-f/etc/hostname", "- first item", "--version"])
def test_espeak_reads_text_that_looks_like_options_as_text(text):
    from llmos.backends.espeak import EspeakSpeaker

    pcm = EspeakSpeaker().say(text, speed=1.0, voice="en-us")
    # spoken as words: at least a quarter second of 22.05 kHz audio, and no file was read
    assert len(pcm) > 22050 // 2
    assert b"RIFF" not in pcm
