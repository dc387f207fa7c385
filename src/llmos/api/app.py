"""The app factory: ``create_app(settings)`` builds the whole server around one kernel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from llmos import __version__
from llmos.api.auth import OPEN_PATHS, ApiKeyMiddleware
from llmos.api.errors import (
    ERROR_RESPONSES,
    CatchUnexpected,
    declare_only_real_errors,
    install_error_handlers,
)
from llmos.api.limits import BodySizeLimit, check_json_body
from llmos.api.routes import (
    assistant,
    audio,
    chat,
    conversations,
    custom_models,
    embeddings,
    files,
    generations,
    images,
    index_media,
    libretranslate,
    ollama,
    responses,
    search,
    system,
    translate,
    video,
)
from llmos.api.routes.webui import mount_webui
from llmos.assistant.apps import AppTools
from llmos.assistant.builtin import Services, builtin_tools
from llmos.assistant.knowledge import Knowledge
from llmos.assistant.loop import Assistant
from llmos.assistant.tools import ToolBox
from llmos.errors import InvalidRequest, LlmosError
from llmos.fusion.aligned import Aligned
from llmos.fusion.imagegen import Composer
from llmos.fusion.index.conse import ClassVectors
from llmos.fusion.index.service import IndexService
from llmos.fusion.translate import Translator
from llmos.fusion.vision import Vision
from llmos.kernel import Kernel, default_registry
from llmos.settings import Settings
from llmos.storage import ConversationStore, FileStore
from llmos.storage.actions import ActionStore
from llmos.storage.pictures import PictureStore
from llmos.storage.profile import ProfileStore
from llmos.storage.responses import ResponseStore
from llmos.storage.traces import TraceStore


def _vision(kernel: Kernel, settings: Settings) -> Vision:
    """The vision service; a ``vision_model`` setting that names no chat model stops the start."""
    if settings.vision_model is not None:
        try:
            kernel.registry.resolve("chat", settings.vision_model)
        except LlmosError as error:
            raise InvalidRequest(
                f"LLMOS_VISION_MODEL (vision_model) names {settings.vision_model!r}: {error} "
                "See `llmos models`; a model with a vision projector is made by `llmos create "
                "NAME --from MODEL.gguf --mmproj PROJECTOR.gguf`."
            ) from None
    return Vision(
        kernel, vision_model=settings.vision_model, with_facts=settings.vision_model_facts
    )


def create_app(settings: Settings | None = None, *, kernel: Kernel | None = None) -> FastAPI:
    """The llmos server. Pass a ``kernel`` to serve other models (tests pass fakes)."""
    settings = settings or Settings()
    kernel = kernel or Kernel(
        settings,
        default_registry(settings.aligned_dir, settings.generators_dir, settings.aliases_file),
    )
    stored_files = FileStore(kernel.database, settings.files_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await kernel.start()
        stored_files.remove_strays()
        try:
            yield
        finally:
            await app.state.index.close()
            await app.state.knowledge.close()
            await kernel.stop()

    app = FastAPI(
        title="llmos",
        version=__version__,
        description="A local, fully offline multimodal LLM operating system.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,  # every operation's, in the spec
        dependencies=[Depends(check_json_body)],  # surrogates and nesting, for every route
    )
    app.state.settings = settings
    app.state.kernel = kernel
    app.state.conversations = ConversationStore(kernel.database)
    app.state.files = stored_files
    app.state.vision = _vision(kernel, settings)
    app.state.translator = Translator(kernel)
    app.state.composer = Composer(kernel)
    app.state.pictures = PictureStore(settings.home / "pictures")
    classes = ClassVectors(kernel, settings.models_dir)  # ConSE's, for search and embeddings
    app.state.aligned = Aligned(kernel, app.state.vision, classes)
    app.state.index = IndexService(
        kernel,
        app.state.vision,
        app.state.translator,
        path=settings.index_path,
        roots=settings.index_roots,
        classes=classes,
        aligned=app.state.aligned,
    )
    builtin = builtin_tools(Services(app.state.translator, app.state.index))
    app.state.assistant = Assistant(
        kernel, app.state.translator, ToolBox(builtin), planner=settings.planner
    )
    app.state.knowledge = Knowledge(
        lambda path, roots: IndexService(
            kernel, app.state.vision, app.state.translator, path=path, roots=roots,
            classes=classes, aligned=app.state.aligned,
        )
    )  # fmt: skip
    app.state.app_tools = AppTools(builtin, app.state.knowledge)
    app.state.traces = TraceStore(kernel.database)
    app.state.profile = ProfileStore(kernel.database)
    app.state.actions = ActionStore(kernel.database)
    app.state.responses = ResponseStore(kernel.database)
    install_error_handlers(app, max_upload_mb=settings.max_upload_mb)
    app.include_router(system.router)
    app.include_router(chat.router)
    app.include_router(assistant.router)
    app.include_router(conversations.router)
    app.include_router(files.router)
    app.include_router(embeddings.router)
    app.include_router(audio.router)
    app.include_router(video.router)
    app.include_router(images.router)
    app.include_router(generations.router)
    app.include_router(translate.router)
    app.include_router(libretranslate.router)
    app.include_router(ollama.router)
    app.include_router(custom_models.router)
    app.include_router(responses.router)
    app.include_router(search.router)
    app.include_router(index_media.router)
    mount_webui(app)  # last: after every API route
    app.add_middleware(
        BodySizeLimit, max_upload_mb=settings.max_upload_mb, memory=kernel.work_memory.bodies
    )
    app.add_middleware(ApiKeyMiddleware, keys=settings.api_keys)
    app.add_middleware(CatchUnexpected)  # added last: runs first
    _publish_only_real_errors(app)
    return app


def _publish_only_real_errors(app: FastAPI) -> None:
    """/openapi.json declares the errors the server answers, and not FastAPI's 422."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = build()
            declare_only_real_errors(spec, open_paths=OPEN_PATHS)
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
