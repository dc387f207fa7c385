"""``llmos app install|list|remove``: the apps the assistant offers as ``app:NAME``.

Apps live in ``HOME/apps``; a running server uses an app installed or changed from its next
request (their tools are listed again when the manifest changes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from llmos.cli.common import console, errors, load_settings

app = typer.Typer(help="Install, list and remove apps (model id app:NAME).", no_args_is_help=True)


@app.command("install")
def install_app(
    path: Annotated[Path, typer.Argument(help="The app's folder, with its llmos-app.toml.")],
) -> None:
    """Check an app's manifest and install it (a newer version replaces the old whole)."""
    from llmos.assistant.apps import install
    from llmos.errors import LlmosError

    try:
        installed = install(path, load_settings().apps_dir)
    except LlmosError as error:
        errors.print(f"[red]error:[/] {escape(error.message)}")
        raise typer.Exit(2) from None
    servers = ", ".join(s.name for s in installed.manifest.mcp) or "none"
    console.print(f"installed {installed.model_id} in {installed.folder} (MCP servers: {servers})")


@app.command("list")
def list_apps() -> None:
    """The installed apps."""
    from llmos.assistant.apps import installed

    table = Table("model", "description", "built-in tools", "MCP servers")
    for found in installed(load_settings().apps_dir):
        manifest = found.manifest
        table.add_row(found.model_id, escape(manifest.description),
                      ", ".join(manifest.capabilities) or "-",
                      ", ".join(s.name for s in manifest.mcp) or "-")  # fmt: skip
    console.print(table)


@app.command("remove")
def remove_app(name: Annotated[str, typer.Argument(help="The app's name (not app:NAME).")]) -> None:
    """Remove an installed app."""
    from llmos.assistant.apps import PREFIX, remove
    from llmos.errors import LlmosError

    try:
        remove(name.removeprefix(PREFIX), load_settings().apps_dir)
    except LlmosError as error:
        errors.print(f"[red]error:[/] {escape(error.message)}")
        raise typer.Exit(2) from None
    console.print(f"removed app:{name.removeprefix(PREFIX)}")
