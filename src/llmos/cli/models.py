"""``llmos models``, ``create``, ``show``, ``rm`` and ``pull``: the models llmos ships, your own
GGUF files, and installing a shipped model's packages."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.markup import escape
from rich.table import Table

from llmos.cli.common import (
    JsonOption,
    KeyOption,
    UrlOption,
    client_for,
    console,
    errors,
    load_settings,
    or_exit,
    size_text,
    whole_names,
)


def models(as_json: JsonOption = False) -> None:
    """List the models llmos ships and those you created, and whether they are installed."""
    rows = [_row(spec) for spec in _registry().models]
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = Table("NAME", "CAPABILITY", "INSTALLED", "BUDGETED")
    whole_names(table, [row["name"] for row in rows])
    for row in rows:
        installed = row["installed"] or f"[red]no[/] ({escape(row['install'])})"
        table.add_row(row["name"], row["capability"], installed, size_text(row["budgeted_bytes"]))
    console.print(table)


class ModelFile(BaseModel):
    """``llmos create -f FILE.toml``: Ollama's Modelfile, as TOML."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    gguf: str = Field(alias="from")
    mmproj: str | None = None
    template: str | None = None
    system: str | None = None
    context_length: int | None = None


def create(
    name: Annotated[str, typer.Argument(help="The new model's name.")],
    gguf: Annotated[
        Path | None, typer.Option("--from", help="The GGUF file (it is read where it lies).")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help="A TOML file: from, mmproj, template, system, context_length."
        ),
    ] = None,
    mmproj: Annotated[
        Path | None, typer.Option(help="A vision projector GGUF (mmproj-*.gguf).")
    ] = None,
    template: Annotated[
        Path | None, typer.Option(help="A Jinja chat template file [default: the GGUF's own].")
    ] = None,
    system: Annotated[str | None, typer.Option(help="The default system message.")] = None,
    ctx: Annotated[
        int | None, typer.Option(min=256, help="Context length in tokens [default: 4096, or less].")
    ] = None,
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Make a GGUF file of yours a chat model of the server (it must run on this machine, or
    see the same paths). Flags override the TOML file's values."""
    fields = _model_file(file) if file else {}
    if template is not None:
        fields["template"] = _read(template, "--template")
    given = {"gguf": gguf, "mmproj": mmproj, "system": system, "context_length": ctx}
    fields |= {key: value for key, value in given.items() if value is not None}
    if not fields.get("gguf"):
        errors.print("[red]error:[/] say which GGUF file: --from PATH, or 'from' in a --file.")
        raise typer.Exit(2)
    with client_for(url, api_key) as client, errors.status(f"reading {fields['gguf']}…"):
        made = or_exit(lambda: client.create_model(name, **fields))
    console.print(
        f"created {made.id}: {escape(made.description)}; about {size_text(made.memory_bytes)} "
        "when loaded",
        soft_wrap=True,
    )


def show(
    name: Annotated[str, typer.Argument(help="A model's name (see `llmos models`).")],
    url: UrlOption = None,
    api_key: KeyOption = None,
    as_json: JsonOption = False,
) -> None:
    """Describe a model: what it is, its memory estimate, licence, and for your own models the
    file, context, system message and template."""
    with client_for(url, api_key) as client:
        info = or_exit(lambda: client.model_info(name))
    if as_json:
        print(json.dumps(asdict(info), indent=2))
        return
    table = Table(show_header=False, box=None)
    rows: list[tuple[str, Any]] = [
        ("name", info.id), ("capability", info.capability), ("description", info.description),
        ("memory when loaded", size_text(info.memory_bytes)), ("loaded", info.loaded),
        ("licence", info.licence), ("package", info.package),
    ]  # fmt: skip
    if info.custom:
        facts = info.custom["facts"]
        rows += [
            ("file", info.custom["gguf"]), ("projector", info.custom["mmproj"]),
            ("architecture", facts["architecture"]),
            ("parameters", f"{facts['parameters']:,}"), ("quantisation", facts["file_type"]),
            ("context", f"{info.custom['context_length']} tokens (trained: "
                        f"{facts['context_length']})"),
            ("system", info.custom["system"]),
            ("template", info.custom["template"] or "the file's own"),
        ]  # fmt: skip
    for key, value in rows:
        if value is not None and value != "":
            table.add_row(key, escape(str(value)))
    console.print(table)


