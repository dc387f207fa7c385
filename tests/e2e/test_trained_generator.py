"""An image generator trained by ``llmos train`` (the scenes' VAE), then served: listed as a
model, drawing a caption of its small world through the official client, refusing others."""

from __future__ import annotations

import base64
import io
import subprocess
import sys

import openai
import pytest
from PIL import Image

from llmos.capabilities.imagegen.learned import read
from tests.conftest import llmos_serve

pytest.importorskip("torch")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_a_generator_trained_by_llmos_train_draws_through_the_images_api(tmp_path):
    config = tmp_path / "vae.toml"
    config.write_text(
        'task = "scene-vae"\nname = "vae-test"\ntrain_size = 128\ntest_size = 20\nepochs = 2\n'
    )
    trained = subprocess.run(
        [sys.executable, "-m", "llmos", "train", str(config)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "colours and order right" in trained.stdout, trained.stdout
    home = tmp_path / "home"  # the tests' LLMOS_HOME
    generator = read(home / "generators" / "vae-test.pt2")
    assert generator.about["config"]["train_size"] == 128
    assert set(generator.about["test"]) == {"drawn", "rendered", "other caption"}
    scored = subprocess.run(
        [sys.executable, "-m", "llmos", "evaluate", str(generator.path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert scored.returncode == 0, scored.stderr
    assert scored.stdout.startswith("test captions: colours right"), scored.stdout

    with llmos_serve(home) as (base_url, _process):
        client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
        assert "vae-test" in {model.id for model in client.models.list()}
        result = client.images.generate(
            model="vae-test", prompt="A small red circle left of a large Blue square.", n=2,
            size="256x256",
        )  # fmt: skip
        assert len(result.data) == 2
        for image in result.data:
            picture = Image.open(io.BytesIO(base64.b64decode(image.b64_json)))
            assert picture.size == (256, 256) and picture.mode == "RGB"
            assert "a small red circle left of a large blue square." in image.revised_prompt
        one = client.images.generate(  # the default n=1, in the server's capitals and periods
            model="vae-test", prompt="a large green triangle left of a small red square the "
            "word red is written",
        )  # fmt: skip
        assert "the word RED is written." in one.data[0].revised_prompt
        with pytest.raises(openai.BadRequestError, match="draws only the small world"):
            client.images.generate(model="vae-test", prompt="a cat on a sofa")
        with pytest.raises(openai.BadRequestError, match="vae-test"):  # the known names
            client.images.generate(model="no-such-generator", prompt="a red circle")
