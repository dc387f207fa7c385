"""Seeing, over real HTTP: expert models on real photos (scikit-image's CC0 / public-domain
set), captions and answers worded by the real chat model, images in chat via ``openai``."""

from __future__ import annotations

import base64
import io
import subprocess
import sys

import httpx
import numpy as np
import openai
import pytest
from PIL import Image
from skimage import data as photos

from llmos.capabilities.vision.caption import unsupported_nouns
from llmos.capabilities.vision.types import Box, DetectedObject, Label, Photo, VisualFacts
from tests.documents import rendered_text

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def encoded(rgb: np.ndarray, kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, kind)
    return out.getvalue()


@pytest.fixture(scope="module")
def coffee() -> bytes:
    return encoded(photos.coffee(), "JPEG")


@pytest.fixture(scope="module")
def cat() -> bytes:
    return encoded(photos.chelsea())


def post(url: str, path: str, image: bytes, name: str = "photo.png", **form) -> httpx.Response:
    return httpx.post(f"{url}{path}", files={"file": (name, image)}, data=form, timeout=180)


def facts_of(body: dict) -> VisualFacts:
    """The facts in an API answer, typed again (for the invented-noun check)."""
    return VisualFacts(
        photo=Photo(**{**body["photo"], "colours": tuple(body["photo"]["colours"])}),
        labels=tuple(
            Label(label["name"], label["score"], tuple(label["kinds"])) for label in body["labels"]
        ),
        objects=tuple(
            DetectedObject(o["label"], o["score"], Box(**o["box"]), tuple(o["colours"]))
            for o in body["objects"]
        ),
        faces=(),
        text=(),
        concepts=tuple(body["concepts"]),
        kinds=body["kinds"],
    )


def test_facts_of_real_photos_name_what_is_in_them(llmos_server, coffee, cat):
    drink = post(llmos_server, "/v1/images/facts", coffee, "coffee.jpg")
    assert drink.status_code == 200, drink.text
    body = drink.json()
    assert body["labels"][0]["name"] == "espresso"
    assert [o["label"] for o in body["objects"]] == ["cup"]  # the nested second box is merged
    assert set(body["timings_ms"]) >= {"classify", "detect", "ocr"}
    pet = post(llmos_server, "/v1/images/facts", cat).json()
    assert "cat" in pet["labels"][0]["kinds"] and pet["kinds"]["animal"] > 0.9
    assert pet["subject"]["position"] == "centre"
    assert [o["label"] for o in pet["objects"]] == ["cat"]
    assert pet["photo"]["width"] == 451 and not pet["photo"]["grayscale"]


def test_text_in_an_image_is_read_exactly_in_reading_order(llmos_server):
    lines = ["Invoice 4521: total $1,234.56", "The quick brown fox jumps over", "the lazy dog."]
    canvas = rendered_text(lines)
    read = post(llmos_server, "/v1/images/ocr", encoded(np.asarray(canvas)))
    assert read.status_code == 200, read.text
    assert read.json()["text"].splitlines() == lines
    assert all(line["score"] > 0.9 for line in read.json()["lines"])


def test_the_coffee_caption_mentions_it_and_invents_nothing(llmos_server, coffee):
    made = post(llmos_server, "/v1/images/captions", coffee, "coffee.jpg")
    assert made.status_code == 200, made.text
    body = made.json()
    text = body["text"].lower()
    assert "coffee" in text or "cup" in text or "espresso" in text, text
    assert unsupported_nouns(body["text"], facts_of(body["facts"])) == (), text
    assert body["source"] in ("llm", "template") and body["template"].startswith("A photo of")


def test_counting_comes_from_the_detector_and_unknowns_are_declined(llmos_server, cat):
    counted = post(llmos_server, "/v1/images/questions", cat, question="How many cats are there?")
    assert counted.status_code == 200, counted.text
    assert counted.json()["answer"] == "1" and "detector" in counted.json()["evidence"]
    unknowable = post(
        llmos_server, "/v1/images/questions", cat, question="What is the cat's name?"
    ).json()
    assert unknowable["abstained"] and "can't tell" in unknowable["answer"]


def test_chat_reads_an_image_sent_as_a_data_uri(llmos_server, cat):
    client = openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)
    uri = "data:image/png;base64," + base64.b64encode(cat).decode()
    reply = client.chat.completions.create(
        model="smollm2-135m-instruct",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What animal is in this picture? One word."},
                    {"type": "image_url", "image_url": {"url": uri}},
                ],
            }
        ],
        max_tokens=20,
        temperature=0,
    )
    assert "cat" in reply.choices[0].message.content.lower()


def test_a_remote_image_url_is_refused_with_the_reason(llmos_server):
    client = openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(
            model="smollm2-135m-instruct",
            messages=[
                {
                    "role": "user",
                    "content": [
                        {"type": "image_url", "image_url": {"url": "http://169.254.169.254/x"}}
                    ],
                }
            ],
        )
    assert "does not fetch remote images" in refused.value.message
    assert "data URI" in refused.value.message


def test_bad_images_get_a_400_and_the_server_keeps_serving(llmos_server, coffee):
    bomb = _png_declaring(100_000, 100_000)
    bad = {
        "empty.png": b"",
        "corrupt.jpg": coffee[: len(coffee) // 3],
        "bomb.png": bomb,
        "notes.png": b"just some text, not an image\n" * 10,
    }
    for name, content in bad.items():
        answer = post(llmos_server, "/v1/images/facts", content, name)
        assert answer.status_code == 400, (name, answer.text)
        assert name in answer.json()["error"]["message"]
    assert post(llmos_server, "/v1/images/detections", coffee).status_code == 200


def _png_declaring(width: int, height: int) -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def test_llmos_detect_draws_the_boxes_and_ocr_reads(llmos_server, cat, tmp_path):
    photo, drawn = tmp_path / "cat.png", tmp_path / "boxes.png"
    photo.write_bytes(cat)
    env_url = ["--url", llmos_server]
    found = subprocess.run(
        [sys.executable, "-m", "llmos", "detect", str(photo), "--draw", str(drawn), *env_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert found.returncode == 0, found.stderr
    assert "cat" in found.stdout
    with Image.open(drawn) as image:
        assert image.size == (451, 300)
    asked = subprocess.run(
        [sys.executable, "-m", "llmos", "ask", str(photo), "How many cats?", *env_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert asked.returncode == 0, asked.stderr
    assert asked.stdout.startswith("1 ") and "detector" in asked.stdout
