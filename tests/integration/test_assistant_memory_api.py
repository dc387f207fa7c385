"""The assistant's memory and actions over real HTTP, per API key: profile facts listed,
edited and deleted; a dangerous tool's waiting call (the home-assistant example's front door,
its real tool process) approved once, refused to another key, rejected."""

from __future__ import annotations

import hashlib
import sqlite3

import httpx
import pytest

from llmos.api.app import create_app
from llmos.assistant.apps import example, install
from llmos.settings import Settings

pytest.importorskip("mcp")
KEYS = ("key-one", "key-two")


def user(key: str) -> str:
    return "key:" + hashlib.sha256(key.encode()).hexdigest()[:16]


@pytest.fixture
def server(tmp_path, serve_app):
    settings = Settings(home=tmp_path / "home", api_keys=list(KEYS))
    app = create_app(settings)
    with serve_app(app) as running:
        yield app, running.base_url


def client(base_url: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"},
                        timeout=120)  # fmt: skip


def test_profile_facts_are_each_users_own_to_list_edit_and_delete(server):
    _app, base_url = server
    with client(base_url, KEYS[0]) as one, client(base_url, KEYS[1]) as two:
        check_profiles(base_url, one, two)


def check_profiles(base_url: str, one: httpx.Client, two: httpx.Client) -> None:
    added = one.post("/v1/assistant/profile", json={"text": "My favourite colour is green"})
    assert added.status_code == 201
    fact = added.json()
    assert [f["text"] for f in one.get("/v1/assistant/profile").json()["data"]] == [fact["text"]]
    assert two.get("/v1/assistant/profile").json()["data"] == []
    assert two.delete(f"/v1/assistant/profile/{fact['id']}").status_code == 404
    edited = one.patch(f"/v1/assistant/profile/{fact['id']}", json={"text": "I like blue"})
    assert edited.status_code == 200 and edited.json()["text"] == "I like blue"
    assert one.delete(f"/v1/assistant/profile/{fact['id']}").json()["deleted"] is True
    assert one.get("/v1/assistant/profile").json()["data"] == []
    for bad in ({"text": ""}, {"text": "x" * 301}, {"fact": "x"}):
        answer = one.post("/v1/assistant/profile", json=bad)
        assert answer.status_code == 400, answer.text
    assert one.get("/v1/assistant/traces/trace_nothing").status_code == 404
    assert httpx.get(f"{base_url}/v1/assistant/profile").status_code == 401


def test_a_waiting_action_runs_once_when_its_user_approves_it(server):
    app, base_url = server
    installed = install(example("home-assistant"), app.state.settings.apps_dir)
    actions = app.state.actions
    [door] = actions.add(user(KEYS[0]), "app:home-assistant", [("unlock_front_door", {})], "t")
    [light] = actions.add(user(KEYS[0]), "app:home-assistant",
                          [("set_light", {"room": "kitchen", "on": False})], "t")  # fmt: skip
    with client(base_url, KEYS[0]) as one, client(base_url, KEYS[1]) as two:
        check_actions(one, two, door.id, light.id)
    with sqlite3.connect(installed.folder / "home.db") as db:
        states = dict(db.execute("SELECT name, state FROM devices").fetchall())
    assert states["front door"] == "unlocked" and states["light:kitchen"] == "on"


def check_actions(one: httpx.Client, two: httpx.Client, door: str, light: str) -> None:
    pending = one.get("/v1/assistant/actions", params={"state": "pending"}).json()["data"]
    assert {a["id"] for a in pending} == {door, light}
    assert two.post(f"/v1/assistant/actions/{door}/approve").status_code == 404
    approved = one.post(f"/v1/assistant/actions/{door}/approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "done" and "unlocked" in approved.json()["output"]
    again = one.post(f"/v1/assistant/actions/{door}/approve")
    assert again.status_code == 409 and "not pending" in again.json()["error"]["message"]
    rejected = one.post(f"/v1/assistant/actions/{light}/reject").json()
    assert rejected["state"] == "rejected"


def test_stored_conversations_are_each_users_own(server):
    _app, base_url = server
    with client(base_url, KEYS[0]) as one, client(base_url, KEYS[1]) as two:
        made = one.post("/v1/conversations", json={"title": "mine", "model": "llmos-assistant"})
        assert made.status_code == 200, made.text
        conversation = made.json()["id"]
        assert [c["id"] for c in one.get("/v1/conversations").json()["data"]] == [conversation]
        assert two.get("/v1/conversations").json()["data"] == []
        assert two.get(f"/v1/conversations/{conversation}").status_code == 404
        assert two.delete(f"/v1/conversations/{conversation}").status_code == 404
        turn = two.post(f"/v1/conversations/{conversation}/messages", json={"content": "hi"})
        assert turn.status_code == 404
        missing = one.post("/v1/conversations", json={"model": "app:nothing"})
        assert missing.status_code == 404 and "llmos app install" in missing.text


def test_the_sdk_keeps_the_profile_in_process_with_typed_results():
    import llmos

    with llmos.LocalClient() as local:
        fact = local.remember("I take my tea without sugar")
        assert [f.text for f in local.profile()] == ["I take my tea without sugar"]
        assert local.edit_fact(fact.id, "I take my tea with milk").text.endswith("milk")
        local.forget(fact.id)
        assert local.profile() == [] and local.actions(state="pending") == []
        with pytest.raises(llmos.sdk.ApiError, match="No action"):
            local.approve("act_nothing")
