"""LibreTranslate's API on llmos's translator: ``POST /translate``, ``POST /detect``,
``GET /languages``, so tools written for LibreTranslate work unchanged.

Requests come as JSON or as a form, as LibreTranslate accepts them; errors answer in its shape,
``{"error": "..."}``. Only the mapping lives here; the translating is ``fusion.translate``'s.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmos.api.disconnect import unless_disconnected
from llmos.api.errors import ERROR_RESPONSES, ErrorResponse
from llmos.api.routes.translate import get_translator
from llmos.errors import InvalidRequest, LlmosError
from llmos.fusion.translate import Translator

router = APIRouter(tags=["libretranslate"])


class LibreTranslateRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # api_key, alternatives, secret: not used

    q: str | list[str] = Field(description="A text or a list of texts.")
    source: str = Field("auto", max_length=16, description="A language code, or 'auto'.")
    target: str = Field(max_length=16)
    format: str = Field("text", description="'text'; 'html' is not supported.")


class DetectRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: str


class LibreError(BaseModel):
    error: str = Field(description="What went wrong, as LibreTranslate words its errors.")


# Errors found in the request's body answer in LibreTranslate's shape; those found before it
# (API key, body size, JSON nesting) and internal ones answer in llmos's usual shape.
LIBRE_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {**ERROR_RESPONSES[code], "model": LibreError | ErrorResponse}
    for code in (400, 413, 500, 501, 503)
}


class LibreLanguage(BaseModel):
    code: str
    name: str
    targets: list[str]


@router.post("/translate", responses=LIBRE_ERRORS)
async def translate(
    request: Request, translator: Translator = Depends(get_translator)
) -> JSONResponse:
    """LibreTranslate's translate: ``translatedText`` in the shape of ``q``."""
    try:
        body = await _body(request, LibreTranslateRequest)
        if body.format != "text":
            raise InvalidRequest(f"format {body.format!r} is not supported; send 'text'.")
        texts = [body.q] if isinstance(body.q, str) else body.q
        result = await unless_disconnected(
            request, translator.translate(texts, source=body.source, target=body.target)
        )
    except LlmosError as error:
        return libre_error(error)
    answer: dict[str, Any] = {
        "translatedText": result.texts[0] if isinstance(body.q, str) else list(result.texts)
    }
    if body.source == "auto":
        confidence = round(100 * (result.confidence or 1.0), 1)
        detected = {"confidence": confidence, "language": result.source}
        answer["detectedLanguage"] = (
            detected if isinstance(body.q, str) else [detected] * len(texts)
        )
    return JSONResponse(answer)


@router.post("/detect", responses=LIBRE_ERRORS)
async def detect(
    request: Request, translator: Translator = Depends(get_translator)
) -> JSONResponse:
    """LibreTranslate's detect: the most likely language, with a confidence in percent."""
    try:
        body = await _body(request, DetectRequest)
        found = await translator.identify(body.q)
    except LlmosError as error:
        return libre_error(error)
    return JSONResponse(
        [{"confidence": round(found.confidence * 100, 1), "language": found.language}]
    )


@router.get("/languages", response_model=list[LibreLanguage])
async def languages(translator: Translator = Depends(get_translator)) -> list[LibreLanguage]:
    """Every language with the languages it translates into."""
    targets: dict[str, list[str]] = {code: [] for code in translator.table.languages}
    for route in translator.table.pairs():
        targets[route.source].append(route.target)
    return [
        LibreLanguage(code=code, name=name, targets=targets[code])
        for code, name in translator.table.languages.items()
        if targets[code]
    ]


def libre_error(error: LlmosError) -> JSONResponse:
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse({"error": error.message}, status_code=error.status, headers=headers)


async def _body(request: Request, model: type[BaseModel]) -> Any:
    """The request as JSON or as a form, checked against ``model``."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = await request.json()
        except ValueError:
            raise InvalidRequest("The body is not valid JSON.") from None
    else:
        form = await request.form()
        data = {
            key: form.getlist(key) if key == "q" and len(form.getlist(key)) > 1 else form[key]
            for key in form
        }
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be a JSON object or a form.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "body"
        raise InvalidRequest(f"Invalid request: {where}: {problem['msg']}") from None
