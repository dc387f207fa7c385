"""The official ``ollama`` client against a real ``llmos serve``: the models listed, chat
streamed and whole (JSON format, a tool call), generate with a picture, embeddings, the
loaded models; what Open WebUI's Ollama connection asks is these routes."""

from __future__ import annotations

import base64
import io

import ollama
import pytest
from PIL import Image, ImageDraw

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHAT = "qwen2.5-coder-1.5b-instruct"


@pytest.fixture(scope="module")
def client(llmos_server):
    with ollama.Client(host=llmos_server) as connected:
        yield connected


def test_models_are_listed_shown_and_versioned(client, llmos_server):
    import httpx

    names = {model.model for model in client.list().models}
    assert {CHAT, "all-minilm-l6-v2"} <= names and "whisper-base" not in names
    shown = client.show(CHAT)
    assert "completion" in shown.capabilities and shown.details.format == "gguf"
    assert httpx.get(f"{llmos_server}/api/version").json()["version"]
    with pytest.raises(ollama.ResponseError) as missing:
        client.show("llama3:8b")
    assert missing.value.status_code == 404


def test_chat_whole_streamed_in_json_and_with_a_tool(client):
    whole = client.chat(model=CHAT, messages=[{"role": "user", "content": "Say hi."}],
                        options={"temperature": 0, "num_predict": 8})  # fmt: skip
    assert whole.done and whole.message.role == "assistant" and whole.message.content
    assert whole.model == CHAT and whole.eval_count and whole.prompt_eval_count
    count = [{"role": "user", "content": "Count to three."}]
    pieces = list(client.chat(model="gpt-4o-mini", stream=True, options={"num_predict": 8},
                              messages=count))  # fmt: skip
    assert pieces[-1].done and not any(p.done for p in pieces[:-1]) and len(pieces) >= 2
    assert "".join(p.message.content for p in pieces).strip()
    asked = [{"role": "user", "content": "A JSON object with a key a."}]
    answer = client.chat(model=CHAT, format="json", options={"temperature": 0}, messages=asked)
    assert answer.message.content.strip().startswith("{")
    weather = {"type": "function", "function": {
        "name": "get_weather", "description": "The weather in a city.",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                       "required": ["city"]}}}  # fmt: skip
    asked = [{"role": "user", "content": "What is the weather in Paris?"}]
    called = client.chat(model=CHAT, tools=[weather], options={"temperature": 0}, messages=asked)
    [call] = called.message.tool_calls
    assert (
        call.function.name == "get_weather" and "paris" in call.function.arguments["city"].lower()
    )


def test_generate_with_a_picture_and_embeddings(client):
    picture = Image.new("RGB", (320, 160), "white")
    ImageDraw.Draw(picture).text((20, 60), "OPEN 9 TO 5", fill="black", font_size=40)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    said = client.generate(model=CHAT, prompt="What does the sign say?",
                           images=[base64.b64encode(out.getvalue()).decode()],
                           options={"temperature": 0})  # fmt: skip
    assert said.done and "open" in said.response.lower()
    vectors = client.embed(model="all-minilm-l6-v2", input=["a cat", "a dog"])
    assert len(vectors.embeddings) == 2 and len(vectors.embeddings[0]) == 384
    old = client.embeddings(model="text-embedding-3-small", prompt="a cat")
    assert len(old.embedding) == 384
    loaded = {model.model for model in client.ps().models}
    assert {CHAT, "all-minilm-l6-v2"} <= loaded


def test_bad_requests_are_ollama_errors(client):
    with pytest.raises(ollama.ResponseError) as bad:
        wrong = {"type": "object", "properties": {"a": {"type": "nonsense"}}}
        client.chat(model=CHAT, messages=[{"role": "user", "content": "x"}], format=wrong)
    assert bad.value.status_code == 400
    with pytest.raises(ollama.ResponseError) as unknown:
        client.chat(model="nope", messages=[{"role": "user", "content": "x"}])
    assert unknown.value.status_code == 404 and "does not exist" in str(unknown.value)


def test_malformed_ollama_bodies_are_4xx_never_5xx(llmos_server):
    import httpx

    bodies = [
        ("/api/generate", {"model": CHAT, "prompt": "x", "raw": True, "stream": False,
                           "options": {"temperature": "hot"}}),
        ("/api/chat", {"model": CHAT, "stream": False, "messages": [
            {"role": "assistant", "content": "", "tool_calls": [{"function": "nope"}]},
            {"role": "user", "content": "x"}]}),
        ("/api/chat", {"model": CHAT, "messages": [{"role": "user", "content": "x",
                                                    "images": ["!!not base64!!"]}]}),
        ("/api/embed", {"model": "all-minilm-l6-v2", "input": [1, 2]}),
        ("/api/show", {}),
        ("/api/generate", {"model": CHAT, "prompt": "x", "keep_alive": "forever"}),
    ]  # fmt: skip
    for path, body in bodies:
        answer = httpx.post(f"{llmos_server}{path}", json=body, timeout=120)
        assert 400 <= answer.status_code < 500 or answer.status_code == 200, (path, answer.text)


def test_ollama_conventions_load_unload_raw_streams_and_error_shapes(client, llmos_server):
    import httpx

    loaded = client.chat(model="gpt-4o-mini", messages=[])  # Ollama's preload, by an alias
    assert loaded.done and loaded.done_reason == "load" and loaded.model == CHAT
    dropped = client.generate(model=CHAT, prompt="", keep_alive=0)
    assert dropped.done_reason == "unload" and CHAT not in {m.model for m in client.ps().models}
    raw = list(client.generate(model=CHAT, prompt="1, 2, 3,", raw=True, stream=True,
                               options={"num_predict": 6, "temperature": 0}))  # fmt: skip
    assert "".join(p.response for p in raw).strip() and raw[-1].done
    cut = client.chat(model=CHAT, options={"num_predict": 2, "temperature": 0}, stream=True,
                      messages=[{"role": "user", "content": "Write a long poem."}])  # fmt: skip
    assert list(cut)[-1].done_reason == "length"
    unlimited = client.chat(model=CHAT, format="", options={"num_predict": -1, "temperature": 0},
                            messages=[{"role": "user", "content": "Say yes."}])  # fmt: skip
    assert unlimited.done and unlimited.message.content
    missing = httpx.post(f"{llmos_server}/api/chat", json={"model": "nope", "messages": []})
    assert missing.status_code == 404 and isinstance(missing.json()["error"], str)
    unloaded = httpx.post(f"{llmos_server}/api/unload", json={"model": "gpt-4o-mini"}).json()
    assert unloaded["model"] == CHAT
