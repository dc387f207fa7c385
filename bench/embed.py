"""Embeddings per second through the llmos server vs the model called directly in one process.

Same model (all-MiniLM-L6-v2 from its pip package), same 2 threads, same batches, one request
at a time. The server is driven with the official `openai` client; the direct baseline calls the
same backend's encode in a process of its own, so neither side's idle threads slow the other.
Best of ROUNDS alternating rounds, because this 2-core machine is shared and noisy.
Target: ratio >= 0.9 at batch 32.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable

TEXTS = 512  # per batch size and side
BATCHES = (1, 8, 32)
THREADS = 2
ROUNDS = 3
MODEL = "all-minilm-l6-v2"


def corpus() -> list[str]:
    words = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog"]
    return [" ".join(words[(i + j) % len(words)] for j in range(8 + i % 8)) for i in range(TEXTS)]


def per_second(call: Callable[[list[str]], object], batch: int) -> float:
    texts = corpus()
    call(texts[:batch])  # warm-up
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        call(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started)


def direct() -> dict[int, float]:
    """The baseline, in a fresh process: the backend's encode, no server."""
    code = "import sys; sys.path.insert(0, 'bench'); import embed; embed._direct_child()"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {int(batch): rate for batch, rate in json.loads(output.splitlines()[-1]).items()}


def _direct_child() -> None:
    from pathlib import Path

    from llmos.capabilities import LoadContext
    from llmos.capabilities.embed import MINILM

    model = MINILM.load(LoadContext(threads=THREADS, data_dir=Path("/nonexistent")))
    rates = {b: per_second(lambda c: model.encode(c, normalize=True, batch_size=32), b)
             for b in BATCHES}  # fmt: skip
    print(json.dumps(rates))


def served(url: str) -> dict[int, float]:
    import openai

    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    return {b: per_second(lambda c: client.embeddings.create(model=MODEL, input=c), b)
            for b in BATCHES}  # fmt: skip


def main() -> None:
    from _server import llmos_serve

    best_direct = dict.fromkeys(BATCHES, 0.0)
    best_served = dict.fromkeys(BATCHES, 0.0)
    with llmos_serve() as (url, _, _pid):
        for _ in range(ROUNDS):
            for batch, rate in direct().items():
                best_direct[batch] = max(best_direct[batch], rate)
            for batch, rate in served(url).items():
                best_served[batch] = max(best_served[batch], rate)
    print(f"{TEXTS} texts per batch size, {THREADS} threads, sequential, best of {ROUNDS} rounds")
    print(f"{'batch':>5} {'direct/s':>10} {'server/s':>10} {'ratio':>7}")
    for batch in BATCHES:
        ratio = best_served[batch] / best_direct[batch]
        print(f"{batch:>5} {best_direct[batch]:>10.1f} {best_served[batch]:>10.1f} {ratio:>7.2f}")


if __name__ == "__main__":
    main()
