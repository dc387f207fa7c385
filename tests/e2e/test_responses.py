"""OpenAI's Responses API through the official client against a real server: text, a picture,
a function tool and its output, a JSON schema, a stream, and a chain by previous_response_id."""

from __future__ import annotations

import base64
import io
import json

import openai
import pytest
from PIL import Image, ImageDraw

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
CHAT = "qwen2.5-coder-1.5b-instruct"
WEATHER = {"type": "function", "name": "get_weather", "description": "The weather in a city.",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"]}}  # fmt: skip


@pytest.fixture(scope="module")
def client(llmos_server):
    with openai.OpenAI(base_url=f"{llmos_server}/v1", api_key="unused", max_retries=0) as made:
        yield made


def test_text_and_a_chain_by_previous_response_id(client):
    first = client.responses.create(model="gpt-4o-mini", temperature=0,
                                    instructions="Answer in a few words.",
                                    input="My name is Ada. Say hello to me.")  # fmt: skip
    assert first.status == "completed" and first.model == CHAT and first.output_text
    assert first.usage.input_tokens > 0 and first.id.startswith("resp_")
    second = client.responses.create(model=CHAT, temperature=0, previous_response_id=first.id,
                                     input="What is my name?")  # fmt: skip
    assert "ada" in second.output_text.lower()
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model=CHAT, input="x", previous_response_id="resp_nothing")


def test_a_picture_a_schema_and_a_function_tool(client):
    picture = Image.new("RGB", (320, 160), "white")
    ImageDraw.Draw(picture).text((20, 60), "OPEN 9 TO 5", fill="black", font_size=40)
    out = io.BytesIO()
    picture.save(out, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    seen = client.responses.create(model=CHAT, temperature=0, input=[{"role": "user", "content": [
        {"type": "input_text", "text": "What does the sign say?"},
        {"type": "input_image", "image_url": url}]}])  # fmt: skip
    assert "open" in seen.output_text.lower()
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    shaped = client.responses.create(
        model=CHAT, temperature=0, input="Which city is the capital of France?",
        text={"format": {"type": "json_schema", "name": "answer", "schema": schema}},
    )  # fmt: skip
    assert "paris" in json.loads(shaped.output_text)["city"].lower()
    called = client.responses.create(model=CHAT, temperature=0, tools=[WEATHER],
                                     input="What is the weather in Paris?")  # fmt: skip
    [call] = [item for item in called.output if item.type == "function_call"]
    assert call.name == "get_weather" and "paris" in json.loads(call.arguments)["city"].lower()
    answered = client.responses.create(
        model=CHAT, temperature=0, tools=[WEATHER], previous_response_id=called.id,
        input=[{"type": "function_call_output", "call_id": call.call_id,
                "output": "Sunny, 21 degrees"}],
    )  # fmt: skip
    assert "21" in answered.output_text or "sunny" in answered.output_text.lower()


def test_a_streamed_response(client):
    events = list(client.responses.create(model=CHAT, input="Count to three.", stream=True,
                                          max_output_tokens=16))  # fmt: skip
    kinds = [event.type for event in events]
    assert kinds[0] == "response.created" and kinds[-1] == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert text and events[-1].response.output_text == text
    with pytest.raises(openai.BadRequestError):
        client.responses.create(model=CHAT, input=[{"type": "web_search_call"}])
