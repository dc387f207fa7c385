"""``llmos transcribe`` and ``llmos speak``, through the server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmos.cli.common import KeyOption, UrlOption, client_for, console, errors, or_exit

FORMATS = ("json", "text", "srt", "vtt", "verbose_json")


def transcribe(
    file: Annotated[Path, typer.Argument(help="Audio or video, any format FFmpeg reads.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, srt, vtt, json, verbose_json")
    ] = "text",
    language: Annotated[str | None, typer.Option(help="e.g. en, de; detected if absent.")] = None,
    word_timestamps: Annotated[
        bool, typer.Option(help="Times for every word (verbose_json).")
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Transcribe speech to text with timestamps."""
    if format not in FORMATS:
        errors.print(f"[red]error:[/] --format must be one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    if not file.is_file():
        errors.print(f"[red]error:[/] no such file: {file}")
        raise typer.Exit(2)
    with client_for(url, api_key) as client, console.status(f"transcribing {file.name}…"):
        text = or_exit(
            lambda: client.transcribe(
                file, response_format=format, language=language, word_timestamps=word_timestamps
            )
        )
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    partial = output.with_name(f".{output.name}.partial")
    partial.write_text(text)
    partial.replace(output)
    console.print(f"wrote {output}")


def speak(
    text: Annotated[str, typer.Argument(help="What to say.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="A .wav (or .pcm) file.")] = Path(
        "speech.wav"
    ),
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Say ``text`` into an audio file."""
    response_format = "pcm" if output.suffix == ".pcm" else "wav"
    with client_for(url, api_key) as client, console.status("speaking…"):
        size = or_exit(lambda: client.speak(text, output, response_format=response_format))
    console.print(f"wrote {output} ({size:,} bytes)")
