"""What every ``llmos`` command shares: consoles, settings, the server client, error exits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from llmos.sdk import LlmosClient
from llmos.settings import Settings

T = TypeVar("T")

console = Console()
errors = Console(stderr=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
UrlOption = Annotated[
    str | None,
    typer.Option("--url", envvar="LLMOS_URL", help="Server URL [default: from settings]."),
]
KeyOption = Annotated[
    str | None,
    typer.Option("--api-key", envvar="LLMOS_API_KEY", help="API key, if the server needs one."),
]


def load_settings(**overrides: object) -> Settings:
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as error:
        errors.print(f"[red]Invalid settings:[/] {escape(str(error))}")
        raise typer.Exit(2) from None


def client_for(url: str | None, api_key: str | None) -> LlmosClient:
    """A client for the server at ``url``, else the one the settings describe."""
    current = load_settings()
    key = api_key or (current.api_keys[0] if current.api_keys else None)
    return LlmosClient(url or current.base_url, api_key=key)


def or_exit(call: Callable[[], T]) -> T:
    """Run ``call``; a server error or an unreachable server ends the command with exit 1."""
    from llmos.sdk import ApiError, ServerUnreachable

    try:
        return call()
    except (ApiError, ServerUnreachable) as error:
        errors.print(
            f"[red]error:[/] {escape(str(getattr(error, 'message', error)))}", soft_wrap=True
        )
        raise typer.Exit(1) from None


def size_text(size: float | None) -> str:
    """Bytes as people read them: "512 B", "12 KiB", "1.5 GiB"."""
    if size is None:
        return "-"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:,.0f} {unit}" if unit in ("B", "KiB") else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size} GiB"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def whole_names(table: Table, names: list[str]) -> None:
    """Never cut or wrap the first column's names: the other columns give way."""
    column = table.columns[0]
    column.no_wrap, column.overflow = True, "ignore"
    column.min_width = max((len(name) for name in names), default=0)
