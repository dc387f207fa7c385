"""An app installed with ``llmos app install`` and used as ``app:shop`` through the official
client: its MCP server's tool planned by the default chat model, called, and answered from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openai
import pytest

from tests.conftest import llmos_serve

pytest.importorskip("mcp")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]
SHOP = Path(__file__).parent.parent / "data" / "apps" / "shop"


def llmos(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llmos", *args], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def test_an_installed_app_answers_with_its_own_tools(tmp_path):
    installed = llmos("app", "install", str(SHOP))
    assert installed.returncode == 0 and "app:shop" in installed.stdout, installed.stderr
    assert "app:shop" in llmos("app", "list").stdout
    home = tmp_path / "home"  # the tests' LLMOS_HOME
    with llmos_serve(home) as (base_url, _process):
        client = openai.OpenAI(base_url=f"{base_url}/v1", api_key="unused", max_retries=0)
        assert "app:shop" in {model.id for model in client.models.list()}
        response = client.chat.completions.create(
            model="app:shop", temperature=0,
            messages=[{"role": "user", "content": "Where is my order A-1001?"}],
        )  # fmt: skip
        steps = response.model_extra["llmos"]["trace"]["steps"]
        calls = [s for s in steps if s["capability"] == "tool:order_status"]
        assert calls and calls[0]["ok"] and calls[0]["inputs"]["order_id"] == "A-1001", steps
        assert "friday" in response.choices[0].message.content.lower() or "shipped" in (
            response.choices[0].message.content.lower()
        )
        with pytest.raises(openai.NotFoundError, match="install one"):
            client.chat.completions.create(
                model="app:nothing", messages=[{"role": "user", "content": "hi"}]
            )
    removed = llmos("app", "remove", "shop")
    assert removed.returncode == 0 and "app:shop" not in llmos("app", "list").stdout
    assert llmos("app", "remove", "shop").returncode == 2
