"""``llmos mcp`` as an MCP client starts it: the tools listed, real calls answered through the
official ``mcp`` SDK's stdio client, bad calls reported as tool errors."""

from __future__ import annotations

import asyncio
import base64
import sys

import pytest

from tests.conftest import MODELS_DIR

mcp = pytest.importorskip("mcp")
pytestmark = [pytest.mark.e2e, pytest.mark.slow]
TOOLS = {"caption", "ask", "ocr", "transcribe", "speak", "translate", "search", "imagine"}


def text_of(result) -> str:
    return " ".join(part.text for part in result.content if part.type == "text")


async def session(home, work):
    parameters = mcp.StdioServerParameters(
        command=sys.executable, args=["-m", "llmos", "mcp"], cwd=str(home),
        env={"LLMOS_HOME": str(home), "LLMOS_MODELS_DIR": str(MODELS_DIR)},
    )  # fmt: skip
    async with mcp.Client(parameters, read_timeout_seconds=600) as client:
        listed = await client.list_tools()
        assert {tool.name for tool in listed.tools} == TOOLS
        speak = next(tool for tool in listed.tools if tool.name == "speak")
        assert speak.input_schema["required"] == ["text"]

        spoken = await client.call_tool("speak", {"text": "The train leaves at ten."})
        assert not spoken.is_error, text_of(spoken)
        audio = next(part for part in spoken.content if part.type == "audio")
        assert audio.mime_type == "audio/wav"
        wav = base64.b64decode(audio.data)
        assert wav[:4] == b"RIFF"
        (work / "spoken.wav").write_bytes(wav)
        heard = await client.call_tool("transcribe", {"audio": str(work / "spoken.wav")})
        assert not heard.is_error, text_of(heard)
        assert "train" in text_of(heard).lower() and text_of(heard).startswith("[0.")

        wrong = await client.call_tool("speak", {"text": ""})  # fails the schema: never run
        assert wrong.is_error and "invalid arguments" in text_of(wrong)
        missing = await client.call_tool("caption", {"image": str(work / "nothing.png")})
        assert missing.is_error and "no file" in text_of(missing)
        unknown = await client.call_tool("paint", {})
        assert unknown.is_error and "no tool 'paint'" in text_of(unknown)
        (work / "not-audio.wav").write_bytes(b"not a recording")
        bad = await client.call_tool("transcribe", {"audio": str(work / "not-audio.wav")})
        assert bad.is_error and text_of(bad)  # llmos's own 400, as the tool's error


def test_llmos_mcp_lists_and_runs_its_tools_for_an_mcp_client(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    asyncio.run(session(home, tmp_path))
