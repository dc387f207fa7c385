"""Stopping a real kernel while a real model is resident."""

from __future__ import annotations

import asyncio

import pytest

from llmos.kernel import Kernel, default_registry
from llmos.settings import Settings
from tests.conftest import MODELS_DIR

pytestmark = pytest.mark.slow


def test_stopping_the_kernel_with_a_resident_model_returns_promptly(tmp_path):
    # the keep-alive task once waited with asyncio.wait_for, which stayed "cancelling" forever
    # here (Python 3.11): the kernel never stopped while a model was loaded
    async def scenario():
        kernel = Kernel(Settings(home=tmp_path, models_dir=MODELS_DIR), default_registry())
        await kernel.start()
        await kernel.load(kernel.registry.resolve("faces", None))  # loads in ~20 ms
        assert [m.name for m in kernel.ps()] == ["haar-frontal-face"]
        stopping = asyncio.create_task(kernel.stop())
        done, _ = await asyncio.wait([stopping], timeout=10)
        assert done, "the kernel did not stop within 10 s"
        assert kernel.ps() == []

    asyncio.run(scenario())
