from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from llmos.settings import Settings
from tests.browser import browser, open_page  # noqa: F401 (fixtures for the web UI tests)

# Model files assembled from packages (1.1 GB for the chat model) are kept between test runs.
MODELS_DIR = Path(__file__).resolve().parent.parent / ".cache" / "models"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real data dir or a developer's LLMOS_* settings."""
    for key in list(os.environ):
        if key.startswith("LLMOS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("LLMOS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LLMOS_MODELS_DIR", str(MODELS_DIR))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(base_url: str, *, timeout: float = 60.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{base_url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base_url} did not become healthy in {timeout} s")


class ThreadedServer:
    """A real uvicorn server on a free port, in a thread of the test process."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        wait_for_health(self.base_url, timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def serve_app():
    """Serve an ASGI app over real HTTP: ``with serve_app(app) as server: server.base_url``."""
    return ThreadedServer


@contextlib.contextmanager
def llmos_serve(
    home: Path,
    *,
    python: str | Path = sys.executable,
    env: dict[str, str] | None = None,
    forbid_tracebacks: bool = False,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real ``llmos serve`` process on a free port with its data in ``home``; yields its base
    URL and process. Its output goes to ``home/server.log`` (a pipe read only at the end would
    fill with a long test's access log and block the server), checked at the end."""
    port = free_port()
    environment = {key: value for key, value in os.environ.items() if not key.startswith("LLMOS_")}
    environment |= {
        "LLMOS_HOME": str(home),
        "LLMOS_MODELS_DIR": str(MODELS_DIR),
        "LLMOS_PORT": str(port),
        **(env or {}),
    }
    log = home / "server.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(python), "-m", "llmos", "serve"],
            env=environment,
            cwd=home,  # not the repo: ``llmos`` comes from the install under test
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, process=process)
        yield base_url, process
    finally:
        process.terminate()
        process.wait(timeout=30)
        output = log.read_text()
        if process.returncode != -9:  # -9: the test killed it, there was no shutdown
            # uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status
            assert process.returncode in (0, -15), output
            assert "Application shutdown complete" in output, output
        assert not (forbid_tracebacks and "Traceback" in output), output


@pytest.fixture(scope="module")
def llmos_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``llmos serve`` process with the bundled models; yields its base URL."""
    with llmos_serve(tmp_path_factory.mktemp("server-home")) as (base_url, _process):
        yield base_url