def rm(
    names: Annotated[list[str], typer.Argument(help="Models you created.")],
    url: UrlOption = None,
    api_key: KeyOption = None,
) -> None:
    """Remove models you created (their files stay where they are)."""
    with client_for(url, api_key) as client:
        for name in names:
            or_exit(lambda n=name: client.delete_model(n))
            console.print(f"deleted '{name}'")


def pull(name: Annotated[str, typer.Argument(help="A model llmos ships.")]) -> None:
    """Install a shipped model's packages with pip, showing pip's progress."""
    from llmos.capabilities.chat.custom import custom_model
    from llmos.errors import LlmosError

    try:
        spec = _registry().model(name)
    except LlmosError as error:
        errors.print(f"[red]error:[/] {escape(error.message)}", soft_wrap=True)
        raise typer.Exit(1) from None
    if custom_model(spec) is not None:
        console.print(f"{spec.name} is your own file: there is nothing to pull.")
        return
    installed = installed_version(spec)
    if installed:
        console.print(f"{spec.name} is installed ({spec.package or 'llmos'} {installed}).")
        return
    command = [sys.executable, "-m", "pip", "install", "--progress-bar", "on", *pip_args(spec)]
    console.print(f"installing {spec.name}: {' '.join(command[3:])}", soft_wrap=True)
    if subprocess.run(command).returncode != 0:
        errors.print(f"[red]error:[/] pip could not install {spec.name}; see pip's output above.")
        raise typer.Exit(1)
    console.print(f"{spec.name} is installed.")


def pip_args(spec) -> list[str]:
    """pip's arguments that install ``spec``: its ``install`` command's, with an llmos extra
    spelt out as the extra's pinned requirements (llmos itself may not come from an index)."""
    import shlex
    from importlib.metadata import requires

    words = shlex.split(spec.install)
    if words[:2] != ["pip", "install"]:
        raise ValueError(f"{spec.name}'s install is not a pip command: {spec.install}")
    args = []
    for word in words[2:]:
        if word.startswith("llmos["):
            extra = word.removeprefix("llmos[").rstrip("]")
            marker = f'extra == "{extra}"'
            args += [r.split(";")[0].strip() for r in requires("llmos") or [] if marker in r]
        else:
            args.append(word)
    return args


def _registry():
    import contextlib

    from llmos.errors import LlmosError
    from llmos.kernel import default_registry
    from llmos.kernel.kernel import stored_custom_models
    from llmos.storage import Database

    settings = load_settings()
    registry = default_registry(
        settings.aligned_dir, settings.generators_dir, settings.aliases_file
    ).with_parallel(settings.chat_slots)
    if settings.database_path.exists():
        database = Database(settings.database_path)
        try:
            for spec in stored_custom_models(database):
                with contextlib.suppress(LlmosError):  # a name a newer llmos took: not served
                    registry.add(spec.with_parallel(settings.chat_slots))
        finally:
            database.close()
    return registry


def installed_version(spec) -> str | None:
    """The installed version of the package that carries ``spec`` ("built in" when none
    does), or None when it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(spec.package) if spec.package else "built in"
    except PackageNotFoundError:
        return None


def _row(spec) -> dict[str, Any]:
    from llmos.capabilities.chat.custom import custom_model

    custom = custom_model(spec)
    installed = installed_version(spec)
    if custom is not None:
        installed = "your file" if custom.gguf.is_file() else None
    return {
        "name": spec.name,
        "capability": spec.capability,
        "package": spec.package,
        "installed": installed,
        "install": f"put {custom.gguf} back" if custom else spec.install,
        "budgeted_bytes": spec.memory_bytes,
        "licence": spec.licence,
        "description": spec.description,
    }


def _model_file(path: Path) -> dict[str, Any]:
    """The TOML file's fields; its relative paths are relative to the file's folder."""
    try:
        data = tomllib.loads(_read(path, "--file"))
        checked = ModelFile.model_validate(data)
    except tomllib.TOMLDecodeError as error:
        errors.print(f"[red]error:[/] {path} is not valid TOML: {error}")
        raise typer.Exit(2) from None
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        errors.print(f"[red]error:[/] {path}: {escape(problems)}")
        raise typer.Exit(2) from None
    fields = checked.model_dump(exclude_none=True)
    for key in ("gguf", "mmproj"):
        if key in fields:
            fields[key] = (path.parent / Path(fields[key]).expanduser()).absolute()
    return fields


def _read(path: Path, flag: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        errors.print(f"[red]error:[/] {flag}: cannot read {path}: {error}")
        raise typer.Exit(2) from None
