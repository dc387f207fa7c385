"""Every error leaves the server in the OpenAI shape ``{"error": {"message", "type", "code"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from llmos.errors import LlmosError, ServerBusy

log = logging.getLogger(__name__)

_HTTP_CODES = {
    401: "invalid_api_key",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


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
        lines.append(f"{where or 'body'}: {error.get('msg', 'invalid value')}")
    return "; ".join(lines) or "The request is invalid."


def install_error_handlers(app: FastAPI, *, max_upload_mb: float) -> None:
    @app.exception_handler(LlmosError)
    async def _llmos(_request: Request, error: LlmosError) -> JSONResponse:
        return from_llmos_error(error)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> JSONResponse:
        message = describe_validation_errors(list(error.errors()))
        return error_response(400, message, type_="invalid_request_error", code="invalid_request")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        message = str(error.detail)
        if error.status_code == 413:
            message = too_large_message(max_upload_mb)
        elif error.status_code == 404:
            message = f"No route {request.method} {request.url.path}. See /docs for the API."
        code = _HTTP_CODES.get(error.status_code, "http_error")
        type_ = "invalid_request_error" if error.status_code < 500 else "server_error"
        return error_response(error.status_code, message, type_=type_, code=code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=error)
        return error_response(
            500,
            f"Internal error ({type(error).__name__}); the server log has the details.",
            type_="server_error",
            code="internal_error",
        )
