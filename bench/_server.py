"""Start a real ``llmos serve`` for a benchmark and stop it afterwards."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> float:
    """Seconds until ``url``/health answered 200."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.01)
    raise TimeoutError(url)


@contextlib.contextmanager
def running(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[float]:
    """Run ``command`` (a server on ``port``); yields the seconds it took to become healthy."""
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield wait_healthy(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def llmos_serve() -> Iterator[tuple[str, float]]:
    """A fresh ``llmos serve`` with its own data dir; yields (base URL, seconds to healthy)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        env = {"LLMOS_HOME": home, "LLMOS_PORT": str(port), "LLMOS_LOG_LEVEL": "warning"}
        with running([sys.executable, "-m", "llmos", "serve"], port, env) as seconds:
            yield f"http://127.0.0.1:{port}", seconds
