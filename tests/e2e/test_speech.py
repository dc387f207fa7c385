"""Text to speech through a real ``llmos serve``: the official client, streaming, round trip."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from llmos.eval.metrics import word_error_rate

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SENTENCES = "Please send the report to the whole team. The meeting starts at nine tomorrow."


@pytest.fixture(scope="module")
def client(llmos_server):
    return openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)


def test_speech_round_trips_through_whisper(client):
    audio = client.audio.speech.create(
        model="tts-1", voice="alloy", input=SENTENCES, response_format="wav"
    ).content
    assert audio[:4] == b"RIFF" and len(audio) > 22050 * 2  # more than a second of audio
    text = client.audio.transcriptions.create(
        model="whisper-1", file=("speech.wav", audio, "audio/wav"), language="en"
    ).text
    assert word_error_rate([SENTENCES], [text]) < 0.15, text


def test_the_first_audio_arrives_long_before_the_whole_text_is_spoken(llmos_server):
    paragraph = "This is short. " + " ".join(
        f"Sentence {n} carries a few more words for the voice to say." for n in range(2, 6)
    )
    httpx.post(f"{llmos_server}/v1/audio/speech", json={"input": "warm up"}, timeout=60)
    started, arrivals = time.perf_counter(), []
    with httpx.stream(
        "POST",
        f"{llmos_server}/v1/audio/speech",
        json={"input": paragraph, "response_format": "pcm"},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            arrivals.append((time.perf_counter() - started, len(chunk)))
    first, total = arrivals[0][0], arrivals[-1][0]
    assert first < 0.5 * total, arrivals
    assert sum(size for _, size in arrivals) % 2 == 0  # whole 16-bit samples


def test_voices_are_listed(llmos_server):
    voices = httpx.get(f"{llmos_server}/v1/audio/voices").json()["data"]
    assert voices[0]["id"] == "joe" and voices[0]["model"] == "piper-joe"
    by_id = {v["id"]: v for v in voices}
    assert by_id["de"]["model"] == "espeak-ng" and by_id["es"]["language"] == "Spanish (Spain)"
    assert {v["sample_rate"] for v in voices} == {22050}


def test_other_languages_are_spoken_by_espeak(client):
    import io

    import av

    audio = client.audio.speech.create(
        model="tts-1", voice="es", input="Hola. Buenos días a todos.", response_format="wav"
    ).content
    with av.open(io.BytesIO(audio)) as container:
        stream = container.streams.audio[0]
        seconds = (
            sum(f.samples for f in container.decode(stream)) / stream.codec_context.sample_rate
        )
    assert 1 < seconds < 10
    text = client.audio.transcriptions.create(
        model="whisper-1", file=("es.wav", audio, "audio/wav"), language="es"
    ).text
    assert "todos" in text.lower(), text  # eSpeak is robotic: Whisper gets some words right


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"input": "  "}, "empty"),
        ({"input": "hi", "response_format": "aac"}, "not supported"),
        ({"input": "hi", "response_format": "ogg"}, "mp3, flac, opus"),
        ({"input": "hi", "speed": 10}, "speed"),
        ({"input": "x" * 5000}, "4096"),
        ({"input": "hi", "voice": "bob"}, "Unknown voice"),
        ({"input": "hi", "model": "espeak-ng", "voice": "klingon"}, "Unknown voice 'klingon'"),
        ({"input": "hi", "model": "nope"}, "does not exist"),
    ],
)
def test_bad_speech_requests_say_what_is_wrong(llmos_server, body, fragment):
    response = httpx.post(f"{llmos_server}/v1/audio/speech", json=body)
    assert response.status_code in (400, 404), response.text
    assert fragment in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("response_format", "codec"), [("mp3", "mp3"), ("flac", "flac"), ("opus", "opus")]
)
def test_compressed_formats_decode_to_the_spoken_audio(client, response_format, codec):
    import io

    import av

    audio = client.audio.speech.create(
        model="tts-1", voice="alloy", input=SENTENCES, response_format=response_format
    ).content
    with av.open(io.BytesIO(audio)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith(codec)  # the mp3 decoder is "mp3float"
        samples = sum(frame.samples for frame in container.decode(stream))
        seconds = samples / stream.codec_context.sample_rate
    assert 3 < seconds < 15, seconds
    if response_format == "mp3":  # and it is still the same words
        text = client.audio.transcriptions.create(
            model="whisper-1", file=("speech.mp3", audio, "audio/mpeg"), language="en"
        ).text
        assert word_error_rate([SENTENCES], [text]) < 0.15, text
