"""Tool calling by schema-constrained generation.

The bundled models do not emit native tool-call tags (llama.cpp's parser finds none; they write
fenced JSON instead), so llmos describes the tools in a system message and constrains the output
with a JSON schema: a union of ``{"name": <tool>, "arguments": <its parameters>}`` per tool, plus
``{"content": <text>}`` when the model may also answer in words (``tool_choice="auto"``).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from llmos.errors import InvalidRequest

Json = dict[str, Any]


def offered_tools(tools: list[Json], tool_choice: Any) -> list[Json]:
    """The functions the model may call under ``tool_choice``; [] when it may call none."""
    functions = []
    for tool in tools:
        if tool.get("type", "function") != "function" or "function" not in tool:
            raise InvalidRequest("Only tools of type 'function' are supported.")
        functions.append(tool["function"])
    if tool_choice == "none":
        return []
    if isinstance(tool_choice, dict):
        wanted = tool_choice.get("function", {}).get("name")
        chosen = [f for f in functions if f.get("name") == wanted]
        if not chosen:
            raise InvalidRequest(f"tool_choice names {wanted!r}, which is not in 'tools'.")
        return chosen
    return functions


def call_schema(functions: list[Json], *, may_answer: bool) -> Json:
    """The JSON schema the model's whole output must follow."""
    options = [
        {
            "type": "object",
            "properties": {
                "name": {"const": function["name"]},
                "arguments": function.get("parameters") or {"type": "object"},
            },
            "required": ["name", "arguments"],
        }
        for function in functions
    ]
    if may_answer:
        options.append(
            {
                "type": "object",
                "properties": {"content": {"type": "string"}},
                "required": ["content"],
            }
        )
    return options[0] if len(options) == 1 else {"anyOf": options}


def tools_system_message(functions: list[Json], *, may_answer: bool) -> Json:
    lines = ["You can call these tools:"]
    for function in functions:
        parameters = json.dumps(function.get("parameters", {}), ensure_ascii=False)
        lines.append(f"- {function['name']}: {function.get('description', '')} {parameters}")
    lines.append(
        'To call a tool, reply with JSON {"name": <tool name>, "arguments": {...}}.'
        + (
            ' To answer without a tool, reply with JSON {"content": <your answer>}.'
            if may_answer
            else ""
        )
    )
    return {"role": "system", "content": "\n".join(lines)}


def to_message(output: str) -> tuple[Json, str]:
    """The assistant message and finish reason for the model's constrained JSON output."""
    try:
        decision = json.loads(output)
    except json.JSONDecodeError:
        return {"role": "assistant", "content": output}, "length"  # cut off by max_tokens
    if "content" in decision:
        return {"role": "assistant", "content": decision["content"]}, "stop"
    call = {
        "id": f"call_{uuid.uuid4().hex[:24]}",
        "type": "function",
        "function": {
            "name": decision["name"],
            "arguments": json.dumps(decision["arguments"], ensure_ascii=False),
        },
    }
    return {"role": "assistant", "content": None, "tool_calls": [call]}, "tool_calls"
