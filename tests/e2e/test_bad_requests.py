"""A client's mistakes are 400s in the OpenAI error shape that name what to change, never 5xx.

Every case here answered 500 (or worse) before it was checked at the edge. A real server on a
free port, with a fake model: none of these requests may reach a model.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from llmos.api import create_app
from llmos.kernel import Kernel, Registry
from llmos.settings import Settings
from tests.fakes import FakeLoader, fake_capability, fake_spec

pytestmark = pytest.mark.e2e

USER = {"role": "user", "content": "hi"}


def chat(**fields) -> dict:
    return {"messages": [USER], **fields}


def schema_format(schema: dict) -> dict:
    return {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}


CHAT_CASES = {
    "unknown part type": (
        {"messages": [{"role": "user", "content": [{"type": "video", "video": "x"}]}]},
        "content[0].type is 'video'",
    ),
    "part without type": (
        {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
        "content[0].type is None",
    ),
    "part that is not an object": (
        {"messages": [{"role": "user", "content": ["hi"]}]},
        "content[0] must be an object",
    ),
    "content null": ({"messages": [{"role": "user", "content": None}]}, "'content' is missing"),
    "text not a string": (
        {"messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
        "content[0].text must be a string",
    ),
    "image part without url": (
        {"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}]},
        "image_url needs a 'url'",
    ),
    "malformed tool_calls": (
        {"messages": [USER, {"role": "assistant", "tool_calls": [{"function": 3}]}]},
        "tool_calls.0",
    ),
    "response_format xml": (chat(response_format={"type": "xml"}), "response_format.type"),
    "json_schema without schema": (
        chat(response_format={"type": "json_schema"}),
        "needs 'json_schema'",
    ),
    "schema type typo": (
        chat(response_format=schema_format({"type": "strin"})),
        "not a valid JSON schema",
    ),
    "schema ref to itself": (
        chat(response_format=schema_format({"$ref": "#"})),
        "must point into the schema's own '$defs'",
    ),
    "schema min above max": (  # exhausted all memory in llama.cpp's grammar converter
        chat(response_format=schema_format({"type": "string", "minLength": 5, "maxLength": 2})),
        "minLength is larger than maxLength",
    ),
    "schema repeats too much": (
        chat(response_format=schema_format({"type": "array", "minItems": 100000})),
        "minItems is 100000",
    ),
    "tool parameters not a schema": (
        chat(tools=[{"type": "function", "function": {"name": "f", "parameters": {"type": 7}}}]),
        "parameters: not a valid JSON schema",
    ),
    "max_tokens past int32": (chat(max_tokens=2**31), "max_tokens"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from tests.conftest import ThreadedServer

    home: Path = tmp_path_factory.mktemp("home")
    settings = Settings(home=home)
    loader = FakeLoader("fake")
    kernel = Kernel(settings, Registry([fake_capability(fake_spec("fake", loader))]))
    with ThreadedServer(create_app(settings, kernel=kernel)) as running:
        yield running.base_url


def assert_400(response: httpx.Response, words: str) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "code"}
    assert error["type"] == "invalid_request_error"
    assert words in error["message"], error["message"]


@pytest.mark.parametrize("case", CHAT_CASES)
def test_a_malformed_chat_request_is_a_400_naming_the_field(server, case):
    body, words = CHAT_CASES[case]
    assert_400(httpx.post(f"{server}/v1/chat/completions", json=body), words)


SURROGATE_CASES = {
    "chat": ("/v1/chat/completions", {"messages": [{"role": "user", "content": "a\ud800b"}]}),
    "completions": ("/v1/completions", {"prompt": "\udc00"}),
    "embeddings": ("/v1/embeddings", {"input": ["fine", "not \ud800 fine"]}),
    "speech": ("/v1/audio/speech", {"input": "say \ud800", "voice": "joe"}),
    "conversations": ("/v1/conversations", {"title": "\ud83d"}),
    "a key": ("/v1/embeddings", {"input": "x", "\ud800": 1}),
}


@pytest.mark.parametrize("case", SURROGATE_CASES)
def test_lone_surrogates_are_refused_everywhere(server, case):
    path, body = SURROGATE_CASES[case]
    content = json.dumps(body)  # ensure_ascii: the surrogate travels as the escape \ud800
    response = httpx.post(
        f"{server}{path}", content=content, headers={"content-type": "application/json"}
    )
    assert_400(response, "lone UTF-16 surrogate")


def test_a_surrogate_pair_is_ordinary_text(server):
    content = json.dumps({"input": "an emoji \U0001f600"})  # sent as \ud83d\ude00
    response = httpx.post(
        f"{server}/v1/embeddings", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text


def test_deeply_nested_json_is_a_400(server):
    deep = "[" * 5000 + "]" * 5000
    content = f'{{"input": "x", "extra": {deep}}}'
    response = httpx.post(
        f"{server}/v1/embeddings", content=content, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, response.text
    nested = {"input": "x", "extra": json.loads("[" * 100 + "]" * 100)}
    assert_400(httpx.post(f"{server}/v1/embeddings", json=nested), "nested more than 64")


def test_control_characters_in_speech_input_are_a_400(server):
    response = httpx.post(f"{server}/v1/audio/speech", json={"input": "a\x00b", "voice": "joe"})
    assert_400(response, "control character U+0000")
