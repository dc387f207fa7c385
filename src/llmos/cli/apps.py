"""``llmos app install|list|remove``: the apps the assistant offers as ``app:NAME``.

Apps live in ``HOME/apps``; a running server uses an app installed or changed from its next
request (their tools are listed again when the manifest changes)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Column, Table

from llmos.cli.common import console, errors, load_settings

app = typer.Typer(help="Install, list and remove apps (model id app:NAME).", no_args_is_help=True)


@app.command("install")
def install_app(
    path: Annotated[
        Path,
        typer.Argument(
            help="The app's folder, with its llmos-app.toml, or the name of an example app "
            "shipped with llmos (customer-service, home-assistant)."
        ),
    ],
) -> None:
    """Check an app's manifest and install it (a newer version replaces the old whole)."""
    from llmos.assistant.apps import example, install
    from llmos.errors import LlmosError

    source = path if path.exists() else (example(str(path)) or path)
    try:
        installed = install(source, load_settings().apps_dir)
    except LlmosError as error:
        errors.print(f"[red]error:[/] {escape(error.message)}")
        raise typer.Exit(2) from None
    console.print(f"installed {installed.model_id} in {installed.folder}")


@app.command("list")
def list_apps() -> None:
    """The installed apps."""
    from llmos.assistant.apps import installed

    model = Column("model", no_wrap=True)  # ids are copied: never cut
    table = Table(model, "description", "built-in tools", "tool servers", "knowledge")
    for found in installed(load_settings().apps_dir):
        manifest = found.manifest
        servers = [s.name for s in found.servers()] + [h.name for h in manifest.http]
        table.add_row(found.model_id, escape(manifest.description),
                      ", ".join(manifest.capabilities) or "-", ", ".join(servers) or "-",
                      ", ".join(manifest.knowledge) or "-")  # fmt: skip
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
