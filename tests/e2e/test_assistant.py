"""``llmos-assistant`` through the official ``openai`` client against a real server with the
default models: a photographed Chinese sign read and translated, a spoken request transcribed
and acted on, the answer streamed with its trace; audio refused by plain chat models."""

from __future__ import annotations

import base64
import io

import openai
import pytest
from PIL import Image, ImageDraw, ImageFont

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


@pytest.fixture(scope="module")
def client(llmos_server):
    return openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)


def sign(text: str) -> str:
    """A white sign with ``text`` in black Chinese characters, as a PNG data URI."""
    try:
        font = ImageFont.truetype(CJK_FONT, 96)
    except OSError:
        pytest.skip("fonts-noto-cjk is not installed")
    picture = Image.new("RGB", (640, 240), "white")
    ImageDraw.Draw(picture).text((60, 60), text, fill="black", font=font)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def steps_of(response) -> list[dict]:
    return response.model_extra["llmos"]["trace"]["steps"]


def test_a_chinese_sign_is_read_and_translated_into_english(client):
    response = client.chat.completions.create(
        model="llmos-assistant",
        temperature=0,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What does this sign say in English?"},
                    {"type": "image_url", "image_url": {"url": sign("禁止吸烟")}},
                ],
            }
        ],
    )
    steps = steps_of(response)
    assert steps[0]["capability"] == "vision" and "禁止吸烟" in steps[0]["output"], steps
    translated = [s for s in steps if s["capability"] == "tool:translate"]
    assert translated and translated[0]["ok"] and "smok" in translated[0]["output"].lower(), steps
    assert "smok" in response.choices[0].message.content.lower()
    assert response.model_extra["llmos"]["trace"]["id"].startswith("trace_")


def test_a_spoken_request_is_transcribed_and_answered_streaming(client, tmp_path):
    speech = client.audio.speech.create(
        model="tts-1", voice="alloy", input="Please translate good morning into French.",
        response_format="wav",
    )  # fmt: skip
    recording = base64.b64encode(speech.content).decode()
    stream = client.chat.completions.create(
        model="llmos-assistant", stream=True, temperature=0,
        messages=[{"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": recording, "format": "wav"}},
        ]}],
    )  # fmt: skip
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    ends = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert "llmos" not in (chunks[0].model_extra or {})  # the trace comes with the last chunk
    steps = ends[0].model_extra["llmos"]["trace"]["steps"]
    assert steps[0]["capability"] == "transcribe" and "morning" in steps[0]["output"].lower()
    calls = [s for s in steps if s["capability"] == "tool:translate"]
    assert calls and calls[0]["inputs"]["target"] == "fr", steps
    assert "bonjour" in text.lower(), (text, steps)


def test_plain_chat_models_refuse_audio_and_the_assistant_refuses_tools(client):
    audio = {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}
    with pytest.raises(openai.BadRequestError, match="llmos-assistant"):
        client.chat.completions.create(
            model="qwen2.5-coder-1.5b-instruct", messages=[{"role": "user", "content": [audio]}]
        )
    with pytest.raises(openai.BadRequestError, match="its own tools"):
        client.chat.completions.create(
            model="llmos-assistant", messages=[{"role": "user", "content": "hi"}],
            tools=[{"type": "function", "function": {"name": "f", "parameters": {}}}],
        )  # fmt: skip
    with pytest.raises(openai.BadRequestError, match="format"):
        client.chat.completions.create(
            model="llmos-assistant", temperature=0,
            messages=[{"role": "user", "content": [{"type": "input_audio", "input_audio": {
                "data": "UklGRg==", "format": "flac"}}]}],
        )  # fmt: skip
    not_audio = base64.b64encode(b"this is not a recording" * 10).decode()
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="llmos-assistant",
            messages=[{"role": "user", "content": [{"type": "input_audio", "input_audio": {
                "data": not_audio, "format": "wav"}}]}],
        )  # fmt: skip


def test_answers_are_spoken_when_asked_whole_and_streamed(client):
    import wave

    response = client.chat.completions.create(
        model="llmos-assistant", temperature=0, modalities=["text", "audio"],
        audio={"voice": "alloy", "format": "wav"},
        messages=[{"role": "user", "content": "Translate 'good night' into French."}],
    )  # fmt: skip
    message = response.choices[0].message
    assert message.audio is not None and message.audio.transcript == message.content
    with wave.open(io.BytesIO(base64.b64decode(message.audio.data))) as recording:
        assert recording.getnframes() / recording.getframerate() > 0.5  # true sizes
    heard = client.audio.transcriptions.create(
        model="whisper-1", file=("answer.wav", base64.b64decode(message.audio.data))
    )
    assert "nuit" in heard.text.lower() or "night" in heard.text.lower(), heard.text
    stream = client.chat.completions.create(
        model="qwen2.5-coder-1.5b-instruct", stream=True, max_tokens=12, temperature=0,
        modalities=["text", "audio"], audio={"voice": "alloy", "format": "mp3"},
        messages=[{"role": "user", "content": "Say hello."}],
    )  # fmt: skip
    chunks = list(stream)
    [spoken] = [c.choices[0].delta.audio for c in chunks if c.choices and c.choices[0].delta.audio]
    assert base64.b64decode(spoken.data)[:3] in (b"ID3", b"\xff\xfb", b"\xff\xf3")  # MP3
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert spoken.transcript == text
    for wrong, words in (({"audio": {"voice": "nobody", "format": "wav"}}, "Unknown voice"),
                         ({}, "say how in 'audio'")):  # fmt: skip
        with pytest.raises(openai.BadRequestError, match=words):
            client.chat.completions.create(
                model="llmos-assistant", modalities=["text", "audio"],
                messages=[{"role": "user", "content": "hi"}], **wrong,
            )  # fmt: skip
