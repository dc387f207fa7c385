"""``llmos caption``, ``ask``, ``ocr`` and ``detect``, through the server."""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from llmos.atomic import atomic_target
from llmos.cli.common import KeyOption, UrlOption, client_for, console, errors, or_exit

ImageArg = Annotated[Path, typer.Argument(help="PNG, JPEG, WebP, GIF, BMP or TIFF.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the whole JSON answer.")]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Chat model that words the reply, or looks at the image when it has a vision "
        "projector [default: the server's LLMOS_VISION_MODEL, else its default chat model].",
    ),
]


def caption(
    image: ImageArg,
    model: ModelOption = None,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Describe an image in one sentence (the image experts' facts worded by the chat model, or
    a model with a vision projector's own)."""
    _check(image)
    with client_for(url, api_key) as client, errors.status("looking…"):
        result = or_exit(lambda: client.caption(image, model=model))
    _print(result, as_json, lambda r: escape(r.text))


def ask(
    image: ImageArg,
    question: Annotated[str, typer.Argument(help="A question about the image.")],
    model: ModelOption = None,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Answer a question about an image (from the experts' facts, or by a model with a vision
    projector), or say it cannot tell."""
    _check(image)
    with client_for(url, api_key) as client, errors.status("looking…"):
        result = or_exit(lambda: client.ask(image, question, model=model))
    _print(result, as_json, lambda r: f"{escape(r.answer)}  [dim]({escape(r.evidence)})[/]")


def ocr(
    image: Annotated[Path, typer.Argument(help="An image, or a PDF.")],
    min_score: Annotated[
        float, typer.Option(min=0, max=1, help="Drop lines read with less confidence.")
    ] = 0.5,
    pages: Annotated[
        str | None, typer.Option(help="PDF pages, e.g. 1-3,7 [default: all, up to 50].")
    ] = None,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Read the text in an image, line by line in reading order. A PDF page is read from its
    text layer, or by OCR when it is a scan."""
    _check(image)
    with client_for(url, api_key) as client, errors.status("looking…"):
        result = or_exit(lambda: client.ocr(image, min_score=min_score, pages=pages))
    if as_json:
        print(json.dumps(asdict(result), ensure_ascii=False, indent=2))
    elif result.text:
        print(result.text)
    else:
        errors.print("no text found")


def detect(
    image: ImageArg,
    draw: Annotated[
        Path | None, typer.Option(help="Write a copy with the boxes drawn (PNG).")
    ] = None,
    min_score: Annotated[
        float, typer.Option(min=0, max=1, help="Lowest detector score kept.")
    ] = 0.4,
    as_json: JsonOption = False,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Find objects (80 COCO classes) with boxes and scores."""
    _check(image)
    with client_for(url, api_key) as client, errors.status("looking…"):
        result = or_exit(lambda: client.detect(image, min_score=min_score, draw=draw is not None))
    if draw is not None and result.annotated_png is not None:
        with atomic_target(draw) as partial:
            partial.write_bytes(base64.b64decode(result.annotated_png))
    if as_json:
        print(json.dumps(asdict(replace(result, annotated_png=None)), indent=2))
    else:
        table = Table("object", "score", "box (x, y, w, h)")
        for found in result.objects:
            box = found.box
            where = f"{box.x}, {box.y}, {box.width}, {box.height}"
            table.add_row(found.label, f"{found.score:.2f}", where)
        console.print(table if result.objects else "no objects found")
    if draw is not None:
        errors.print(f"wrote {draw}")


def _check(image: Path) -> None:
    if not image.is_file():
        errors.print(f"[red]error:[/] no such file: {image}")
        raise typer.Exit(2)


def _print(result: Any, as_json: bool, short) -> None:
    if as_json:
        print(json.dumps(asdict(result), ensure_ascii=False, indent=2))
    else:
        console.print(short(result), highlight=False)
