"""Media fuzzing: every media route of a real ``llmos serve``, real models, bad files.

Each case of ``tests/media_corpus.py`` goes to each route that takes a file: the image routes,
OCR, transcription, translation, subtitles, ``/v1/files``, and chat as an ``image_url`` data URI
and as a ``file`` part with ``file_data``; the JSON cases and form fields that are not UTF-8 go
to the routes they are made for. Every answer must be a 4xx in the OpenAI error shape with a
message to read, or a 200 when the bytes really are what the route reads; after each case the
server still answers ``/health``, and its memory stays under ``RSS_BOUND`` all along.

The server is started here rather than by conftest's ``llmos_server``: the test needs its PID
(for its RSS), and its log goes to a file, since a thousand requests' access log would fill the
64 KB pipe that fixture reads only at the end, and the server would block on writing it.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import llmos_serve
from tests.media_corpus import AUDIO, IMAGE, NON_UTF8_TEXT, PDF, TEXT, MediaCase, json_cases
from tests.media_corpus import media_cases as corpus

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(360)]

GiB = 1024**3
RSS_BOUND = 4 * GiB  # the server, models loaded, at its peak over every case
KILL_AT = 6 * GiB  # past this the server is killed, so that a runaway case cannot take the box
CHAT_MODEL = "smollm2-135m-instruct"  # the tiny one: these cases are about the files, not words
TIMEOUT = 300  # seconds for one request; the first of each kind loads its models


class MemoryWatch:
    """Samples a process's RSS (children included) every few ms; kills it past ``kill_at``."""

    def __init__(self, process: psutil.Process, *, kill_at: int) -> None:
        self.process, self.kill_at = process, kill_at
        self.peak = self.window_peak = 0
        self.killed_at: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def rss(self) -> int:
        try:
            family = [self.process, *self.process.children(recursive=True)]
            return sum(p.memory_info().rss for p in family)
        except psutil.Error:
            return 0

    def window(self) -> int:
        """The peak since the last call (or since the start), then a new window."""
        peak, self.window_peak = self.window_peak, self.rss()
        return max(peak, self.window_peak)

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            rss = self.rss()
            self.peak, self.window_peak = max(self.peak, rss), max(self.window_peak, rss)
            if rss > self.kill_at and self.killed_at is None:
                self.killed_at = rss
                self.process.kill()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Server:
    url: str
    memory: MemoryWatch
    log: Path
    process: subprocess.Popen


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("fuzz-home")
    with llmos_serve(home) as (url, process):
        memory = MemoryWatch(psutil.Process(process.pid), kill_at=KILL_AT)
        try:
            yield Server(url, memory, home / "server.log", process)
        finally:
            memory.close()


# -- how each route is sent a case ---------------------------------------------------------------


