"""The planner: the chat model chooses the tools a request needs, as JSON constrained by a
schema (one object per call, the tool's own argument schema inside), at most three calls.

Small local models plan poorly when free (TaskBench edge-F1 of 7B models is 1-4 %), so the
output is constrained, short and checked: a plan whose JSON is broken, that names no tool, or
whose arguments fail a tool's schema is invalid, and the rules route instead (``rules.py``).
"""

from __future__ import annotations

import json
from typing import Any

from llmos.assistant.perceive import Request
from llmos.assistant.tools import ToolBox, ToolCall
from llmos.capabilities.chat.tools import call_schema

Json = dict[str, Any]
MAX_STEPS = 3
INSTRUCTION = (
    "You decide which tools, if any, help answer the user's last message. What the user "
    "attached has already been looked at, read and transcribed; it is given below. Reply with "
    'JSON {"steps": [{"name": <tool>, "arguments": {...}}, ...]}: at most three steps, in '
    "order, each with all the arguments the tool needs copied from the message or from what "
    'was attached (e.g. the exact text to translate). Reply {"steps": []} when no tool is '
    "needed: greetings, questions about what was attached, general knowledge."
)


DOCUMENTS = (
    "The app's documents (policies, prices, delivery, FAQ) are searched for every message "
    'already: a question they answer needs no tool, {"steps": []}. Never make up an id or '
    "number the user did not give."
)


def plan_request(request: Request, tools: ToolBox, *, documents: bool = False) -> Json:
    """The chat request that asks for a plan (``documents``: an app's documents are searched
    anyway, and the planner is told so)."""
    schema = {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "maxItems": MAX_STEPS,
                "items": call_schema(tools.functions(), may_answer=False),
            }
        },
        "required": ["steps"],
    }
    lines = [INSTRUCTION, *([DOCUMENTS] if documents else []), "", "Tools:"]
    for function in tools.functions():
        parameters = json.dumps(function["parameters"].get("properties", {}), ensure_ascii=False)
        lines.append(f"- {function['name']}: {function['description']} Arguments: {parameters}")
    seen = "\n".join(f"[{p.name}, {p.kind}]: {p.text}" for p in request.perceived
                     if p.kind != "speech")  # fmt: skip
    message = f"{request.said}\n\n{seen}" if seen else request.said
    return {
        "messages": [
            {"role": "system", "content": "\n".join(lines)},
            {"role": "user", "content": message},
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "plan", "schema": schema},
        },
        "temperature": 0,
        "max_tokens": 512,
    }


def repair_request(request: Request, tools: ToolBox, failed: list[tuple[ToolCall, str]]) -> Json:
    """The plan request again, with the calls that failed and why: the model's one chance to
    correct them (a tool error goes back to the model once, then to the user)."""
    asked = plan_request(request, tools)
    done = json.dumps({"steps": [{"name": c.name, "arguments": c.arguments} for c, _ in failed]},
                      ensure_ascii=False)  # fmt: skip
    errors = "\n".join(f"- {call.name} failed: {why}" for call, why in failed)
    retry = (
        f"These calls failed:\n{errors}\nReply with corrected steps to do again (other "
        'arguments, another tool), or {"steps": []} if nothing would help.'
    )
    messages = [*asked["messages"], {"role": "assistant", "content": done},
                {"role": "user", "content": retry}]  # fmt: skip
    return {**asked, "messages": messages}


def read_plan(output: str, tools: ToolBox) -> list[ToolCall] | str:
    """The plan's calls, or why the plan is invalid."""
    try:
        plan = json.loads(output)
        steps = plan["steps"]
        if not isinstance(steps, list) or len(steps) > MAX_STEPS:
            return f"the plan has no list of at most {MAX_STEPS} steps"
        calls = [ToolCall(str(s["name"]), dict(s["arguments"])) for s in steps]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        return f"the plan is not valid JSON of steps ({type(error).__name__}: {error})"
    for call in calls:
        if (problem := tools.problem(call)) is not None:
            return problem
    return calls
