"""Stored conversations over real HTTP with the tiny real chat model."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from llmos.api import create_app
from llmos.capabilities.chat import conversation
from llmos.settings import Settings
from tests.conftest import MODELS_DIR, ThreadedServer

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TINY = "smollm2-135m-instruct"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    home = tmp_path_factory.mktemp("conversations")
    with ThreadedServer(create_app(Settings(home=home, models_dir=MODELS_DIR))) as running:
        yield running.base_url, home


def test_a_conversation_remembers_its_turns_across_requests(server):
    url, _ = server
    created = httpx.post(
        f"{url}/v1/conversations",
        json={"title": "llamas", "model": TINY, "system": "Answer in one short sentence."},
    ).json()
    assert created["object"] == "conversation" and created["id"].startswith("conv_")
    for question in ("My llama is called Pablo.", "What is my llama called?"):
        reply = httpx.post(
            f"{url}/v1/conversations/{created['id']}/messages",
            json={"content": question, "max_tokens": 24, "temperature": 0},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        assert reply.json()["conversation_id"] == created["id"]
    stored = httpx.get(f"{url}/v1/conversations/{created['id']}").json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"] * 2
    assert stored["messages"][2]["content"] == "What is my llama called?"
    # the second turn was asked with the first one in its context
    assert stored["messages"][2]["tokens"] < stored["context_tokens"]
    assert stored["context_tokens"] > 0
    listed = httpx.get(f"{url}/v1/conversations").json()["data"]
    assert created["id"] in [c["id"] for c in listed]


def test_old_turns_are_folded_into_a_summary_when_the_context_fills(server):
    url, _ = server
    conversation_id = httpx.post(f"{url}/v1/conversations", json={"model": TINY}).json()["id"]
    long_fact = "The harvest festival starts on the third of May in the valley. " * 35  # ~500 tok
    for turn in range(5):  # 5 x ~530 tokens is more than SmolLM2's 2048-token context
        reply = httpx.post(
            f"{url}/v1/conversations/{conversation_id}/messages",
            json={"content": f"Turn {turn}. {long_fact}", "max_tokens": 16, "temperature": 0},
            timeout=120,
        )
        assert reply.status_code == 200, reply.text
    stored = httpx.get(f"{url}/v1/conversations/{conversation_id}").json()
    assert stored["summary"], "the context filled up but nothing was summarised"
    folded = [m for m in stored["messages"] if m["summarized"]]
    assert folded and len(folded) % 2 == 0  # whole turns
    assert not stored["messages"][-1]["summarized"]  # the latest turn stays verbatim
    assert len(stored["messages"]) == 10  # nothing was lost: folded turns are kept, marked
    assert stored["context_tokens"] < 2048 * conversation.FOLD_AT + 600


def test_bad_conversation_requests_are_clear(server):
    url, home = server
    missing = httpx.post(f"{url}/v1/conversations/conv_nope/messages", json={"content": "hi"})
    assert missing.status_code == 404 and "conv_nope" in missing.json()["error"]["message"]
    unknown_model = httpx.post(f"{url}/v1/conversations", json={"model": "gpt-9"})
    assert unknown_model.status_code == 404
    conversation_id = httpx.post(f"{url}/v1/conversations", json={"model": TINY}).json()["id"]
    empty = httpx.post(f"{url}/v1/conversations/{conversation_id}/messages", json={"content": ""})
    assert empty.status_code == 400
    assert httpx.get(f"{url}/v1/conversations/{conversation_id}").json()["messages"] == []
    deleted = httpx.delete(f"{url}/v1/conversations/{conversation_id}").json()
    assert deleted == {"id": conversation_id, "object": "conversation.deleted", "deleted": True}
    assert httpx.get(f"{url}/v1/conversations/{conversation_id}").status_code == 404
    assert Path(home, "llmos.db").exists()


def test_a_streamed_turn_arrives_as_chunks_and_is_stored_whole(server):
    url, _ = server
    conversation_id = httpx.post(f"{url}/v1/conversations", json={"model": TINY}).json()["id"]
    pieces, ids = [], set()
    with httpx.stream(
        "POST",
        f"{url}/v1/conversations/{conversation_id}/messages",
        json={"content": "Say hello.", "max_tokens": 12, "temperature": 0, "stream": True},
        timeout=60,
    ) as response:
        assert response.status_code == 200
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    for line in lines[:-1]:
        chunk = json.loads(line.removeprefix("data: "))
        ids.add(chunk["conversation_id"])
        for choice in chunk["choices"]:
            pieces.append(choice["delta"].get("content") or "")
    assert ids == {conversation_id}
    stored = httpx.get(f"{url}/v1/conversations/{conversation_id}").json()["messages"]
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[1]["content"] == "".join(pieces) and stored[1]["content"].strip()


def test_a_turn_that_filled_the_context_alone_is_folded_when_the_next_one_comes(server):
    # `llmos run` hit this: one rambling answer took the whole context, and the next question
    # then overflowed with nothing "old" to fold
    url, _ = server
    conversation_id = httpx.post(f"{url}/v1/conversations", json={"model": TINY}).json()["id"]
    huge = "The harvest festival starts on the third of May in the valley. " * 140  # ~1850 tok
    first = httpx.post(
        f"{url}/v1/conversations/{conversation_id}/messages",
        json={"content": huge, "max_tokens": 8, "temperature": 0},
        timeout=120,
    )
    assert first.status_code == 200, first.text
    assert first.json()["usage"]["prompt_tokens"] > 1800
    second = httpx.post(
        f"{url}/v1/conversations/{conversation_id}/messages",
        json={"content": "When does it start? " * 40, "max_tokens": 8, "temperature": 0},
        timeout=120,
    )
    assert second.status_code == 200, second.text
    stored = httpx.get(f"{url}/v1/conversations/{conversation_id}").json()
    assert stored["summary"]
    assert [m["summarized"] for m in stored["messages"]] == [True, True, False, False]


def test_attached_files_are_read_into_the_stored_turn(server):
    url, _ = server
    note = httpx.post(
        f"{url}/v1/files",
        files={"file": ("note.txt", b"The meeting moved to Thursday at 3 pm.", "text/plain")},
        data={"purpose": "user_data"},
    ).json()
    conversation_id = httpx.post(f"{url}/v1/conversations", json={"model": TINY}).json()["id"]
    said = httpx.post(
        f"{url}/v1/conversations/{conversation_id}/messages",
        json={"content": "When is the meeting?", "attachments": [note["id"]], "max_tokens": 8},
        timeout=120,
    )
    assert said.status_code == 200, said.text
    stored = httpx.get(f"{url}/v1/conversations/{conversation_id}").json()["messages"]
    assert stored[0]["role"] == "user"
    assert stored[0]["content"].startswith("When is the meeting?")
    assert "Thursday at 3 pm" in stored[0]["content"]
    assert stored[0]["details"] == {  # what a page shows: the words typed and the file
        "typed": "When is the meeting?",
        "attachments": [{"id": note["id"], "filename": "note.txt"}],
    }
    assert stored[1]["details"] == {}

    missing = httpx.post(
        f"{url}/v1/conversations/{conversation_id}/messages",
        json={"content": "And this?", "attachments": ["file-nope"]},
    )
    assert missing.status_code == 400 and "file-nope" in missing.json()["error"]["message"]
    too_many = httpx.post(
        f"{url}/v1/conversations/{conversation_id}/messages",
        json={"content": "All of these?", "attachments": [note["id"]] * 9},
    )
    assert too_many.status_code == 400
    assert len(httpx.get(f"{url}/v1/conversations/{conversation_id}").json()["messages"]) == 2


def test_usage_counts_each_capabilitys_calls(server):
    url, _ = server
    httpx.post(
        f"{url}/v1/chat/completions",
        json={"model": TINY, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2},
        timeout=120,
    )
    report = httpx.get(f"{url}/api/usage", params={"hours": 1}).json()
    assert report["object"] == "usage" and report["since"] > 0
    chat = next(row for row in report["capabilities"] if row["capability"] == "chat")
    assert chat["requests"] >= 1 and chat["output_tokens"] >= 1
    assert 0 < chat["mean_seconds"] <= chat["max_seconds"]
    assert httpx.get(f"{url}/api/usage", params={"hours": 0}).status_code == 400
