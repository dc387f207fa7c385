"""Continuous batching through the kernel: one chat model serves several requests at once in
llama.cpp's slots, each with the model's whole context, and every answer stays its own.

A real server in this process (so the test can watch the scheduler) with the tiny SmolLM2 and
the official ``openai`` client.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest

from llmos.api import create_app
from llmos.settings import Settings
from llmos.storage import Database
from tests.conftest import MODELS_DIR, ThreadedServer
from tests.fakes import wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TINY = "smollm2-135m-instruct"
SLOTS = 4
WORDS = ("apple", "banana", "cherry", "damson")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("batching")
    settings = Settings(home=home, models_dir=MODELS_DIR, chat_slots=SLOTS)
    app = create_app(settings)
    with ThreadedServer(app) as server:
        yield server.base_url, app.state.kernel, home


def only(word: str) -> dict:
    """A response format whose one valid answer names ``word``: a stream that carried another
    request's tokens could not match it."""
    sentence = f"The word is {word}. " * 8  # long enough that the four overlap
    schema = {"type": "object", "properties": {"answer": {"enum": [sentence]}}}
    schema["required"] = ["answer"]
    return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema}}


def test_four_requests_run_at_once_and_each_answers_its_own_prompt(served):
    base_url, _kernel, home = served
    client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
    hi = [{"role": "user", "content": "hi"}]
    client.chat.completions.create(model=TINY, messages=hi, max_tokens=4)  # loads the model

    def ask(word: str) -> str:
        stream = client.chat.completions.create(
            model=TINY,
            messages=[{"role": "user", "content": f"Say the word {word}."}],
            response_format=only(word),
            max_tokens=200,
            temperature=0,
            stream=True,
        )
        return "".join(c.choices[0].delta.content or "" for c in stream if c.choices)

    with ThreadPoolExecutor(SLOTS) as pool:
        answers = list(pool.map(ask, WORDS))
    assert [json.loads(a)["answer"] for a in answers] == [f"The word is {w}. " * 8 for w in WORDS]
    database = Database(home / "llmos.db")
    try:
        wait_until(lambda: len(database.recent_calls()) >= SLOTS + 1)  # written on their thread
        calls = [c for c in database.recent_calls()[:SLOTS] if c.model == TINY]
    finally:
        database.close()
    assert len(calls) == SLOTS and all(c.status == "ok" for c in calls)
    starts = [c.started_at + c.queue_wait_s + c.load_s for c in calls]
    ends = [start + c.run_s for start, c in zip(starts, calls, strict=True)]
    assert max(starts) < min(ends), "the four requests did not run at the same time"


def test_every_slot_keeps_the_whole_context_and_says_so_when_full(served):
    base_url, _kernel, _home = served

    def ask(text: str) -> httpx.Response:
        body = {"model": TINY, "messages": [{"role": "user", "content": text}], "max_tokens": 4}
        return httpx.post(f"{base_url}/v1/chat/completions", json=body, timeout=300)

    # 1200 tokens in each of the four slots at once: more than a 4096-token context split four
    # ways would hold (the per-slot context is SmolLM2's whole 2048)
    near_full = " ".join(["word"] * 1200)
    with ThreadPoolExecutor(SLOTS) as pool:
        answers = list(pool.map(ask, [near_full] * SLOTS))
    assert [r.status_code for r in answers] == [200] * SLOTS, answers[0].text
    assert all(r.json()["usage"]["prompt_tokens"] > 1200 for r in answers)
    long = " ".join(["word"] * 2300)  # over SmolLM2's 2048 tokens, under 4 slots x 2048
    response = httpx.post(
        f"{base_url}/v1/chat/completions",
        json={"model": TINY, "messages": [{"role": "user", "content": long}], "max_tokens": 4},
        timeout=120,
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "context_length_exceeded"
    assert "2048 tokens" in error["message"]


def test_a_client_that_leaves_frees_its_slot_for_the_next_queued_request(served):
    base_url, kernel, _home = served
    scheduler = kernel.scheduler
    spec = kernel.registry.resolve("chat", TINY)
    assert spec.parallel == SLOTS
    at_length = {"type": "string", "minLength": 1000}  # the answer cannot end early
    long_body = {
        "model": TINY,
        "messages": [{"role": "user", "content": "Tell a long story."}],
        "response_format": {"type": "json_schema", "json_schema": {"schema": at_length}},
        "max_tokens": 1500,
        "temperature": 0,
        "stream": True,
    }
    leaving, finished = threading.Event(), threading.Event()

    def hold(index: int) -> None:
        url = f"{base_url}/v1/chat/completions"
        with httpx.Client(timeout=120) as client, client.stream("POST", url, json=long_body) as r:
            for _ in r.iter_lines():
                if (index == 0 and leaving.is_set()) or finished.is_set():
                    return  # this client goes away mid-answer

    holders = [threading.Thread(target=hold, args=(i,)) for i in range(SLOTS)]
    for thread in holders:
        thread.start()
    wait_until(lambda: scheduler.running(TINY) == SLOTS, timeout=60)
    queued = ThreadPoolExecutor(1).submit(
        httpx.post,
        f"{base_url}/v1/chat/completions",
        json={**long_body, "stream": False, "max_tokens": 4, "response_format": None},
        timeout=120,
    )
    wait_until(lambda: scheduler.in_flight(TINY) == SLOTS + 1)
    assert scheduler.running(TINY) == SLOTS  # every slot is taken: the fifth waits
    leaving.set()  # one client leaves; its slot goes to the waiting request
    assert queued.result(timeout=60).status_code == 200
    assert all(thread.is_alive() for thread in holders[1:])  # before the others ended
    finished.set()
    for thread in holders:
        thread.join(timeout=60)


def test_two_conversations_alternating_keep_their_cached_prefixes(served):
    base_url, _kernel, _home = served
    system = "You are a helpful assistant who answers briefly. " * 20  # a long shared prefix

    def new(title: str) -> str:
        body = {"title": title, "model": TINY, "system": f"{title}: {system}"}
        return httpx.post(f"{base_url}/v1/conversations", json=body).json()["id"]

    def turn(conversation: str, text: str) -> dict:
        response = httpx.post(
            f"{base_url}/v1/conversations/{conversation}/messages",
            json={"content": text, "max_tokens": 8, "temperature": 0},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return response.json()["usage"]

    first, second = new("first"), new("second")
    turn(first, "Name a fruit.")
    turn(second, "Name a colour.")
    again_first = turn(first, "Name another fruit.")
    again_second = turn(second, "Name another colour.")
    for usage in (again_first, again_second):
        cached = usage.get("prompt_tokens_details", {}).get("cached_tokens", 0)
        assert cached > 100, usage  # the system prompt and first turn were not processed again
