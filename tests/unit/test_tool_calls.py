"""Tool calling by constrained JSON: the schema offered to the model and the message made of it."""

from __future__ import annotations

import json

import jsonschema
import pytest

from llmos.capabilities.chat import tools
from llmos.errors import InvalidRequest

ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "description": "Add two numbers",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
    },
}
NOW = {"type": "function", "function": {"name": "now", "description": "The time"}}


def test_auto_offers_every_tool_and_a_plain_answer():
    functions = tools.offered_tools([ADD, NOW], "auto")
    schema = tools.call_schema(functions, may_answer=True)
    jsonschema.validate({"name": "add", "arguments": {"a": 1, "b": 2}}, schema)
    jsonschema.validate({"name": "now", "arguments": {}}, schema)
    jsonschema.validate({"content": "It is noon."}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "add", "arguments": {"a": 1}}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"name": "delete_everything", "arguments": {}}, schema)


def test_a_named_tool_choice_offers_only_that_tool():
    functions = tools.offered_tools([ADD, NOW], {"type": "function", "function": {"name": "now"}})
    assert [f["name"] for f in functions] == ["now"]
    with pytest.raises(InvalidRequest, match="'later'"):
        tools.offered_tools([ADD], {"type": "function", "function": {"name": "later"}})


def test_tool_choice_none_offers_nothing():
    assert tools.offered_tools([ADD], "none") == []


def test_the_models_json_becomes_tool_calls_or_content():
    message, finish = tools.to_message('{"name": "add", "arguments": {"a": 1, "b": 2}}')
    assert finish == "tool_calls" and message["content"] is None
    (call,) = message["tool_calls"]
    assert call["type"] == "function" and call["function"]["name"] == "add"
    assert json.loads(call["function"]["arguments"]) == {"a": 1, "b": 2}
    assert tools.to_message('{"content": "hi"}') == ({"role": "assistant", "content": "hi"}, "stop")
    # cut off by max_tokens: the text is returned as it is, with finish_reason "length"
    assert tools.to_message('{"name": "ad')[1] == "length"


def test_only_function_tools_are_accepted():
    with pytest.raises(InvalidRequest, match="function"):
        tools.offered_tools([{"type": "code_interpreter"}], "auto")
