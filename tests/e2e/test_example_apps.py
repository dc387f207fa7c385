"""The two example apps end to end with the default models, through the official client:
a customer sends a photo and a voice note and gets a ticket and an answer grounded in the
shop's policy; the home is told, typed and spoken, to do two things and does both; a dangerous
tool waits for the user's approval; a fact deleted from the profile is gone from later answers."""

from __future__ import annotations

import base64
import sqlite3
from pathlib import Path

import httpx
import openai
import pytest

from llmos.assistant.apps import example, install
from tests.conftest import llmos_serve

pytest.importorskip("mcp")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]
KETTLE = Path("/usr/share/tuxpaint/stamps/household/kettle.png")  # tuxpaint-stamps-default


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("apps-home")
    apps = {name: install(example(name), home / "apps").folder
            for name in ("customer-service", "home-assistant")}  # fmt: skip
    with llmos_serve(home) as (base_url, _process):
        yield base_url, apps


@pytest.fixture(scope="module")
def client(served):
    return openai.OpenAI(base_url=f"{served[0]}/v1", api_key="unused", max_retries=0)


def spoken(client: openai.OpenAI, words: str) -> dict:
    speech = client.audio.speech.create(model="tts-1", voice="alloy", input=words,
                                        response_format="wav")  # fmt: skip
    data = base64.b64encode(speech.content).decode()
    return {"type": "input_audio", "input_audio": {"data": data, "format": "wav"}}


def ask(client: openai.OpenAI, model: str, content) -> tuple[str, dict]:
    response = client.chat.completions.create(
        model=model, temperature=0, messages=[{"role": "user", "content": content}]
    )
    return response.choices[0].message.content or "", response.model_extra["llmos"]


def rows(database: Path, query: str) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute(query).fetchall()


def test_a_photo_and_a_voice_note_become_a_ticket_and_a_grounded_answer(client, served):
    if not KETTLE.is_file():
        pytest.skip("tuxpaint-stamps-default is not installed")
    photo = "data:image/png;base64," + base64.b64encode(KETTLE.read_bytes()).decode()
    voice = spoken(client, "Hello. The kettle arrived today and it is broken. I would like a "
                           "replacement.")  # fmt: skip
    answer, llmos = ask(client, "app:customer-service", [
        {"type": "text", "text": "Order A-1003. Here is a photo of it."},
        {"type": "image_url", "image_url": {"url": photo}}, voice,
    ])  # fmt: skip
    steps = {step["capability"]: step for step in llmos["trace"]["steps"]}
    assert "kettle" in steps["transcribe"]["output"].lower()
    assert steps["vision"]["ok"] and steps["tool:open_ticket"]["ok"], steps
    assert "Damaged or broken items" in steps["tool:knowledge"]["output"]
    assert llmos["citations"][0] == {"number": 1, "source": "knowledge/returns-policy.md"}
    tickets = rows(served[1]["customer-service"] / "shop.db", "SELECT order_id FROM tickets")
    assert tickets == [("A-1003",)] and answer.strip()


@pytest.mark.parametrize("said", ["typed", "spoken"])
def test_the_home_does_both_things_asked(client, served, said):
    words = "Turn off the kitchen light and remind me at 7:30 to call the dentist."
    database = served[1]["home-assistant"] / "home.db"
    if database.exists():
        with sqlite3.connect(database) as db:
            db.execute("UPDATE devices SET state = 'on' WHERE name = 'light:kitchen'")
            db.execute("DELETE FROM reminders")
    content = words if said == "typed" else [spoken(client, words)]
    _answer, llmos = ask(client, "app:home-assistant", content)
    called = [s["capability"] for s in llmos["trace"]["steps"] if s["capability"][:5] == "tool:"]
    assert called == ["tool:set_light", "tool:add_reminder"], llmos["trace"]
    assert rows(database, "SELECT state FROM devices WHERE name = 'light:kitchen'") == [("off",)]
    [(at, text)] = rows(database, "SELECT at, text FROM reminders")
    assert at == "07:30" and "dentist" in text.lower()


def test_a_dangerous_tool_waits_until_the_user_approves(client, served):
    base_url, apps = served
    _answer, llmos = ask(client, "app:home-assistant", "Please unlock the front door.")
    [action] = llmos["pending_actions"]
    assert action["tool"] == "unlock_front_door" and action["state"] == "pending"
    database = apps["home-assistant"] / "home.db"
    door = "SELECT state FROM devices WHERE name = 'front door'"
    assert rows(database, door) == [("locked",)]
    approved = httpx.post(f"{base_url}/v1/assistant/actions/{action['id']}/approve", timeout=120)
    assert approved.status_code == 200 and approved.json()["state"] == "done", approved.text
    assert rows(database, door) == [("unlocked",)]


def test_a_deleted_profile_fact_is_gone_from_later_answers(client, served):
    base_url = served[0]
    _answer, llmos = ask(client, "llmos-assistant", "Remember that my favourite colour is teal.")
    assert any(step["capability"] == "memory" for step in llmos["trace"]["steps"])
    [fact] = httpx.get(f"{base_url}/v1/assistant/profile").json()["data"]
    assert "teal" in fact["text"]
    answer, _ = ask(client, "llmos-assistant", "What is my favourite colour?")
    assert "teal" in answer.lower()
    httpx.delete(f"{base_url}/v1/assistant/profile/{fact['id']}").raise_for_status()
    answer, _ = ask(client, "llmos-assistant", "What is my favourite colour?")
    assert "teal" not in answer.lower()


def test_a_stored_conversation_with_an_app_keeps_its_turns(served):
    base_url, apps = served
    with httpx.Client(base_url=base_url, timeout=300) as http:
        conversation = http.post("/v1/conversations", json={"model": "app:home-assistant"})
        conversation_id = conversation.json()["id"]
        turn = http.post(f"/v1/conversations/{conversation_id}/messages",
                         json={"content": "Set the thermostat to 23 degrees."})  # fmt: skip
        assert turn.status_code == 200, turn.text
        steps = turn.json()["llmos"]["trace"]["steps"]
        assert any(s["capability"] == "tool:set_thermostat" and s["ok"] for s in steps), steps
        stored = http.get(f"/v1/conversations/{conversation_id}").json()["messages"]
        trace_id = stored[1]["details"]["trace_id"]  # the answer's trace, for a page to show
        assert trace_id == turn.json()["llmos"]["trace"]["id"]
        assert http.get(f"/v1/assistant/traces/{trace_id}").json()["steps"] == steps
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[0]["content"] == "Set the thermostat to 23 degrees."
    database = apps["home-assistant"] / "home.db"
    assert rows(database, "SELECT state FROM devices WHERE name = 'thermostat'") == [("23.0",)]


def test_the_sdk_asks_an_app_and_reads_the_trace(served):
    from llmos.sdk import LlmosClient

    with LlmosClient(served[0]) as sdk:
        reply = sdk.assistant("Switch on the bedroom light.", model="app:home-assistant")
    called = [step for step in reply.steps if step.capability == "tool:set_light"]
    assert called and called[0].ok and called[0].inputs == {"room": "bedroom", "on": True}
    assert reply.trace_id.startswith("trace_") and reply.text
