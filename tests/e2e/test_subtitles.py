"""Subtitles for a video made in the test: a still image plus speech that Piper synthesised."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import av
import httpx
import pytest

from tests.e2e.test_transcription import speak
from tests.media_corpus import encoded, pattern

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SPOKEN = "Welcome to the quarterly review. Sales grew in every region this year."


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("video")
    (folder / "speech.wav").write_bytes(speak(SPOKEN))
    ffmpeg = ["ffmpeg", "-y", "-loglevel", "error"]
    subprocess.run(
        [*ffmpeg, "-f", "lavfi", "-i", "color=c=navy:s=320x240", "-frames:v", "1", "still.png"],
        cwd=folder,
        check=True,
    )
    inputs = ["-loop", "1", "-i", "still.png", "-i", "speech.wav", "-shortest"]
    codecs = ["-c:v", "libx264", "-tune", "stillimage", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    subprocess.run([*ffmpeg, *inputs, *codecs, "talk.mp4"], cwd=folder, check=True)
    return folder / "talk.mp4"


def test_a_video_gets_subtitles_with_the_spoken_words(llmos_server, video):
    with video.open("rb") as file:
        response = httpx.post(
            f"{llmos_server}/v1/video/subtitles",
            files={"file": ("talk.mp4", file, "video/mp4")},
            data={"response_format": "srt", "language": "en"},
            timeout=120,
        )
    assert response.status_code == 200, response.text
    srt = response.text.lower()
    assert srt.startswith("1\n00:00:00")
    assert "quarterly review" in srt and "region" in srt


def test_subtitles_are_translated_cue_by_cue_with_their_timings(llmos_server, video):
    with video.open("rb") as file:
        response = httpx.post(
            f"{llmos_server}/v1/video/subtitles",
            files={"file": ("talk.mp4", file, "video/mp4")},
            data={"translate_to": "pt-BR", "language": "en"},
            timeout=300,
        )
    assert response.status_code == 200, response.text
    cues = response.text.strip().split("\n\n")
    assert cues[0].startswith("1\n00:00:00,")
    assert "revisão" in response.text.lower() and "review" not in response.text.lower()


def test_an_unknown_subtitle_language_is_refused_before_any_work(llmos_server, video):
    with video.open("rb") as file:
        response = httpx.post(
            f"{llmos_server}/v1/video/subtitles",
            files={"file": ("talk.mp4", file, "video/mp4")},
            data={"translate_to": "tlh"},
        )
    assert response.status_code == 400
    assert "Supported: en (English)" in response.json()["error"]["message"]


def test_the_cli_burns_chinese_subtitles_with_a_cjk_font(llmos_server, video, tmp_path):
    srt = tmp_path / "talk.zh.srt"
    command = [sys.executable, "-m", "llmos", "subtitle", str(video), "-o", str(srt)]
    command += ["--translate-to", "zh", "--burn"]
    env = {**os.environ, "LLMOS_URL": llmos_server}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    text = srt.read_text()
    assert re.search(r"[\u4e00-\u9fff]{4}", text) and "00:00:00," in text, text
    assert video.with_name("talk.subtitled.mp4").stat().st_size > 0
    # with no CJK font, the burn is refused instead of drawing empty boxes
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?><fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir></fontconfig>'
    )
    env["FONTCONFIG_FILE"] = str(tmp_path / "fonts.conf")
    video.with_name("talk.subtitled.mp4").unlink()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and "fonts-noto-cjk" in done.stderr, done.stderr
    assert not video.with_name("talk.subtitled.mp4").exists()


def test_the_cli_writes_vtt_and_burns_the_subtitles_into_a_copy(llmos_server, video):
    vtt = video.with_name("talk.vtt")
    done = subprocess.run(
        [sys.executable, "-m", "llmos", "subtitle", str(video), "-o", str(vtt), "--burn"],
        env={**os.environ, "LLMOS_URL": llmos_server},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert vtt.read_text().startswith("WEBVTT") and "review" in vtt.read_text().lower()
    burned = video.with_name("talk.subtitled.mp4")
    with av.open(str(burned)) as container, av.open(str(video)) as original:
        assert container.streams.video and container.streams.audio
        assert abs(container.duration - original.duration) < 0.5 * av.time_base


def png() -> bytes:
    return encoded(pattern(64, 48), "png")


def test_the_api_draws_subtitles_into_a_copy_of_the_video(llmos_server, video):
    srt = "1\n00:00:00,000 --> 00:00:02,000\nQuarterly review\n"
    with video.open("rb") as file:
        response = httpx.post(
            f"{llmos_server}/v1/video/subtitled",
            files={"file": ("talk.mp4", file, "video/mp4")},
            data={"subtitles": srt},
            timeout=300,
        )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    assert 'filename="talk.subtitled.mp4"' in response.headers["content-disposition"]
    with av.open(io.BytesIO(response.content)) as copy, av.open(str(video)) as original:
        assert copy.streams.video and copy.streams.audio
        assert abs(copy.duration - original.duration) < 0.5 * av.time_base

    def refused(data: bytes, name: str, subtitles: str = srt) -> str:
        answer = httpx.post(
            f"{llmos_server}/v1/video/subtitled",
            files={"file": (name, data)},
            data={"subtitles": subtitles},
            timeout=60,
        )
        assert answer.status_code == 400, answer.text
        return answer.json()["error"]["message"]

    assert "still picture" in refused(png(), "photo.png")
    assert "no video stream" in refused(speak("Hello there."), "hello.wav")
    assert "empty" in refused(video.read_bytes(), "talk.mp4", subtitles=" \n")
