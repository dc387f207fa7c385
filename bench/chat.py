"""Chat speed through the llmos HTTP API vs llama.cpp: in-process (xllamacpp) and its own HTTP
server.

Same model (the default Qwen2.5-Coder-1.5B Q4_K_M), prompt, sampling (temperature 0), context
and 2 threads. Reports time to first token (TTFT) and generation tok/s for each side, the ratio;
aggregate tok/s with 1, 2 and 4 concurrent clients through llmos (4 llama.cpp slots, the
default), in-process on a 4-slot llama.cpp, and with the same 4 ``openai`` clients on llama.cpp's
own 4-slot HTTP server (the fair baseline: HTTP and clients on the same two cores); the CPU the
server's event loop spends per streamed token; the TTFT of a stored conversation's fifth turn
after another conversation's turn, with 4 slots and with 1; and the server's peak RSS.
Targets: >= 0.95x generation speed, < 30 ms added TTFT, >= 0.95x aggregate at 4 clients.

llama-cpp-python is not compared: PyPI has only its sdist, which took 12.3 min to compile on
this machine (../shared/research/llm.md section 7), over the 10-minute bound.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

MODEL = "qwen2.5-coder-1.5b-instruct"
PROMPT = [{"role": "user", "content": "Write a short story about a llama who learns to code."}]
MAX_TOKENS = 96
RUNS = 3


def direct() -> dict[str, float]:
    """xllamacpp in a fresh process, streaming, as llmos's backend would call it."""
    code = "import sys; sys.path.insert(0, 'bench'); import chat; chat._direct_child()"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.splitlines()[-1])


def _direct_child() -> None:
    import xllamacpp

    from llmos.settings import Settings

    params = xllamacpp.CommonParams()
    params.model.path = str(Settings().models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    params.n_ctx, params.n_parallel, params.use_jinja, params.verbosity = 4096, 1, True, -1
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
    server = xllamacpp.Server(params)
    ttfts, rates = [], []
    for _ in range(RUNS + 1):  # the first run warms up
        started, first, count = time.perf_counter(), None, 0

        def on_chunk(chunk: dict, started=started) -> bool:
            nonlocal first, count
            for choice in chunk.get("choices", []):
                if choice.get("delta", {}).get("content"):
                    first = first or time.perf_counter() - started
                    count += 1
            return False

        body = {"messages": PROMPT, "max_tokens": MAX_TOKENS, "temperature": 0, "stream": True}
        server.handle_chat_completions(body, on_chunk)
        total = time.perf_counter() - started
        ttfts.append(first)
        rates.append((count - 1) / (total - first))
    print(json.dumps({"ttft": statistics.median(ttfts[1:]), "tok_s": statistics.median(rates[1:])}))


def batching() -> dict[str, float]:
    """Does llama.cpp's continuous batching help on 2 cores? Aggregate tok/s, in a fresh process,
    of 1, 2 and 4 concurrent requests on a server with 4 parallel slots."""
    code = "import sys; sys.path.insert(0, 'bench'); import chat; chat._batching_child()"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.splitlines()[-1])


def _batching_child() -> None:
    import xllamacpp

    from llmos.settings import Settings

    params = xllamacpp.CommonParams()
    params.model.path = str(Settings().models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    params.n_ctx, params.n_parallel, params.use_jinja, params.verbosity = 4 * 4096, 4, True, -1
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
    server = xllamacpp.Server(params)
    body = {"messages": PROMPT, "max_tokens": MAX_TOKENS, "temperature": 0}
    server.handle_chat_completions(body)  # warm up
    rates = {}
    for clients in (1, 2, 4):
        started = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            replies = list(pool.map(lambda _: server.handle_chat_completions(body), range(clients)))
        tokens = sum(r["usage"]["completion_tokens"] for r in replies)
        rates[clients] = tokens / (time.perf_counter() - started)
    print(json.dumps(rates))


def _http_child(port: int) -> None:
    """llama.cpp's own HTTP server (through xllamacpp), 4 slots of 4096 tokens, as llmos runs
    the model; serves until killed."""
    import xllamacpp

    from llmos.settings import Settings

    params = xllamacpp.CommonParams()
    params.model.path = str(Settings().models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    params.n_ctx, params.n_parallel, params.use_jinja, params.verbosity = 4 * 4096, 4, True, -1
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
    params.port, params.hostnames = port, ["127.0.0.1"]
    server = xllamacpp.Server(params)
    print(server.listening_address, flush=True)
    threading.Event().wait()


def concurrent_streams(client, clients: int) -> float:
    """Aggregate tok/s of ``clients`` concurrent streamed requests."""
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda _: one_stream(client), range(clients)))
    return sum(r[2] for r in results) / (time.perf_counter() - started)


