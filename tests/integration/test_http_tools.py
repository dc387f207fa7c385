"""An app's HTTP tool against a real endpoint on 127.0.0.1: the checked arguments POSTed as
JSON, a JSON or text answer as the result, an error status or a dead port as a failed result,
and a manifest naming another host refused."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from llmos.assistant.apps import read_manifest
from llmos.assistant.http_tools import http_tool
from llmos.assistant.tools import ToolBox, ToolCall
from llmos.errors import InvalidRequest
from tests.conftest import free_port

SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}


class Weather(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body["city"] == "Atlantis":
            self.send_response(404)
            self.end_headers()
            self.wfile.write(b"no such city")
            return
        answer = json.dumps({"city": body["city"], "sky": "clear"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def weather_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Weather)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/weather"
    server.shutdown()
    server.server_close()


def test_an_http_tool_posts_its_arguments_and_reports_failures(weather_url):
    tool = http_tool("weather", "Today's weather.", weather_url, SCHEMA, timeout=10)
    dead = http_tool("dead", "Nobody.", f"http://127.0.0.1:{free_port()}/", SCHEMA, timeout=10)
    box = ToolBox([tool, dead])

    asked = (("weather", "Lyon"), ("weather", "Atlantis"), ("dead", "x"))

    async def calls():
        return [await box.run(ToolCall(name, {"city": city})) for name, city in asked]

    sunny, missing, unreachable = asyncio.run(calls())
    assert sunny.ok and json.loads(sunny.output) == {"city": "Lyon", "sky": "clear"}
    assert not missing.ok and "404" in missing.output and "no such city" in missing.output
    assert not unreachable.ok and "did not answer" in unreachable.output
    refused = asyncio.run(box.run(ToolCall("weather", {"town": "Lyon"})))
    assert not refused.ok and not refused.executed  # the schema, before any request


def test_a_manifest_naming_another_host_is_refused(tmp_path):
    (tmp_path / "llmos-app.toml").write_text(
        'name = "w"\n[[http]]\nname = "weather"\ndescription = "d"\n'
        'url = "http://169.254.169.254/latest"\n'
    )
    with pytest.raises(InvalidRequest, match="not on this machine"):
        read_manifest(tmp_path)
