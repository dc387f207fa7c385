"""The assistant's memory and care, without models: facts the user asks it to remember (found
in their words, kept per user, edited and deleted), dangerous tools that wait for the user,
actions approved once, tools that may only call this machine, and apps' manifests checked."""

from __future__ import annotations

import asyncio
import json

import pytest

import llmos
from llmos.assistant.apps import example, examples, install, read_manifest
from llmos.assistant.http_tools import loopback_problem
from llmos.assistant.loop import Assistant
from llmos.assistant.python_tools import marked
from llmos.assistant.rules import stated_fact
from llmos.assistant.tools import Tool, ToolBox
from llmos.errors import InvalidRequest
from llmos.storage.actions import ActionStore
from llmos.storage.database import Database
from llmos.storage.profile import ProfileStore
from tests.unit.test_assistant import FakeTranslator


@pytest.mark.parametrize(
    ("said", "fact"),
    [
        ("Remember that I am vegetarian.", "I am vegetarian"),
        ("please remember: my order is A-1042", "My order is A-1042"),
        ("Hi! Remember that my name is Ann", "My name is Ann"),
        ("记住我对花生过敏。", "我对花生过敏"),
        ("你好！请记住我住在北京", "我住在北京"),  # noqa: RUF001
        ("Do you remember that song?", None),  # a question, not a fact
        ("What does this sign say?", None),
    ],
)
def test_facts_are_taken_only_from_what_the_user_asks_to_remember(said, fact):
    assert stated_fact(said) == fact


def test_profiles_are_per_user_and_a_deleted_fact_is_gone(tmp_path):
    store = ProfileStore(Database(tmp_path / "llmos.db"))
    green = store.add("key:a", "My favourite colour is green")
    store.add("key:b", "I live in Lyon")
    assert [f.text for f in store.list("key:a")] == ["My favourite colour is green"]
    assert store.update("key:b", green.id, "stolen") is None  # not theirs
    edited = store.update("key:a", green.id, "My favourite colour is blue")
    assert edited is not None and edited.text.endswith("blue")
    assert not store.delete("key:b", green.id) and store.delete("key:a", green.id)
    assert store.list("key:a") == [] and len(store.list("key:b")) == 1


def test_an_action_is_taken_once_and_only_by_its_user(tmp_path):
    store = ActionStore(Database(tmp_path / "llmos.db"))
    [action] = store.add("local", "app:home", [("unlock", {"door": "front"})], "trace_1")
    assert store.get("key:other", action.id) is None
    assert store.take("local", action.id, "running")
    assert not store.take("local", action.id, "running")  # a second approval runs nothing
    store.finish(action.id, ok=True, output="unlocked")
    done = store.get("local", action.id)
    assert done is not None and done.state == "done" and done.arguments == {"door": "front"}
    assert [a.id for a in store.list("local", state="done")] == [action.id]


def test_a_dangerous_tool_waits_for_confirmation_and_is_never_run_by_the_loop():
    ran: list = []

    async def unlock(arguments):
        ran.append(arguments)
        return "unlocked"

    async def planner(request):
        return json.dumps({"steps": [{"name": "unlock", "arguments": {"door": "front"}}]})

    schema = {"type": "object", "properties": {"door": {"type": "string"}},
              "required": ["door"]}  # fmt: skip
    tools = ToolBox([Tool("unlock", "Unlock a door.", schema, unlock, dangerous=True)])
    assistant = Assistant(None, FakeTranslator(), tools, planner="model", chat=planner)  # type: ignore[arg-type]
    messages = [{"role": "user", "content": "Unlock the front door. Remember that I am Ann."}]
    prepared = asyncio.run(
        assistant.prepare(messages, None, profile=("I have a dog",))  # type: ignore[arg-type]
    )
    assert ran == [] and [c.name for c in prepared.pending] == ["unlock"]
    assert prepared.remember == "I am Ann"
    system, user = prepared.request["messages"]
    assert "NOT DONE, waiting for the user's confirmation" in user["content"]
    assert "- I have a dog" in system["content"] and "- I am Ann" in system["content"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8765/weather", True),
        ("http://localhost/x", True),
        ("http://[::1]:9000/", True),
        ("https://example.com/api", False),
        ("http://10.0.0.2/", False),
        ("file:///etc/passwd", False),
        ("http://127.0.0.1.evil.com/", False),
    ],
)
def test_http_tools_may_call_this_machine_only(url, allowed):
    assert (loopback_problem(url) is None) == allowed


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ('knowledge = ["../secrets"]', "inside the app's folder"),
        ('knowledge = ["/etc"]', "inside the app's folder"),
        ('[[http]]\nname = "w"\ndescription = "d"\nurl = "http://example.com/"', "not on this"),
        ('[[http]]\nname = "w"\ndescription = "d"\nurl = "http://127.0.0.1/"\n'
         'parameters = {type = "string"}', 'type = "object"'),
        ('[[python]]\nmodule = "../x.py"', "inside the app's folder"),
    ],
)  # fmt: skip
def test_manifests_that_reach_outside_are_refused(tmp_path, extra, words):
    (tmp_path / "llmos-app.toml").write_text(f'name = "bad"\n{extra}\n')
    with pytest.raises(InvalidRequest, match=words):
        read_manifest(tmp_path)


