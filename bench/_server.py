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
from pathlib import Path

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
def running(
    command: list[str], port: int, env: dict[str, str] | None = None
) -> Iterator[tuple[float, int]]:
    """Run ``command`` (a server on ``port``); yields (seconds to healthy, its pid)."""
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield wait_healthy(f"http://127.0.0.1:{port}", process), process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextlib.contextmanager
def llmos_serve(env: dict[str, str] | None = None) -> Iterator[tuple[str, float, int]]:
    """A fresh ``llmos serve`` with its own data dir; yields (base URL, seconds to healthy, pid).

    Model files assembled from packages come from the usual models dir, as for a user; ``env``
    adds settings (``LLMOS_*``)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as home:
        from llmos.settings import Settings

        env = {
            "LLMOS_HOME": home,
            "LLMOS_MODELS_DIR": str(Settings().models_dir),
            "LLMOS_PORT": str(port),
            "LLMOS_LOG_LEVEL": "warning",
            **(env or {}),
        }
        with running([sys.executable, "-m", "llmos", "serve"], port, env) as (seconds, pid):
            yield f"http://127.0.0.1:{port}", seconds, pid


def peak_rss_bytes(pid: int) -> int:
    """The peak resident set of a running process (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")
