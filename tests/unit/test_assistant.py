"""The assistant's parts without models: tools checked before they run and failing into
results, the rules' routing in English and Chinese, the planner's output read strictly, the
loop falling back to the rules when the plan is invalid, and traces kept in SQLite."""

from __future__ import annotations

import asyncio
import json

import pytest

from llmos.assistant.loop import Assistant
from llmos.assistant.perceive import Perceived, Request
from llmos.assistant.plan import plan_request, read_plan
from llmos.assistant.rules import route, target_language
from llmos.assistant.tools import Tool, ToolBox, ToolCall
from llmos.fusion.translate import Identified
from llmos.storage.database import Database
from llmos.storage.traces import TraceStore

TEXT = {"type": "string", "minLength": 1}


def box(ran: list) -> ToolBox:
    async def translate(arguments):
        ran.append(("translate", arguments))
        return f"translated: {arguments['text']}"

    async def search(arguments):
        ran.append(("search", arguments))
        return "[1] notes.txt: the beach"

    async def broken(arguments):
        raise RuntimeError("the disk is on fire")

    async def slow(arguments):
        await asyncio.sleep(10)
        return "never"

    def schema(**properties):
        return {"type": "object", "properties": properties, "required": list(properties),
                "additionalProperties": False}  # fmt: skip

    return ToolBox([
        Tool("translate", "Translate.", schema(text=TEXT, target={"enum": ["en", "zh", "fr"]}),
             translate),
        Tool("search", "Search.", schema(query=TEXT), search),
        Tool("broken", "Fails.", schema(), broken),
        Tool("slow", "Too slow.", schema(), slow, timeout=0.05),
    ])  # fmt: skip


def test_arguments_that_fail_the_schema_are_never_executed():
    ran: list = []
    tools = box(ran)
    for call in (ToolCall("translate", {"text": "hi"}), ToolCall("translate", {"text": "hi",
                 "target": "xx"}), ToolCall("translate", {"text": "", "target": "en"}),
                 ToolCall("translate", {"text": "hi", "target": "en", "shell": "rm -rf"}),
                 ToolCall("nothing", {})):  # fmt: skip
        outcome = asyncio.run(tools.run(call))
        assert not outcome.ok and not outcome.executed, outcome
    assert ran == []
    good = asyncio.run(tools.run(ToolCall("translate", {"text": "hi", "target": "en"})))
    assert (
        good.ok and good.output == "translated: hi" and ran == [("translate", good.call.arguments)]
    )


def test_a_tool_that_raises_or_hangs_is_a_failed_result_not_an_exception():
    tools = box([])
    broken = asyncio.run(tools.run(ToolCall("broken")))
    assert not broken.ok and broken.executed and "the disk is on fire" in broken.output
    slow = asyncio.run(tools.run(ToolCall("slow")))
    assert not slow.ok and "took over" in slow.output


@pytest.mark.parametrize(
    ("said", "target"),
    [
        ("What does this sign say in English?", "en"),
        ("Translate this Chinese text into French", "fr"),
        ("这个牌子上写的是什么？翻译成英文", "en"),  # noqa: RUF001
        ("把这段话翻译成中文", "zh"),
        ("What is in the picture?", None),
        ("This menu is in Japanese, what does it say?", None),  # Japanese is the source
        ("I visited Germany and Englishmen", None),
        ("帮我translate成英文", "en"),
    ],
)
def test_the_language_asked_for(said, target):
    assert target_language(said) == target


def test_the_rules_route_translation_and_search_in_both_languages():
    tools = box([])
    sign = Request("What does this sign say in English?",
                   (Perceived("image 1", "image", "facts…", read="禁止吸烟"),))  # fmt: skip
    assert route(sign, tools) == [ToolCall("translate", {"text": "禁止吸烟", "target": "en"})]
    colon = Request("请翻译成英文：早上好")  # noqa: RUF001
    assert route(colon, tools) == [ToolCall("translate", {"text": "早上好", "target": "en"})]
    quoted = Request('Translate "bonjour tout le monde" into English')
    assert route(quoted, tools)[0].arguments["text"] == "bonjour tout le monde"
    assert route(Request("find my photos of the beach"), tools)[0].name == "search"
    assert route(Request("帮我找一下海边的照片"), tools)[0].name == "search"
    assert route(Request("Hello! How are you?"), tools) == []
    assert route(Request("translate it into English"), tools) == []  # nothing to translate


