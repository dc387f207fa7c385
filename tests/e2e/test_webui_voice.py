"""The web UI's voice in Debian's Chromium against a real ``llmos serve``: a question spoken into
the microphone (Chromium's fake capture device playing Piper's recording of it) is recorded by
MediaRecorder and transcribed into the prompt; an answer is read aloud to its end, and stopped."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import chromium
from tests.conftest import llmos_serve
from tests.e2e.test_transcription import speak

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SMALL_MODEL = "smollm2-135m-instruct"
TIMEOUT_MS = 240_000  # a cold model load plus the work, on two cores


@pytest.fixture(scope="module")
def question(tmp_path_factory) -> Path:
    """Piper saying a question, as a WAV file the fake microphone plays."""
    path = tmp_path_factory.mktemp("voice") / "question.wav"
    path.write_bytes(speak("What is the capital of France?"))
    return path


@pytest.fixture(scope="module")
def browser(question):
    """This module's Chromium has a microphone: the fake capture device plays ``question``
    once, from the moment a page opens it."""
    with chromium(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={question}%noloop",
    ) as launched:
        yield launched


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with llmos_serve(tmp_path_factory.mktemp("home")) as (url, _process):
        yield url


def seconds_of(path: Path) -> float:
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


def test_a_spoken_question_is_transcribed_into_the_prompt(server, open_page, question):
    page = open_page(server)
    page.context.grant_permissions(["microphone"])
    button = page.locator("#record")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    # the fake microphone plays the question in real time: what is recorded is that long
    page.wait_for_timeout(seconds_of(question) * 1000 + 700)
    button.click()
    prompt = page.locator("#prompt")
    # whisper-tiny through the browser's Opus heard "France" as "friends" once: the words
    # before it prove the recording reached the server whole
    expect(prompt).to_have_value(re.compile(r"what is the capital of", re.I), timeout=TIMEOUT_MS)
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#chat-error")).to_be_hidden()


def test_an_answer_is_read_aloud_to_its_end_and_can_be_stopped(server, open_page):
    with httpx.Client(base_url=server, timeout=TIMEOUT_MS / 1000) as http:
        made = http.post("/v1/conversations", json={"title": "Reading", "model": SMALL_MODEL})
        turn = {"content": "Say hello to me in one sentence.", "max_tokens": 24, "temperature": 0}
        http.post(f"/v1/conversations/{made.json()['id']}/messages", json=turn).raise_for_status()
    page = open_page(server)
    page.get_by_role("button", name="Reading", exact=True).click()
    answer = page.locator("#messages li.message.assistant")
    expect(answer).to_have_count(1)
    reading = answer.locator("button.small")
    expect(reading).to_have_text("Read aloud")

    reading.click()  # started, then stopped before the speech has come
    expect(reading).to_have_text("Stop reading")
    reading.click()
    expect(reading).to_have_text("Read aloud")

    with page.expect_response(re.compile(r"/v1/audio/speech$"), timeout=TIMEOUT_MS) as spoken:
        reading.click()
    assert spoken.value.status == 200
    expect(reading).to_have_text("Stop reading")
    expect(reading).to_have_text("Read aloud", timeout=TIMEOUT_MS)  # played to its end
    expect(page.locator("#chat-error")).to_be_hidden()
