"""OpenAI ``POST /v1/images/generations`` on llmos's image composer, and the pictures it keeps."""

from __future__ import annotations

import base64
import time
from functools import partial
from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.deps import get_kernel
from llmos.api.disconnect import unless_disconnected
from llmos.capabilities.imagegen.types import (
    COMPOSER,
    COMPOSER_NAMES,
    MAX_PICTURES,
    MAX_PROMPT_CHARS,
    SIZES,
)
from llmos.errors import InvalidRequest, NotFound
from llmos.fusion.imagegen import Composer
from llmos.kernel import Kernel
from llmos.storage.pictures import PictureStore

router = APIRouter(tags=["openai"])
MODEL = COMPOSER


def get_composer(request: Request) -> Composer:
    return request.app.state.composer


def get_pictures(request: Request) -> PictureStore:
    return request.app.state.pictures


class GenerationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # quality, style, user: accepted, no effect

    prompt: str = Field(
        max_length=MAX_PROMPT_CHARS, description="What to draw (English or Chinese)."
    )
    model: str | None = Field(
        None,
        description=f"{MODEL} (OpenAI's image model names map to it), or a generator you "
        "trained with llmos train (it draws only prompts of its own small world).",
    )
    n: int = Field(1, ge=1, le=MAX_PICTURES)
    size: str = Field("512x512", description=f"One of {', '.join(SIZES)}.")
    response_format: Literal["b64_json", "url"] = "b64_json"


class GeneratedImage(BaseModel):
    b64_json: str | None = None
    url: str | None = None
    revised_prompt: str = Field(description="What was drawn, and what could not be.")


class Composition(BaseModel):
    kind: str = Field(
        description="bar chart, line chart, pie chart, clock, calendar, diagram, timeline, "
        "flag, scene, or generated picture (a trained generator's)."
    )
    drawn: list[str]
    not_drawn: list[str]
    svg: list[str] = Field(
        description="Each picture's sanitised SVG, which the PNG renders; empty for a "
        "generated picture (no SVG behind it)."
    )


class GenerationResponse(BaseModel):
    created: int
    data: list[GeneratedImage]
    llmos: Composition = Field(description="llmos extension: how the picture was composed.")


@router.post("/v1/images/generations", response_model=GenerationResponse)
async def create_image(
    body: GenerationRequest,
    request: Request,
    kernel: Kernel = Depends(get_kernel),
    composer: Composer = Depends(get_composer),
    pictures: PictureStore = Depends(get_pictures),
) -> GenerationResponse:
    """Pictures drawn by code: charts, clocks, calendars, diagrams, timelines and flags from
    the prompt's parameters, scenes composed from icons; or by a generator you trained. Not a
    diffusion model; ``revised_prompt`` says what was drawn."""
    generators = composer.generators()
    if body.model is not None and body.model not in COMPOSER_NAMES | set(generators):
        known = ", ".join([MODEL, *generators])
        raise InvalidRequest(
            f"model {body.model!r} is unknown; use {known}.", code="model_not_found"
        )
    if body.size not in SIZES:
        raise InvalidRequest(f"size {body.size!r} is not supported; use one of {', '.join(SIZES)}.")
    drawn = await unless_disconnected(
        request, composer.imagine(body.prompt, n=body.n, size=SIZES[body.size], model=body.model)
    )
    data = []
    for picture in drawn:
        if body.response_format == "url":
            picture_id = await kernel.compute(partial(pictures.save, picture.png))
            url = str(request.url_for("get_image", picture_id=picture_id))
            data.append(GeneratedImage(url=url, revised_prompt=picture.description))
        else:
            encoded = await kernel.compute(base64.b64encode, picture.png)
            data.append(
                GeneratedImage(b64_json=encoded.decode(), revised_prompt=picture.description)
            )
    first = drawn[0]
    return GenerationResponse(
        created=int(time.time()),
        data=data,
        llmos=Composition(
            kind=first.kind,
            drawn=list(first.drawn),
            not_drawn=list(first.not_drawn),
            svg=[picture.svg for picture in drawn if picture.svg],
        ),
    )


@router.get("/v1/images/generated/{picture_id}.png", name="get_image")
async def get_image(
    picture_id: str, pictures: PictureStore = Depends(get_pictures)
) -> FileResponse:
    """A picture made with ``response_format=url`` (the newest 256 are kept)."""
    path = pictures.path(picture_id)
    if path is None:
        raise NotFound(f"No generated picture {picture_id!r}; the newest 256 are kept.")
    return FileResponse(path, media_type="image/png")
