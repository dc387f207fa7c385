"""Apps: a folder with a manifest, ``llmos-app.toml``, that gives the assistant a system prompt,
the built-in tools it may use, and tools of its own from MCP servers it brings:

    name = "home-assistant"
    description = "Lights, timers and reminders"
    system = "You control the user's home. ..."
    capabilities = ["translate"]     # built-in tools it may use (translate, search)

    [[mcp]]                          # a stdio MCP server in the app's folder
    name = "devices"
    command = "python"               # "python" is llmos's own interpreter
    args = ["devices.py"]

``llmos app install PATH`` checks the manifest and copies the folder to ``HOME/apps/NAME``
(atomically: a failed install leaves the old version); clients then use the model id
``app:NAME``. llmos never imports an app's code: its servers run as their own processes.
"""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmos.assistant.mcp_tools import McpServer, list_tools
from llmos.assistant.tools import Tool
from llmos.errors import InvalidRequest, NotFound, invalid_file

MANIFEST = "llmos-app.toml"
PREFIX = "app:"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
Builtin = Literal["translate", "search"]


class McpEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    command: str = Field(min_length=1)
    args: list[str] = []
    env: dict[str, str] = {}


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="the app's name: model id app:NAME")
    description: str = Field("", max_length=500)
    system: str = Field("", max_length=8000, description="the assistant's instructions")
    capabilities: list[Builtin] = Field(default_factory=list)
    mcp: list[McpEntry] = Field(default_factory=list, max_length=8)


@dataclass(frozen=True)
class App:
    manifest: Manifest
    folder: Path

    @property
    def model_id(self) -> str:
        return PREFIX + self.manifest.name

    def servers(self) -> list[McpServer]:
        return [
            McpServer(
                entry.name,
                sys.executable if entry.command == "python" else entry.command,
                tuple(entry.args),
                dict(entry.env),
                self.folder,
                self.folder / f"{entry.name}.log",
            )
            for entry in self.manifest.mcp
        ]


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidRequest(f"{folder} has no {MANIFEST}: it is not an llmos app.") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InvalidRequest(f"cannot read {path}: {error}") from None
    try:
        return Manifest(**data)
    except ValidationError as error:
        raise invalid_file(str(path), error.errors(), "manifest") from None


def install(source: Path, apps_dir: Path) -> App:
    """Copy the app in ``source`` into ``apps_dir``, replacing an older version whole."""
    manifest = read_manifest(source)
    apps_dir.mkdir(parents=True, exist_ok=True)
    target = apps_dir / manifest.name
    staged = apps_dir / f".{manifest.name}.{uuid.uuid4().hex[:8]}"
    shutil.copytree(source, staged, ignore=shutil.ignore_patterns("__pycache__", "*.log"))
    old = apps_dir / f".{manifest.name}.old.{uuid.uuid4().hex[:8]}"
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return App(manifest, target)


def installed(apps_dir: Path) -> list[App]:
    """The installed apps whose manifest reads, by name."""
    apps = []
    for folder in sorted(apps_dir.glob("*")) if apps_dir.is_dir() else []:
        if folder.is_dir() and not folder.name.startswith("."):
            try:
                apps.append(App(read_manifest(folder), folder))
            except InvalidRequest:
                continue
    return apps


def app_of(model: str, apps_dir: Path) -> App:
    """The installed app a model id ``app:NAME`` names."""
    name = model.removeprefix(PREFIX)
    folder = apps_dir / name
    if not re.fullmatch(NAME_PATTERN, name) or not folder.is_dir():
        known = ", ".join(a.model_id for a in installed(apps_dir)) or "none are installed"
        raise NotFound(f"No app {name!r} ({known}); install one with `llmos app install PATH`.")
    return App(read_manifest(folder), folder)


def remove(name: str, apps_dir: Path) -> None:
    folder = apps_dir / name
    if not re.fullmatch(NAME_PATTERN, name) or not (folder / MANIFEST).is_file():
        raise NotFound(f"No app {name!r} is installed.")
    shutil.rmtree(folder)


class AppTools:
    """Each app's tools (built-in ones it may use, and its MCP servers'), listed once and kept
    while its manifest is unchanged."""

    def __init__(self, builtin: list[Tool]) -> None:
        self.builtin = {tool.name: tool for tool in builtin}
        self._listed: dict[tuple[str, float], list[Tool]] = {}

    async def of(self, app: App) -> list[Tool]:
        key = (app.manifest.name, (app.folder / MANIFEST).stat().st_mtime)
        if key not in self._listed:
            tools = [self.builtin[name] for name in app.manifest.capabilities]
            for server in app.servers():
                tools += await list_tools(server)
            self._listed = {k: v for k, v in self._listed.items() if k[0] != key[0]}
            self._listed[key] = tools
        return self._listed[key]
