"""``llmos mcp``: llmos's capabilities as MCP tools on stdin/stdout, for MCP clients."""

from __future__ import annotations

import logging
import sys
from typing import Annotated

import typer

from llmos.cli.common import KeyOption, errors, load_settings


def mcp(
    url: Annotated[
        str | None,
        typer.Option(help="Use the llmos server at this URL; default: serve in this process."),
    ] = None,
    api_key: KeyOption = None,
) -> None:
    """Serve llmos's tools (caption, ask, ocr, transcribe, speak, translate, search, imagine)
    to an MCP client over stdio; configure the client with {"command": "llmos", "args": ["mcp"]}."""
    try:
        import anyio
        import mcp as _sdk  # noqa: F401  (the extra: refuse now, before loading anything)

        from llmos.mcp.server import TIMEOUT_SECONDS, serve
    except ImportError:
        errors.print("[red]error:[/] llmos mcp needs the MCP SDK: pip install 'llmos[mcp]'")
        raise typer.Exit(2) from None
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)  # stdout is the protocol's
    if url:
        from llmos.sdk import LlmosClient

        client = LlmosClient(url, api_key=api_key, read_timeout=TIMEOUT_SECONDS)
    else:
        from llmos.local import LocalClient

        settings = load_settings()
        client = LocalClient(settings, api_key=api_key or next(iter(settings.api_keys), None))
    with client:
        anyio.run(serve, client)
