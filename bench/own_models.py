"""Your own GGUF models: how long `llmos create` takes to check a file, and how the memory
estimate it makes from the file compares with the RSS the kernel measures when the model loads,
next to the hand-measured estimate of the same file as a bundled model.

Target: the estimate is at least the measured RSS (a budget must not be overrun) and within 2x
of it (a budget must not be wasted); checking a file takes seconds, not a load.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from llmos.capabilities.base import LoadContext
from llmos.capabilities.chat import QWEN_CODER, SMOLLM2
from llmos.capabilities.chat.custom import define
from llmos.kernel import Kernel, default_registry
from llmos.settings import Settings

MIB = 2**20


def bundled_file(spec, models_dir: Path) -> Path:
    """The GGUF file a bundled model loads (assembled into the models dir when it is split)."""
    from llmos.capabilities.chat.service import _qwen_gguf, _smollm2_gguf

    locate = _qwen_gguf if spec is QWEN_CODER else _smollm2_gguf
    return locate(LoadContext(threads=2, data_dir=models_dir))


async def measure(kernel: Kernel, name: str, path: Path) -> tuple[float, int, int]:
    started = time.perf_counter()
    model = define(name, path)
    checked = time.perf_counter() - started
    spec = await kernel.create_model(model)
    await kernel.load(spec)
    [resident] = [r for r in kernel.ps() if r.name == name]
    await kernel.unload(name)
    return checked, spec.memory_bytes, resident.rss_bytes


async def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), chat_slots=1)
        kernel = Kernel(settings, default_registry())
        await kernel.start()
        try:
            print(f"{'file':<44} {'check s':>8} {'estimate':>9} {'RSS':>8} {'ratio':>6} "
                  f"{'bundled estimate':>17}")  # fmt: skip
            for bundled in (SMOLLM2, QWEN_CODER):
                path = bundled_file(bundled, settings.models_dir)
                checked, estimate, rss = await measure(kernel, f"own-{bundled.name}", path)
                print(f"{path.name:<44} {checked:>8.1f} {estimate / MIB:>7.0f} M "
                      f"{rss / MIB:>6.0f} M {estimate / rss:>6.2f} "
                      f"{bundled.memory_bytes / MIB:>15.0f} M")  # fmt: skip
        finally:
            await kernel.stop()


if __name__ == "__main__":
    asyncio.run(main())
