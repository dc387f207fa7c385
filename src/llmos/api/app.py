"""The app factory: ``create_app(settings)`` builds the whole server around one kernel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from llmos import __version__
from llmos.api.auth import ApiKeyMiddleware
from llmos.api.errors import install_error_handlers
from llmos.api.limits import BodySizeLimit
from llmos.api.routes import (
    audio,
    chat,
    conversations,
    embeddings,
    files,
    images,
    system,
    video,
)
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel, default_registry
from llmos.settings import Settings
from llmos.storage import ConversationStore, FileStore


def create_app(settings: Settings | None = None, *, kernel: Kernel | None = None) -> FastAPI:
    """The llmos server. Pass a ``kernel`` to serve other models (tests pass fakes)."""
    settings = settings or Settings()
    kernel = kernel or Kernel(settings, default_registry())
    stored_files = FileStore(kernel.database, settings.files_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await kernel.start()
        stored_files.remove_strays()
        try:
            yield
        finally:
            await kernel.stop()

    app = FastAPI(
        title="llmos",
        version=__version__,
        description="A local, fully offline multimodal LLM operating system.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.kernel = kernel
    app.state.conversations = ConversationStore(kernel.database)
    app.state.files = stored_files
    app.state.vision = Vision(kernel)
    install_error_handlers(app, max_upload_mb=settings.max_upload_mb)
    app.include_router(system.router)
    app.include_router(chat.router)
    app.include_router(conversations.router)
    app.include_router(files.router)
    app.include_router(embeddings.router)
    app.include_router(audio.router)
    app.include_router(video.router)
    app.include_router(images.router)
    app.add_middleware(BodySizeLimit, max_upload_mb=settings.max_upload_mb)
    app.add_middleware(ApiKeyMiddleware, keys=settings.api_keys)  # added last: runs first
    return app
