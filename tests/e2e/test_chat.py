"""Chat through the official ``openai`` client against a real ``llmos serve``.

The tiny SmolLM2-135M model proves the serving path fast; its answers are weak, so the tests
assert on shape, constraints and behaviour, not on wisdom. One test uses the default Qwen model.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import httpx
import jsonschema
import openai
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TINY = "smollm2-135m-instruct"
HI = [{"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def client(llmos_server):
    return openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0)


def test_a_reply_without_streaming(client):
    reply = client.chat.completions.create(model=TINY, messages=HI, max_tokens=12, temperature=0)
    choice = reply.choices[0]
    assert choice.message.role == "assistant" and choice.message.content.strip()
    assert choice.finish_reason in ("stop", "length")
    assert reply.model == TINY
    assert reply.usage.prompt_tokens > 0 and 0 < reply.usage.completion_tokens <= 12


def test_a_streamed_reply_ends_with_usage_when_asked(client):
    stream = client.chat.completions.create(
        model=TINY,
        messages=HI,
        max_tokens=12,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens <= 12
    assert any(c.choices and c.choices[0].finish_reason for c in chunks)


def test_the_same_seed_gives_the_same_answer(client):
    def ask() -> str:
        reply = client.chat.completions.create(
            model=TINY, messages=HI, max_tokens=16, temperature=0.9, seed=42
        )
        return reply.choices[0].message.content

    assert ask() == ask()


def test_a_json_schema_reply_parses_and_validates(client):
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "population": {"type": "integer", "minimum": 0},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
        },
        "required": ["city", "population", "tags"],
        "additionalProperties": False,
    }
    reply = client.chat.completions.create(
        model=TINY,
        messages=[{"role": "user", "content": "Describe Paris as JSON."}],
        response_format={"type": "json_schema", "json_schema": {"name": "city", "schema": schema}},
        max_tokens=200,
        temperature=0,
    )
    jsonschema.validate(json.loads(reply.choices[0].message.content), schema)


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}


def test_a_tool_call_comes_back_as_tool_calls_with_arguments_that_parse(client):
    reply = client.chat.completions.create(
        model=TINY,
        messages=[{"role": "user", "content": "What is the weather in Paris?"}],
        tools=[WEATHER],
        tool_choice="required",
        temperature=0,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    (call,) = choice.message.tool_calls
    assert call.function.name == "get_weather" and call.id.startswith("call_")
    arguments = json.loads(call.function.arguments)
    jsonschema.validate(arguments, WEATHER["function"]["parameters"])


def test_a_streamed_tool_call_arrives_as_tool_call_deltas(client):
    stream = client.chat.completions.create(
        model=TINY,
        messages=[{"role": "user", "content": "Weather in Oslo?"}],
        tools=[WEATHER],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        stream=True,
        temperature=0,
    )
    chunks = [c for c in stream if c.choices]
    calls = [call for c in chunks for call in (c.choices[0].delta.tool_calls or [])]
    assert calls and calls[0].function.name == "get_weather"
    json.loads(calls[0].function.arguments)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_a_text_completion(client):
    reply = client.completions.create(
        model=TINY, prompt="The capital of France is", max_tokens=4, temperature=0
    )
    assert reply.choices[0].text.strip() and reply.usage.completion_tokens <= 4


def test_a_prompt_longer_than_the_context_is_a_readable_400(client):
    with pytest.raises(openai.BadRequestError) as error:
        client.chat.completions.create(
            model=TINY, messages=[{"role": "user", "content": "word " * 3000}], max_tokens=5
        )
    assert error.value.code == "context_length_exceeded"
    assert re.search(r"maximum context length is 2048 tokens.*\d+ tokens", str(error.value))


def test_unsupported_choices_are_refused_with_the_reason(client):
    with pytest.raises(openai.BadRequestError, match="n=1"):
        client.chat.completions.create(model=TINY, messages=HI, n=2)
    with pytest.raises(openai.BadRequestError, match="messages"):
        client.chat.completions.create(model=TINY, messages=[])
    with pytest.raises(openai.NotFoundError, match=TINY):
        client.chat.completions.create(model="llama-3-70b", messages=HI)


def test_a_client_that_leaves_mid_stream_frees_the_model_at_once(client, llmos_server):
    with httpx.stream(
        "POST",
        f"{llmos_server}/v1/chat/completions",
        json={
            "model": TINY,
            "messages": [{"role": "user", "content": "Count from one to one thousand in words."}],
            "max_tokens": 1800,  # ~20 s of generation if nobody stopped it
            "stream": True,
        },
        timeout=30,
    ) as response:
        lines = response.iter_lines()
        assert [next(lines) for _ in range(3)]
    # the client has gone; the next request must not wait for 1800 tokens
    started = time.perf_counter()
    reply = client.chat.completions.create(model=TINY, messages=HI, max_tokens=5)
    assert reply.choices[0].message.content is not None
    assert time.perf_counter() - started < 8


def test_20_concurrent_requests_with_queue_size_4_get_503s_and_none_hang(tmp_path: Path, serve_app):
    import asyncio

    from llmos.api import create_app
    from llmos.settings import Settings

    settings = Settings(home=tmp_path, queue_size=4)
    with serve_app(create_app(settings)) as server:

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as http:
                body = {"model": TINY, "messages": HI, "max_tokens": 16, "temperature": 0}
                return await asyncio.gather(
                    *(http.post("/v1/chat/completions", json=body) for _ in range(20))
                )

        responses = asyncio.run(asyncio.wait_for(burst(), timeout=120))
    codes = sorted(r.status_code for r in responses)
    assert codes.count(200) >= 4 and set(codes) == {200, 503}
    for busy in (r for r in responses if r.status_code == 503):
        assert int(busy.headers["Retry-After"]) >= 1
        assert busy.json()["error"]["code"] == "server_busy"
    calls = sqlite3.connect(tmp_path / "llmos.db").execute("SELECT status FROM calls").fetchall()
    assert sorted(status for (status,) in calls) == sorted(
        "ok" if r.status_code == 200 else "rejected" for r in responses
    )


def test_a_chinese_question_gets_a_chinese_answer_from_the_default_model(client):
    reply = client.chat.completions.create(
        model="qwen2.5-coder-1.5b-instruct",
        messages=[{"role": "user", "content": "用中文回答：中国的首都是哪里？"}],  # noqa: RUF001
        max_tokens=40,
        temperature=0,
    )
    answer = reply.choices[0].message.content
    assert re.search(r"[\u4e00-\u9fff]", answer), answer
    assert "北京" in answer


def test_a_shared_system_prompt_is_served_from_the_prompt_cache(client):
    system = {"role": "system", "content": "You are a terse assistant for llama farmers. " * 20}

    def ask(question: str):
        messages = [system, {"role": "user", "content": question}]
        return client.chat.completions.create(model=TINY, messages=messages, max_tokens=4)

    ask("How tall is a llama?")
    second = ask("What do llamas eat?")
    cached = second.usage.prompt_tokens_details.cached_tokens
    assert cached >= 150, second.usage  # the whole system prompt was not processed again


def test_malformed_tools_and_prompts_are_400s_not_500s(llmos_server):
    def post(path: str, body: dict) -> httpx.Response:
        return httpx.post(f"{llmos_server}/v1/{path}", json={"model": TINY, **body}, timeout=30)

    cases = [
        ("chat/completions", {"messages": HI, "tools": [{"type": "function", "function": "f"}]}),
        ("chat/completions", {"messages": HI, "tools": [{"function": {"description": "x"}}]}),
        ("chat/completions", {"messages": HI, "tools": [WEATHER], "tool_choice": {"function": 1}}),
        ("chat/completions", {"messages": HI, "tool_choice": "sometimes"}),
        ("chat/completions", {"messages": [{"role": "wizard", "content": "hi"}]}),
        ("chat/completions", {"messages": HI, "keep_alive": "NaN"}),
        ("completions", {"prompt": ["one", "two"]}),
        ("completions", {"prompt": "x", "temperature": 7}),
    ]
    for path, body in cases:
        response = post(path, body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["message"]


def test_a_client_that_leaves_a_non_streamed_request_frees_the_model_at_once(client, llmos_server):
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{llmos_server}/v1/chat/completions",
            json={
                "model": TINY,
                "messages": [
                    {
                        "role": "user",
                        "content": "Write the numbers from 1 to 1000, separated by commas.",
                    }
                ],
                "max_tokens": 1800,  # ~30 s if nobody stopped it
                "temperature": 0,
            },
            timeout=httpx.Timeout(10, read=1.0),
        )
    started = time.perf_counter()
    reply = client.chat.completions.create(model=TINY, messages=HI, max_tokens=5)
    assert reply.choices[0].message.content is not None
    assert time.perf_counter() - started < 8


def test_logprobs_come_back_per_token(client):
    reply = client.chat.completions.create(
        model=TINY, messages=HI, max_tokens=4, temperature=0, logprobs=True, top_logprobs=2
    )
    tokens = reply.choices[0].logprobs.content
    assert 1 <= len(tokens) <= 4
    assert all(t.logprob <= 0 and len(t.top_logprobs) == 2 for t in tokens)
