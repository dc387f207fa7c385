"""The web UI's tools page in Debian's Chromium against a real ``llmos serve``: subtitles of
a video downloaded as VTT, a picture's caption and objects, speech, translation, a chart."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from playwright.sync_api import expect

from llmos.eval import vision as bundled
from tests.conftest import llmos_serve
from tests.e2e.test_transcription import speak

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PHOTOS = Path(bundled.__file__).parent / "data" / "vision"
SPOKEN = "Welcome to the quarterly review. Sales grew in every region this year."
TIMEOUT_MS = 240_000
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with llmos_serve(tmp_path_factory.mktemp("home")) as (url, _process):
        yield url


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    """A short video: a still picture and Piper saying ``SPOKEN``."""
    folder = tmp_path_factory.mktemp("video")
    (folder / "speech.wav").write_bytes(speak(SPOKEN))
    ffmpeg = ["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=navy:s=320x240"]
    codecs = ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest"]
    subprocess.run([*ffmpeg, "-i", "speech.wav", *codecs, "talk.mp4"], cwd=folder, check=True)
    return folder / "talk.mp4"


def frame_at(path: Path, seconds: float) -> np.ndarray:
    """The RGB picture of the video at about ``seconds``."""
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= seconds:
                return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"{path} is shorter than {seconds} s")


def download(page, link, folder: Path, name: str) -> Path:
    """Click a download link, check the file name it offers and keep the file in `folder`."""
    with page.expect_download() as started:
        link.click()
    assert started.value.suggested_filename == name
    saved = folder / name
    started.value.save_as(saved)
    return saved


def tools(open_page, url: str, **options):
    page = open_page(f"{url}/#tools", **options)
    expect(page.locator("#translate-target option")).not_to_have_count(0)
    return page


def test_a_video_gets_vtt_subtitles_to_download_with_the_spoken_words(
    server, open_page, video, tmp_path
):
    page = tools(open_page, server)
    page.set_input_files("#subtitle-file", str(video))
    page.select_option("#subtitle-format", "vtt")
    page.click("#subtitle-form button[type=submit]")
    link = page.locator("#subtitle-download")
    expect(link).to_be_visible(timeout=TIMEOUT_MS)
    text = download(page, link, tmp_path, "talk.vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    assert "quarterly review" in text.lower() and "region" in text.lower(), text

    page.click("#subtitle-burn")
    copy = page.locator("#subtitle-video")
    expect(copy).to_be_visible(timeout=TIMEOUT_MS)
    subtitled = download(page, copy, tmp_path, "talk.subtitled.mp4")
    plain, drawn = frame_at(video, 1.0), frame_at(subtitled, 1.0)
    assert plain.shape == drawn.shape == (240, 320, 3)
    lower = slice(160, 240)  # where libass puts the cue: white letters over the navy picture
    assert (drawn[lower] > 200).all(axis=2).sum() > 100
    assert (plain[lower] > 200).all(axis=2).sum() == 0


def test_a_picture_is_captioned_and_its_objects_are_boxed(server, open_page):
    page = tools(open_page, server)
    page.set_input_files("#image-file", str(PHOTOS / "chelsea.jpg"))
    page.click('#image-form button[value="caption"]')
    expect(page.locator("#image-text")).to_contain_text("cat", timeout=TIMEOUT_MS)
    page.click('#image-form button[value="detect"]')
    expect(page.locator("#image-text")).to_contain_text("\u00d7 cat", timeout=TIMEOUT_MS)
    expect(page.locator("#image-objects li").first).to_contain_text("cat")
    canvas = page.locator("#image-canvas")
    expect(canvas).to_have_attribute("aria-label", re.compile("cat"))
    width = canvas.evaluate("canvas => canvas.width")
    assert width == 451  # the photo's own pixels, boxes drawn at the detector's coordinates


def test_text_is_spoken_into_a_playable_mp3(server, open_page):
    page = tools(open_page, server)
    page.fill("#speech-text", "Hello from the web page.")
    page.click("#speech-form button[type=submit]")
    audio = page.locator("#speech-audio")
    expect(audio).to_have_attribute("src", re.compile("^blob:"), timeout=TIMEOUT_MS)
    seconds = audio.evaluate(
        """audio => new Promise((resolve, reject) => {
            if (audio.readyState >= 1) return resolve(audio.duration);
            audio.onloadedmetadata = () => resolve(audio.duration);
            audio.onerror = () => reject(new Error("the browser cannot play it"));
        })"""
    )
    assert 0.8 < seconds < 5, seconds


def test_a_sentence_is_translated_into_chinese(server, open_page):
    page = tools(open_page, server)
    page.fill("#translate-text", "The library opens at nine in the morning.")
    page.select_option("#translate-target", "zh")
    page.click("#translate-form button[type=submit]")
    output = page.locator("#translate-output")
    expect(output).to_be_visible(timeout=TIMEOUT_MS)
    assert CJK.search(output.inner_text()), output.inner_text()
    expect(output).to_have_attribute("lang", "zh")


def test_a_chart_is_drawn(server, open_page):
    page = tools(open_page, server)
    page.fill("#draw-prompt", "a bar chart of apples 3, pears 5 and plums 2")
    page.click("#draw-form button[type=submit]")
    picture = page.locator("#draw-output")
    expect(picture).to_be_visible(timeout=TIMEOUT_MS)
    expect(picture).to_have_attribute("alt", re.compile("bar chart", re.IGNORECASE))
    assert picture.evaluate("image => image.complete && image.naturalWidth") == 512


def test_a_bad_file_shows_the_servers_message_inline(server, open_page, tmp_path):
    page = tools(open_page, server, allow=("400",))
    fake = tmp_path / "notes.jpg"
    fake.write_text("not a picture")
    page.set_input_files("#image-file", str(fake))
    page.click('#image-form button[value="detect"]')
    error = page.locator("#image-form .error")
    expect(error).to_be_visible()
    assert "notes.jpg" in error.inner_text()
    expect(page.locator("#page-error")).to_be_hidden()
