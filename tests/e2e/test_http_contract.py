"""The HTTP contract over real HTTP, with fake models: what the server answers, how it keeps
connections, and that /openapi.json declares exactly that."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from llmos.api import create_app
from llmos.kernel import Kernel, Registry
from llmos.settings import Settings
from tests.fakes import FakeLoader, fake_capability, fake_spec

pytestmark = pytest.mark.e2e

ERROR_REF = "#/components/schemas/ErrorResponse"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def fake_app(tmp_path: Path) -> FastAPI:
    settings = Settings(home=tmp_path)
    kernel = Kernel(settings, Registry([fake_capability(fake_spec("fake", FakeLoader("fake")))]))
    return create_app(settings, kernel=kernel)


class ConnectionCounter:
    """An httpcore trace hook that counts the TCP connections a client opens."""

    def __init__(self) -> None:
        self.opened = 0

    def __call__(self, event: str, _info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.complete":
            self.opened += 1


def _boom() -> None:
    raise RuntimeError("an unexpected bug")


async def _cut_off_stream() -> StreamingResponse:
    async def body() -> AsyncIterator[bytes]:
        yield b"the first half"
        _boom()

    return StreamingResponse(body(), media_type="text/plain")


async def _failing_background() -> StreamingResponse:
    return StreamingResponse(iter([b"whole"]), background=BackgroundTask(_boom))


@pytest.fixture
def buggy_server(tmp_path: Path, serve_app) -> Iterator[str]:
    """A server with test-only routes that fail in the ways a bug makes a route fail."""
    app = fake_app(tmp_path)
    app.add_api_route("/test/boom", _boom, methods=["GET", "POST"])
    app.add_api_route("/test/cut-off", _cut_off_stream, methods=["GET"])
    app.add_api_route("/test/background", _failing_background, methods=["GET"])
    with serve_app(app) as server:
        yield server.base_url


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_500_keeps_the_pooled_connection_for_the_next_request(buggy_server, method):
    connections = ConnectionCounter()
    trace = {"trace": connections}
    with httpx.Client(base_url=buggy_server, timeout=10) as client:
        failed = client.request(method, "/test/boom", json={"x": 1}, extensions=trace)
        after = client.get("/v1/models", extensions=trace)
    assert failed.status_code == 500
    assert failed.json()["error"] == {
        "message": "Internal error (RuntimeError); the server log has the details.",
        "type": "server_error",
        "code": "internal_error",
        "param": None,
    }
    assert after.status_code == 200
    assert connections.opened == 1  # the second request reused the first one's socket


def test_an_error_after_the_response_started_drops_the_connection(buggy_server):
    connections = ConnectionCounter()
    trace = {"trace": connections}
    with httpx.Client(base_url=buggy_server, timeout=10) as client:
        # a cut-off body must never pass for a whole one
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/test/cut-off", extensions=trace)
        after = client.get("/v1/models", extensions=trace)
    assert after.status_code == 200
    assert connections.opened == 2


def test_an_error_after_the_response_completed_keeps_the_connection(buggy_server):
    connections = ConnectionCounter()
    trace = {"trace": connections}
    with httpx.Client(base_url=buggy_server, timeout=10) as client:
        whole = client.get("/test/background", extensions=trace)
        after = client.get("/v1/models", extensions=trace)
    assert (whole.status_code, whole.text) == (200, "whole")
    assert after.status_code == 200
    assert connections.opened == 1


@pytest.fixture
def spec(tmp_path: Path, serve_app) -> dict[str, Any]:
    with serve_app(fake_app(tmp_path)) as server:
        response = httpx.get(f"{server.base_url}/openapi.json")
    response.raise_for_status()
    return response.json()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_spec_declares_no_422_since_the_server_never_answers_it(spec):
    for path, method, operation in operations(spec):
        assert "422" not in operation["responses"], (path, method)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_every_operation_declares_the_errors_it_can_answer_in_the_openai_shape(spec):
    from llmos.api.errors import OLLAMA_PATHS

    found = list(operations(spec))
    assert len(found) > 20
    for path, method, operation in found:
        responses = operation["responses"]
        for status in ("400", "404", "413", "500", "501", "503"):
            schema = responses[status]["content"]["application/json"]["schema"]
            if path in ("/translate", "/detect") and status != "404":  # LibreTranslate's too
                refs = [option["$ref"] for option in schema["anyOf"]]
                assert refs == ["#/components/schemas/LibreError", ERROR_REF], (path, status)
                continue
            if path in OLLAMA_PATHS:  # Ollama's {"error": "..."} too, for its clients
                refs = [option["$ref"] for option in schema["anyOf"]]
                assert refs == ["#/components/schemas/OllamaError", ERROR_REF], (path, status)
                continue
            assert schema == {"$ref": ERROR_REF}, (path, method, status)
        assert ("401" in responses) == (path != "/health"), (path, method)
        assert "Retry-After" in responses["503"]["headers"], (path, method)


def test_the_error_schema_is_the_openai_error_body(spec):
    schemas = spec["components"]["schemas"]
    body = schemas["ErrorResponse"]
    assert body["required"] == ["error"]
    detail = schemas[body["properties"]["error"]["$ref"].rsplit("/", 1)[-1]]
    assert set(detail["properties"]) == {"message", "type", "code", "param"}
    validator = jsonschema.Draft202012Validator(
        {"$ref": ERROR_REF, "components": spec["components"]}
    )
    validator.validate({"error": {"message": "m", "type": "t", "code": "c", "param": None}})
    assert not validator.is_valid({"detail": "FastAPI's shape"})


def test_the_spec_is_self_consistent(spec):
    assert spec["openapi"].startswith("3.")
    schemas = spec["components"]["schemas"]
    for ref in set(refs(spec)):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[-1] in schemas, ref
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    for path, method, operation in operations(spec):
        for status in operation["responses"]:
            assert status == "default" or 100 <= int(status) < 600, (path, method, status)


def test_a_wrong_method_is_a_405_that_says_which_methods_the_path_allows(tmp_path, serve_app):
    with serve_app(fake_app(tmp_path)) as server:
        url = server.base_url
        embeddings = httpx.get(f"{url}/v1/embeddings")
        files = httpx.put(f"{url}/v1/files")  # GET and POST are two routes on one path
        one_file = httpx.post(f"{url}/v1/files/file-123")  # GET and DELETE
    assert embeddings.status_code == 405
    assert embeddings.headers["Allow"] == "POST"
    assert embeddings.json()["error"]["code"] == "method_not_allowed"
    assert "POST" in embeddings.json()["error"]["message"]
    assert files.status_code == 405
    assert files.headers["Allow"] == "GET, POST"
    assert one_file.status_code == 405
    assert one_file.headers["Allow"] == "DELETE, GET"
