"""The official ``openai`` client against a real ``llmos serve`` process with the real model."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys

import numpy as np
import openai
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def client(llmos_server):
    return openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)


def test_models_are_listed(client):
    ids = [model.id for model in client.models.list()]
    assert "all-minilm-l6-v2" in ids


def test_embeddings_rank_a_kitten_closer_to_a_cat_than_a_market_report(client):
    texts = ["a cat sits on the mat", "a kitten on a rug", "stock market report"]
    response = client.embeddings.create(model="all-minilm-l6-v2", input=texts)
    vectors = np.array([item.embedding for item in response.data])
    assert [item.index for item in response.data] == [0, 1, 2]
    assert vectors.shape == (3, 384)
    cosine = vectors @ vectors.T / np.outer(*2 * [np.linalg.norm(vectors, axis=1)])
    assert cosine[0, 1] > cosine[0, 2]
    assert response.usage.prompt_tokens == 20


def test_float_and_base64_encodings_agree(client):
    def create(**kwargs):
        response = client.embeddings.create(model="all-minilm-l6-v2", input="hello", **kwargs)
        return response.data[0].embedding

    as_float = np.array(create(encoding_format="float"))
    # base64 asked for explicitly: the client hands the string through
    as_base64 = np.frombuffer(base64.b64decode(create(encoding_format="base64")), "<f4")
    # nothing asked: the client requests base64 itself and decodes it
    by_default = np.array(create())
    assert as_float.shape == as_base64.shape == by_default.shape == (384,)
    assert np.allclose(as_float, as_base64, atol=1e-7)
    assert np.allclose(as_float, by_default, atol=1e-7)


def test_a_single_string_input_gets_one_vector(client):
    response = client.embeddings.create(model="all-minilm-l6-v2", input="just one")
    assert len(response.data) == 1 and len(response.data[0].embedding) == 384


def test_an_unknown_model_is_a_404_the_client_understands(client):
    with pytest.raises(openai.NotFoundError) as error:
        client.embeddings.create(model="mxbai-embed-large", input="x")
    assert "all-minilm-l6-v2" in str(error.value)


def test_cli_ps_shows_the_loaded_model(client, llmos_server):
    client.embeddings.create(model="all-minilm-l6-v2", input="warm up")
    env = {**os.environ, "LLMOS_URL": llmos_server}
    shown = subprocess.run(
        [sys.executable, "-m", "llmos", "ps", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    models = json.loads(shown.stdout)["models"]
    assert [m["name"] for m in models] == ["all-minilm-l6-v2"]
    assert models[0]["rss_bytes"] > 50 * 2**20  # the weights alone are ~90 MB


def test_openai_model_names_are_answered_by_llmos_models_that_say_so(client):
    chat = client.chat.completions.create(
        model="gpt-4o-mini", max_tokens=4, messages=[{"role": "user", "content": "Hi"}]
    )
    assert chat.model == "qwen2.5-coder-1.5b-instruct" and chat.choices[0].message.content
    embedded = client.embeddings.create(model="text-embedding-3-small", input="a cat")
    assert embedded.model == "all-minilm-l6-v2" and len(embedded.data[0].embedding) == 384
    with pytest.raises(openai.BadRequestError, match="dimensions"):
        client.embeddings.create(model="text-embedding-3-small", input="a cat", dimensions=256)
    with pytest.raises(openai.NotFoundError, match="names llmos's chat model"):
        client.embeddings.create(model="gpt-4o-mini", input="a cat")
