"""Tools of MCP servers that apps declare, as the assistant's tools (stdio; the ``mcp`` SDK).

llmos never imports an app's code: an app's server runs as its own process, started for each
call (a second or so) and stopped after it, so a crashed or hung server costs one call, not the
llmos server. Its tools are listed once per app and kept while the app is unchanged. A call's
arguments are checked against the tool's schema before the process starts (``tools.py``); the
SDK's time limit ends a call that hangs. A tool the server marks ``destructiveHint: true`` waits
for the user's confirmation (a hint that asks for more care is safe to follow).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmos.assistant.tools import DEFAULT_TIMEOUT, Tool
from llmos.errors import CapabilityUnavailable, MissingExtra, install_extra

log = logging.getLogger(__name__)

Json = dict[str, Any]
LIST_TIMEOUT = 60.0  # seconds to start a server and list its tools


@dataclass(frozen=True)
class McpServer:
    """How to start an app's MCP server: a command in the app's folder."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    log: Path | None = None  # where the server's stderr goes

    def see_log(self) -> str:
        return f" (its errors are in {self.log})" if self.log else ""

    def parameters(self):
        from mcp import StdioServerParameters

        env = {**self.env, "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
        return StdioServerParameters(
            command=self.command, args=list(self.args), env=env,
            cwd=str(self.cwd) if self.cwd else None,
        )  # fmt: skip


def _sdk():
    try:
        import mcp
    except ImportError as error:
        raise MissingExtra("the MCP SDK", install=install_extra("mcp")) from error
    return mcp


async def list_tools(server: McpServer, *, timeout: float = DEFAULT_TIMEOUT) -> list[Tool]:
    """The server's tools, each calling the server in a process of its own."""
    mcp = _sdk()
    try:
        with _errlog(server) as errlog:
            transport = mcp.stdio_client(server.parameters(), errlog=errlog)
            async with mcp.Client(transport, read_timeout_seconds=LIST_TIMEOUT) as client:
                listed = await client.list_tools()
    except (OSError, mcp.MCPError, ExceptionGroup) as error:
        raise CapabilityUnavailable(
            f"the MCP server {server.name!r} did not list its tools: {_first(error)}"
            + server.see_log()
        ) from None
    return [
        _tool(server, t.name, t.description or "", t.input_schema, timeout,
              dangerous=bool(t.annotations and t.annotations.destructive_hint is True))
        for t in listed.tools
    ]  # fmt: skip


def _tool(
    server: McpServer, name: str, description: str, schema: Json, timeout: float, *,
    dangerous: bool = False,
) -> Tool:  # fmt: skip
    async def run(arguments: Json) -> str:
        mcp = _sdk()
        try:
            with _errlog(server) as errlog:
                transport = mcp.stdio_client(server.parameters(), errlog=errlog)
                async with mcp.Client(transport, read_timeout_seconds=timeout) as client:
                    result = await client.call_tool(name, arguments, read_timeout_seconds=timeout)
        except (OSError, mcp.MCPError, ExceptionGroup) as error:
            raise CapabilityUnavailable(
                f"the MCP server {server.name!r} failed: {_first(error)}" + server.see_log()
            ) from None
        text = _text(result.content)
        if result.is_error:
            raise CapabilityUnavailable(text or f"{server.name}.{name} failed")
        return text or "(done)"

    schema = schema if isinstance(schema, dict) and schema.get("type") == "object" else {
        "type": "object"}  # fmt: skip
    return Tool(name, description, schema, run, dangerous=dangerous, timeout=timeout + 5)


def _first(error: BaseException) -> BaseException:
    """The first error inside task groups' error groups (anyio wraps what a server does)."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _text(content: list) -> str:
    parts = []
    for part in content:
        if getattr(part, "type", "") == "text":
            parts.append(part.text)
        else:
            parts.append(f"({getattr(part, 'type', 'content')} {getattr(part, 'mime_type', '')})")
    return "\n".join(parts)


class _errlog:
    """The server's stderr: its log file (appended), else /dev/null."""

    def __init__(self, server: McpServer) -> None:
        self.path = server.log or Path(os.devnull)

    def __enter__(self):
        self.file = self.path.open("a", encoding="utf-8")
        return self.file

    def __exit__(self, *_exc: object) -> None:
        self.file.close()
