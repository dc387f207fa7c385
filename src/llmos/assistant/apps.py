"""Apps: a folder with a manifest, ``llmos-app.toml``, that gives the assistant instructions,
the built-in tools it may use, documents to answer from, and tools of its own:

    name = "home-assistant"
    description = "Lights, timers and reminders"
    system = "You control the user's home. ..."
    capabilities = ["translate"]     # built-in tools it may use (translate, search)
    knowledge = ["docs"]             # folders of documents: the tool ``knowledge``
    confirm = ["unlock_door"]        # tools that wait for the user's confirmation

    [[python]]                       # functions marked @llmos.tool in a module of the app
    module = "devices.py"

    [[mcp]]                          # a stdio MCP server the app brings
    name = "calendar"
    command = "python"               # "python" is llmos's own interpreter
    args = ["calendar_server.py"]

    [[http]]                         # an endpoint on this machine, POSTed the arguments
    name = "weather"
    description = "Today's weather"
    url = "http://127.0.0.1:8765/weather"
    parameters = { type = "object", properties = { city = { type = "string" } } }

``llmos app install PATH`` checks the manifest and copies the folder to ``HOME/apps/NAME``
(atomically: a failed install leaves the old version); clients then use the model id
``app:NAME``. llmos never imports an app's code: its Python tools and servers run as their own
processes.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
import tomllib
import uuid
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from llmos.assistant.http_tools import http_tool, loopback_problem
from llmos.assistant.knowledge import Knowledge
from llmos.assistant.mcp_tools import McpServer, list_tools
from llmos.assistant.tools import DEFAULT_TIMEOUT, Tool
from llmos.errors import InvalidRequest, NotFound, invalid_file

MANIFEST = "llmos-app.toml"
PREFIX = "app:"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
TOOL_NAME = r"^[A-Za-z0-9_-]{1,64}$"
Builtin = Literal["translate", "search"]
EXAMPLES = Path(__file__).parent / "examples"  # apps shipped with llmos
IGNORED = shutil.ignore_patterns("__pycache__", "*.log", ".knowledge.db*")  # made by running


class McpEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    command: str = Field(min_length=1)
    args: list[str] = []
    env: dict[str, str] = {}


class PythonEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    module: str = Field(min_length=4, max_length=200, description="a .py file of the app")

    @field_validator("module")
    @classmethod
    def _inside(cls, module: str) -> str:
        if not module.endswith(".py"):
            raise ValueError(f"{module!r} is not a Python module (a .py file)")
        return _relative(module)


class HttpEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TOOL_NAME)
    description: str = Field(min_length=1, max_length=1000)
    url: str
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    timeout: float = Field(DEFAULT_TIMEOUT, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _local(cls, url: str) -> str:
        if (problem := loopback_problem(url)) is not None:
            raise ValueError(problem)
        return url

    @field_validator("parameters")
    @classmethod
    def _object(cls, schema: dict[str, Any]) -> dict[str, Any]:
        if schema.get("type") != "object":
            raise ValueError('the arguments\' schema must have type = "object"')
        return schema


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="the app's name: model id app:NAME")
    description: str = Field("", max_length=500)
    system: str = Field("", max_length=8000, description="the assistant's instructions")
    capabilities: list[Builtin] = Field(default_factory=list)
    knowledge: list[str] = Field(default_factory=list, max_length=8)
    confirm: list[str] = Field(default_factory=list, max_length=100)
    python: list[PythonEntry] = Field(default_factory=list, max_length=8)
    mcp: list[McpEntry] = Field(default_factory=list, max_length=8)
    http: list[HttpEntry] = Field(default_factory=list, max_length=32)

    @field_validator("knowledge")
    @classmethod
    def _folders_inside(cls, folders: list[str]) -> list[str]:
        return [_relative(folder) for folder in folders]


def _relative(path: str) -> str:
    """``path`` if it stays inside the app's folder."""
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts:
        raise ValueError(f"{path!r} must be a path inside the app's folder")
    return path


@dataclass(frozen=True)
class App:
    manifest: Manifest
    folder: Path

    @property
    def model_id(self) -> str:
        return PREFIX + self.manifest.name

    def servers(self) -> list[McpServer]:
        """The app's MCP servers, its Python modules' included."""
        python = [
            McpServer(Path(entry.module).stem, sys.executable,
                      ("-m", "llmos.assistant.python_tools", entry.module), {}, self.folder,
                      self.folder / f"{Path(entry.module).stem}.log")
            for entry in self.manifest.python
        ]  # fmt: skip
        return python + [
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
    _no_links_out(source)
    for relative in [e.module for e in manifest.python] + manifest.knowledge:
        if not (source / relative).exists():
            raise InvalidRequest(f"{source / MANIFEST} names {relative!r}, which is not there.")
    apps_dir.mkdir(parents=True, exist_ok=True)
    target = apps_dir / manifest.name
    staged = apps_dir / f".{manifest.name}.{uuid.uuid4().hex[:8]}"
    shutil.copytree(source, staged, ignore=IGNORED, symlinks=True)
    old = apps_dir / f".{manifest.name}.old.{uuid.uuid4().hex[:8]}"
    if target.exists():
        target.rename(old)
    staged.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    return App(manifest, target)


def _no_links_out(source: Path) -> None:
    """Refuse an app whose symbolic links point outside its folder (its documents would be
    another folder's)."""
    root = source.resolve()
    for folder, names, files in os.walk(source):
        for name in names + files:
            path = Path(folder) / name
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise InvalidRequest(f"{path} links outside the app's folder; copy the file in.")


def example(name: str) -> Path | None:
    """The folder of an example app shipped with llmos (customer-service, home-assistant)."""
    folder = EXAMPLES / name
    return folder if re.fullmatch(NAME_PATTERN, name) and (folder / MANIFEST).is_file() else None


def examples() -> list[str]:
    return sorted(f.name for f in EXAMPLES.iterdir() if (f / MANIFEST).is_file())


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
    """Each app's tools (the built-in ones it may use, its knowledge, its Python modules', MCP
    servers' and HTTP endpoints'), listed once and kept while its manifest is unchanged."""

    def __init__(self, builtin: list[Tool], knowledge: Knowledge) -> None:
        self.builtin = {tool.name: tool for tool in builtin}
        self.knowledge = knowledge
        self._listed: dict[tuple[str, int, int], list[Tool]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def of(self, app: App) -> list[Tool]:
        # an install makes a new folder (a new inode), even when the manifest is unchanged
        manifest = app.folder / MANIFEST
        key = (app.manifest.name, app.folder.stat().st_ino, manifest.stat().st_mtime_ns)
        async with self._locks.setdefault(app.manifest.name, asyncio.Lock()):
            if key not in self._listed:
                if any(k[0] == key[0] for k in self._listed):  # installed again: a new index
                    await self.knowledge.forget(app.folder)
                tools = await self._tools(app)
                self._listed = {k: v for k, v in self._listed.items() if k[0] != key[0]}
                self._listed[key] = tools
            return self._listed[key]

    async def _tools(self, app: App) -> list[Tool]:
        manifest = app.manifest
        tools = [self.builtin[name] for name in manifest.capabilities]
        if manifest.knowledge:
            tools.append(self.knowledge.tool(manifest.name, app.folder, manifest.knowledge))
        for server in app.servers():
            tools += await list_tools(server)
        tools += [
            http_tool(e.name, e.description, e.url, e.parameters, timeout=e.timeout)
            for e in manifest.http
        ]
        confirm = set(manifest.confirm)
        return [replace(tool, dangerous=True) if tool.name in confirm else tool for tool in tools]