def test_the_planner_is_read_strictly():
    from llmos.assistant.builtin import Services, builtin_tools
    from llmos.capabilities.chat.schemas import check_schema

    tools = box([])
    request = plan_request(Request("hi"), tools)
    schema = request["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["steps"]["maxItems"] == 3
    served = ToolBox(builtin_tools(Services(None, None)))  # type: ignore[arg-type]
    check_schema(plan_request(Request("hi"), served)["response_format"]["json_schema"]["schema"])
    good = json.dumps({"steps": [{"name": "search", "arguments": {"query": "beach"}}]})
    assert read_plan(good, tools) == [ToolCall("search", {"query": "beach"})]
    assert read_plan('{"steps": []}', tools) == []
    too_long = json.dumps({"steps": [{"name": "search", "arguments": {"query": "x"}}] * 4})
    for bad in ("{not json", '{"plan": []}', '{"steps": [{"name": "search"}]}',
                '{"steps": [{"name": "search", "arguments": {"q": 1}}]}', too_long):  # fmt: skip
        assert isinstance(read_plan(bad, tools), str), bad


class FakeTranslator:
    async def identify(self, text):
        return Identified("zh" if any("\u4e00" <= c <= "\u9fff" for c in text) else "en", 0.9)


def test_an_invalid_plan_falls_back_to_the_rules_and_the_answer_goes_on():
    ran: list = []

    async def confused_model(request):
        return '{"steps": [{"name": "translate", "arguments": {"text": "x", "target": "klingon"}}]}'

    assistant = Assistant(None, FakeTranslator(), box(ran), planner="model", chat=confused_model)  # type: ignore[arg-type]
    said = "请翻译成英文：早上好"  # noqa: RUF001
    messages = [{"role": "user", "content": said}]
    prepared = asyncio.run(assistant.prepare(messages, None))  # type: ignore[arg-type]
    assert prepared.planner.startswith("rules (invalid arguments for translate")
    assert ran == [("translate", {"text": "早上好", "target": "en"})]
    kinds = [(s.capability, s.ok) for s in prepared.steps]
    assert kinds == [("plan", False), ("plan", True), ("tool:translate", True)]
    system, user = prepared.request["messages"]
    assert system["role"] == "system" and "Answer in Simplified Chinese." in system["content"]
    assert user["content"].startswith(said) and "translated: 早上好" in user["content"]


def test_a_valid_plan_runs_in_order_and_a_failing_step_goes_back_once_then_to_the_user():
    ran: list = []
    asked: list = []

    async def planner(request):
        asked.append(request["messages"][-1]["content"])
        if len(asked) > 1:  # the repair: the model is told what failed, and gives up
            return json.dumps({"steps": []})
        steps = [{"name": "broken", "arguments": {}},
                 {"name": "search", "arguments": {"query": "beach"}}]  # fmt: skip
        return json.dumps({"steps": steps})

    assistant = Assistant(None, FakeTranslator(), box(ran), planner="model", chat=planner)  # type: ignore[arg-type]
    messages = [
        {"role": "developer", "content": "Be brief."},
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c"}]},
        {"role": "tool", "content": "a tool's old result"},
        {"role": "user", "content": "beach?"},
    ]
    prepared = asyncio.run(assistant.prepare(messages, None))  # type: ignore[arg-type]
    assert prepared.planner == "model"
    assert [(s.capability, s.ok) for s in prepared.steps] == [
        ("plan", True), ("tool:broken", False), ("tool:search", True), ("plan", True)]  # fmt: skip
    assert len(asked) == 2 and "broken failed: RuntimeError: the disk is on fire" in asked[1]
    system, *turns, user = prepared.request["messages"]
    assert "[tool broken: failed]" in user["content"] and "Answer in English." in system["content"]
    assert "Be brief." in system["content"]  # the client's instructions join llmos's, first
    assert [t["role"] for t in turns] == ["user", "assistant"]  # tool turns are not kept


def test_traces_are_kept_whole_in_sqlite(tmp_path):
    store = TraceStore(Database(tmp_path / "llmos.db"))
    trace_id = store.add("llmos-assistant", "rules", [{"capability": "plan", "output": "x"}])
    trace = store.get(trace_id)
    assert trace is not None and trace.planner == "rules" and trace.steps[0]["output"] == "x"
    assert store.get("trace_missing") is None


def test_a_planner_that_fails_hands_over_to_the_rules():
    from llmos.errors import ServerBusy

    async def busy(request):
        raise ServerBusy("the chat model is busy", retry_after=1)

    assistant = Assistant(None, FakeTranslator(), box([]), planner="model", chat=busy)  # type: ignore[arg-type]
    messages = [{"role": "user", "content": "find my photos of the beach"}]
    prepared = asyncio.run(assistant.prepare(messages, None))  # type: ignore[arg-type]
    assert prepared.planner.startswith("rules (the planner failed")
    assert [s.capability for s in prepared.steps][-1] == "tool:search"


def test_the_hybrid_planner_asks_the_model_only_when_the_rules_fall_short():
    asked: list = []

    async def planner(request):
        asked.append(request)
        steps = [{"name": "translate", "arguments": {"text": "good morning", "target": "fr"}}]
        return json.dumps({"steps": steps})

    tools = box([])
    assistant = Assistant(None, FakeTranslator(), tools, planner="hybrid", chat=planner)  # type: ignore[arg-type]

    def plan(said, with_tools=None):
        messages = [{"role": "user", "content": said}]
        return asyncio.run(assistant.prepare(messages, None, tools=with_tools))  # type: ignore[arg-type]

    assert plan("What is the capital of France?").planner == "rules" and not asked
    assert plan('Translate "bonjour" into English').planner == "rules" and not asked
    inline = plan("Please translate good morning into French")
    assert inline.planner == "model" and len(asked) == 1
    assert [s.capability for s in inline.steps][-1] == "tool:translate"

    async def order_status(arguments):
        return "shipped"

    shop = ToolBox([*tools.tools.values(), Tool("order_status", "Orders.", {"type": "object"},
                                                order_status)])  # fmt: skip
    assert plan("Where is my order?", shop).planner == "model"  # an app's own tools: the model
