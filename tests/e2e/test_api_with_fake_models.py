"""The HTTP API over real HTTP, with fake models so that timing is under the test's control."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest

from llmos.api import create_app
from llmos.kernel import Kernel, Registry
from llmos.settings import Settings
from llmos.storage import Database
from tests.fakes import WAIT_SECONDS, FakeLoader, fake_capability, fake_spec, until, wait_until

pytestmark = pytest.mark.e2e


def fake_kernel(settings: Settings, loader: FakeLoader) -> Kernel:
    return Kernel(settings, Registry([fake_capability(fake_spec(loader.name, loader))]))


def statuses(home: Path) -> list[str]:
    database = Database(home / "llmos.db")
    try:
        return [call.status for call in reversed(database.recent_calls())]
    finally:
        database.close()


def test_a_full_queue_answers_503_with_retry_after(tmp_path: Path, serve_app):
    settings = Settings(home=tmp_path, queue_size=2)
    answer = threading.Event()  # the model answers only once the test sets it
    loader = FakeLoader("slow", encode_gate=answer)
    kernel = fake_kernel(settings, loader)
    with serve_app(create_app(settings, kernel=kernel)) as server:

        async def three() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:

                async def post(i: int) -> httpx.Response:
                    return await client.post("/v1/embeddings", json={"input": f"text {i}"})

                admitted = [asyncio.create_task(post(i)) for i in range(2)]
                try:
                    await until(lambda: kernel.scheduler.in_flight("slow") == 2)
                    refused = await post(2)  # while both are still in the queue
                finally:
                    answer.set()
                return [*await asyncio.gather(*admitted), refused]

        responses = asyncio.run(three())
    assert [r.status_code for r in responses] == [200, 200, 503]
    busy = responses[2]
    assert int(busy.headers["Retry-After"]) >= 1
    assert busy.json()["error"]["code"] == "server_busy"
    assert statuses(tmp_path).count("ok") == 2
    assert statuses(tmp_path).count("rejected") == 1


@pytest.mark.parametrize("cpu_threads", [2, 4])
def test_a_disconnected_clients_queued_job_is_cancelled_and_never_runs(
    tmp_path: Path, serve_app, cpu_threads: int
):
    # with 2 CPU threads the second request waits for CPU; with 4 it has its CPU and waits for
    # the model's one thread (a job queued there once ran although its client had left)
    settings = Settings(home=tmp_path, cpu_threads=cpu_threads)
    answer = threading.Event()  # the model answers only once the test sets it
    loader = FakeLoader("slow", encode_gate=answer)
    kernel = fake_kernel(settings, loader)
    with serve_app(create_app(settings, kernel=kernel)) as server:
        first = threading.Thread(
            target=httpx.post,
            args=(f"{server.base_url}/v1/embeddings",),
            kwargs={"json": {"input": "keeps the model busy"}, "timeout": 30},
        )
        first.start()
        try:
            assert loader.encoding.wait(WAIT_SECONDS)  # the first request runs
            with pytest.raises(httpx.ReadTimeout):  # the client gives up while queued
                httpx.post(
                    f"{server.base_url}/v1/embeddings",
                    json={"input": "abandoned"},
                    timeout=httpx.Timeout(5, read=0.3),
                )
            # the server notices the disconnect and drops the queued job
            wait_until(lambda: kernel.scheduler.in_flight("slow") == 1)
        finally:
            answer.set()
        first.join()
        # the next request is served normally
        ok = httpx.post(f"{server.base_url}/v1/embeddings", json={"input": "after"}, timeout=30)
        assert ok.status_code == 200
    model = loader.instances[0]
    assert "abandoned" not in model.seen
    assert model.seen == ["keeps the model busy", "after"]
    # rows are written as calls end: the abandoned one ended (cancelled) before the busy one
    assert statuses(tmp_path) == ["cancelled", "ok", "ok"]


def test_accounting_rows_and_metrics_record_each_call(tmp_path: Path, serve_app):
    settings = Settings(home=tmp_path)
    loader = FakeLoader("fake")
    with serve_app(create_app(settings, kernel=fake_kernel(settings, loader))) as server:
        for text in ("one two three", "four five"):
            httpx.post(f"{server.base_url}/v1/embeddings", json={"input": text}).raise_for_status()
        metrics = httpx.get(f"{server.base_url}/metrics").text
    database = Database(tmp_path / "llmos.db")
    calls = list(reversed(database.recent_calls()))
    assert [(c.model, c.status, c.input_tokens) for c in calls] == [
        ("fake", "ok", 3),
        ("fake", "ok", 2),
    ]
    assert calls[0].load_s >= calls[1].load_s  # the first call loaded the model
    assert all(c.run_s > 0 and c.queue_wait_s >= 0 for c in calls)
    assert 'llmos_requests_total{capability="embed",model="fake",status="ok"} 2.0' in metrics
    assert 'llmos_tokens_total{direction="input",model="fake"} 5.0' in metrics


def test_api_keys_guard_every_route_but_health(tmp_path: Path, serve_app):
    settings = Settings(home=tmp_path, api_keys=["s3cret", "other"])
    app = create_app(settings, kernel=fake_kernel(settings, FakeLoader("fake")))
    with serve_app(app) as server:
        url = server.base_url
        assert httpx.get(f"{url}/health").status_code == 200
        missing = httpx.get(f"{url}/v1/models")
        wrong = httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer nope"})
        right = httpx.get(f"{url}/v1/models", headers={"Authorization": "Bearer s3cret"})
        second = httpx.get(f"{url}/api/ps", headers={"Authorization": "Bearer other"})
        spec = httpx.get(f"{url}/openapi.json")
    assert missing.status_code == 401 and "Missing API key" in missing.json()["error"]["message"]
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "invalid_api_key"
    assert right.status_code == 200 and right.json()["data"][0]["id"] == "fake"
    assert second.status_code == 200
    assert spec.status_code == 401


@pytest.fixture
def fake_server(tmp_path: Path, serve_app):
    settings = Settings(home=tmp_path, max_upload_mb=0.01)
    with serve_app(create_app(settings, kernel=fake_kernel(settings, FakeLoader("fake")))) as s:
        yield s.base_url


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert {"message", "type", "code"} <= set(body["error"])
    return body["error"]


def test_malformed_json_is_a_400_with_a_readable_message(fake_server):
    response = httpx.post(
        f"{fake_server}/v1/embeddings",
        content=b'{"input": "x",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in error_of(response)["message"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "input: Field required"),
        ({"input": []}, "'input' is empty"),
        ({"input": ["ok", "  "]}, "'input[1]' is an empty string"),
        ({"input": [1, 2, 3]}, "Token arrays are not supported"),
        ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
        ({"input": "x", "keep_alive": "soon"}, "keep_alive"),
        ({"input": "x", "dimensions": 3}, "returns 8 dimensions"),
    ],
)
def test_invalid_embedding_requests_say_what_is_wrong(fake_server, body, fragment):
    response = httpx.post(f"{fake_server}/v1/embeddings", json=body)
    assert response.status_code == 400
    assert fragment in error_of(response)["message"]


def test_oversize_bodies_are_refused_with_413(fake_server):
    declared = httpx.post(f"{fake_server}/v1/embeddings", json={"input": "x" * 20_000})
    chunked = httpx.post(
        f"{fake_server}/v1/embeddings",
        content=iter([b'{"input": "', b"x" * 8000, b"x" * 8000, b'"}']),
        headers={"Content-Type": "application/json"},
    )
    for response in (declared, chunked):
        assert response.status_code == 413
        assert "LLMOS_MAX_UPLOAD_MB" in error_of(response)["message"]
    assert httpx.get(f"{fake_server}/health").status_code == 200  # still serving


def test_unknown_model_and_route_are_404_in_openai_shape(fake_server):
    model = httpx.post(f"{fake_server}/v1/embeddings", json={"input": "x", "model": "gpt-4"})
    assert model.status_code == 404
    assert error_of(model)["code"] == "model_not_found"
    assert "Available models: fake" in error_of(model)["message"]
    card = httpx.get(f"{fake_server}/v1/models/gpt-4")
    assert card.status_code == 404 and error_of(card)["code"] == "model_not_found"
    route = httpx.get(f"{fake_server}/v2/nothing")
    assert route.status_code == 404 and error_of(route)["code"] == "not_found"


def test_load_ps_and_unload_through_the_sdk(fake_server):
    from llmos.sdk import ApiError, LlmosClient

    with LlmosClient(fake_server) as client:
        assert client.ps().models == []
        status = client.load("fake", keep_alive="-1")
        assert [(m.name, m.pinned) for m in status.models] == [("fake", True)]
        assert client.unload("fake") == "unloaded"
        assert client.unload("fake") == "not_loaded"
        assert client.ps().models == []
        with pytest.raises(ApiError) as missing:
            client.load("nope")
    assert missing.value.status == 404
