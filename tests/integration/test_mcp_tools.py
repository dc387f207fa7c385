"""Tools of an app's MCP server (a tiny stdio shop, tests/data/apps/shop): listed, called in a
process of their own, a failing tool and bad arguments reported as failed results."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path

import pytest

from llmos.assistant.apps import AppTools, install, read_manifest
from llmos.assistant.knowledge import Knowledge
from llmos.assistant.tools import ToolBox, ToolCall

pytest.importorskip("mcp")
SHOP = Path(__file__).parent.parent / "data" / "apps" / "shop"


def test_an_apps_mcp_tools_are_listed_and_called(tmp_path):
    app = install(SHOP, tmp_path / "apps")
    assert read_manifest(app.folder).name == "shop" and app.model_id == "app:shop"

    async def check():
        from llmos.assistant.tools import Tool

        async def fake(arguments):
            return "translated"

        tools = AppTools([Tool("translate", "t", {"type": "object"}, fake)], Knowledge(None))
        listed = await tools.of(app)
        assert [t.name for t in listed] == ["translate", "order_status", "open_ticket", "broken"]
        assert await tools.of(app) is listed  # kept while the manifest is unchanged
        box = ToolBox(listed)
        status = await box.run(ToolCall("order_status", {"order_id": "a-1001"}))
        assert status.ok and "shipped" in status.output, status
        ticket = await box.run(ToolCall("open_ticket", {"summary": "the cup arrived broken"}))
        assert ticket.ok and "T-1" in ticket.output
        failed = await box.run(ToolCall("broken", {}))
        assert not failed.ok and failed.executed and "the till is closed" in failed.output
        refused = await box.run(ToolCall("order_status", {"order": 1}))
        assert not refused.ok and not refused.executed  # checked before the process starts

    asyncio.run(check())
    rows = (app.folder / "tickets.jsonl").read_text().splitlines()
    assert [json.loads(r)["summary"] for r in rows] == ["the cup arrived broken"]


def test_a_bad_manifest_is_refused_and_an_old_version_survives(tmp_path):
    from llmos.errors import InvalidRequest

    apps = tmp_path / "apps"
    install(SHOP, apps)
    broken = tmp_path / "broken"
    shutil.copytree(SHOP, broken)
    (broken / "llmos-app.toml").write_text('name = "shop"\ncolour = "red"\n')
    with pytest.raises(InvalidRequest, match="colour: unknown key"):
        install(broken, apps)
    assert read_manifest(apps / "shop").description.startswith("A tiny shop")
    (broken / "llmos-app.toml").write_text('name = "../etc"\n')
    with pytest.raises(InvalidRequest, match="name"):
        install(broken, apps)
