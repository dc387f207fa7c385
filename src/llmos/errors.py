"""The one exception tree of llmos.

Every error a person can cause or fix is a subclass of :class:`LlmosError`. Each class carries the
HTTP status and the OpenAI error ``type``/``code`` it maps to, so the API turns any of them into
``{"error": {"message", "type", "code"}}`` in one place (``llmos.api.errors``).
"""

from __future__ import annotations


class LlmosError(Exception):
    """Base class. ``message`` is written for the person who reads it."""

    status: int = 500
    type: str = "server_error"
    code: str = "internal_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidRequest(LlmosError):
    """The request is malformed or asks for something impossible."""

    status, type, code = 400, "invalid_request_error", "invalid_request"


class Unauthorized(LlmosError):
    """Missing or wrong API key."""

    status, type, code = 401, "invalid_request_error", "invalid_api_key"


class Forbidden(LlmosError):
    """The request names something the server's settings do not let clients reach."""

    status, type, code = 403, "invalid_request_error", "forbidden"


class NotFound(LlmosError):
    status, type, code = 404, "invalid_request_error", "not_found"


class Conflict(LlmosError):
    """The thing named is not in the state the request needs (an action already decided)."""

    status, type, code = 409, "invalid_request_error", "conflict"


class ModelNotFound(NotFound):
    code = "model_not_found"

    def __init__(self, name: str, known: list[str], *, alias_of: str | None = None) -> None:
        what = (f"{name!r} names llmos's {alias_of} model, which this route does not take"
                if alias_of else f"The model {name!r} does not exist")  # fmt: skip
        super().__init__(
            f"{what}. Available models: {', '.join(sorted(known))}. "
            "See GET /v1/models or `llmos models`."
        )


class PayloadTooLarge(LlmosError):
    status, type, code = 413, "invalid_request_error", "payload_too_large"


class MissingExtra(LlmosError):
    """A capability's optional dependencies are not installed."""

    status, type, code = 501, "server_error", "extra_not_installed"

    def __init__(self, missing: str, *, install: str) -> None:
        super().__init__(
            f"This needs {missing}, which is not installed. Install it with: {install}"
        )


def install_extra(extra: str) -> str:
    """The command that installs one of llmos's optional extras."""
    return f"pip install 'llmos[{extra}]'"


def invalid_file(where: str, errors: list, whole: str) -> InvalidRequest:
    """A config or manifest file's validation errors (pydantic's ``errors()``) as one 400:
    "where: a.b: unknown key; c: Input should be ...", with ``whole`` naming the top level."""
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or whole}: "
        + ("unknown key" if e["type"] == "extra_forbidden" else e["msg"])
        for e in errors
    )
    return InvalidRequest(f"{where}: {problems}")


class CapabilityUnavailable(LlmosError):
    """llmos cannot do this yet."""

    status, type, code = 501, "server_error", "capability_unavailable"


class ServerBusy(LlmosError):
    """A model's queue is full; the client should retry after ``retry_after`` seconds."""

    status, type, code = 503, "server_error", "server_busy"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ModelTooLarge(LlmosError):
    """A model cannot fit in the memory budget even with every other model unloaded."""

    status, type, code = 503, "server_error", "model_too_large"


class Cancelled(LlmosError):
    """A job stopped half-way because its caller went away; its partial result is dropped."""

    status, type, code = 499, "invalid_request_error", "cancelled"


class ModelLoadFailed(LlmosError):
    status, type, code = 500, "server_error", "model_load_failed"
