"""``llmos imagine``: a picture from a prompt, drawn by the image composer on the server."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from llmos.atomic import atomic_target
from llmos.cli.common import KeyOption, UrlOption, client_for, console, errors, or_exit


def imagine(
    prompt: Annotated[str, typer.Argument(help="What to draw, e.g. 'three apples on a table'.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The PNG to write.")] = Path(
        "image.png"
    ),
    n: Annotated[
        int, typer.Option("-n", min=1, max=4, help="Pictures to draw: out.png, out-2.png, …")
    ] = 1,
    size: Annotated[str, typer.Option(help="256x256, 512x512 or 1024x1024.")] = "512x512",
    svg: Annotated[
        bool, typer.Option("--svg", help="Also write each picture's SVG beside its PNG.")
    ] = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Draw a chart, clock, calendar, diagram, timeline, flag or scene of everyday things."""
    if output.suffix.lower() != ".png":
        errors.print("[red]error:[/] --output must end in .png")
        raise typer.Exit(2)
    with client_for(url, api_key) as client, errors.status("drawing…"):
        result = or_exit(lambda: client.imagine(prompt, n=n, size=size))
    for index, image in enumerate(result.data):
        path = output if index == 0 else output.with_name(f"{output.stem}-{index + 1}.png")
        with atomic_target(path) as partial:
            partial.write_bytes(base64.b64decode(image.b64_json or ""))
        console.print(f"wrote {path}")
        if svg:
            with atomic_target(path.with_suffix(".svg")) as partial:
                partial.write_text(result.llmos["svg"][index], encoding="utf-8")
            console.print(f"wrote {path.with_suffix('.svg')}")
    composition = result.llmos
    console.print(
        f"[dim]{escape(composition['kind'])}: {escape(', '.join(composition['drawn']))}[/]"
    )
    if composition["not_drawn"]:
        errors.print(f"[yellow]not drawn:[/] {escape('; '.join(composition['not_drawn']))}")