def multipart(fields: list[tuple[str, bytes, str | bytes | None, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body from (name, value, filename, content type) with bytes as they
    are, so that a filename or a field can hold bytes that are not UTF-8."""
    boundary = "fuzz-9f3c1e0b7d"
    out = bytearray()
    for name, value, filename, content_type in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode()
        if filename is not None:
            raw = filename if isinstance(filename, bytes) else filename.encode()
            out += b'; filename="' + raw + b'"'
        if content_type:
            out += f"\r\nContent-Type: {content_type}".encode()
        out += b"\r\n\r\n" + value + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    reads: frozenset[str | None]  # the kinds a 200 is right for (None: anything not empty)
    form: tuple[tuple[str, str], ...] = ()
    attach: str = ""  # chat routes: "image_url" or "file"
    cases: frozenset[str] = frozenset()  # when given, the cases a 200 is right for, by name

    def accepts(self, case: MediaCase) -> bool:
        if self.cases:
            return case.name in self.cases
        return case.kind in self.reads or (None in self.reads and bool(case.data))

    def send(self, url: str, case: MediaCase) -> httpx.Response:
        if self.attach:
            return post_json(url, self.path, json.dumps(chat_body(self.attach, case)).encode())
        fields = [("file", case.data, case.filename, case.content_type)]
        fields += [(key, value.encode(), None, "") for key, value in self.form]
        body, content_type = multipart(fields)
        return post(url, self.path, body, content_type)


def chat_body(attach: str, case: MediaCase) -> dict:
    uri = f"data:{case.content_type};base64,{base64.b64encode(case.data).decode()}"
    part = (
        {"type": "image_url", "image_url": {"url": uri}}
        if attach == "image_url"
        else {"type": "file", "file": {"file_data": uri, "filename": case.filename}}
    )
    question = {"type": "text", "text": "What is in this?"}
    message = {"role": "user", "content": [question, part]}
    return {"model": CHAT_MODEL, "max_tokens": 1, "temperature": 0, "messages": [message]}


def post(url: str, path: str, body: bytes, content_type: str) -> httpx.Response:
    return httpx.post(
        f"{url}{path}", content=body, headers={"Content-Type": content_type}, timeout=TIMEOUT
    )


def post_json(url: str, path: str, body: bytes) -> httpx.Response:
    return post(url, path, body, "application/json")


IMAGES = frozenset({IMAGE})
ROUTES = (
    Route("facts", "/v1/images/facts", IMAGES),
    Route("captions", "/v1/images/captions", IMAGES, (("model", CHAT_MODEL),)),
    Route(
        "questions",
        "/v1/images/questions",
        IMAGES,
        (("question", "What colour is it?"), ("model", CHAT_MODEL)),
    ),
    Route("ocr", "/v1/images/ocr", frozenset({IMAGE, PDF})),
    Route("detections", "/v1/images/detections", IMAGES),
    Route("transcriptions", "/v1/audio/transcriptions", frozenset({AUDIO})),
    Route("translations", "/v1/audio/translations", frozenset({AUDIO})),
    Route("subtitles", "/v1/video/subtitles", frozenset({AUDIO})),
    Route(
        "subtitled",
        "/v1/video/subtitled",
        frozenset(),
        (("subtitles", "1\n00:00:00,000 --> 00:00:01,000\nHello\n"),),
        cases=frozenset({"mp4", "mp4-without-sound", "mp4-named-pdf"}),  # those with a picture
    ),
    Route("files", "/v1/files", frozenset({None}), (("purpose", "user_data"),)),
    Route("chat-image_url", "/v1/chat/completions", IMAGES, attach="image_url"),
    Route("chat-file", "/v1/chat/completions", frozenset({IMAGE, PDF, TEXT}), attach="file"),
)
VALID = {"png", "jpeg", "wav", "mp4", "pdf", "text"}  # each route must read its own kind: 200


# -- requests that are wrong in their form, not in their file ------------------------------------

Sender = Callable[[str], httpx.Response]
PNG = next(case for case in corpus() if case.name == "png")
WAV = next(case for case in corpus() if case.name == "wav")


def _form(path: str, case: MediaCase, *extra: tuple[str, bytes], filename=None) -> Sender:
    fields = [("file", case.data, filename or case.filename, case.content_type)]
    body, content_type = multipart(fields + [(k, v, None, "") for k, v in extra])
    return lambda url: post(url, path, body, content_type)


NOT_UTF8 = NON_UTF8_TEXT.strip()
FORM_CASES: dict[str, tuple[Sender, bool]] = {  # name: (send, whether a 200 is right)
    # Starlette reads form text that is not UTF-8 as Latin-1, in which every byte is a letter
    "question-not-utf8": (
        _form("/v1/images/questions", PNG, ("question", NOT_UTF8), ("model", CHAT_MODEL.encode())),
        True,
    ),
    "prompt-not-utf8": (_form("/v1/audio/transcriptions", WAV, ("prompt", NOT_UTF8)), True),
    "purpose-not-utf8": (_form("/v1/files", PNG, ("purpose", NOT_UTF8)), False),
    "filename-not-utf8": (
        _form("/v1/files", PNG, ("purpose", b"user_data"), filename=b"caf\xe9\xff.png"),
        True,
    ),
    "language-not-utf8": (_form("/v1/video/subtitles", WAV, ("language", b"\xff\xfe")), False),
    **{
        f"raw-body-{route.name}": (
            lambda url, path=route.path: post(url, path, PNG.data, "image/png"),
            False,
        )
        for route in ROUTES
        if not route.attach
    },
    **{
        f"json-{case.name}": (
            lambda url, body=case.body: post_json(url, "/v1/chat/completions", body),
            False,
        )
        for case in json_cases(CHAT_MODEL)
    },
}


# -- the checks ----------------------------------------------------------------------------------

OUTCOMES: list[tuple[str, int, str, float, int]] = []  # id, status, code, seconds, peak RSS


def check(server: Server, name: str, send: Sender, *, ok_allowed: bool, ok_required=False):
    if server.process.poll() is not None:
        pytest.fail(f"the server is gone (exit {server.process.returncode}); see {server.log}")
    server.memory.window()
    started = time.monotonic()
    try:
        response = send(server.url)
    except httpx.HTTPError as error:
        response = None
        failure = f"no answer: {type(error).__name__}: {error}"
    seconds = time.monotonic() - started
    peak = server.memory.window()
    status = response.status_code if response is not None else 0
    code = _error_code(response)
    OUTCOMES.append((name, status, code, seconds, peak))
    assert server.memory.killed_at is None, f"killed at {server.memory.killed_at / GiB:.1f} GiB"
    assert response is not None, failure
    health = httpx.get(f"{server.url}/health", timeout=30)
    assert health.status_code == 200, f"{name}: /health answered {health.status_code} after it"
    assert peak < RSS_BOUND, f"{name}: the server's RSS reached {peak / GiB:.2f} GiB"
    body = response.text[:500]
    if status >= 500:
        body += f"\nthe server log's last traceback:\n{last_traceback(server.log)}"
    if ok_required:
        assert status == 200, f"{name}: a valid input was refused: {status} {body}"
    if status == 200:
        assert ok_allowed, f"{name}: 200 for an input the route cannot read: {body}"
        return
    assert 400 <= status < 500, f"{name}: {status} {body}"
    error = response.json().get("error")
    assert isinstance(error, dict) and {"message", "type", "code"} <= set(error), body
    assert isinstance(error["message"], str) and error["message"].strip(), body


def last_traceback(log: Path) -> str:
    """The server log's last traceback, so that a 5xx in CI says where it came from."""
    text = log.read_text(errors="replace")
    start = text.rfind("Traceback (most recent call last)")
    return text[start:][-3000:] if start >= 0 else ""


def _error_code(response: httpx.Response | None) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (AttributeError, ValueError, KeyError, TypeError):
        return ""


@pytest.mark.parametrize(
    ("case", "route"),
    [
        pytest.param(case, route, id=f"{case.name}-{route.name}")
        for case in corpus()
        for route in ROUTES
    ],
)
def test_every_media_route_refuses_what_it_cannot_read(server, case: MediaCase, route: Route):
    check(
        server,
        f"{case.name}-{route.name}",
        lambda url: route.send(url, case),
        ok_allowed=route.accepts(case),
        ok_required=case.name in VALID and route.accepts(case),
    )


@pytest.mark.parametrize("name", list(FORM_CASES))
def test_malformed_requests_are_refused(server, name: str):
    send, ok_allowed = FORM_CASES[name]
    check(server, name, send, ok_allowed=ok_allowed)


def test_the_servers_memory_stayed_bounded(server, capsys):
    """Last: the peak over the whole run, and the slowest and largest cases, for the record."""
    with capsys.disabled():
        print(f"\nserver peak RSS {server.memory.peak / GiB:.2f} GiB over {len(OUTCOMES)} cases")
        for name, status, code, seconds, peak in sorted(OUTCOMES, key=lambda o: -o[4])[:8]:
            print(f"  {name}: {status} {code} {seconds:.1f} s, RSS {peak / GiB:.2f} GiB")
    assert server.memory.peak < RSS_BOUND
