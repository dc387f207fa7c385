"""The web UI: the static files in ``llmos/webui`` at ``/`` and ``/ui/…``.

They load without an API key (they hold no data); the page then asks for a key when the API
answers 401, and talks to the public HTTP API only. A strict Content-Security-Policy keeps the
page to this server: no script, style, font or request goes anywhere else, and no HTML a model
writes can run."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

WEBUI = Path(__file__).resolve().parent.parent.parent / "webui"
PREFIX = "/ui/"
CONTENT_SECURITY = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
    "script-src 'self'; style-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY,
    "Cache-Control": "no-cache",  # a new llmos serves its new page at once
    "X-Content-Type-Options": "nosniff",
}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def page() -> FileResponse:
    return FileResponse(WEBUI / "index.html", headers=HEADERS)


def mount_webui(app: FastAPI) -> None:
    """The page at ``/`` and its modules, styles, texts and libraries under ``/ui/``."""
    for extension in (".js", ".mjs"):  # a module script must say it is JavaScript
        mimetypes.add_type("text/javascript", extension)
    app.include_router(router)
    app.mount(PREFIX.rstrip("/"), _Static(directory=WEBUI), name="webui")


class _Static(StaticFiles):
    """The UI's files, with the page's headers (ES modules need a JavaScript type)."""

    def file_response(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().file_response(*args, **kwargs)
        response.headers.update(HEADERS)
        return response
