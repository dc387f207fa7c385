from __future__ import annotations

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


@pytest.fixture(scope="module")
def llmos_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real ``llmos serve`` process with the bundled models; yields its base URL."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("LLMOS_")}
    env |= {
        "LLMOS_HOME": str(tmp_path_factory.mktemp("server-home")),
        "LLMOS_MODELS_DIR": str(MODELS_DIR),
        "LLMOS_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "llmos", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base_url, process=process)
        yield base_url
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
        # uvicorn shuts down gracefully, then re-raises SIGTERM as its exit status
        assert process.returncode in (0, -15), output
        assert "Application shutdown complete" in output, output
