"""``llmos transcribe``, ``speak`` and ``subtitle``, through the server."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, TextColumn

from llmos.atomic import atomic_target
from llmos.backends.ffmpeg import burn_subtitles
from llmos.cli.common import KeyOption, UrlOption, client_for, console, errors, or_exit
from llmos.errors import LlmosError
from llmos.sdk import ApiError
from llmos.sdk.client import SPEECH_FORMATS, SUFFIX_FORMATS

FORMATS = ("json", "text", "srt", "vtt", "verbose_json")


def transcribe(
    file: Annotated[Path, typer.Argument(help="Audio or video, any format FFmpeg reads.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help="text, srt, vtt, json, verbose_json")
    ] = "text",
    language: Annotated[str | None, typer.Option(help="e.g. en, de; detected if absent.")] = None,
    word_timestamps: Annotated[
        bool,
        typer.Option(
            help="Times for every word: a words list in verbose_json, subtitle lines cut at "
            "words in srt and vtt (text and json have no times)."
        ),
    ] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Transcribe speech to text with timestamps."""
    if format not in FORMATS:
        errors.print(f"[red]error:[/] --format must be one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    if word_timestamps and format in ("text", "json"):
        errors.print(
            f"[red]error:[/] --format {format} has no timestamps; with --word-timestamps use "
            "--format verbose_json (a words list), srt or vtt (lines cut at words)."
        )
        raise typer.Exit(2)
    if not file.is_file():
        errors.print(f"[red]error:[/] no such file: {file}")
        raise typer.Exit(2)
    with client_for(url, api_key) as client:
        events = client.transcribe_events(
            file, response_format=format, language=language, word_timestamps=word_timestamps
        )
        rendered = or_exit(lambda: _follow(events, file.name))
    text = rendered if isinstance(rendered, str) else json.dumps(rendered, ensure_ascii=False)
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return
    _write_atomically(output, text)
    console.print(f"wrote {output}")


def _follow(events, name: str) -> str | dict:
    """Show a progress bar by seconds of audio done; return the final rendered response."""
    columns = (*Progress.get_default_columns(), TextColumn("{task.fields[seconds]}"))
    with Progress(*columns, console=errors, transient=True) as progress:
        task = progress.add_task(f"transcribing {name}", total=None, seconds="")
        for event in events:
            if event["type"] == "transcript.text.delta":
                done, total = event["seconds_done"], event["duration"]
                seconds = f"{done:.0f}/{total:.0f} s of audio"
                progress.update(task, total=total, completed=done, seconds=seconds)
            elif event["type"] == "transcript.text.done":
                return event["response"]
    raise ApiError(500, "The server ended the transcription without a result.")


def speak(
    text: Annotated[
        list[str], typer.Argument(help="What to say (no quotes needed); '-' reads stdin.")
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="The audio file (its format from the extension), or - for stdout.",
        ),
    ] = "speech.mp3",
    format: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", help=f"{', '.join(SPEECH_FORMATS)} [default: from -o, else mp3]"
        ),
    ] = None,
    voice: Annotated[
        str, typer.Option(help="joe (English), or a language code such as de or fr (eSpeak NG).")
    ] = "joe",
    speed: Annotated[float, typer.Option(min=0.25, max=4.0, help="0.25 to 4; 1 is normal.")] = 1.0,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Say a text aloud into an audio file, or to stdout with -o -."""
    said = sys.stdin.read() if text == ["-"] else " ".join(text)
    to_stdout = output == "-"
    suffix = Path(output).suffix.lower().lstrip(".")
    chosen = format or ("mp3" if to_stdout else SUFFIX_FORMATS.get(suffix, suffix))
    if chosen not in SPEECH_FORMATS:
        errors.print(
            f"[red]error:[/] say which audio format: --format {'|'.join(SPEECH_FORMATS)}, or an "
            f"--output ending in one of them (not {output!r})."
        )
        raise typer.Exit(2)
    with client_for(url, api_key) as client:
        options = {"response_format": chosen, "voice": voice, "speed": speed}
        if to_stdout:
            try:
                or_exit(lambda: _to_stdout(client.speech(said, **options)))
            except BrokenPipeError:  # the reader stopped early (| head): not an error here
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        with errors.status("speaking…"):
            size = or_exit(lambda: client.speak(said, Path(output), **options))
    console.print(f"wrote {output} ({size:,} bytes, {chosen})")


def _to_stdout(chunks) -> None:
    for chunk in chunks:
        sys.stdout.buffer.write(chunk)
    sys.stdout.buffer.flush()


def subtitle(
    video: Annotated[Path, typer.Argument(help="A video (or audio) file.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="out.srt or out.vtt [default: VIDEO.srt]")
    ] = None,
    language: Annotated[
        str | None, typer.Option(help="Spoken language; detected if absent.")
    ] = None,
    translate_to: Annotated[
        str | None,
        typer.Option(help="Subtitle language, e.g. zh (see GET /v1/translate/languages)."),
    ] = None,
    burn: Annotated[
        bool, typer.Option(help="Also write VIDEO.subtitled.mp4 with the subtitles drawn in.")
    ] = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Subtitles for a video, as SRT or WebVTT; --burn draws them into a copy (needs ffmpeg)."""
    if not video.is_file():
        errors.print(f"[red]error:[/] no such file: {video}")
        raise typer.Exit(2)
    output = output or video.with_suffix(".srt")
    if output.suffix not in (".srt", ".vtt"):
        errors.print("[red]error:[/] --output must end in .srt or .vtt")
        raise typer.Exit(2)
    if burn and shutil.which("ffmpeg") is None:
        errors.print("[red]error:[/] --burn needs ffmpeg: apt-get install ffmpeg")
        raise typer.Exit(2)
    with client_for(url, api_key) as client, errors.status(f"listening to {video.name}…"):
        text = or_exit(
            lambda: client.subtitles(
                video,
                response_format=output.suffix[1:],
                language=language,
                translate_to=translate_to,
            )
        )
    _write_atomically(output, text)
    console.print(f"wrote {output}")
    if burn:
        burned = video.with_name(f"{video.stem}.subtitled.mp4")
        with errors.status("drawing the subtitles into the video…"):
            _burn(video, output, burned)
        console.print(f"wrote {burned}")


def _burn(video: Path, subtitles: Path, out: Path) -> None:
    """Draw the subtitles into a copy of the video; refuse, writing nothing, when no installed
    font has some of their characters (libass would draw empty boxes)."""
    try:
        with atomic_target(out, suffix=".mp4") as partial:
            text = subtitles.read_text(encoding="utf-8")
            burn_subtitles(video, text, subtitles.suffix[1:], partial, threads=os.cpu_count() or 2)
    except LlmosError as error:
        errors.print(f"[red]error:[/] {escape(str(error))}")
        raise typer.Exit(1) from None


def _write_atomically(path: Path, text: str) -> None:
    with atomic_target(path) as partial:
        partial.write_text(text, encoding="utf-8")
