"""``llmos chat`` (one shot) and ``llmos run`` (an interactive session), Ollama style.

Both talk to a running server, so the model stays loaded between calls.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmos.cli.common import KeyOption, UrlOption, client_for, console, errors, or_exit
from llmos.sdk import file_part

ModelOption = Annotated[
    str | None, typer.Option("--model", "-m", help="Chat model [default: the server's default].")
]


def chat(
    prompt: Annotated[str, typer.Argument(help="What to ask; '-' reads it from stdin.")],
    model: ModelOption = None,
    system: Annotated[str | None, typer.Option(help="A system message.")] = None,
    json_schema: Annotated[
        Path | None, typer.Option(help="A JSON schema file the answer must follow.")
    ] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Longest answer, in tokens.")] = None,
    temperature: Annotated[float | None, typer.Option(help="0 for the most likely answer.")] = None,
    attach: Annotated[
        list[Path] | None,
        typer.Option(
            "--attach", "-a", help="An image, PDF or text file for the model to read (repeatable)."
        ),
    ] = None,
    ground: Annotated[
        bool, typer.Option(help="Answer from your indexed files (`llmos index`), citing them.")
    ] = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Ask once and print the answer as it streams."""
    text = sys.stdin.read() if prompt == "-" else prompt
    content: str | list[dict[str, Any]] = text
    if attach:
        for path in attach:
            if not path.is_file():
                errors.print(f"[red]error:[/] no such file: {path}")
                raise typer.Exit(2)
        content = [{"type": "text", "text": text}, *(file_part(path) for path in attach)]
    messages = ([{"role": "system", "content": system}] if system else []) + [
        {"role": "user", "content": content}
    ]
    response_format = _schema_format(json_schema) if json_schema else None
    with client_for(url, api_key) as client:
        citations = []
        if ground:  # one system message: the sources, then the user's own instructions
            grounding = or_exit(lambda: client.ground(text))
            sources = grounding.system + (f"\n\n{system}" if system else "")
            messages = [{"role": "system", "content": sources}, messages[-1]]
            citations = grounding.citations
        or_exit(
            lambda: _print_stream(
                client.chat(
                    messages,
                    model=model,
                    response_format=response_format,
                    max_tokens=max_tokens,
                    temperature=temperature,
                )
            )
        )
    if ground:
        console.print("sources:" if citations else "no indexed file matches", style="dim")
        for citation in citations:
            line = f"  [{citation.number}] {citation.where}"
            console.print(line, style="dim", markup=False)


def run(
    model: Annotated[str | None, typer.Argument(help="Chat model [default: the server's].")] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Chat interactively in a stored conversation (GET /v1/conversations lists it); when the
    context fills, the server folds the oldest turns into a summary. /clear starts a new
    conversation, /bye leaves."""
    console.print("Type a message. /clear starts over, /bye leaves.", style="dim")
    with client_for(url, api_key) as client:
        conversation = None
        while True:
            try:
                line = console.input("[bold]>>> [/]").strip()
            except EOFError:
                break
            if line == "/bye":
                break
            if line == "/clear":
                conversation = None
                continue
            if not line:
                continue
            if conversation is None:
                conversation = or_exit(lambda: client.new_conversation(model=model))
            or_exit(lambda c=conversation, text=line: _print_stream(client.say(c, text)))


def _print_stream(pieces) -> str:
    parts = []
    for piece in pieces:
        parts.append(piece)
        console.print(piece, end="", markup=False, highlight=False, soft_wrap=True)
    console.print()
    return "".join(parts)


def _schema_format(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        errors.print(f"[red]error:[/] cannot read a JSON schema from {path}: {error}")
        raise typer.Exit(2) from None
    return {"type": "json_schema", "json_schema": {"name": path.stem, "schema": schema}}