def llama_cpp_http(clients: int) -> float:
    """The same ``openai`` clients against llama.cpp's own HTTP server: the fair baseline for
    llmos's HTTP path (the in-process numbers above have no HTTP and no clients)."""
    import openai

    from _server import free_port, running

    port = free_port()
    code = f"import sys; sys.path.insert(0, 'bench'); import chat; chat._http_child({port})"
    with running([sys.executable, "-c", code], port):
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
        one_stream(client)  # warm up
        return concurrent_streams(client, clients)


def one_stream(client) -> tuple[float, float, int]:
    """(TTFT, generation tok/s, tokens) of one streamed request."""
    started, first, count = time.perf_counter(), None, 0
    stream = client.chat.completions.create(
        model=MODEL, messages=PROMPT, max_tokens=MAX_TOKENS, temperature=0, stream=True
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter() - started
            count += 1
    total = time.perf_counter() - started
    return first, (count - 1) / (total - first), count


def loop_cpu_ms_per_token(pid: int, client) -> float:
    """CPU the server's event-loop thread spends per streamed token (its own work per token:
    waking for the chunk, SSE framing, JSON, the socket write), from /proc, over three streams;
    robust to the machine's noise, unlike a ratio of speeds."""
    import os
    from pathlib import Path

    def loop_cpu() -> float:
        fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before, tokens = loop_cpu(), 0
    for _ in range(RUNS):
        tokens += one_stream(client)[2]
    return (loop_cpu() - before) * 1000 / tokens


def fifth_turn_ttft(url: str) -> float:
    """TTFT of conversation A's fifth turn, asked right after conversation B's first."""
    import httpx

    system = "You are a patient tutor of Python. Answer in one short sentence. " * 8

    def new() -> str:
        body = {"model": MODEL, "system": system}
        return httpx.post(f"{url}/v1/conversations", json=body).json()["id"]

    def turn(conversation: str, text: str) -> float:
        body = {"content": text, "max_tokens": 16, "temperature": 0, "stream": True}
        started = time.perf_counter()
        path = f"{url}/v1/conversations/{conversation}/messages"
        with httpx.stream("POST", path, json=body, timeout=300) as response:
            for line in response.iter_lines():
                if '"content"' in line:
                    return time.perf_counter() - started
        raise RuntimeError("no content streamed")

    a, b = new(), new()
    for number in range(1, 5):
        turn(a, f"Question {number}: what does a Python list method number {number} do?")
    turn(b, "What is a dictionary?")
    return turn(a, "Question 5: and what does a tuple do?")


def prefix_cache_ttft(slots: int, cache_mib: int) -> float:
    """In a fresh process, llama.cpp alone: TTFT of conversation A's fifth turn right after
    conversation B's turn, with ``slots`` slots and a RAM prompt cache of ``cache_mib``."""
    code = (
        "import sys; sys.path.insert(0, 'bench'); import chat; "
        f"chat._prefix_cache_child({slots}, {cache_mib})"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return float(output.splitlines()[-1])


def _prefix_cache_child(slots: int, cache_mib: int) -> None:
    import xllamacpp

    from llmos.settings import Settings

    params = xllamacpp.CommonParams()
    params.model.path = str(Settings().models_dir / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
    params.n_ctx, params.n_parallel, params.use_jinja, params.verbosity = (
        4096 * slots,
        slots,
        True,
        -1,
    )
    params.cpuparams.n_threads = params.cpuparams_batch.n_threads = 2
    params.kv_unified, params.cache_ram_mib = False, cache_mib
    server = xllamacpp.Server(params)
    system = {"role": "system", "content": "You are a patient tutor of Python. " * 8}

    def turn(history: list[dict], text: str) -> float:
        history.append({"role": "user", "content": text})
        started, first, pieces = time.perf_counter(), None, []

        def on_chunk(chunk: dict) -> bool:
            nonlocal first
            for choice in chunk.get("choices", []):
                if piece := choice.get("delta", {}).get("content"):
                    first = first or time.perf_counter() - started
                    pieces.append(piece)
            return False

        body = {"messages": history, "max_tokens": 16, "temperature": 0, "stream": True}
        server.handle_chat_completions(body, on_chunk)
        history.append({"role": "assistant", "content": "".join(pieces)})
        return first

    a, b = [system], [{"role": "system", "content": "You answer questions on history. " * 8}]
    for number in range(1, 5):
        turn(a, f"Question {number}: what does a Python list method number {number} do?")
    turn(b, "Who was Charlemagne?")
    print(turn(a, "Question 5: and what does a tuple do?"))


def main() -> None:
    import openai

    from _server import llmos_serve, peak_rss_bytes

    base = direct()
    batched = batching()
    with llmos_serve() as (url, _, pid):
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
        one_stream(client)  # load and warm up
        runs = [one_stream(client) for _ in range(RUNS)]
        ttft = statistics.median(r[0] for r in runs)
        rate = statistics.median(r[1] for r in runs)
        aggregate = {clients: concurrent_streams(client, clients) for clients in (1, 2, 4)}
        loop_ms = loop_cpu_ms_per_token(pid, client)
        cached = fifth_turn_ttft(url)
        peak = peak_rss_bytes(pid)
    with llmos_serve({"LLMOS_CHAT_SLOTS": "1"}) as (url, _, _pid):
        uncached = fifth_turn_ttft(url)
    http = llama_cpp_http(4)
    prefix = {config: prefix_cache_ttft(*config) for config in ((4, 256), (1, 256), (1, 0))}
    print(f"{MODEL}, {MAX_TOKENS} tokens, temperature 0, 2 threads, median of {RUNS}")
    print(f"  direct xllamacpp : TTFT {base['ttft'] * 1000:7.1f} ms, {base['tok_s']:5.1f} tok/s")
    print(f"  through llmos    : TTFT {ttft * 1000:7.1f} ms, {rate:5.1f} tok/s")
    print(f"  ratio            : {rate / base['tok_s']:.2f}x generation, "
          f"{(ttft - base['ttft']) * 1000:+.1f} ms TTFT")  # fmt: skip
    for clients, tok_s in aggregate.items():
        print(f"  {clients} concurrent clients: {tok_s:5.1f} tok/s in aggregate")
    for clients, tok_s in batched.items():
        print(f"  direct, 4 slots, {clients} concurrent: {tok_s:5.1f} tok/s in aggregate")
    print(f"  4 clients, llmos vs direct: {aggregate[4] / batched['4']:.2f}x")
    print(f"  4 openai clients on llama.cpp's HTTP server, 4 slots: {http:5.1f} tok/s in aggregate")
    print(f"  4 clients, llmos vs llama.cpp's HTTP server: {aggregate[4] / http:.2f}x")
    print(f"  turn 5 TTFT after another conversation: {cached * 1000:.0f} ms with 4 slots, "
          f"{uncached * 1000:.0f} ms with 1")  # fmt: skip
    cases = [f"{t * 1000:.0f} ms ({n} slots, cache {m} MiB)" for (n, m), t in prefix.items()]
    print(f"  llama.cpp alone, turn 5 TTFT after another conversation: {', '.join(cases)}")
    print(f"  event loop       : {loop_ms:.2f} ms of CPU per streamed token")
    print(f"  server peak RSS  : {peak / 2**30:.2f} GiB")


if __name__ == "__main__":
    threading.excepthook = lambda args: None
    main()
