"""Pictures through a real server and the official openai client."""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys

import httpx
import numpy as np
import openai
import pytest
from PIL import Image

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(llmos_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", timeout=300)


def image_of(item) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(item.b64_json))).convert("RGB"))


def test_a_chart_prompt_draws_its_numbers_twice_with_n_2(client):
    result = client.images.generate(
        model="dall-e-3",
        prompt="A bar chart of visitors: Monday 120, Tuesday 80, Wednesday 200",
        n=2,
        size="256x256",
        response_format="b64_json",
    )
    assert len(result.data) == 2
    for item in result.data:
        assert image_of(item).shape == (256, 256, 3)
        assert "Monday = 120" in item.revised_prompt and "Wednesday = 200" in item.revised_prompt


def test_three_apples_on_a_table_are_composed_from_icons(client):
    result = client.images.generate(prompt="three apples on a table", response_format="b64_json")
    assert "3 apple" in result.data[0].revised_prompt and "table" in result.data[0].revised_prompt
    assert image_of(result.data[0]).std() > 20


def test_a_chinese_prompt_draws_a_scene(client):
    result = client.images.generate(prompt="草地上有两只狗", response_format="b64_json")
    said = result.data[0].revised_prompt
    assert "2 dog" in said or "2 狗" in said, said
    assert "Not drawn" not in said, said  # the grass is the background


def test_a_picture_can_be_fetched_by_url(client, llmos_server):
    result = client.images.generate(prompt="a clock showing 10:45", response_format="url")
    url = result.data[0].url
    assert url.startswith(llmos_server) and "10:45" in result.data[0].revised_prompt
    response = httpx.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert httpx.get(f"{llmos_server}/v1/images/generated/img_{'0' * 24}.png").status_code == 404


def test_an_impossible_prompt_says_what_it_could_not_draw(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.images.generate(prompt="a portrait of Albert Einstein explaining relativity")
    message = raised.value.body["message"]
    assert "cannot draw" in message and "einstein" in message.lower()


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"prompt": ""}, "empty"),
        ({"prompt": "a cat", "n": 9}, "n"),
        ({"prompt": "a cat", "size": "640x480"}, "size"),
        ({"prompt": "a cat", "model": "stable-diffusion"}, "unknown"),
    ],
)
def test_bad_requests_are_400s(llmos_server, body, says):
    response = httpx.post(f"{llmos_server}/v1/images/generations", json=body)
    assert response.status_code == 400 and says in response.json()["error"]["message"]


def test_a_flow_chart_draws_its_steps_in_order(client):
    result = client.images.generate(
        prompt="a flow chart: Order -> Pay -> Ship", response_format="b64_json"
    )
    assert result.data[0].revised_prompt.startswith("A diagram showing Order, Pay, Ship")


def test_the_cli_writes_the_png_and_its_svg(llmos_server, tmp_path):
    out = tmp_path / "flag.png"
    done = subprocess.run(
        [sys.executable, "-m", "llmos", "imagine", "the flag of Brazil", "-o", str(out), "--svg"],
        env={**os.environ, "LLMOS_URL": llmos_server},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "flag of Brazil" in done.stdout
    with Image.open(out) as image:
        assert image.size == (512, 512)
    assert out.with_suffix(".svg").read_text().startswith("<svg")
