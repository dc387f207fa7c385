"""Every error leaves the server in the OpenAI shape ``{"error": {"message", "type", "code"}}``.

Mapped here in one place: llmos's exceptions, FastAPI's validation errors (a 400, never a 422),
Starlette's HTTP errors, and any other exception (a 500). The OpenAPI spec declares the same.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from llmos.errors import LlmosError, ServerBusy

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    message: str = Field(description="What went wrong, written for the person who reads it.")
    type: str = Field(description="OpenAI's error type, e.g. invalid_request_error.")
    code: str = Field(description="A stable, machine-readable code, e.g. model_not_found.")
    param: str | None = Field(description="The request parameter at fault, or null.")


class ErrorResponse(BaseModel):
    """The body of every error the server answers."""

    error: ErrorDetail


def _answers(description: str, **extra: Any) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description, **extra}


# What any operation may answer besides its success; the OpenAPI spec declares these.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _answers("The request is malformed or invalid (this server never answers 422)."),
    401: _answers("The API key is missing or wrong (only when the server has API keys)."),
    404: _answers("No such route, model or stored object."),
    413: _answers("The request body is larger than LLMOS_MAX_UPLOAD_MB."),
    500: _answers("An internal error; the server log has the details."),
    501: _answers("An optional extra is not installed, or llmos cannot do this yet."),
    503: _answers(
        "The model's queue is full (retry after Retry-After seconds), "
        "or the model does not fit in the memory budget.",
        headers={
            "Retry-After": {
                "description": "Seconds to wait before retrying; sent when the queue is full.",
                "schema": {"type": "integer"},
            }
        },
    ),
}

# the routes that create and delete your own models answer these too
MODEL_ERRORS: dict[int | str, dict[str, Any]] = {
    403: _answers("A model that ships with llmos cannot be deleted."),
    409: _answers("The model name is taken, or a deleted model of that name is still busy."),
}

_HTTP_CODES = {
    400: "invalid_request",
    401: "invalid_api_key",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def too_large_message(max_upload_mb: float) -> str:
    return (
        f"The request body is larger than the {max_upload_mb:g} MB limit. "
        "Send a smaller file or raise LLMOS_MAX_UPLOAD_MB on the server."
    )


def error_body(message: str, *, type_: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "code": code, "param": None}}


def error_response(
    status: int, message: str, *, type_: str, code: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = error_body(message, type_=type_, code=code)
    return JSONResponse(body, status_code=status, headers=headers)


def from_llmos_error(error: LlmosError) -> JSONResponse:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, ServerBusy) else None
    return error_response(
        error.status, error.message, type_=error.type, code=error.code, headers=headers
    )


def describe_validation_errors(errors: list[dict[str, Any]]) -> str:
    """One readable line per problem, e.g. ``body.input: Field required``."""
    lines = []
    for error in errors:
        if error.get("type") == "json_invalid":
            detail = error.get("ctx", {}).get("error", "invalid JSON")
            lines.append(f"The request body is not valid JSON: {detail}.")
            continue
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        lines.append(f"{where or 'body'}: {message}")
    return "; ".join(lines) or "The request is invalid."


# Ollama's routes (api/routes/ollama.py): their errors are Ollama's {"error": "message"}
OLLAMA_PATHS = frozenset({"/api/tags", "/api/show", "/api/chat", "/api/generate", "/api/embed",
                          "/api/embeddings", "/api/version", "/api/create",
                          "/api/delete"})  # fmt: skip


def install_error_handlers(app: FastAPI, *, max_upload_mb: float) -> None:
    @app.exception_handler(LlmosError)
    async def _llmos(request: Request, error: LlmosError) -> JSONResponse:
        if request.url.path in OLLAMA_PATHS:
            return JSONResponse({"error": error.message}, status_code=error.status)
        return from_llmos_error(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
        message = describe_validation_errors(list(error.errors()))
        if request.url.path in OLLAMA_PATHS:
            return JSONResponse({"error": message}, status_code=400)
        return error_response(400, message, type_="invalid_request_error", code="invalid_request")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        message = str(error.detail)
        headers = dict(error.headers or {})
        if error.status_code == 413:
            message = too_large_message(max_upload_mb)
        elif error.status_code == 404:
            message = f"No route {request.method} {request.url.path}. See /docs for the API."
        elif error.status_code == 400 and message == "There was an error parsing the body":
            message = (  # FastAPI's words for a body that is not UTF-8 or too deep to parse
                "The request body could not be parsed: send UTF-8 JSON (or a multipart form) "
                "nested no deeper than 64 levels."
            )
        elif error.status_code == 405:
            allowed = ", ".join(allowed_methods(request))
            headers["Allow"] = allowed
            message = f"{request.method} is not allowed on {request.url.path}; use {allowed}."
        code = _HTTP_CODES.get(error.status_code, "http_error")
        type_ = "invalid_request_error" if error.status_code < 500 else "server_error"
        return error_response(error.status_code, message, type_=type_, code=code, headers=headers)


def allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts on this path (Starlette's 405 names only the first
    route's, though e.g. GET and POST /v1/files are two routes)."""
    allowed = set()
    for method in _METHODS:
        probe = {
            "type": "http",
            "method": method,
            "path": request.scope["path"],
            "root_path": request.scope.get("root_path", ""),
            "headers": [],
        }
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.add(method)
    return sorted(allowed)


class CatchUnexpected:
    """Answers any exception no handler took with the OpenAI-shaped 500, and stops it here.

    Starlette's own last resort (``ServerErrorMiddleware``) sends a 500 and then re-raises, and
    uvicorn closes the connection on any exception from the app: a pooled client's next request
    would fail. Added as the outermost middleware, so only Starlette's sits outside it.

    An exception after the response started still propagates, so that uvicorn drops the
    connection: a cut-off body must never pass for a whole one. After the response completed
    (a failing background task), the client has it all; the error is only logged.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = complete = False

        async def watching_send(message: Message) -> None:
            nonlocal started, complete
            started = started or message["type"] == "http.response.start"
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True

        try:
            await self.app(scope, receive, watching_send)
        except Exception as error:
            if started and not complete:
                raise
            log.exception("unhandled error", exc_info=error)
            if not started:
                await unexpected_error(error)(scope, receive, send)


def unexpected_error(error: Exception) -> JSONResponse:
    return error_response(
        500,
        f"Internal error ({type(error).__name__}); the server log has the details.",
        type_="server_error",
        code="internal_error",
    )


def declare_only_real_errors(spec: dict[str, Any], *, open_paths: Collection[str]) -> None:
    """Edit FastAPI's OpenAPI spec in place: drop its 422s (validation errors are 400s, declared
    by ``ERROR_RESPONSES``) and the schemas they used, and the 401 of paths without a key."""
    for path, item in spec.get("paths", {}).items():
        for operation in item.values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            responses.pop("422", None)
            if path in open_paths:
                responses.pop("401", None)
    schemas = spec.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