def test_an_app_naming_a_missing_module_is_not_installed(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "llmos-app.toml").write_text('name = "gone"\n[[python]]\nmodule = "tools.py"\n')
    with pytest.raises(InvalidRequest, match=r"'tools\.py', which is not there"):
        install(source, tmp_path / "apps")
    assert not (tmp_path / "apps" / "gone").exists()


def test_the_example_apps_are_shipped_and_their_tools_marked():
    assert examples() == ["customer-service", "home-assistant"]
    for name in examples():
        folder = example(name)
        assert folder is not None and read_manifest(folder).name == name
    assert example("../etc") is None and example("nothing") is None

    @llmos.tool
    def plain(x: int) -> int:
        return x

    @llmos.tool(name="careful", dangerous=True)
    def risky() -> str:
        return "done"

    class Module:
        pass

    module = Module()
    module.plain, module.risky, module.other = plain, risky, len  # type: ignore[attr-defined]
    found = {function.__name__: mark for function, mark in marked(module)}
    assert set(found) == {"plain", "risky"} and found["risky"].dangerous
    assert found["risky"].name == "careful" and plain(2) == 2  # the function is unchanged


def test_a_full_profile_refuses_more_and_traces_are_their_users(tmp_path, monkeypatch):
    from llmos.errors import Conflict
    from llmos.storage import profile
    from llmos.storage.traces import TraceStore

    database = Database(tmp_path / "llmos.db")
    monkeypatch.setattr(profile, "MAX_FACTS", 2)
    store = ProfileStore(database)
    store.add("local", "one")
    store.add("local", "two")
    with pytest.raises(Conflict, match="delete some"):
        store.add("local", "three")
    assert [f.text for f in store.list("local")] == ["one", "two"]  # nothing evicted
    traces = TraceStore(database)
    trace_id = traces.add("llmos-assistant", "rules", [], user="key:a")
    assert traces.get(trace_id, "key:a") is not None and traces.get(trace_id, "key:b") is None


def test_an_app_linking_outside_its_folder_is_refused(tmp_path):
    source = tmp_path / "source"
    (source / "docs").mkdir(parents=True)
    (source / "llmos-app.toml").write_text('name = "leaky"\nknowledge = ["docs"]\n')
    (source / "docs" / "passwords.txt").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "secret.txt").write_text("hunter2")
    with pytest.raises(InvalidRequest, match="links outside the app's folder"):
        install(source, tmp_path / "apps")


def test_a_planned_call_with_an_id_nobody_wrote_is_dropped():
    ran: list = []

    async def status(arguments):
        ran.append(arguments)
        return "shipped"

    async def planner(request):
        assert "searched for every message already" not in request["messages"][0]["content"]
        return json.dumps({"steps": [{"name": "status", "arguments": {"order_id": "A-1001"}}]})

    schema = {"type": "object", "properties": {"order_id": {"type": "string"}}}
    tools = ToolBox([Tool("status", "An order's status.", schema, status)])
    assistant = Assistant(None, FakeTranslator(), tools, planner="model", chat=planner)  # type: ignore[arg-type]
    said = [{"role": "user", "content": "How long does delivery take?"}]
    prepared = asyncio.run(assistant.prepare(said, None))  # type: ignore[arg-type]
    assert ran == [] and "order_id 'A-1001': not in the conversation" in prepared.steps[-1].output
    said = [{"role": "user", "content": "Where is a-1001?"}]
    asyncio.run(assistant.prepare(said, None))  # type: ignore[arg-type]
    assert ran == [{"order_id": "A-1001"}]
