"""``llmos translate``: a text or a file (text, Markdown, SRT, WebVTT), through the server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from llmos.atomic import atomic_target
from llmos.cli.common import KeyOption, UrlOption, client_for, console, errors, or_exit

FORMAT_OF_SUFFIX = {".srt": "srt", ".vtt": "vtt", ".md": "markdown", ".markdown": "markdown"}


def translate(
    text: Annotated[
        str, typer.Argument(help="The text, a file (.txt, .md, .srt, .vtt), or - for stdin.")
    ],
    to: Annotated[str, typer.Option("--to", "-t", help="Target language code, e.g. zh, pt.")],
    source: Annotated[
        str | None, typer.Option("--from", "-f", help="Source language; identified if absent.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of printing.")
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(help="text, markdown, srt or vtt [default: from the file's suffix]."),
    ] = None,
    glossary: Annotated[
        list[str] | None,
        typer.Option("--glossary", "-g", help="TERM=TRANSLATION, or TERM to keep it; repeatable."),
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Translate a text or a file; subtitles keep their numbering and timings."""
    content, suffix = _read(text)
    terms = dict(_term(item) for item in glossary or ())
    with client_for(url, api_key) as client, errors.status("translating…"):
        result = or_exit(
            lambda: client.translate(
                content,
                to,
                source=source,
                format=format or FORMAT_OF_SUFFIX.get(suffix, "text"),
                glossary=terms or None,
            )
        )
    note = f"{result.source} -> {result.target} by {result.engine}"
    if result.quality == "draft":
        note += " (draft quality: this pair measured low; check it)"
    errors.print(f"[dim]{escape(note)}[/]")
    translated = result.text if isinstance(result.text, str) else "\n".join(result.text)
    if output is None:
        console.print(escape(translated), end="" if translated.endswith("\n") else "\n")
        return
    with atomic_target(output) as partial:
        partial.write_text(translated, encoding="utf-8")
    errors.print(f"wrote {output}")


def _read(text: str) -> tuple[str, str]:
    """(the text to translate, the suffix of the file it came from, or '')."""
    if text == "-":
        return sys.stdin.read(), ""
    path = Path(text)
    if len(text) < 4096 and "\n" not in text and path.suffix and path.is_file():
        try:
            return path.read_text(encoding="utf-8"), path.suffix.lower()
        except UnicodeDecodeError:
            errors.print(f"[red]error:[/] {escape(text)} is not UTF-8 text")
            raise typer.Exit(2) from None
    return text, ""


def _term(item: str) -> tuple[str, str]:
    term, _, translation = item.partition("=")
    if not term.strip():
        errors.print(f"[red]error:[/] --glossary {escape(item)!r}: give TERM or TERM=TRANSLATION")
        raise typer.Exit(2)
    return term, translation or term
