"""Time from `llmos serve` to a 200 on /health, against a bare FastAPI app under uvicorn.

Target: < 2 s (models load lazily, so start-up must not import any model runtime).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

from _server import free_port, llmos_serve, running

RUNS = 5
BARE_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/health")
def health():
    return {"status": "ok"}
"""


def bare_fastapi() -> float:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "bare.py").write_text(BARE_APP)
        port = free_port()
        command = [sys.executable, "-m", "uvicorn", "--app-dir", folder, "bare:app",
                   "--port", str(port), "--log-level", "warning"]  # fmt: skip
        with running(command, port) as (seconds, _pid):
            return seconds


def llmos() -> float:
    with llmos_serve() as (_url, seconds, _pid):
        return seconds


def main() -> None:
    baseline = statistics.median(bare_fastapi() for _ in range(RUNS))
    ours = statistics.median(llmos() for _ in range(RUNS))
    print(f"median of {RUNS} runs, spawn -> 200 on /health")
    print(f"  bare FastAPI + uvicorn : {baseline:.2f} s")
    verdict = "ok" if ours < 2 else "MISSED"
    print(f"  llmos serve            : {ours:.2f} s   (target < 2 s: {verdict})")
    print(f"  ratio llmos / bare     : {ours / baseline:.2f}x")


if __name__ == "__main__":
    main()
