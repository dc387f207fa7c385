"""Typed settings: ``LLMOS_*`` environment variables over an optional TOML file over defaults.

The TOML file is ``$LLMOS_CONFIG`` when set, else ``config.toml`` in the data dir. Its keys are the
field names below, e.g. ``port = 8080`` or ``api_keys = ["secret"]``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from llmos.units import parse_keep_alive, parse_memory_budget


def default_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "llmos"


def config_file() -> Path:
    """Where the optional TOML settings file is looked for."""
    if explicit := os.environ.get("LLMOS_CONFIG"):
        return Path(explicit)
    home = os.environ.get("LLMOS_HOME")
    return (Path(home) if home else default_home()) / "config.toml"


class Settings(BaseSettings):
    """Everything an operator can tune. Each field is also ``LLMOS_<NAME>`` in the environment."""

    model_config = SettingsConfigDict(env_prefix="LLMOS_", extra="ignore")

    home: Path = Field(
        default_factory=default_home,
        description="Data dir: the SQLite database and assembled model files.",
    )
    models_dir: Path | None = Field(
        None, description="Where model files assembled from packages go [default: HOME/models]."
    )
    host: str = Field("127.0.0.1", description="Address `llmos serve` binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port `llmos serve` listens on.")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated keys; when set, every route but /health needs "
        "`Authorization: Bearer <key>`.",
    )
    max_upload_mb: float = Field(50, gt=0, description="Largest request body accepted, in MB.")
    image_url_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated hosts whose http(s) image URLs chat may fetch; by default "
        "none (an offline box, and no server-side request forgery): send images as data URIs.",
    )
    index_roots: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated folders `llmos index` may read (with what lies under "
        "them); by default none: a server must not read any file a client names.",
    )
    keep_alive: str | float = Field(
        "5m",
        description="How long an idle model stays loaded: seconds or '30s', '5m', '1h'; "
        "-1 keeps it loaded, 0 unloads at once.",
    )
    memory_budget: str | int = Field(
        "60%",
        description="Memory that loaded models may use: a share of RAM ('60%') or a size ('8GiB').",
    )
    aliases_file: Path | None = Field(
        None,
        description='A TOML file of model aliases ([chat] "my-name" = "default" or a model '
        "name), added to the shipped ones (gpt-4o-mini, whisper-1, text-embedding-3-small...).",
    )
    planner: Literal["model", "rules", "hybrid"] = Field(
        "hybrid",
        description="How llmos-assistant chooses tools: the chat model's schema-constrained "
        "plan (checked; the rules route when it is invalid), the rules alone, or hybrid (the "
        "rules first; the model's plan only when the words ask for a tool the rules could "
        "not fill in, and for apps' own tools).",
    )
    vision_model: str | None = Field(
        None,
        description="The chat model that captions pictures and answers questions about them "
        "when a request names none (default: the default chat model wording the image experts' "
        "facts). A model you created with a vision projector (--mmproj) looks at the picture "
        "itself.",
    )
    vision_model_facts: bool = Field(
        True,
        description="When a chat model you created has a vision projector (--mmproj), each "
        "picture goes to it (in chat, captions and questions), followed by llmos's image "
        "experts' facts as evidence; false sends the picture alone.",
    )
    chat_slots: int = Field(
        4,
        ge=1,
        le=16,
        description="Chat requests one chat model serves at once (llama.cpp's parallel slots, "
        "sharing its threads); each slot has the model's whole context and costs its KV cache.",
    )
    work_memory: str | int = Field(
        "2GiB",
        description="Memory for request work outside models (bodies, decoded images, PDF "
        "pages), on top of the budget; requests wait for room: a size ('2GiB') or a share ('10%').",
    )
    queue_size: int = Field(
        64, ge=1, description="Requests admitted per model (running + waiting) before 503."
    )
    cpu_threads: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="CPU threads the scheduler shares among running jobs.",
    )
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field(
        "info", description="Server log level."
    )

    @model_validator(mode="after")
    def _default_models_dir(self) -> Settings:
        if self.models_dir is None:
            self.models_dir = self.home / "models"
        return self

    @field_validator("api_keys", "image_url_hosts", "index_roots", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @field_validator("index_roots")
    @classmethod
    def _resolve_roots(cls, roots: list[Path]) -> list[Path]:
        return [root.expanduser().resolve() for root in roots]

    @field_validator("keep_alive")
    @classmethod
    def _check_keep_alive(cls, value: str | float) -> str | float:
        parse_keep_alive(value)
        return value

    @field_validator("memory_budget", "work_memory")
    @classmethod
    def _check_budget(cls, value: str | int) -> str | int:
        parse_memory_budget(value, total_bytes=1)
        return value

    @property
    def database_path(self) -> Path:
        return self.home / "llmos.db"

    @property
    def files_dir(self) -> Path:
        """Where ``/v1/files`` uploads are kept."""
        return self.home / "files"

    @property
    def index_path(self) -> Path:
        """The search index (SQLite, WAL)."""
        return self.home / "index.db"

    @property
    def aligned_dir(self) -> Path:
        """Picture-text spaces ``llmos train`` made (LiT), served as models of their own."""
        return self.home / "aligned"

    @property
    def apps_dir(self) -> Path:
        """Apps ``llmos app install`` put here, each ``app:NAME`` for the assistant."""
        return self.home / "apps"

    @property
    def generators_dir(self) -> Path:
        """Image generators ``llmos train`` made (``task = "scene-vae"``), served as models."""
        return self.home / "generators"

    @property
    def keep_alive_seconds(self) -> float | None:
        return parse_keep_alive(self.keep_alive)

    @property
    def base_url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)
