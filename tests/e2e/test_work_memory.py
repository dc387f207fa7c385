"""Concurrent worst-case uploads stay inside the work memory: each 40-megapixel image waits for
room before it is decoded, instead of every request decoding at once (measured before: about
120 MB more resident memory per concurrent upload)."""

from __future__ import annotations

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import psutil
import pytest

from tests.conftest import llmos_serve

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WORK_MEMORY = 800 * 2**20  # LLMOS_WORK_MEMORY for this server: 600 MiB of it for pixels
UPLOADS = 6


def solid_png(width: int, height: int) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(out, "PNG")
    return out.getvalue()  # a few hundred kB that decode to 120 MB


class PeakRss:
    """The peak resident memory of a process, sampled every few milliseconds."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()


def test_concurrent_40_megapixel_uploads_stay_within_the_work_memory(tmp_path):
    with llmos_serve(tmp_path, env={"LLMOS_WORK_MEMORY": str(WORK_MEMORY)}) as (base, server):
        url = f"{base}/v1/images/detections"
        warm = httpx.post(url, files={"file": ("w.png", solid_png(640, 480))}, timeout=120)
        assert warm.status_code == 200, warm.text  # the detector is loaded: not counted below
        baseline = psutil.Process(server.pid).memory_info().rss
        big = solid_png(6400, 6250)  # 40 megapixels, the most the gate lets through

        def upload(_: int) -> httpx.Response:
            return httpx.post(url, files={"file": ("big.png", big)}, timeout=300)

        with PeakRss(server.pid) as rss, ThreadPoolExecutor(UPLOADS) as pool:
            responses = list(pool.map(upload, range(UPLOADS)))
        assert [r.status_code for r in responses] == [200] * UPLOADS, responses[0].text
        grown = rss.peak - baseline
        print(f"peak RSS {rss.peak / 2**20:.0f} MiB, {grown / 2**20:.0f} MiB over the baseline")
        assert grown < WORK_MEMORY, f"{grown / 2**20:.0f} MiB over the baseline"
