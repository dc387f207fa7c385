"""``llmos chat`` (one shot) and ``llmos run`` (an interactive session, ``cli/repl.py``),
Ollama style. Both talk to a running server, so the model stays loaded between calls."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from llmos.cli.common import KeyOption, UrlOption, client_for, console, errors, or_exit
from llmos.cli.repl import print_stream, run_session
from llmos.sdk import file_part

ModelOption = Annotated[
    str | None, typer.Option("--model", "-m", help="Chat model [default: the server's default].")
]


def chat(
    prompt: Annotated[
        list[str], typer.Argument(help="What to ask (no quotes needed); '-' reads stdin.")
    ],
    model: ModelOption = None,
    system: Annotated[str | None, typer.Option(help="A system message.")] = None,
    json_schema: Annotated[
        Path | None, typer.Option(help="A JSON schema file the answer must follow.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(min=1, help="Longest answer, in tokens.")
    ] = None,
    temperature: Annotated[
        float | None, typer.Option(min=0, max=2, help="0 for the most likely answer.")
    ] = None,
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
    text = sys.stdin.read() if prompt == ["-"] else " ".join(prompt)
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
        whole = or_exit(
            lambda: print_stream(
                client.chat(
                    messages,
                    model=model,
                    response_format=response_format,
                    max_tokens=max_tokens,
                    temperature=temperature,
                )
            )
        )
    if not whole:
        raise typer.Exit(130)  # stopped by Ctrl-C: not a whole answer, as a shell would say
    if ground:
        console.print("sources:" if citations else "no indexed file matches", style="dim")
        for citation in citations:
            line = f"  [{citation.number}] {citation.where}"
            console.print(line, style="dim", markup=False)


def run(
    model: Annotated[str | None, typer.Argument(help="Chat model [default: the server's].")] = None,
    prompt: Annotated[
        list[str] | None, typer.Argument(help="Ask this once and leave, as `llmos chat`.")
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Chat interactively, in stored conversations (/list, /load ID): history and line
    editing, Ctrl-C stops an answer, /set temperature|max_tokens|system, three double quotes
    around a message of several lines, /? for help, /bye or Ctrl-D to leave. When the context
    fills, the server folds the oldest turns into a summary."""
    if prompt:
        chat(prompt, model=model, url=url, api_key=api_key)
        return
    with client_for(url, api_key) as client:
        run_session(client, model)


def _schema_format(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        errors.print(f"[red]error:[/] cannot read a JSON schema from {path}: {error}")
        raise typer.Exit(2) from None
    return {"type": "json_schema", "json_schema": {"name": path.stem, "schema": schema}}
